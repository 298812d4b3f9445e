// The warmer actor (see warmer.hpp): hot-key lists in, L2 loads out, paced by core/warm_plan.
#include "actors/warmer.hpp"

#include <spdlog/spdlog.h>

#include "core/key_normalization.hpp"
#include "core/warm_plan.hpp"

namespace ac {

namespace {

using self_ptr = warmer_actor::stateful_pointer<warmer_state>;
using clock = std::chrono::steady_clock;

double seconds_since(clock::time_point t) {
  return std::chrono::duration<double>(clock::now() - t).count();
}

void begin(self_ptr self, const warmer_config& cfg) {
  auto& st = self->state;
  st.now = warmer_state::phase::settling;
  self->delayed_send(self, cfg.settle, warm_atom::value, tick_atom::value);
}

void finish(self_ptr self, const warmer_config& cfg, const char* why) {
  auto& st = self->state;
  ++st.runs;
  st.last_loaded = st.run_loaded;
  st.last_candidates = st.queue.size();
  st.last_ms = static_cast<uint64_t>(seconds_since(st.run_start) * 1000);
  st.total_loaded += st.run_loaded;
  st.total_ms += st.last_ms;
  spdlog::info("warming: {} hot keys loaded from L2 in {:.1f} s ({} were in L1, {} of {} asked; {})",
               st.run_loaded, seconds_since(st.run_start), st.run_present, st.next, st.queue.size(), why);
  st.queue.clear();
  st.next = 0;
  st.now = warmer_state::phase::idle;
  if (st.again) {
    st.again = false;
    begin(self, cfg);
  }
}

void pump(self_ptr self, const warmer_config& cfg);

/// Asks this node's shards and every peer for their hottest keys; plans once all answered.
void collect(self_ptr self, const warmer_config& cfg) {
  auto& st = self->state;
  st.now = warmer_state::phase::collecting;
  st.run_start = st.last_progress = clock::now();
  st.run_loaded = st.run_present = st.started = 0;
  st.in_flight = 0;
  auto snap = cfg.view->get();
  struct gather {
    warm_plan plan;
    size_t pending = 0;
  };
  auto g = std::make_shared<gather>();
  auto plan = [self, cfg, g] {
    auto now_snap = cfg.view->get();
    auto owns = [&](std::string_view key) { return now_snap->owns(key_hash(key)); };
    auto& st = self->state;
    st.queue = g->plan.keys(owns, cfg.max_keys);
    st.next = 0;
    spdlog::info("warming: {} hot keys named by {} lists, {} of them owned here", g->plan.size(),
                 now_snap->shards.size() + now_snap->ids.size() - 1, st.queue.size());
    st.now = warmer_state::phase::loading;
    st.run_start = st.last_progress = clock::now();
    pump(self, cfg);
  };
  auto answer = [g, plan](const hot_key_list* l) {
    if (l != nullptr)
      g->plan.add(l->keys, l->counts);
    if (--g->pending == 0)
      plan();
  };
  for (auto& shard : snap->shards)
    if (shard) {
      ++g->pending;
      self->request(shard, cfg.request_timeout, hot_atom::value, cfg.max_keys)
        .then([answer](hot_key_list& l) { answer(&l); }, [answer](caf::error&) { answer(nullptr); });
    }
  for (auto& peer : snap->fronts)
    if (peer) {
      ++g->pending;
      self->request(peer, cfg.request_timeout, route_atom::value, hot_atom::value, cfg.max_keys, snap->epoch)
        .then([answer](hot_key_list& l) { answer(&l); }, [answer](caf::error&) { answer(nullptr); });
    }
  if (g->pending == 0) {
    ++g->pending;
    answer(nullptr);
  }
}

/// Starts as many loads as the pace allows; the answers and a short tick call it again.
void pump(self_ptr self, const warmer_config& cfg) {
  auto& st = self->state;
  if (st.now != warmer_state::phase::loading)
    return;
  if (clock::now() - st.run_start > cfg.max_time) {
    if (st.in_flight == 0)
      finish(self, cfg, "stopped at warming.max-time");
    st.next = st.queue.size();  // no new loads; the last answers end the run
    return;
  }
  auto n = warm_budget(st.in_flight, cfg.concurrency, st.started, seconds_since(st.run_start), cfg.rate,
                       st.queue.size() - st.next);
  auto snap = cfg.view->get();
  for (size_t i = 0; i < n; ++i) {
    const auto& key = st.queue[st.next++];
    auto h = key_hash(key);
    if (!snap->owns(h) || snap->shards.empty())
      continue;  // the view moved since the plan: another node warms it
    ++st.in_flight;
    ++st.started;
    self->request(snap->shard_for(h), cfg.request_timeout, warm_atom::value, key)
      .then(
        [self, cfg](lookup_result& r) {
          auto& st = self->state;
          --st.in_flight;
          if (r.found && r.source == static_cast<uint8_t>(tier::l1))
            ++st.run_present;
          else if (r.found)
            ++st.run_loaded;
          pump(self, cfg);
        },
        [self, cfg](caf::error&) {
          --self->state.in_flight;
          pump(self, cfg);
        });
  }
  if (seconds_since(st.last_progress) >= 1.0) {
    st.last_progress = clock::now();
    spdlog::info("warming: {} of {} hot keys asked, {} loaded", st.next, st.queue.size(), st.run_loaded);
  }
  if (st.next >= st.queue.size() && st.in_flight == 0) {
    finish(self, cfg, "done");
    return;
  }
  if (st.next < st.queue.size() && st.in_flight < cfg.concurrency && !st.tick_pending) {
    st.tick_pending = true;  // held back by the rate: look again shortly
    self->delayed_send(self, std::chrono::milliseconds(20), warm_atom::value, tick_atom::value);
  }
}

} // namespace

warmer_actor::behavior_type warmer(warmer_actor::stateful_pointer<warmer_state> self, warmer_config cfg) {
  return {
    [=](warm_atom) {
      auto& st = self->state;
      ++st.handled;
      if (st.now != warmer_state::phase::idle) {
        st.again = true;
        return;
      }
      begin(self, cfg);
    },
    [=](warm_atom, tick_atom) {
      auto& st = self->state;
      ++st.handled;
      if (st.now == warmer_state::phase::settling) {
        collect(self, cfg);
      } else {
        st.tick_pending = false;
        pump(self, cfg);
      }
    },
    [=](stats_atom) {
      auto& st = self->state;
      actor_stats row;
      row.name = "warmer";
      row.kind = "warmer";
      row.mailbox = self->mailbox().size();
      row.handled = st.handled;
      bool running = st.now != warmer_state::phase::idle;
      // keys and milliseconds add up every run since start (a join may bring two: one per
      // view change while members appear); the last run's own figures are in the log.
      auto run_ms = running && st.now == warmer_state::phase::loading ? seconds_since(st.run_start) * 1000 : 0.0;
      row.counters = {
        {"runs", static_cast<int64_t>(st.runs)},
        {"in_progress", running ? 1 : 0},
        {"keys", static_cast<int64_t>(st.total_loaded + (running ? st.run_loaded : 0))},
        {"candidates", static_cast<int64_t>(running ? st.queue.size() : st.last_candidates)},
        {"milliseconds", static_cast<int64_t>(st.total_ms + run_ms)},
        {"last_keys", static_cast<int64_t>(st.last_loaded)},
      };
      return row;
    },
  };
}

} // namespace ac
