// get_many routed by the caller: keys split by the node's route snapshot and asked of their shards and owner nodes straight, answers gathered in key order.
//
// Why: the front is one actor, and a lookup through it crosses it twice (request and answer).
// In-process get_many of 10 keys over two shards through the front gave 1.43M lookups/s on two
// cores; the same client actors asking the shards themselves 1.87M (bench/RESULTS.md, session
// 14), and on many cores the one front serializes every lookup (issue 17). An actor of the
// node's own process reads the front's published snapshot (route_view.hpp) and skips it: the
// RESP sessions' MGET and in-process client actors do. Keys are the caller's to check (the
// front's and the RESP edge's limits differ); the front stays the door for network clients.
#pragma once

#include <cstddef>
#include <memory>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include <caf/all.hpp>

#include "actors/key_dest.hpp"
#include "actors/route_view.hpp"
#include "core/key_partition.hpp"
#include "messages/errors.hpp"
#include "messages/lookup.hpp"

namespace ac {

/// How long each part may take: a local shard, and an owner node's front. `caf::infinite` is
/// safe for a local shard (a dead local actor answers with an error at once, and a shard bounds
/// its own loads), and costs no entry in CAF's actor clock (a mutex and a thread of its own).
struct routed_timeouts {
  caf::duration shard;
  caf::duration owner;
};

/// Asks each part of `plan` once: a local part of `shards` (by index), a remote one routed to
/// its owner node's front at `epoch`. The answer for `keys[j]` goes to `results[position(j)]`;
/// positions no part names keep what `results` held. `done(caf::expected<lookup_results>)` is
/// called once: with every answer, or with the first error as soon as it arrives. The keys are
/// moved out. The front's get_many and routed_get_many below both scatter through it.
template <class Self, class Position, class Done>
void scatter_get_many(Self* self, std::vector<key_part<key_dest>>& plan,
                      std::vector<std::string>& keys, Position position, lookup_results results,
                      const std::vector<shard_actor>& shards, uint64_t epoch,
                      routed_timeouts timeouts, Done done) {
  if (plan.empty()) {
    done(caf::expected<lookup_results>{std::move(results)});
    return;
  }
  struct state {
    gather<lookup_result, caf::error> parts;
    Done done;
    /// The first error answers at once (later parts are ignored); values once all are in.
    void settle() {
      if (!parts.answer_now())
        return;
      if (parts.error())
        done(caf::expected<lookup_results>{*parts.error()});
      else
        done(caf::expected<lookup_results>{std::move(parts.results())});
    }
  };
  auto n = results.size();
  auto acc = std::make_shared<state>(state{{n, plan.size(), std::move(results)}, std::move(done)});
  for (auto& part : plan) {
    std::vector<size_t> where;
    std::vector<std::string> part_keys;
    where.reserve(part.index.size());
    part_keys.reserve(part.index.size());
    for (auto j : part.index) {
      where.push_back(position(j));
      part_keys.push_back(std::move(keys[j]));
    }
    auto ok = [acc, where = std::move(where)](lookup_results& values) {
      acc->parts.place(where, values,
                       make_error(errc::bad_request, "get_many answer of wrong length"));
      acc->settle();
    };
    auto fail = [acc](caf::error& err) {
      acc->parts.fail(std::move(err));
      acc->settle();
    };
    if (part.dest.remote)
      self
        ->request(part.dest.peer, timeouts.owner, route_atom::value, get_many_atom::value,
                  std::move(part_keys), epoch)
        .then(std::move(ok), std::move(fail));
    else
      self
        ->request(shards[part.dest.shard], timeouts.shard, get_many_atom::value,
                  std::move(part_keys))
        .then(std::move(ok), std::move(fail));
  }
}

/// Asks each local shard and each owner node once for its part of `keys`, by the snapshot.
/// The answer for `keys[j]` goes to `results[positions[j]]`; positions `keys` does not name
/// keep what `results` held (answers found before, e.g. the RESP loop's L1 hits).
/// `on_forward(key, hash)` hears of each key sent to its owner node. `done` as for
/// scatter_get_many.
template <class Self, class OnForward, class Done>
void routed_get_many(Self* self, const route_snapshot& snap, std::vector<std::string> keys,
                     std::vector<size_t> positions, lookup_results results,
                     routed_timeouts timeouts, OnForward&& on_forward, Done done) {
  auto shards = static_cast<uint32_t>(snap.shards.size());
  auto plan = *partition<key_dest>(keys.size(), [&](size_t j) {
    auto h = key_hash(keys[j]);
    if (auto peer = snap.owner_front(h)) {
      on_forward(keys[j], h);
      return std::optional<key_dest>{key_dest::owner(std::move(peer))};
    }
    return std::optional<key_dest>{key_dest::local(shard_of(h, shards))};
  });
  scatter_get_many(
    self, plan, keys, [&positions](size_t j) { return positions[j]; }, std::move(results),
    snap.shards, snap.epoch, timeouts, std::move(done));
}

/// The plain form: every key asked, the answers in the order of `keys`.
template <class Self, class Done>
void routed_get_many(Self* self, const route_snapshot& snap, std::vector<std::string> keys,
                     routed_timeouts timeouts, Done done) {
  std::vector<size_t> positions(keys.size());
  std::iota(positions.begin(), positions.end(), size_t{0});
  lookup_results results(keys.size());
  routed_get_many(
    self, snap, std::move(keys), std::move(positions), std::move(results), timeouts,
    [](const std::string&, uint64_t) {}, std::move(done));
}

} // namespace ac
