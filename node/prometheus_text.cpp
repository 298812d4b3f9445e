// Renders a node report as Prometheus text (see prometheus_text.hpp).
#include "node/prometheus_text.hpp"

#include <cstdio>
#include <map>
#include <sstream>

#include "core/latency_histogram.hpp"
#include "messages/kind_stats.hpp"

namespace ac {

namespace {

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\\' || c == '"')
      out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

class writer {
public:
  void family(const std::string& name, const char* type, const char* help) {
    out_ << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
  }
  void sample(const std::string& name, const std::string& labels, double v) {
    out_ << name;
    if (!labels.empty())
      out_ << '{' << labels << '}';
    out_ << ' ' << num(v) << '\n';
  }
  std::string str() const { return out_.str(); }

private:
  std::ostringstream out_;
};

} // namespace

// Long on purpose: one line per exported metric family, in the order of the exposition.
std::string render_prometheus(const node_report& rep) {
  writer w;
  auto node = "node=\"" + escape(rep.id) + "\"";
  auto counter = [&](const char* name, const char* help, double v) {
    w.family(name, "counter", help);
    w.sample(name, node, v);
  };
  auto gauge = [&](const char* name, const char* help, double v) {
    w.family(name, "gauge", help);
    w.sample(name, node, v);
  };
  w.family("actorcache_lookups_total", "counter", "L1 lookups by outcome.");
  w.sample("actorcache_lookups_total", node + ",result=\"hit\"", rep.totals.hits);
  w.sample("actorcache_lookups_total", node + ",result=\"miss\"", rep.totals.misses);
  w.family("actorcache_l2_requests_total", "counter", "Redis (L2) reads by outcome.");
  w.sample("actorcache_l2_requests_total", node + ",result=\"hit\"", rep.totals.l2_hits);
  w.sample("actorcache_l2_requests_total", node + ",result=\"miss\"", rep.totals.l2_misses);
  w.sample("actorcache_l2_requests_total", node + ",result=\"error\"", rep.totals.l2_errors);
  counter("actorcache_computes_total", "Values computed by the loader.", rep.totals.computes);
  counter("actorcache_coalesced_total", "Lookups that joined a load already in flight.",
          rep.totals.coalesced);
  counter("actorcache_errors_total", "Requests answered with an error.", rep.totals.errors);
  counter("actorcache_evictions_total", "Entries evicted to stay within budget.",
          rep.totals.evictions);
  counter("actorcache_expirations_total", "Entries dropped at the end of their TTL.",
          rep.totals.expirations);
  counter("actorcache_refresh_ahead_total",
          "Hot keys refreshed in the background before their TTL ended.", rep.totals.refresh_ahead);
  counter("actorcache_hot_misses_total",
          "L1 misses of keys that were hot (expired or evicted while read a lot).",
          rep.totals.hot_misses);
  counter("actorcache_restarts_total", "Actors restarted by the supervisor.", rep.totals.restarts);
  gauge("actorcache_entries", "Entries in L1.", rep.totals.entries);
  gauge("actorcache_bytes", "Bytes charged against the L1 budget.", rep.totals.bytes);
  gauge("actorcache_capacity_bytes", "L1 byte budget in force.", rep.totals.capacity_bytes);
  gauge("actorcache_hit_ratio", "L1 hits over lookups since start.", rep.totals.lifetime_hit_rate);
  gauge("actorcache_degraded", "1 when the supervisor saw too many restarts.", rep.totals.degraded);
  gauge("actorcache_sizing_memory_factor", "Memory factor of the last sizing decision.",
        rep.sizing.memory_factor);
  gauge("actorcache_sizing_cpu_factor", "CPU factor of the last sizing decision.",
        rep.sizing.cpu_factor);
  w.family("actorcache_l2_breaker", "gauge", "1 for the circuit breaker state in force.");
  for (auto s : {"closed", "open", "half-open", "disabled"})
    w.sample("actorcache_l2_breaker", node + ",state=\"" + s + "\"", rep.breaker == s ? 1 : 0);

  w.family("actorcache_actor_mailbox", "gauge", "Messages waiting in an actor's mailbox.");
  for (auto& a : rep.actors)
    w.sample("actorcache_actor_mailbox",
             node + ",actor=\"" + escape(a.name) + "\",kind=\"" + escape(a.kind) + "\"",
             static_cast<double>(a.mailbox));
  w.family("actorcache_actor_messages_total", "counter", "Messages an actor handled.");
  for (auto& a : rep.actors)
    w.sample("actorcache_actor_messages_total",
             node + ",actor=\"" + escape(a.name) + "\",kind=\"" + escape(a.kind) + "\"",
             static_cast<double>(a.handled));

  // The RESP port's row (kind "resp", absent when resp.enabled is false) counts commands by
  // name as cmd_<name>: one family with the command as a label, so dashboards can sum or pick.
  for (auto& a : rep.actors) {
    if (a.kind != resp_stats::kind)
      continue;
    w.family("actorcache_resp_commands_total", "counter",
             "Commands read on the RESP port, by command.");
    for (auto& [name, v] : a.counters)
      if (name.rfind("cmd_", 0) == 0)
        w.sample("actorcache_resp_commands_total",
                 node + ",command=\"" + escape(name.substr(4)) + "\"", static_cast<double>(v));
    auto resp = stats_of<resp_stats>(a);
    counter("actorcache_resp_connections_total", "Connections the RESP port accepted.",
            static_cast<double>(resp.connections));
    gauge("actorcache_resp_open_connections", "Connections open on the RESP port.",
          static_cast<double>(resp.open));
    counter("actorcache_resp_dropped_total", "RESP connections closed for a protocol error.",
            static_cast<double>(resp.dropped));
    break;
  }

  // One latency histogram per tier, merged over the actors of that kind.
  const std::map<std::string, std::string> tiers{
    {"shard", "l1"}, {"coalescer", "miss_path"}, {"redis_bridge", "l2"}, {"compute", "compute"}};
  std::map<std::string, latency_histogram> by_tier;
  for (auto& a : rep.actors) {
    auto t = tiers.find(a.kind);
    if (t != tiers.end() && !a.latency_buckets.empty())
      by_tier[t->second].merge(
        latency_histogram::from_buckets(a.latency_buckets, a.latency_sum_us, a.latency_max_us));
  }
  const std::vector<double> bounds{0.00001, 0.00005, 0.0001, 0.00025, 0.0005, 0.001,
                                   0.0025,  0.005,   0.01,   0.025,   0.05,   0.1,
                                   0.25,    0.5,     1,      2.5,     5,      10};
  w.family("actorcache_request_duration_seconds", "histogram",
           "Time to answer a lookup, by the tier that answered it.");
  for (auto& [tier, h] : by_tier) {
    auto labels = node + ",tier=\"" + tier + "\"";
    for (auto& [le, count] : h.cumulative(bounds))
      w.sample("actorcache_request_duration_seconds_bucket", labels + ",le=\"" + num(le) + "\"",
               static_cast<double>(count));
    w.sample("actorcache_request_duration_seconds_bucket", labels + ",le=\"+Inf\"",
             static_cast<double>(h.count()));
    w.sample("actorcache_request_duration_seconds_sum", labels, static_cast<double>(h.sum()) / 1e6);
    w.sample("actorcache_request_duration_seconds_count", labels, static_cast<double>(h.count()));
  }
  return w.str();
}

} // namespace ac
