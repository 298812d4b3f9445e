// SIGHUP reload of log level, sizing, advice thresholds and refresh-ahead (see config_reload.hpp).
#include "node/config_reload.hpp"

#include <spdlog/spdlog.h>
#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "node/config_file_check.hpp"

namespace ac {

namespace {

std::string ms_text(caf::timespan t) {
  return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(t).count()) + "ms";
}

} // namespace

reloadable_settings reloadable_of(const node_config& cfg) {
  return {cfg.log_level,       cfg.sizing_interval, cfg.sizing_cpu_target,  cfg.sizing_memory_rule,
          cfg.sizing_cpu_rule, cfg.advice,          cfg.cache_refresh_ahead};
}

std::string reread_settings(int argc, char** argv, reloadable_settings* out) {
  node_config fresh;
  fresh.load<caf::io::middleman>();
  if (auto msg = check_config_file(fresh.options(), config_file_of(argc, argv)); !msg.empty())
    return msg;
  if (auto msg = fresh.parse_command_line(argc, argv); !msg.empty())
    return msg;
  if (auto msg = fresh.validate(); !msg.empty())
    return msg;
  *out = reloadable_of(fresh);
  return {};
}

std::string describe_changes(const reloadable_settings& before, const reloadable_settings& after) {
  std::string out;
  auto add = [&](const std::string& name, const std::string& a, const std::string& b) {
    if (a == b)
      return;
    out += (out.empty() ? "" : ", ") + name + " " + a + " -> " + b;
  };
  add("log.level", before.log_level, after.log_level);
  add("sizing.interval", ms_text(before.sizing_interval), ms_text(after.sizing_interval));
  add("sizing.cpu-target", fmt::format("{}", before.sizing_cpu_target),
      fmt::format("{}", after.sizing_cpu_target));
  add("sizing.memory-rule", before.sizing_memory_rule ? "true" : "false",
      after.sizing_memory_rule ? "true" : "false");
  add("sizing.cpu-rule", before.sizing_cpu_rule ? "true" : "false",
      after.sizing_cpu_rule ? "true" : "false");
  auto num = [](double x) { return fmt::format("{}", x); };
  const auto& a = before.advice;
  const auto& b = after.advice;
  add("recommendations.min-hit-rate", num(a.min_hit_rate), num(b.min_hit_rate));
  add("recommendations.max-latency-ms", num(a.max_latency_ms), num(b.max_latency_ms));
  add("recommendations.max-error-rate", num(a.max_error_rate), num(b.max_error_rate));
  add("recommendations.high-usage", num(a.high_usage), num(b.high_usage));
  add("recommendations.warn-usage", num(a.warn_usage), num(b.warn_usage));
  add("recommendations.low-usage", num(a.low_usage), num(b.low_usage));
  add("cache.refresh-ahead", num(before.refresh_ahead), num(after.refresh_ahead));
  return out;
}

void reload_settings(int argc, char** argv, reloadable_settings& current,
                     const sizing_supervisor_actor& supervisor, const metrics_actor& metrics,
                     std::atomic<double>* refresh_ahead) {
  reloadable_settings next;
  if (auto why = reread_settings(argc, argv, &next); !why.empty()) {
    spdlog::error("SIGHUP: config not reloaded, every setting stays as it was: {}", why);
    return;
  }
  auto changes = describe_changes(current, next);
  // Logged before a new level applies, so that lowering it to warn still shows this line.
  spdlog::info("SIGHUP: config reloaded; {}", changes.empty() ? "nothing changed" : changes);
  spdlog::set_level(spdlog::level::from_str(next.log_level));
  if (!next.same_sizing(current))
    caf::anon_send(supervisor, update_atom::value, next.sizing_interval, next.sizing_cpu_target,
                   next.sizing_memory_rule, next.sizing_cpu_rule);
  if (next.advice != current.advice)
    caf::anon_send(metrics, update_atom::value, next.advice);
  if (refresh_ahead != nullptr)
    refresh_ahead->store(next.refresh_ahead, std::memory_order_relaxed);
  current = next;
}

} // namespace ac
