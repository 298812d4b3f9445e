// `actorcache-console info` (see info_view.hpp).
#include "tools/console/info_view.hpp"

#include "core/human_format.hpp"
#include "core/printable_text.hpp"
#include "core/version.hpp"

namespace ac {

namespace {

struct cluster_counts {
  size_t members = 0;
  size_t alive = 0;
};

cluster_counts count_members(const membership_view& v) {
  cluster_counts c;
  for (const auto& m : v.members) {
    ++c.members;
    c.alive += m.state == member_state::alive;
  }
  return c;
}

double used_ratio(const node_report& r) {
  return r.sizing.capacity_bytes > 0 ? r.totals.bytes / static_cast<double>(r.sizing.capacity_bytes)
                                     : 0.0;
}

} // namespace

std::string render_info(const node_report& r, const membership_view& v) {
  auto c = count_members(v);
  std::string out;
  auto line = [&](const std::string& k, const std::string& val) { out += k + ": " + val + "\n"; };
  out += "# node\n";
  line("id", escape_bytes(r.id));
  line("console version", version);
  if (auto p = r.totals.resp_port; p > 0)
    line("resp port", format_number(p));
  out += "\n# cluster\n";
  line("epoch", std::to_string(v.epoch));
  line("members", std::to_string(c.members) + " (" + std::to_string(c.alive) + " alive)");
  out += "\n# memory\n";
  line("entries", format_number(r.totals.entries));
  line("used", format_bytes(r.totals.bytes) + " of "
                 + format_bytes(static_cast<double>(r.sizing.capacity_bytes)) + " ("
                 + format_percent(used_ratio(r)) + ")");
  out += "\n# traffic\n";
  line("hits", format_number(r.totals.hits));
  line("misses", format_number(r.totals.misses));
  line("hit rate", format_percent(r.totals.hit_rate));
  line("latency", "p50 " + format_duration_us(r.totals.p50_us) + ", p99 "
                    + format_duration_us(r.totals.p99_us));
  line("computes", format_number(r.totals.computes) + " (" + format_number(r.totals.coalesced)
                     + " callers coalesced)");
  out += "\n# l2\n";
  line("breaker", r.breaker.empty() || r.breaker == "disabled" ? "disabled (no Redis)" : r.breaker);
  line("hits / misses / errors", format_number(r.totals.l2_hits) + " / "
                                   + format_number(r.totals.l2_misses) + " / "
                                   + format_number(r.totals.l2_errors));
  out += "\n# recommendations\n";
  line("count", std::to_string(r.recommendations.size()));
  return out;
}

json info_json(const node_report& r, const membership_view& v) {
  auto c = count_members(v);
  const auto& t = r.totals;
  json traffic{{"hits", json_number(t.hits)},          {"misses", json_number(t.misses)},
               {"hit_rate", json_number(t.hit_rate)},  {"p50_us", json_number(t.p50_us)},
               {"p99_us", json_number(t.p99_us)},      {"computes", json_number(t.computes)},
               {"coalesced", json_number(t.coalesced)}};
  return {{"node", json_text(r.id)},
          {"tool_version", version},
          {"cluster",
           {{"epoch", v.epoch},
            {"members", static_cast<uint64_t>(c.members)},
            {"alive", static_cast<uint64_t>(c.alive)}}},
          {"memory",
           {{"entries", json_number(r.totals.entries)},
            {"bytes", json_number(r.totals.bytes)},
            {"capacity_bytes", r.sizing.capacity_bytes},
            {"used_ratio", json_number(used_ratio(r))}}},
          {"traffic", std::move(traffic)},
          {"l2",
           {{"breaker", r.breaker.empty() ? "disabled" : r.breaker},
            {"hits", json_number(r.totals.l2_hits)},
            {"misses", json_number(r.totals.l2_misses)},
            {"errors", json_number(r.totals.l2_errors)}}},
          {"resp_port", json_number(r.totals.resp_port)},
          {"recommendations", static_cast<uint64_t>(r.recommendations.size())}};
}

} // namespace ac
