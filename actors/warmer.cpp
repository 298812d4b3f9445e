// The warmer actor (see warmer.hpp): hot-key lists in, L2 loads out, paced by core/warm_plan.
#include "actors/warmer.hpp"
#include "actors/stats_helpers.hpp"

#include <spdlog/spdlog.h>

#include "actors/warmer_internal.hpp"
#include "core/key_normalization.hpp"
#include "core/warm_list.hpp"
#include "core/warm_plan.hpp"
#include "messages/kind_stats.hpp"

namespace ac {

namespace {

using namespace warmer_impl;
using clock = std::chrono::steady_clock;

double seconds_since(clock::time_point t) {
  return std::chrono::duration<double>(clock::now() - t).count();
}

void begin(self_ptr self, const warmer_config& cfg) {
  auto& st = self->state;
  st.now = warmer_state::phase::settling;
  st.settle_until = clock::now() + cfg.settle;
  self->delayed_send(self, cfg.settle, warm_atom::value, tick_atom::value);
}

/// A trigger: a run begins (after the settle time), or, while one settles, its start moves on
/// (the view is still changing), or one under way is followed by another.
void trigger(self_ptr self, const warmer_config& cfg) {
  auto& st = self->state;
  if (st.now == warmer_state::phase::idle) {
    begin(self, cfg);
  } else if (st.now == warmer_state::phase::settling) {
    st.settle_until = clock::now() + cfg.settle;
    st.only_new = false; // a follow-up settling becomes a full run
  } else {
    st.again = true;
    st.only_new = false;
  }
}

/// True when the view has a peer the runs since the last trigger did not ask: it appeared
/// after the plan (a node that starts sees its peers one by one), and its lists are missing.
bool unasked_peer(self_ptr self, const warmer_config& cfg) {
  auto snap = cfg.view->get();
  for (size_t i = 0; i < snap->ids.size() && i < snap->fronts.size(); ++i)
    if (snap->fronts[i] && self->state.asked.count(snap->ids[i]) == 0)
      return true;
  return false;
}

void finish(self_ptr self, const warmer_config& cfg, const char* why) {
  auto& st = self->state;
  ++st.counts.runs;
  st.counts.last_keys = st.run_loaded;
  st.last_candidates = st.queue.size();
  st.last_ms = static_cast<uint64_t>(seconds_since(st.run_start) * 1000);
  st.total_loaded += st.run_loaded;
  st.total_ms += st.last_ms;
  spdlog::info(
    "warming: {} hot keys loaded from L2 in {:.1f} s ({} were in L1, {} of {} asked; {})",
    st.run_loaded, seconds_since(st.run_start), st.run_present, st.next, st.queue.size(), why);
  st.queue.clear();
  st.next = 0;
  st.now = warmer_state::phase::idle;
  if (!st.again && unasked_peer(self, cfg)) {
    st.again = true;
    st.only_new = true; // what the others named is loaded: ask the newcomers only
  }
  if (st.again) {
    st.again = false;
    begin(self, cfg);
  }
}

void pump(self_ptr self, const warmer_config& cfg);

/// The lists of one run as they come in.
struct warm_gather {
  warm_plan plan;
  size_t pending = 0;
  size_t lists = 0;
};
using gather_ptr = std::shared_ptr<warm_gather>;

/// Ranks what the lists named, keeps what this node owns now, and starts loading.
void plan_run(self_ptr self, const warmer_config& cfg, const gather_ptr& g) {
  auto snap = cfg.view->get();
  auto owns = [&](std::string_view key) { return snap->owns(key_hash(key)); };
  auto& st = self->state;
  st.queue = g->plan.keys(owns, cfg.max_keys);
  st.next = 0;
  spdlog::info("warming: {} hot keys named by {} lists, {} of them owned here", g->plan.size(),
               g->lists, st.queue.size());
  st.now = warmer_state::phase::loading;
  st.run_start = st.last_progress = clock::now();
  pump(self, cfg);
}

size_t ask_peers(self_ptr self, const warmer_config& cfg, const gather_ptr& g);

/// One list is in (or null: an ask failed). Once every ask is answered, the members that
/// appeared meanwhile are asked too (a node that starts sees its peers one by one), then the
/// run is planned.
void on_list(self_ptr self, const warmer_config& cfg, const gather_ptr& g, const hot_key_list* l) {
  if (l != nullptr) {
    g->plan.add(l->keys, l->counts);
    ++g->lists;
  }
  if (--g->pending == 0 && ask_peers(self, cfg, g) == 0)
    plan_run(self, cfg, g);
}

/// Asks every peer of the current view not asked yet in this run; how many were asked.
size_t ask_peers(self_ptr self, const warmer_config& cfg, const gather_ptr& g) {
  auto snap = cfg.view->get();
  size_t n = 0;
  for (size_t i = 0; i < snap->ids.size() && i < snap->fronts.size(); ++i) {
    auto& peer = snap->fronts[i];
    if (!peer || !self->state.asked.insert(snap->ids[i]).second)
      continue;
    ++n;
    ++g->pending;
    // Named as the asker, a peer answers only the keys this node owns, and among them the L1
    // entries it served while this node was away; a peer of an older build knows only the
    // plain list.
    auto epoch = snap->epoch;
    self
      ->request(peer, cfg.request_timeout, route_atom::value, hot_atom::value, cfg.max_keys,
                snap->self, epoch)
      .then([self, cfg, g](hot_key_list& l) { on_list(self, cfg, g, &l); },
            [self, cfg, g, peer, epoch](caf::error& err) {
              if (err != caf::sec::unexpected_message)
                return on_list(self, cfg, g, nullptr);
              self
                ->request(peer, cfg.request_timeout, route_atom::value, hot_atom::value,
                          cfg.max_keys, epoch)
                .then([self, cfg, g](hot_key_list& l) { on_list(self, cfg, g, &l); },
                      [self, cfg, g](caf::error&) { on_list(self, cfg, g, nullptr); });
            });
  }
  return n;
}

/// Asks this node's shards, every peer and (the first run after a start) L2 for this node's
/// saved list; plans once all answered.
void collect(self_ptr self, const warmer_config& cfg) {
  auto& st = self->state;
  st.now = warmer_state::phase::collecting;
  st.run_start = st.last_progress = clock::now();
  st.run_loaded = st.run_present = st.started = 0;
  st.in_flight = 0;
  auto g = std::make_shared<warm_gather>();
  // Held until every ask below went out, so that an answer that comes at once cannot plan early.
  g->pending = 1;
  bool only_new = st.only_new;
  st.only_new = false;
  if (!only_new)
    st.asked.clear();
  for (auto& shard : cfg.view->get()->shards)
    if (shard && !only_new) {
      ++g->pending;
      self->request(shard, cfg.request_timeout, hot_atom::value, cfg.max_keys)
        .then([self, cfg, g](hot_key_list& l) { on_list(self, cfg, g, &l); },
              [self, cfg, g](caf::error&) { on_list(self, cfg, g, nullptr); });
    }
  ask_peers(self, cfg, g);
  if (st.list_unread && st.bridge) {
    // What this node held in L1 before it stopped (saved to L2 then, or at most a save
    // interval before a crash): after a restart its own lists are empty, and its peers' only
    // name what they saw of its range.
    st.list_unread = false;
    ++g->pending;
    auto max_keys = cfg.max_keys;
    self->request(st.bridge, cfg.request_timeout, l2_get_atom::value, warm_list_key(cfg.self_id))
      .then(
        [self, cfg, g, max_keys](lookup_result& r) {
          hot_key_list l;
          if (r.found && !decode_warm_list(r.value, max_keys, l.keys, l.counts))
            spdlog::warn("warming: this node's saved list in L2 is not one (ignored)");
          self->state.counts.listed = l.keys.size();
          spdlog::info("warming: this node's saved list names {} keys", l.keys.size());
          on_list(self, cfg, g, &l);
        },
        [self, cfg, g](caf::error& err) {
          spdlog::info("warming: this node's saved list could not be read: {}",
                       caf::to_string(err));
          on_list(self, cfg, g, nullptr);
        });
  }
  on_list(self, cfg, g, nullptr); // the hold above
}

/// Starts as many loads as the pace allows; the answers and a short tick call it again.
void pump(self_ptr self, const warmer_config& cfg) {
  auto& st = self->state;
  if (st.now != warmer_state::phase::loading)
    return;
  if (clock::now() - st.run_start > cfg.max_time) {
    if (st.in_flight == 0)
      finish(self, cfg, "stopped at warming.max-time");
    st.next = st.queue.size(); // no new loads; the last answers end the run
    return;
  }
  auto n = warm_budget(st.in_flight, cfg.concurrency, st.started, seconds_since(st.run_start),
                       cfg.rate, st.queue.size() - st.next);
  auto snap = cfg.view->get();
  for (size_t i = 0; i < n; ++i) {
    const auto& key = st.queue[st.next++];
    auto h = key_hash(key);
    if (!snap->owns(h) || snap->shards.empty())
      continue; // the view moved since the plan: another node warms it
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
    spdlog::info("warming: {} of {} hot keys asked, {} loaded", st.next, st.queue.size(),
                 st.run_loaded);
  }
  if (st.next >= st.queue.size() && st.in_flight == 0) {
    finish(self, cfg, "done");
    return;
  }
  if (st.next < st.queue.size() && st.in_flight < cfg.concurrency && !st.tick_pending) {
    st.tick_pending = true; // held back by the rate: look again shortly
    self->delayed_send(self, std::chrono::milliseconds(20), warm_atom::value, tick_atom::value);
  }
}

/// A tick: a settling run starts once the view has been still for the settle time; a run
/// that loads goes on at its pace.
void on_tick(self_ptr self, const warmer_config& cfg) {
  auto& st = self->state;
  if (st.now == warmer_state::phase::settling) {
    auto now = clock::now();
    if (now < st.settle_until)
      self->delayed_send(self, st.settle_until - now, warm_atom::value, tick_atom::value);
    else
      collect(self, cfg);
  } else {
    st.tick_pending = false;
    pump(self, cfg);
  }
}

/// The node has its first view (the members its seed named, or none): nothing to settle.
/// Peers answer for this node with it counted a member whatever they have heard, the saved
/// list names the range this node held, and a view that still lacks a member gives this
/// node a superset of its range (rendezvous: an absent member's keys spread over the
/// others), so the run starts now rather than let the first clients miss what the lists
/// name. A join's run that is settling starts now; one under way read the list already.
void on_first_view(self_ptr self, const warmer_config& cfg) {
  auto& st = self->state;
  if (st.counts.runs == 0
      && (st.now == warmer_state::phase::idle || st.now == warmer_state::phase::settling)) {
    st.only_new = false;
    collect(self, cfg);
  }
}

actor_stats make_stats(self_ptr self) {
  auto& st = self->state;
  auto row = stats_row(self, "warmer", st.handled);
  bool running = st.now != warmer_state::phase::idle;
  // keys and milliseconds add up every run since start (a join may bring two: one per
  // view change while members appear); the last run's own figures are in the log.
  auto run_ms =
    running && st.now == warmer_state::phase::loading ? seconds_since(st.run_start) * 1000 : 0.0;
  auto s = st.counts;
  s.in_progress = running ? 1 : 0;
  s.keys = static_cast<int64_t>(st.total_loaded + (running ? st.run_loaded : 0));
  s.candidates = static_cast<int64_t>(running ? st.queue.size() : st.last_candidates);
  s.milliseconds = static_cast<int64_t>(st.total_ms + run_ms);
  put_stats(row, s);
  return row;
}

} // namespace

warmer_actor::behavior_type warmer(warmer_actor::stateful_pointer<warmer_state> self,
                                   warmer_config cfg) {
  bool keeps_list = cfg.bridge && cfg.save_interval.count() > 0;
  self->state.bridge = cfg.bridge;
  self->state.list_unread = keeps_list;
  if (keeps_list)
    self->delayed_send(self, cfg.save_interval, warm_atom::value, put_atom::value,
                       tick_atom::value);
  return {
    [=](warm_atom) {
      ++self->state.handled;
      trigger(self, cfg);
    },
    [=](warm_atom, tick_atom) {
      ++self->state.handled;
      on_tick(self, cfg);
    },
    [=](warm_atom, get_atom) {
      ++self->state.handled;
      on_first_view(self, cfg);
    },
    [=](warm_atom, join_atom) {
      auto& st = self->state;
      ++st.handled;
      // A run under way checks for new peers when it ends, and a settling one asks the whole
      // view; an idle warmer asks the newcomers only.
      if (st.now == warmer_state::phase::idle && unasked_peer(self, cfg)) {
        st.only_new = true;
        begin(self, cfg);
      }
    },
    [=](warm_atom, ownership_atom) {
      auto& st = self->state;
      ++st.handled;
      // Every shard dropped its entries: the list this node saved at most a save interval ago
      // names what they held (its peers dropped theirs too, so their answers name little).
      if (st.bridge && cfg.save_interval.count() > 0)
        st.list_unread = true;
      trigger(self, cfg);
    },
    [=](warm_atom, put_atom) -> caf::result<bool> {
      ++self->state.handled;
      auto rp = self->make_response_promise<bool>();
      save(self, cfg, [rp](bool ok) mutable { rp.deliver(ok); });
      return rp;
    },
    [=](warm_atom, put_atom, tick_atom) {
      ++self->state.handled;
      save(self, cfg, [](bool) {});
      self->delayed_send(self, cfg.save_interval, warm_atom::value, put_atom::value,
                         tick_atom::value);
    },
    [=](update_atom, const redis_bridge_actor& bridge) { self->state.bridge = bridge; },
    [=](stats_atom) { return make_stats(self); },
  };
}

} // namespace ac
