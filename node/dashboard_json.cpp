// The dashboard's JSON document (see dashboard_json.hpp).
#include "node/dashboard_json.hpp"

#include "io/json.hpp"

namespace ac {

namespace {

json node_json(const std::string& id, const sampled_node& n) {
  const auto& r = n.report;
  json doc{{"id", json_text(id)},
           {"reachable", n.reachable},
           {"error", json_text(n.error)},
           {"breaker", r.breaker.empty() ? std::string{"unknown"} : r.breaker}};
  const auto& t = r.totals;
  const std::pair<const char*, double> totals[] = {
    {"hits", t.hits},         {"misses", t.misses},
    {"hit_rate", t.hit_rate}, {"computes", t.computes},
    {"errors", t.errors},     {"entries", t.entries},
    {"bytes", t.bytes},       {"capacity_bytes", t.capacity_bytes},
    {"p50_us", t.p50_us},     {"p99_us", t.p99_us}};
  for (auto& [k, v] : totals)
    doc[k] = json_number(v);
  doc["sizing"] = {{"memory_factor", json_number(r.sizing.memory_factor)},
                   {"cpu_factor", json_number(r.sizing.cpu_factor)},
                   {"capacity_bytes", r.sizing.capacity_bytes},
                   {"reason", json_text(r.sizing.reason)}};
  json hot = json::array();
  for (const auto& [key, reads] : r.hot_keys)
    hot.push_back(json::array({json_text(key), reads}));
  doc["hot_keys"] = std::move(hot);
  json recs = json::array();
  for (const auto& s : r.recommendations)
    recs.push_back(json_text(s));
  doc["recommendations"] = std::move(recs);
  json series = json::object();
  auto column = [&](const char* name, auto get) {
    json values = json::array();
    for (const auto& p : n.series.points())
      values.push_back(get(p));
    series[name] = std::move(values);
  };
  column("t_ms", [](const rate_point& p) { return json(p.time_ms); });
  column("hits_per_s", [](const rate_point& p) { return json_number(p.hits_per_s); });
  column("misses_per_s", [](const rate_point& p) { return json_number(p.misses_per_s); });
  column("computes_per_s", [](const rate_point& p) { return json_number(p.computes_per_s); });
  column("p50_us", [](const rate_point& p) { return json(p.p50_us); });
  column("p99_us", [](const rate_point& p) { return json(p.p99_us); });
  doc["series"] = std::move(series);
  return doc;
}

} // namespace

std::string dashboard_json(const cluster_sample& sample, std::chrono::milliseconds interval) {
  json members = json::array();
  for (const auto& m : sample.view.members)
    members.push_back({{"id", json_text(m.id)},
                       {"address", json_text(m.address)},
                       {"resp_address", json_text(m.resp_address)},
                       {"state", json_text(std::string{to_string(m.state)})},
                       {"share", json_number(m.share)},
                       {"last_heartbeat_ms", m.last_heartbeat_ms}});
  json nodes = json::array();
  for (const auto& [id, n] : sample.nodes)
    nodes.push_back(node_json(id, n));
  return dump_json({{"self", json_text(sample.view.self)},
                    {"epoch", sample.view.epoch},
                    {"taken_ms", sample.taken_ms},
                    {"samples", sample.samples},
                    {"interval_ms", static_cast<uint64_t>(interval.count())},
                    {"members", std::move(members)},
                    {"nodes", std::move(nodes)}});
}

} // namespace ac
