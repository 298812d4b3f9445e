// The dashboard's JSON document (see dashboard_json.hpp).
#include "node/dashboard_json.hpp"

#include "core/json_writer.hpp"

namespace ac {

namespace {

double total_of(const node_report& r, const char* k) {
  auto it = r.totals.find(k);
  return it == r.totals.end() ? 0.0 : it->second;
}

void write_node(json_writer& w, const std::string& id, const sampled_node& n) {
  const auto& r = n.report;
  w.begin_object();
  w.field("id", id).field("reachable", n.reachable).field("error", n.error);
  w.field("breaker", r.breaker.empty() ? std::string{"unknown"} : r.breaker);
  for (const char* k : {"hits", "misses", "hit_rate", "computes", "errors", "entries", "bytes",
                        "capacity_bytes", "p50_us", "p99_us"})
    w.field(k, total_of(r, k));
  w.key("sizing").begin_object();
  w.field("memory_factor", r.sizing.memory_factor).field("cpu_factor", r.sizing.cpu_factor);
  w.field("capacity_bytes", r.sizing.capacity_bytes).field("reason", r.sizing.reason);
  w.end_object();
  w.key("hot_keys").begin_array();
  for (const auto& [key, reads] : r.hot_keys)
    w.begin_array().value(key).value(reads).end_array();
  w.end_array();
  w.key("recommendations").begin_array();
  for (const auto& s : r.recommendations)
    w.value(s);
  w.end_array();
  w.key("series").begin_object();
  auto column = [&](const char* name, auto get) {
    w.key(name).begin_array();
    for (const auto& p : n.series.points())
      w.value(get(p));
    w.end_array();
  };
  column("t_ms", [](const rate_point& p) { return p.time_ms; });
  column("hits_per_s", [](const rate_point& p) { return p.hits_per_s; });
  column("misses_per_s", [](const rate_point& p) { return p.misses_per_s; });
  column("computes_per_s", [](const rate_point& p) { return p.computes_per_s; });
  column("p50_us", [](const rate_point& p) { return p.p50_us; });
  column("p99_us", [](const rate_point& p) { return p.p99_us; });
  w.end_object();
  w.end_object();
}

} // namespace

std::string dashboard_json(const cluster_sample& sample, std::chrono::milliseconds interval) {
  json_writer w;
  w.begin_object();
  w.field("self", sample.view.self).field("epoch", sample.view.epoch);
  w.field("taken_ms", sample.taken_ms).field("samples", sample.samples);
  w.field("interval_ms", static_cast<uint64_t>(interval.count()));
  w.key("members").begin_array();
  for (const auto& m : sample.view.members) {
    w.begin_object();
    w.field("id", m.id).field("address", m.address).field("resp_address", m.resp_address);
    w.field("state", std::string{to_string(m.state)}).field("share", m.share).field("last_heartbeat_ms", m.last_heartbeat_ms);
    w.end_object();
  }
  w.end_array();
  w.key("nodes").begin_array();
  for (const auto& [id, n] : sample.nodes)
    write_node(w, id, n);
  w.end_array();
  w.end_object();
  return w.str();
}

} // namespace ac
