// The console's --json documents: a node report, several of them, and a membership view.
#include "tools/common/report_json.hpp"

#include <set>

#include "core/latency_histogram.hpp"

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

std::string top_to_json(const node_report& now, const node_report* prev, double seconds) {
  auto total = [&](const char* k) {
    auto i = now.totals.find(k);
    return i == now.totals.end() ? 0.0 : i->second;
  };
  json_writer w;
  w.begin_object()
    .field("node", now.id)
    .field("seconds", prev != nullptr ? seconds : 0.0)
    .field("hit_rate", total("hit_rate"))
    .field("p99_us", total("p99_us"))
    .key("actors")
    .begin_array();
  for (const auto& a : now.actors) {
    w.begin_object().field("name", a.name).field("kind", a.kind);
    if (auto rate = message_rate(a, prev, seconds); rate >= 0)
      w.field("msg_per_s", rate);
    else
      w.key("msg_per_s").null();
    w.field("mailbox", a.mailbox).field("handled", a.handled);
    auto h = a.counters.find("hits");
    auto m = a.counters.find("misses");
    double reads = (h != a.counters.end() ? h->second : 0) + (m != a.counters.end() ? m->second : 0);
    if (reads > 0)
      w.field("hit_rate", (h != a.counters.end() ? h->second : 0) / reads);
    else
      w.key("hit_rate").null();
    w.field("p99_us", latency_of(a).p99_us).end_object();
  }
  return w.end_array().end_object().str();
}

namespace {

double total_or_zero(const node_report& r, const std::string& key) {
  auto i = r.totals.find(key);
  return i == r.totals.end() ? 0.0 : i->second;
}

void write_node(json_writer& w, const node_report& r) {
  static const char* promised[] = {"hits",   "misses", "hit_rate", "entries",  "bytes",
                                   "p50_us", "p99_us", "computes", "coalesced"};
  static const std::set<std::string> l2_keys = {"l2_hits", "l2_misses", "l2_errors", "warming_keys",
                                                "warming_seconds", "warming_in_progress"};
  w.begin_object().field("id", r.id);
  std::set<std::string> written;
  for (const char* k : promised) {
    w.field(k, total_or_zero(r, k));
    written.insert(k);
  }
  for (const auto& [k, v] : r.totals)
    if (written.count(k) == 0 && l2_keys.count(k) == 0 && k != "id" && k != "l2" && k != "sizing")
      w.field(k, v);
  w.key("l2")
    .begin_object()
    .field("hits", total_or_zero(r, "l2_hits"))
    .field("misses", total_or_zero(r, "l2_misses"))
    .field("errors", total_or_zero(r, "l2_errors"))
    .field("breaker", r.breaker.empty() ? std::string{"disabled"} : r.breaker)
    .end_object();
  // Warming since start: keys loaded from L2 ahead of demand, and the time it took.
  w.key("warming")
    .begin_object()
    .field("keys", total_or_zero(r, "warming_keys"))
    .field("seconds", total_or_zero(r, "warming_seconds"))
    .field("in_progress", total_or_zero(r, "warming_in_progress") > 0)
    .end_object();
  w.key("sizing")
    .begin_object()
    .field("memory_factor", r.sizing.memory_factor)
    .field("cpu_factor", r.sizing.cpu_factor)
    .field("capacity_bytes", r.sizing.capacity_bytes)
    .field("reason", r.sizing.reason)
    .field("base_bytes", r.sizing.base_bytes)
    .field("max_bytes", r.sizing.max_bytes);
  // Each rule: its switch and what it asks for, so a switched-off rule shows what it would do.
  w.key("rules").begin_object();
  w.key("memory").begin_object().field("enabled", r.sizing.memory_rule)
    .field("factor", r.sizing.memory_rule_factor).end_object();
  w.key("cpu").begin_object().field("enabled", r.sizing.cpu_rule)
    .field("measured", r.sizing.cpu_measured).field("factor", r.sizing.cpu_rule_factor).end_object();
  w.end_object();
  w.end_object();
  w.end_object();
}

void write_actor(json_writer& w, const actor_stats& a) {
  static const std::set<std::string> fixed = {"name", "kind", "mailbox", "handled", "p50_us",
                                              "p99_us"};
  auto lat = latency_of(a);
  w.begin_object()
    .field("name", a.name)
    .field("kind", a.kind)
    .field("mailbox", a.mailbox)
    .field("handled", a.handled);
  for (const auto& [k, v] : a.counters)
    if (fixed.count(k) == 0)
      w.field(k, v);
  w.field("p50_us", lat.p50_us).field("p99_us", lat.p99_us).end_object();
}

} // namespace

void write_report(json_writer& w, const node_report& r) {
  w.begin_object().key("node");
  write_node(w, r);
  w.key("actors").begin_array();
  for (const auto& a : r.actors)
    write_actor(w, a);
  w.end_array();
  w.key("recommendations").begin_array();
  for (const auto& s : r.recommendations)
    w.value(s);
  w.end_array();
  w.key("hot_keys").begin_array();
  for (const auto& [key, count] : r.hot_keys)
    w.begin_object().field("key", key).field("count", count).end_object();
  w.end_array();
  w.end_object();
}

std::string report_to_json(const node_report& r) {
  json_writer w;
  write_report(w, r);
  return w.str();
}

std::string reports_to_json(const std::vector<node_report>& rs, const std::vector<absent_member>& absent) {
  json_writer w;
  w.begin_object().key("nodes").begin_array();
  for (const auto& r : rs)
    write_report(w, r);
  for (const auto& m : absent)
    w.begin_object().field("id", m.id).field("address", m.address).field("state", m.state).end_object();
  w.end_array().end_object();
  return w.str();
}

std::string members_to_json(const membership_view& v) {
  json_writer w;
  w.begin_object().field("epoch", v.epoch).field("self", v.self).key("members").begin_array();
  for (const auto& m : v.members)
    w.begin_object()
      .field("id", m.id)
      .field("address", m.address)
      .field("resp_address", m.resp_address)
      .field("state", std::string{to_string(m.state)})
      .field("epoch", m.epoch)
      .field("share", m.share)
      .field("last_heartbeat_ms", m.last_heartbeat_ms)
      .end_object();
  w.end_array().end_object();
  return w.str();
}

} // namespace ac
