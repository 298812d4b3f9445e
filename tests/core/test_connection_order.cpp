// core/connection_order: which earlier command of a connection a later one must wait for.
#include <catch2/catch.hpp>

#include <set>
#include <vector>

#include "core/connection_order.hpp"

using namespace ac;

namespace {

using kind = connection_order::kind;

/// Slots still unanswered, as the session would say; the earliest of them.
struct owed_slots {
  std::set<uint64_t> open;
  bool operator()(uint64_t slot) const { return open.count(slot) != 0; }
  std::optional<uint64_t> first() const {
    return open.empty() ? std::nullopt : std::optional<uint64_t>{*open.begin()};
  }
};

std::optional<uint64_t> blocker(const connection_order& o, kind k, std::vector<uint64_t> keys,
                                const owed_slots& owed) {
  return o.blocker(k, keys.data(), keys.size(), owed.first(), owed);
}

void leave(connection_order& o, owed_slots& owed, uint64_t slot, kind k,
           std::vector<uint64_t> keys) {
  owed.open.insert(slot);
  o.left(slot, k, keys.data(), keys.size());
}

constexpr uint64_t a = 0xa, b = 0xb, c = 0xc;

} // namespace

TEST_CASE("Reads and writes of other keys, and reads behind reads, never wait",
          "[connection_order]") {
  connection_order o;
  owed_slots owed;
  CHECK_FALSE(blocker(o, kind::write, {a}, owed)); // nothing out at all
  leave(o, owed, 0, kind::read, {a});
  leave(o, owed, 1, kind::read, {a, b});
  CHECK_FALSE(blocker(o, kind::read, {a}, owed));
  CHECK_FALSE(blocker(o, kind::write, {c}, owed));
  CHECK_FALSE(blocker(o, kind::free, {a}, owed));
  CHECK_FALSE(blocker(o, kind::looks, {a}, owed)); // EXISTS reads L1 in the shard's order
  leave(o, owed, 2, kind::looks, {a});             // and is not recorded
  CHECK(o.entries() == 3);
  // Writes are not recorded: what they do reaches the shard before what comes after them.
  leave(o, owed, 3, kind::write, {c});
  CHECK_FALSE(blocker(o, kind::write, {c}, owed));
  CHECK(o.entries() == 3);
}

TEST_CASE(
  "A write waits for the earliest owed read of one of its keys, and not once it is answered",
  "[connection_order]") {
  connection_order o;
  owed_slots owed;
  leave(o, owed, 4, kind::read, {b});
  leave(o, owed, 5, kind::read, {a, c});
  leave(o, owed, 6, kind::read, {a});
  CHECK(blocker(o, kind::write, {a}, owed) == 5u);
  CHECK(blocker(o, kind::write, {c, b}, owed) == 4u);
  owed.open.erase(5); // answered out of order: its entries stay until trimmed, but do not count
  CHECK(blocker(o, kind::write, {a}, owed) == 6u);
  owed.open.erase(6);
  CHECK_FALSE(blocker(o, kind::write, {a}, owed));
  CHECK(blocker(o, kind::relayed, {b}, owed) == 4u); // a relayed write is a write too
}

TEST_CASE("Every command on a key waits for an owed relayed write of it", "[connection_order]") {
  connection_order o;
  owed_slots owed;
  leave(o, owed, 0, kind::relayed, {a});
  CHECK(blocker(o, kind::read, {a}, owed) == 0u);
  CHECK(blocker(o, kind::looks, {a}, owed) == 0u); // EXISTS behind AC.FILL sees the fill
  CHECK(blocker(o, kind::write, {b, a}, owed) == 0u);
  CHECK_FALSE(blocker(o, kind::read, {b}, owed));
  owed.open.erase(0);
  CHECK_FALSE(blocker(o, kind::read, {a}, owed));
}

TEST_CASE("A command on the whole keyspace waits for every earlier reply, one at a time",
          "[connection_order]") {
  connection_order o;
  owed_slots owed;
  CHECK_FALSE(blocker(o, kind::whole, {}, owed));
  owed.open = {3, 7}; // a SET and a GET out, whatever they are
  CHECK(blocker(o, kind::whole, {}, owed) == 3u);
  owed.open.erase(3);
  CHECK(blocker(o, kind::whole, {}, owed) == 7u);
}

TEST_CASE("Answered slots are forgotten once trimmed", "[connection_order]") {
  connection_order o;
  owed_slots owed;
  leave(o, owed, 0, kind::read, {a});
  leave(o, owed, 1, kind::read, {b});
  o.trim(1);
  CHECK(o.entries() == 1);
  owed.open.erase(0);
  CHECK_FALSE(blocker(o, kind::write, {a}, owed));
  CHECK(blocker(o, kind::write, {b}, owed) == 1u);
  o.trim(2);
  CHECK(o.empty());
}

TEST_CASE("Past max_keys a slot's keys stand for any key: memory stays bounded, order holds",
          "[connection_order]") {
  connection_order o;
  owed_slots owed;
  std::vector<uint64_t> many(connection_order::max_keys);
  for (size_t i = 0; i < many.size(); ++i)
    many[i] = 1000 + i;
  leave(o, owed, 0, kind::read, many);
  CHECK(o.entries() == connection_order::max_keys);
  // A write of one of 20 keys looked up sorted finds its read.
  std::vector<uint64_t> mset(20);
  for (size_t i = 0; i < mset.size(); ++i)
    mset[i] = 5000 - i;
  mset[7] = 1000 + 500;
  CHECK(blocker(o, kind::write, mset, owed) == 0u);
  leave(o, owed, 1, kind::read, {a, b}); // no room: one entry for any key
  CHECK(o.entries() == connection_order::max_keys + 1);
  owed.open.erase(0);
  CHECK(blocker(o, kind::write, {c}, owed) == 1u); // c was never read, but it may have been
  CHECK_FALSE(blocker(o, kind::read, {c}, owed));  // reads still pass
  o.trim(1);
  leave(o, owed, 2, kind::read, {c}); // room again once the big read is gone
  owed.open.erase(1);
  CHECK_FALSE(blocker(o, kind::write, {a}, owed));
  CHECK(blocker(o, kind::write, {c}, owed) == 2u);
}
