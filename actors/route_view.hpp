// The node's routing snapshot (members, owners, shards), published by the front for the RESP edge's sessions to read without a hop.
//
// Why: every lookup through one front actor serializes the node (issue 17's 16-core table);
// a session that can see who owns a key and which shard holds it sends the request straight
// there. The front stays the only writer; a snapshot is immutable once published.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "actors/shard_store.hpp"
#include "core/key_normalization.hpp"
#include "core/ownership_handoff.hpp"
#include "core/rendezvous_ring.hpp"
#include "core/watch_list.hpp"
#include "messages/front_actor.hpp"
#include "messages/shard_actor.hpp"

namespace ac {

struct route_snapshot {
  uint64_t epoch = 0;
  std::string self;                         ///< this node's id
  std::vector<std::string> ids;             ///< alive members (self included)
  std::vector<std::string> resp_addresses;  ///< ids[i]'s RESP host:port ("" = unknown)
  std::vector<front_actor> fronts;          ///< ids[i]'s front; invalid for this node
  rendezvous_ring ring;                     ///< ownership over ids
  ownership_change change;                  ///< the member set before the last change, and when
  std::vector<front_actor> draining_fronts; ///< fronts of change.draining, by index
  std::vector<shard_actor> shards;          ///< this node's shards, by index
  std::vector<std::shared_ptr<shard_store>> stores; ///< their L1s, by index (null: ask the shard)

  /// True when `node` runs an alive member's front (a fence to a node not among them is void).
  bool has_member_node(const caf::node_id& node) const {
    for (auto& f : fronts)
      if (f && f.node() == node)
        return true;
    return false;
  }
  /// True when `node` runs an alive or draining member's front: a node that may still answer
  /// what was sent to it (a draining member finishes its flights). A wait on any other node
  /// ends (core/watch_list's sweep).
  bool answering_node(const caf::node_id& node) const {
    if (has_member_node(node))
      return true;
    for (auto& f : draining_fronts)
      if (f && f.node() == node)
        return true;
    return false;
  }
  /// True when this node owns the key (or is alone).
  bool owns(uint64_t hash) const {
    if (ids.size() < 2)
      return true;
    auto owner = ring.owner_of(hash);
    return owner == nullptr || *owner == self;
  }
  /// The front of the peer owning the key; invalid when this node owns it (or is alone).
  front_actor owner_front(uint64_t hash) const {
    if (ids.size() < 2)
      return {};
    auto owner = ring.owner_of(hash);
    for (size_t i = 0; owner != nullptr && i < ids.size(); ++i)
      if (ids[i] == *owner)
        return fronts[i];
    return {};
  }
  const shard_actor& shard_for(uint64_t hash) const {
    return shards[shard_of(hash, static_cast<uint32_t>(shards.size()))];
  }
  /// The front of alive or draining member `id`; invalid when unknown or this node.
  front_actor front_of(const std::string& id) const {
    for (size_t i = 0; i < ids.size(); ++i)
      if (ids[i] == id)
        return fronts[i];
    for (size_t i = 0; i < change.draining.size() && i < draining_fronts.size(); ++i)
      if (change.draining[i] == id)
        return draining_fronts[i];
    return {};
  }
  /// The RESP address of the key's owner ("" when unknown).
  std::string owner_resp_address(uint64_t hash) const {
    auto owner = ring.owner_of(hash);
    for (size_t i = 0; owner != nullptr && i < ids.size(); ++i)
      if (ids[i] == *owner)
        return resp_addresses[i];
    return {};
  }
};

/// The waits in `waits` on nodes `snap` no longer counts as answering: declared down by the
/// cluster while their link stands (frozen, cut off), so no down message will end them. Those
/// targets are no longer watched.
template <class Wait>
std::vector<Wait> take_waits_on_gone_nodes(watch_list<caf::actor_addr, Wait>& waits,
                                           const route_snapshot& snap) {
  return waits.take_if(
    [&](const caf::actor_addr& target) { return !snap.answering_node(target.node()); });
}

/// One published snapshot, swapped whole. Readers copy the shared_ptr (a short lock) and read
/// the snapshot without one; a reader on a hot path keeps its copy in a route_reader.
class route_view {
public:
  std::shared_ptr<const route_snapshot> get() const {
    std::lock_guard<std::mutex> guard{mutex_};
    return snap_;
  }
  void set(std::shared_ptr<const route_snapshot> s) {
    std::lock_guard<std::mutex> guard{mutex_};
    snap_ = std::move(s);
    version_.fetch_add(1, std::memory_order_release);
  }
  /// Bumped by every set(), after the swap: a snapshot got after reading version v is at least
  /// as new as set number v.
  uint64_t version() const { return version_.load(std::memory_order_acquire); }

private:
  mutable std::mutex mutex_;
  std::shared_ptr<const route_snapshot> snap_ = std::make_shared<route_snapshot>();
  std::atomic<uint64_t> version_{0};
};

/// One reader's copy of a route_view's snapshot, refreshed only when the view changed since.
///
/// Why: get() takes the view's mutex and moves the snapshot's reference count, both on cache
/// lines every reader of the node shares; per request on many cores that is a hand-off of its
/// own. A reader keeps its copy and pays one atomic load of a line that changes only with the
/// membership. Not thread-safe (one actor, or one session at a time). The reference current()
/// returns stays valid until the next current() of the same reader: take it once per request.
class route_reader {
public:
  route_reader() = default;
  explicit route_reader(std::shared_ptr<const route_view> view) : view_(std::move(view)) {}

  const route_snapshot& current() {
    auto v = view_->version();
    if (!snap_ || v != seen_) {
      snap_ = view_->get();
      seen_ = v;
    }
    return *snap_;
  }

private:
  std::shared_ptr<const route_view> view_;
  std::shared_ptr<const route_snapshot> snap_;
  uint64_t seen_ = 0;
};

} // namespace ac
