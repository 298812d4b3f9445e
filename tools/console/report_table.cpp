// Plain-text rendering of node reports and member lists for the console.
#include "tools/console/report_table.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <vector>

#include <spdlog/fmt/fmt.h>

#include "core/human_format.hpp"
#include "core/printable_text.hpp"
#include "core/ttl_clock.hpp"
#include "messages/kind_stats.hpp"
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

/// The shard columns of an actor's row (entries, bytes, hits, misses, hit rate): "-" for the
/// other kinds, which keep no L1.
std::vector<std::string> shard_columns(const actor_stats& a) {
  if (a.kind != shard_stats::kind)
    return {"-", "-", "-", "-", "-"};
  auto s = stats_of<shard_stats>(a);
  auto rate = shard_hit_rate(a);
  return {std::to_string(s.entries), human_bytes(static_cast<double>(s.bytes)),
          std::to_string(s.hits), std::to_string(s.misses), rate >= 0 ? format_percent(rate) : "-"};
}

std::string p99(const actor_stats& a) {
  return a.latency_buckets.empty() ? "-"
                                   : format_duration_us(static_cast<double>(latency_of(a).p99_us));
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
    std::vector<std::string> row{a.name, a.kind, std::to_string(a.mailbox),
                                 std::to_string(a.handled)};
    for (auto& c : shard_columns(a))
      row.push_back(std::move(c));
    row.push_back(p99(a));
    t.add(std::move(row));
  }
  std::string out = fmt::format("node {}\n", escape_bytes(r.id)) + t.render();
  out += fmt::format(
    "\ntotals: hits {} misses {} hit rate {} entries {} bytes {} p50 {} p99 {} "
    "computes {} coalesced {}\n",
    format_number(r.totals.hits), format_number(r.totals.misses), format_percent(r.totals.hit_rate),
    format_number(r.totals.entries), human_bytes(r.totals.bytes),
    format_duration_us(r.totals.p50_us), format_duration_us(r.totals.p99_us),
    format_number(r.totals.computes), format_number(r.totals.coalesced));
  out += fmt::format("L2: hits {} misses {} errors {} breaker {}\n",
                     format_number(r.totals.l2_hits), format_number(r.totals.l2_misses),
                     format_number(r.totals.l2_errors), r.breaker.empty() ? "disabled" : r.breaker);
  out += fmt::format("sizing: memory x{} cpu x{} capacity {} ({})\n",
                     format_number(r.sizing.memory_factor), format_number(r.sizing.cpu_factor),
                     human_bytes(static_cast<double>(r.sizing.capacity_bytes)),
                     r.sizing.reason.empty() ? "-" : r.sizing.reason);
  static const std::set<std::string> shown = {"hits",      "misses",  "hit_rate",  "entries",
                                              "bytes",     "p50_us",  "p99_us",    "computes",
                                              "coalesced", "l2_hits", "l2_misses", "l2_errors"};
  std::map<std::string, double> rest; // by name, as the line always listed them
  node_totals::fields(r.totals, [&](const char* k, double v) {
    if (shown.count(k) == 0)
      rest.emplace(k, v);
  });
  std::string other;
  for (const auto& [k, v] : rest)
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
    auto hit_rate = shard_hit_rate(a);
    t.add({a.name, a.kind, rate, std::to_string(a.mailbox), std::to_string(a.handled),
           hit_rate >= 0 ? format_percent(hit_rate) : "-", p99(a)});
  }
  return fmt::format("node {}  hit rate {}  p99 {}\n", now.id, format_percent(now.totals.hit_rate),
                     format_duration_us(now.totals.p99_us))
         + t.render();
}

std::string render_absent_member(const absent_member& m) {
  return "node " + escape_bytes(m.id) + " (" + escape_bytes(m.address) + "): " + m.state
         + ", no report\n";
}

} // namespace ac
