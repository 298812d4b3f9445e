// The console's --json documents: a node report, several of them, and a membership view.
#include "tools/common/report_json.hpp"

#include <set>

#include "core/latency_histogram.hpp"
#include "messages/kind_stats.hpp"

namespace ac {

actor_latency latency_of(const actor_stats& a) {
  if (a.latency_buckets.empty())
    return {};
  auto h = latency_histogram::from_buckets(a.latency_buckets, a.latency_sum_us, a.latency_max_us);
  return {h.percentile(0.50), h.percentile(0.99)};
}

double message_rate(const actor_stats& now, const node_report* prev, double seconds) {
  if (prev == nullptr || seconds <= 0)
    return -1;
  for (const auto& old : prev->actors)
    if (old.name == now.name)
      return now.handled >= old.handled ? (now.handled - old.handled) / seconds : -1;
  return -1;
}

double shard_hit_rate(const actor_stats& a) {
  if (a.kind != shard_stats::kind)
    return -1;
  auto s = stats_of<shard_stats>(a);
  auto reads = s.hits + s.misses;
  return reads > 0 ? static_cast<double>(s.hits) / static_cast<double>(reads) : -1;
}

std::string top_to_json(const node_report& now, const node_report* prev, double seconds) {
  json doc{{"node", json_text(now.id)},
           {"seconds", json_number(prev != nullptr ? seconds : 0.0)},
           {"hit_rate", json_number(now.totals.hit_rate)},
           {"p99_us", json_number(now.totals.p99_us)},
           {"actors", json::array()}};
  for (const auto& a : now.actors) {
    json row{{"name", json_text(a.name)}, {"kind", json_text(a.kind)}};
    auto rate = message_rate(a, prev, seconds);
    row["msg_per_s"] = rate >= 0 ? json_number(rate) : json(nullptr);
    row["mailbox"] = a.mailbox;
    row["handled"] = a.handled;
    auto hit_rate = shard_hit_rate(a);
    row["hit_rate"] = hit_rate >= 0 ? json_number(hit_rate) : json(nullptr);
    row["p99_us"] = latency_of(a).p99_us;
    doc["actors"].push_back(std::move(row));
  }
  return dump_json(doc);
}

namespace {

json node_json(const node_report& r) {
  // These go into the "l2" and "warming" objects below instead of standing alone.
  static const std::set<std::string> nested = {
    "l2_hits", "l2_misses", "l2_errors", "warming_keys", "warming_seconds", "warming_in_progress"};
  json n{{"id", json_text(r.id)}};
  node_totals::fields(r.totals, [&](const char* k, double v) {
    if (nested.count(k) == 0)
      n[k] = json_number(v);
  });
  const auto& t = r.totals;
  n["l2"] = {{"hits", json_number(t.l2_hits)},
             {"misses", json_number(t.l2_misses)},
             {"errors", json_number(t.l2_errors)},
             {"breaker", r.breaker.empty() ? std::string{"disabled"} : r.breaker}};
  // Warming since start: keys loaded from L2 ahead of demand, and the time it took.
  n["warming"] = {{"keys", json_number(t.warming_keys)},
                  {"seconds", json_number(t.warming_seconds)},
                  {"in_progress", t.warming_in_progress > 0}};
  // Each rule: its switch and what it asks for, so a switched-off rule shows what it would do.
  json rules{
    {"memory",
     {{"enabled", r.sizing.memory_rule}, {"factor", json_number(r.sizing.memory_rule_factor)}}},
    {"cpu",
     {{"enabled", r.sizing.cpu_rule},
      {"measured", r.sizing.cpu_measured},
      {"factor", json_number(r.sizing.cpu_rule_factor)}}}};
  n["sizing"] = {{"memory_factor", json_number(r.sizing.memory_factor)},
                 {"cpu_factor", json_number(r.sizing.cpu_factor)},
                 {"capacity_bytes", r.sizing.capacity_bytes},
                 {"reason", json_text(r.sizing.reason)},
                 {"base_bytes", r.sizing.base_bytes},
                 {"max_bytes", r.sizing.max_bytes},
                 {"rules", std::move(rules)}};
  return n;
}

json actor_json(const actor_stats& a) {
  static const std::set<std::string> fixed = {"name",    "kind",   "mailbox",
                                              "handled", "p50_us", "p99_us"};
  auto lat = latency_of(a);
  json row{{"name", json_text(a.name)},
           {"kind", json_text(a.kind)},
           {"mailbox", a.mailbox},
           {"handled", a.handled}};
  for (const auto& [k, v] : a.counters)
    if (fixed.count(k) == 0)
      row[k] = v;
  row["p50_us"] = lat.p50_us;
  row["p99_us"] = lat.p99_us;
  return row;
}

json member_json(const absent_member& m) {
  return {
    {"id", json_text(m.id)}, {"address", json_text(m.address)}, {"state", json_text(m.state)}};
}

} // namespace

json report_json(const node_report& r) {
  json doc{{"node", node_json(r)},
           {"actors", json::array()},
           {"recommendations", json::array()},
           {"hot_keys", json::array()}};
  for (const auto& a : r.actors)
    doc["actors"].push_back(actor_json(a));
  for (const auto& s : r.recommendations)
    doc["recommendations"].push_back(json_text(s));
  for (const auto& [key, count] : r.hot_keys)
    doc["hot_keys"].push_back({{"key", json_text(key)}, {"count", count}});
  return doc;
}

std::string report_to_json(const node_report& r) { return dump_json(report_json(r)); }

std::string reports_to_json(const std::vector<node_report>& rs,
                            const std::vector<absent_member>& absent) {
  json nodes = json::array();
  for (const auto& r : rs)
    nodes.push_back(report_json(r));
  for (const auto& m : absent)
    nodes.push_back(member_json(m));
  return dump_json(json{{"nodes", std::move(nodes)}});
}

std::string members_to_json(const membership_view& v) {
  json members = json::array();
  for (const auto& m : v.members)
    members.push_back({{"id", json_text(m.id)},
                       {"address", json_text(m.address)},
                       {"resp_address", json_text(m.resp_address)},
                       {"state", json_text(std::string{to_string(m.state)})},
                       {"epoch", m.epoch},
                       {"share", json_number(m.share)},
                       {"last_heartbeat_ms", m.last_heartbeat_ms}});
  return dump_json(
    json{{"epoch", v.epoch}, {"self", json_text(v.self)}, {"members", std::move(members)}});
}

} // namespace ac
