// The front's requests over the node's whole L1: listing keys, flushing, the hottest keys.
#include <algorithm>
#include <memory>

#include "actors/front_internal.hpp"
#include "core/rendezvous_ring.hpp"
#include "core/scan_cursor.hpp"
#include "core/warm_plan.hpp"
#include "messages/errors.hpp"

namespace ac::front_impl {

namespace {

constexpr uint32_t max_scan_keys = 10000;

} // namespace

/// One page of this node's L1 keys: the shard the cursor names answers (core/scan_cursor.hpp),
/// and the cursor moves on to the next shard when that one is through. Callers repeat until
/// the cursor is 0.
caf::result<scan_page> scan_node(self_ptr self, uint64_t cursor, const std::string& pattern,
                                 uint32_t limit) {
  auto& shards = self->state.shards;
  uint64_t index = scan_shard_of(cursor);
  if (index >= shards.size())
    return make_error(errc::bad_request,
                      "scan cursor " + std::to_string(cursor) + " was not handed out by this node");
  limit = std::clamp<uint32_t>(limit, 1, max_scan_keys);
  auto n = shards.size();
  auto rp = self->make_response_promise<scan_page>();
  self
    ->request(shards[index], caf::infinite, scan_atom::value, scan_in_shard(cursor), pattern, limit)
    .then(
      [=](scan_page& page) mutable {
        page.cursor = next_scan_cursor(index, n, page.cursor);
        rp.deliver(std::move(page));
      },
      [=](caf::error& err) mutable { rp.deliver(std::move(err)); });
  return rp;
}

/// Drops every entry of every shard (near copies too); answers the sum once all have.
caf::result<uint64_t> flush_node(self_ptr self) {
  struct tally {
    uint64_t dropped = 0;
    size_t pending = 0;
    caf::typed_response_promise<uint64_t> rp;
  };
  auto& st = self->state;
  st.near.clear();
  auto t =
    std::make_shared<tally>(tally{0, st.shards.size(), self->make_response_promise<uint64_t>()});
  for (auto& shard : st.shards)
    self->request(shard, caf::infinite, flush_atom::value)
      .then(
        [t](uint64_t n) {
          t->dropped += n;
          if (--t->pending == 0)
            t->rp.deliver(t->dropped);
        },
        [t](caf::error& err) {
          if (t->pending > 0) {
            t->pending = 0;
            t->rp.deliver(std::move(err));
          }
        });
  return t->rp;
}

namespace {

/// Near copies are keys their owners report hot; reads answered from them never reach the
/// owner's shards, so without them the owner's list would miss its very hottest keys.
void add_near_copies(self_ptr self, warm_plan& plan) {
  auto& st = self->state;
  if (st.near.empty())
    return;
  hot_key_list near;
  near.keys = st.near.keys();
  near.counts.assign(near.keys.size(), uint64_t{1} << 40);
  plan.add(near.keys, near.counts);
}

/// The ring of `ids` with `asker` counted a member.
std::shared_ptr<rendezvous_ring> ring_with(std::vector<std::string> ids, const std::string& asker) {
  if (std::find(ids.begin(), ids.end(), asker) == ids.end())
    ids.push_back(asker); // it reached this node before the news of its join did
  auto ring = std::make_shared<rendezvous_ring>();
  ring->set_members(std::move(ids));
  return ring;
}

} // namespace

/// The node's hottest keys, at most n: every shard's list, hottest first (warming asks). With
/// `asker` (a member that joins or comes back) only keys it owns, in this node's view with it
/// counted a member, and the L1 entries of its range too: what this node served for it while it
/// was away is what its clients will read from it next, and few of those keys are hot enough
/// for the sampled lists.
caf::result<hot_key_list> hot_node(self_ptr self, uint32_t n, const std::string& asker) {
  struct gather {
    warm_plan plan;
    size_t pending = 0;
    caf::typed_response_promise<hot_key_list> rp;
  };
  auto& st = self->state;
  auto g = std::make_shared<gather>();
  g->pending = st.shards.size() * (asker.empty() ? 1 : 2);
  g->rp = self->make_response_promise<hot_key_list>();
  add_near_copies(self, g->plan);
  auto ring = asker.empty() ? nullptr : ring_with(st.routes.ids, asker);
  auto done = [g, n, ring, asker] {
    hot_key_list out;
    auto mine = [&](std::string_view key) {
      if (!ring)
        return true;
      auto owner = ring->owner_of(key_hash(key));
      return owner != nullptr && *owner == asker;
    };
    // warm_plan ranks; the counts travel along for the asker's own ranking.
    for (auto& key : g->plan.keys(mine, n))
      out.keys.push_back(key);
    out.counts = g->plan.counts_of(out.keys);
    g->rp.deliver(std::move(out));
  };
  if (g->pending == 0) {
    done();
    return g->rp;
  }
  auto take = [g, done](hot_key_list& l) {
    g->plan.add(l.keys, l.counts);
    if (--g->pending == 0)
      done();
  };
  auto skip = [g, done](caf::error&) {
    if (--g->pending == 0)
      done(); // a restarting shard's list is missing from this one, nothing more
  };
  for (auto& shard : st.shards) {
    self->request(shard, std::chrono::seconds(5), hot_atom::value, n).then(take, skip);
    if (!asker.empty())
      self->request(shard, std::chrono::seconds(5), hot_atom::value, scan_atom::value, n, asker)
        .then(take, skip);
  }
  return g->rp;
}

} // namespace ac::front_impl
