// Plain-text rendering of node reports and member lists for the console.
#include "tools/console/report_table.hpp"

#include <algorithm>
#include <chrono>
#include <set>

#include <spdlog/fmt/fmt.h>

#include "core/human_format.hpp"
#include "core/printable_text.hpp"
#include "core/ttl_clock.hpp"
#include "tools/common/report_json.hpp"

namespace ac {

text_table::text_table(std::vector<std::string> header) { rows_.push_back(std::move(header)); }

void text_table::add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }

std::string text_table::render() const {
  std::vector<size_t> width;
  for (const auto& row : rows_) {
    if (width.size() < row.size())
      width.resize(row.size(), 0);
    for (size_t i = 0; i < row.size(); ++i)
      width[i] = std::max(width[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows_) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      if (i > 0)
        line += "  ";
      auto pad = std::string(width[i] - row[i].size(), ' ');
      line += i < 2 ? row[i] + pad : pad + row[i];
    }
    while (!line.empty() && line.back() == ' ')
      line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::string human_bytes(double bytes) { return format_bytes(bytes); }

namespace {

std::string counter(const actor_stats& a, const std::string& key) {
  auto i = a.counters.find(key);
  return i == a.counters.end() ? "-" : std::to_string(i->second);
}

std::string hit_rate(const actor_stats& a) {
  auto h = a.counters.find("hits");
  auto m = a.counters.find("misses");
  if (h == a.counters.end() && m == a.counters.end())
    return "-";
  double hits = h == a.counters.end() ? 0 : h->second;
  double misses = m == a.counters.end() ? 0 : m->second;
  return hits + misses > 0 ? format_percent(hits / (hits + misses)) : "-";
}

std::string p99(const actor_stats& a) {
  return a.latency_buckets.empty() ? "-"
                                   : format_duration_us(static_cast<double>(latency_of(a).p99_us));
}

double total(const node_report& r, const std::string& key) {
  auto i = r.totals.find(key);
  return i == r.totals.end() ? 0.0 : i->second;
}

} // namespace

std::string render_recommendations(const node_report& r) {
  if (r.recommendations.empty())
    return "no recommendations\n";
  std::string out;
  for (const auto& s : r.recommendations)
    out += "- " + s + "\n";
  return out;
}

std::string render_stats(const node_report& r) {
  text_table t{{"actor", "kind", "mailbox", "handled", "entries", "bytes", "hits", "misses",
                "hit rate", "p99"}};
  for (const auto& a : r.actors) {
    auto bytes = a.counters.find("bytes");
    t.add({a.name, a.kind, std::to_string(a.mailbox), std::to_string(a.handled),
           counter(a, "entries"),
           bytes == a.counters.end() ? "-" : human_bytes(static_cast<double>(bytes->second)),
           counter(a, "hits"), counter(a, "misses"), hit_rate(a), p99(a)});
  }
  std::string out = fmt::format("node {}\n", escape_bytes(r.id)) + t.render();
  out += fmt::format(
    "\ntotals: hits {} misses {} hit rate {} entries {} bytes {} p50 {} p99 {} "
    "computes {} coalesced {}\n",
    format_number(total(r, "hits")), format_number(total(r, "misses")),
    format_percent(total(r, "hit_rate")), format_number(total(r, "entries")),
    human_bytes(total(r, "bytes")), format_duration_us(total(r, "p50_us")),
    format_duration_us(total(r, "p99_us")), format_number(total(r, "computes")),
    format_number(total(r, "coalesced")));
  out +=
    fmt::format("L2: hits {} misses {} errors {} breaker {}\n", format_number(total(r, "l2_hits")),
                format_number(total(r, "l2_misses")), format_number(total(r, "l2_errors")),
                r.breaker.empty() ? "disabled" : r.breaker);
  out += fmt::format("sizing: memory x{} cpu x{} capacity {} ({})\n",
                     format_number(r.sizing.memory_factor), format_number(r.sizing.cpu_factor),
                     human_bytes(static_cast<double>(r.sizing.capacity_bytes)),
                     r.sizing.reason.empty() ? "-" : r.sizing.reason);
  static const std::set<std::string> shown = {"hits",      "misses",  "hit_rate",  "entries",
                                              "bytes",     "p50_us",  "p99_us",    "computes",
                                              "coalesced", "l2_hits", "l2_misses", "l2_errors"};
  std::string other;
  for (const auto& [k, v] : r.totals)
    if (shown.count(k) == 0)
      other += fmt::format("{}{}={}", other.empty() ? "" : " ", k, format_metric(k, v));
  if (!other.empty())
    out += "other: " + other + "\n";
  if (!r.hot_keys.empty()) {
    out += "hot keys:";
    for (const auto& [key, n] : r.hot_keys)
      out += fmt::format(" {}({})", escape_bytes(key), n);
    out += "\n";
  }
  out += "\nrecommendations:\n" + render_recommendations(r);
  return out;
}

std::string render_members(const membership_view& v) {
  text_table t{{"id", "address", "state", "epoch", "share", "last heartbeat"}};
  // Every heartbeat time in a view is stamped by the answering node's wall clock, and so is its
  // own entry (its "now"): ages measured against that are right even when that node's clock
  // (or this console's) is minutes off. The console's clock is the fallback for older nodes.
  auto now_ms = unix_ms();
  for (const auto& m : v.members)
    if (m.id == v.self && m.last_heartbeat_ms > 0)
      now_ms = m.last_heartbeat_ms;
  for (const auto& m : v.members) {
    std::string hb = m.last_heartbeat_ms == 0
                       ? "never"
                       : fmt::format("{:.1f}s ago", (now_ms - m.last_heartbeat_ms) / 1000.0);
    t.add({escape_bytes(m.id) + (m.id == v.self ? " *" : ""), m.address,
           std::string{to_string(m.state)}, std::to_string(m.epoch),
           fmt::format("{:.1f}%", 100 * m.share), hb});
  }
  return fmt::format("epoch {} (seen from {})\n", v.epoch, v.self) + t.render();
}

std::string render_top(const node_report& now, const node_report* prev, double seconds) {
  text_table t{{"actor", "kind", "msg/s", "mailbox", "handled", "hit rate", "p99"}};
  for (const auto& a : now.actors) {
    auto r = message_rate(a, prev, seconds);
    std::string rate = r >= 0 ? fmt::format("{:.0f}", r) : "-";
    t.add({a.name, a.kind, rate, std::to_string(a.mailbox), std::to_string(a.handled), hit_rate(a),
           p99(a)});
  }
  return fmt::format("node {}  hit rate {}  p99 {}\n", now.id,
                     format_percent(total(now, "hit_rate")),
                     format_duration_us(total(now, "p99_us")))
         + t.render();
}

std::string render_absent_member(const absent_member& m) {
  return "node " + escape_bytes(m.id) + " (" + escape_bytes(m.address) + "): " + m.state
         + ", no report\n";
}

} // namespace ac
