// The sizing supervisor (see sizing_supervisor.hpp): thin wiring over core/sizing_rules.
#include "actors/sizing_supervisor.hpp"

#include <spdlog/spdlog.h>

#include "actors/stats_helpers.hpp"
#include "core/sizing_rules.hpp"
#include "messages/errors.hpp"
#include "messages/kind_stats.hpp"

namespace ac {

namespace {

using self_ptr = sizing_supervisor_actor::stateful_pointer<sizing_supervisor_state>;

bool abnormal(const caf::error& reason) {
  return reason && reason != caf::exit_reason::user_shutdown && reason != caf::exit_reason::normal
         && reason != caf::exit_reason::kill;
}

/// Counts a restart and decides whether the node is degraded (too many within the window).
void count_restart(self_ptr self, const std::string& name) {
  auto& st = self->state;
  auto now = std::chrono::steady_clock::now();
  ++st.restarts[name];
  st.recent_restarts.push_back(now);
  while (!st.recent_restarts.empty() && now - st.recent_restarts.front() > st.cfg.window)
    st.recent_restarts.pop_front();
  if (st.recent_restarts.size() > st.cfg.max_restarts && !st.degraded) {
    st.degraded = true;
    spdlog::error("supervisor: {} restarts within {} s: the node is degraded",
                  st.recent_restarts.size(), st.cfg.window.count() / 1000);
  }
}

void restart_shard(self_ptr self, size_t i) {
  auto& st = self->state;
  auto& sc = st.cfg.shard_configs[i];
  sc.bridge = st.cfg.bridge;
  sc.compute = st.cfg.compute;
  auto fresh = self->spawn<caf::monitored>(shard, sc);
  st.spawned->push_back(caf::actor_cast<caf::actor>(fresh));
  st.cfg.shards[i] = fresh;
  self->send(st.cfg.front, update_atom::value, static_cast<uint32_t>(i),
             caf::actor_cast<caf::actor>(fresh));
  self->send(st.cfg.metrics, update_atom::value, static_cast<uint32_t>(i), fresh);
  count_restart(self, "shard-" + std::to_string(i));
  spdlog::warn("supervisor: restarted shard-{} (its keys come back from L2 on a miss)", i);
}

void tell_shards(self_ptr self) {
  for (auto& s : self->state.cfg.shards)
    self->send(s, update_atom::value, self->state.cfg.bridge, self->state.cfg.compute);
}

void on_down(self_ptr self, const caf::down_msg& dm) {
  auto& st = self->state;
  if (!abnormal(dm.reason))
    return;
  for (size_t i = 0; i < st.cfg.shards.size(); ++i)
    if (st.cfg.shards[i].address() == dm.source) {
      spdlog::error("supervisor: shard-{} failed: {}", i, describe(dm.reason));
      restart_shard(self, i);
      return;
    }
  if (st.cfg.bridge && st.cfg.bridge.address() == dm.source) {
    spdlog::error("supervisor: redis_bridge failed: {}", describe(dm.reason));
    st.cfg.bridge = self->spawn<caf::monitored>(redis_bridge, st.cfg.bridge_options);
    st.spawned->push_back(caf::actor_cast<caf::actor>(st.cfg.bridge));
    count_restart(self, "redis_bridge");
    tell_shards(self);
    if (st.cfg.warmer)
      self->send(st.cfg.warmer, update_atom::value, st.cfg.bridge);
  } else if (st.cfg.compute && st.cfg.compute.address() == dm.source) {
    spdlog::error("supervisor: compute failed: {}", describe(dm.reason));
    st.cfg.compute = self->spawn<caf::monitored>(compute, st.cfg.compute_options);
    st.spawned->push_back(caf::actor_cast<caf::actor>(st.cfg.compute));
    count_restart(self, "compute");
    tell_shards(self);
  }
}

sizing_report to_report(const sizing_decision& d, const sizing_input& in) {
  sizing_report r;
  r.memory_factor = d.memory_factor;
  r.cpu_factor = d.cpu_factor;
  r.capacity_bytes = d.capacity_bytes;
  r.reason = d.reason;
  r.memory_rule = d.memory.enabled;
  r.memory_rule_factor = d.memory.factor;
  r.cpu_rule = d.cpu.enabled;
  r.cpu_rule_factor = d.cpu.factor;
  r.cpu_measured = d.cpu.measured;
  r.base_bytes = in.base_bytes;
  r.max_bytes = in.max_bytes;
  return r;
}

/// Reads memory and CPU, decides the node capacity, splits it over shards by ghost-hit gains.
void resize(self_ptr self) {
  auto& st = self->state;
  ++st.decisions;
  sizing_input in{};
  in.base_bytes = st.cfg.base_bytes;
  in.max_bytes = st.cfg.max_bytes != 0 ? st.cfg.max_bytes : st.cfg.base_bytes;
  in.memory_rule = st.cfg.memory_rule;
  in.cpu_rule = st.cfg.cpu_rule;
  in.current_bytes = st.current.capacity_bytes;
  in.cpu_target = st.cfg.cpu_target;
  auto mem = st.cfg.memory ? st.cfg.memory->available_bytes() : std::nullopt;
  auto cpu = st.cfg.cpu ? st.cfg.cpu->utilization_percent() : std::nullopt;
  // Unknown memory changes nothing (assume plenty); unknown CPU stays unknown, so the reason
  // never quotes a figure nobody measured.
  in.available_bytes = mem.value_or(uint64_t{8} << 30);
  in.cpu_percent = cpu;
  auto d = decide_capacity(in);
  auto n = st.cfg.shards.size();
  auto split =
    split_capacity(d.capacity_bytes, st.gains.empty() ? std::vector<double>(n, 0.0) : st.gains);
  auto entries = std::max<uint64_t>(st.cfg.max_entries / std::max<size_t>(n, 1), 1);
  for (size_t i = 0; i < n; ++i)
    self->send(st.cfg.shards[i], resize_atom::value, split[i], entries);
  // Info only when the capacity moves: the reason quotes live readings (free memory, CPU),
  // so it differs on every tick and would fill the log at info every sizing.interval.
  if (d.capacity_bytes != st.current.capacity_bytes)
    spdlog::info("sizing: {}", d.reason);
  else
    spdlog::debug("sizing: {}", d.reason);
  st.current = to_report(d, in);
  self->send(st.cfg.metrics, update_atom::value, st.current);
}

/// Reads each shard's ghost hits since the last tick: the hit rate more capacity would buy.
void update_gains(self_ptr self) {
  auto& st = self->state;
  auto n = st.cfg.shards.size();
  st.ghost_seen.resize(n, 0);
  st.gains.resize(n, 0.0);
  for (size_t i = 0; i < n; ++i)
    self->request(st.cfg.shards[i], std::chrono::seconds(1), stats_atom::value)
      .then(
        [=](const std::vector<actor_stats>& rows) {
          auto& s = self->state;
          if (rows.empty() || i >= s.gains.size())
            return;
          auto shard = stats_of<shard_stats>(rows[0]);
          auto ghosts = static_cast<uint64_t>(shard.ghost_hits);
          auto lookups = static_cast<double>(shard.hits + shard.misses);
          auto delta = ghosts >= s.ghost_seen[i] ? ghosts - s.ghost_seen[i] : ghosts;
          s.ghost_seen[i] = ghosts;
          s.gains[i] = lookups > 0 ? static_cast<double>(delta) / lookups : 0.0;
        },
        [](caf::error&) {});
}

} // namespace

sizing_supervisor_actor::behavior_type sizing_supervisor(
  sizing_supervisor_actor::stateful_pointer<sizing_supervisor_state> self,
  sizing_supervisor_config cfg) {
  self->state.cfg = std::move(cfg);
  for (auto& s : self->state.cfg.shards)
    self->monitor(s);
  if (self->state.cfg.bridge)
    self->monitor(self->state.cfg.bridge);
  if (self->state.cfg.compute)
    self->monitor(self->state.cfg.compute);
  self->set_down_handler([=](caf::down_msg& dm) { on_down(self, dm); });
  // Whoever ends the supervisor ends what it restarted too (monitored, not linked).
  self->attach_functor([spawned = self->state.spawned](const caf::error&) {
    for (auto& a : *spawned)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  });
  resize(self);
  self->delayed_send(self, self->state.cfg.interval, tick_atom::value);
  return {
    [=](tick_atom) {
      ++self->state.handled;
      update_gains(self);
      resize(self);
      self->delayed_send(self, self->state.cfg.interval, tick_atom::value);
    },
    [=](update_atom, caf::timespan interval, double cpu_target, bool memory_rule, bool cpu_rule) {
      auto& c = self->state.cfg;
      c.interval = std::chrono::duration_cast<std::chrono::milliseconds>(interval);
      c.cpu_target = cpu_target;
      c.memory_rule = memory_rule;
      c.cpu_rule = cpu_rule;
    },
    [=](get_atom) { return self->state.current; },
    [=](stats_atom) {
      auto& st = self->state;
      auto row = stats_row(self, "sizing_supervisor", st.handled);
      supervisor_stats s;
      for (auto& kv : st.restarts) {
        row.counters["restarts_" + kv.first] = static_cast<int64_t>(kv.second);
        s.restarts += static_cast<int64_t>(kv.second);
      }
      s.degraded = st.degraded ? 1 : 0;
      s.decisions = static_cast<int64_t>(st.decisions);
      s.capacity_bytes = static_cast<int64_t>(st.current.capacity_bytes);
      put_stats(row, s);
      for (size_t i = 0; i < st.gains.size(); ++i)
        row.counters["gain_ppm_shard_" + std::to_string(i)] =
          static_cast<int64_t>(st.gains[i] * 1e6);
      return row;
    },
  };
}

} // namespace ac
