// The front's routing of client requests: key checks, key owners, split batches, near copies.
#include <map>

#include "actors/front_internal.hpp"
#include "actors/key_dest.hpp"
#include "actors/routed_reads.hpp"
#include "core/key_partition.hpp"
#include "messages/errors.hpp"

namespace ac::front_impl {

caf::error check_key(self_ptr self, const front_config& cfg, const std::string& key) {
  switch (validate_key(key, cfg.max_key_bytes)) {
    case key_error::none:
      return caf::none;
    case key_error::empty:
      ++self->state.counts.refused;
      return make_error(errc::empty_key, "the key is empty");
    case key_error::too_long:
      ++self->state.counts.refused;
      return make_error(errc::key_too_long, "key of " + std::to_string(key.size())
                                              + " bytes exceeds cache.max-key-bytes="
                                              + std::to_string(cfg.max_key_bytes));
  }
  return make_error(errc::bad_request, "invalid key");
}

const shard_actor& shard_for(self_ptr self, uint64_t hash) {
  auto& shards = self->state.shards;
  return shards[shard_of(hash, static_cast<uint32_t>(shards.size()))];
}

/// The front of the peer owning `hash`, or an invalid handle when this node owns it (or is alone).
front_actor owner_front(self_ptr self, uint64_t hash) {
  auto& st = self->state;
  if (st.routes.ids.size() < 2)
    return {};
  auto owner = st.ring.owner_of(hash);
  if (!owner || *owner == st.routes.self)
    return {};
  for (size_t i = 0; i < st.routes.ids.size(); ++i)
    if (st.routes.ids[i] == *owner && st.routes.fronts[i])
      return caf::actor_cast<front_actor>(st.routes.fronts[i]);
  return {};
}

/// Refuses at once when the front's own queue is beyond node.max-inflight, so an overload
/// shows as fast `overloaded` errors instead of an ever-growing mailbox.
caf::error check_load(self_ptr self, const front_config& cfg) {
  if (cfg.max_inflight == 0 || self->mailbox().size() <= cfg.max_inflight)
    return caf::none;
  ++self->state.counts.overloaded;
  return make_error(errc::overloaded, "more than node.max-inflight="
                                        + std::to_string(cfg.max_inflight) + " requests queued");
}

/// Splits a batch by target (local shard, or owner node when `may_forward`), asks each once,
/// answers in key order.
caf::result<lookup_results> get_many(self_ptr self, const front_config& cfg,
                                     std::vector<std::string>& keys, bool may_forward) {
  // One request of 100k+ keys kept the shards busy for seconds while every other caller
  // waited behind it: refuse it whole, before any work, as MGET does with resp.max-keys.
  if (keys.size() > cfg.max_keys_per_request) {
    ++self->state.counts.refused;
    return make_error(errc::bad_request,
                      std::to_string(keys.size())
                        + " keys in one get_many exceed node.max-keys-per-request="
                        + std::to_string(cfg.max_keys_per_request));
  }
  for (auto& k : keys)
    if (auto err = check_key(self, cfg, k))
      return err;
  auto shards = static_cast<uint32_t>(self->state.shards.size());
  auto plan = *partition<key_dest>(keys.size(), [&](size_t i) {
    auto h = key_hash(keys[i]);
    front_actor peer = may_forward ? owner_front(self, h) : front_actor{};
    return std::optional<key_dest>{peer ? key_dest::owner(peer)
                                        : key_dest::local(shard_of(h, shards))};
  });
  if (plan.empty())
    return lookup_results{};
  // One local shard holds every key: it answers the caller directly, in the caller's order.
  if (plan.size() == 1 && !plan[0].dest.remote)
    return self->delegate(self->state.shards[plan[0].dest.shard], get_many_atom::value,
                          std::move(keys));
  auto& st = self->state;
  for (auto& part : plan)
    st.counts.forwarded += part.dest.remote ? 1 : 0;
  auto rp = self->make_response_promise<lookup_results>();
  // Local shards need no timeout: a dead local actor answers with an error at once, and a
  // shard's own loads are bounded; the caller's deadline still applies end to end.
  scatter_get_many(
    self, plan, keys, [](size_t i) { return i; }, lookup_results(keys.size()), st.shards,
    st.routes.epoch, routed_timeouts{caf::infinite, caf::duration{cfg.forward_timeout}},
    [rp](caf::expected<lookup_results> all) mutable {
      if (all)
        rp.deliver(std::move(*all));
      else
        rp.deliver(all.error());
    });
  return rp;
}

/// Forwards a get to the key's owner; keeps a near copy when the owner says the key is hot,
/// so one key's storm does not all land on one node.
caf::result<lookup_result> forward_get(self_ptr self, const front_config& cfg,
                                       const front_actor& peer, const std::string& key) {
  auto& st = self->state;
  if (auto* copy = st.near.find(key, std::chrono::steady_clock::now())) {
    ++st.counts.near_hits;
    return make_hit(*copy, tier::l1);
  }
  ++st.counts.forwarded;
  if (cfg.hot_ttl.count() == 0)
    return self->delegate(peer, route_atom::value, get_atom::value, key, st.routes.epoch);
  auto rp = self->make_response_promise<lookup_result>();
  self->request(peer, cfg.forward_timeout, route_atom::value, get_atom::value, key, st.routes.epoch)
    .then(
      [=](lookup_result& r) mutable {
        auto& s = self->state;
        if (r.found && r.hot)
          s.near.keep(key, r.value, std::chrono::steady_clock::now() + cfg.hot_ttl);
        rp.deliver(std::move(r));
      },
      [=](caf::error& err) mutable { rp.deliver(std::move(err)); });
  return rp;
}

} // namespace ac::front_impl
