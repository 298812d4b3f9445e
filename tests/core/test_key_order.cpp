// core/key_order: operations on a key with a write out at Redis wait, and return in order.
#include <catch2/catch.hpp>

#include <algorithm>
#include <vector>

#include "core/key_order.hpp"

using namespace ac;

namespace {

/// Operations are named by a number; "sending one back" records it.
using order = key_order<int, int>;
using verdict = order::verdict;

/// Keys are named by their hash.
constexpr uint64_t k = 0x6b, other = 0x6f;

} // namespace

TEST_CASE("Operations on a key with nothing out run at once, and leave nothing behind",
          "[key_order]") {
  order o;
  CHECK(o.idle());
  CHECK(o.admit(k, 1) == verdict::run);
  o.write_out(k);
  CHECK_FALSE(o.idle());
  CHECK(o.admit(other, 2) == verdict::run); // only the written key waits
  CHECK(o.write_back(k) == std::nullopt);
  CHECK(o.idle());
  CHECK(o.waits() == 0);
}

TEST_CASE(
  "While a write is out, later operations on its key wait and come back in arrival "
  "order, one at a time",
  "[key_order]") {
  order o;
  o.write_out(k);
  CHECK(o.admit(k, 1) == verdict::wait);
  o.wait(k, 1, 1);
  CHECK(o.admit(k, 2) == verdict::wait);
  o.wait(k, 2, 2);
  CHECK(o.waits() == 2);
  // The write is back: the first waiting operation is sent back, the second still waits.
  CHECK(o.write_back(k) == std::optional<int>{1});
  // Something else arriving for the key before the sent-back one is not it: it waits too.
  CHECK(o.admit(k, 3) == verdict::wait);
  o.wait(k, 3, 3);
  CHECK(o.admit(k, 1) == verdict::run_returned);
  CHECK(o.ran(k) == std::optional<int>{2});
  // admit_one says the same as a list: the key it was sent back for, or the key to wait on.
  auto waits = o.admit_one(k, 4);
  CHECK(waits.wait_on == std::optional<uint64_t>{k});
  CHECK(waits.released.empty());
  auto back = o.admit_one(k, 2);
  CHECK_FALSE(back.wait_on);
  CHECK(back.released == std::vector<uint64_t>{k});
  CHECK(o.ran(k) == std::optional<int>{3});
  CHECK(o.admit(k, 3) == verdict::run_returned);
  CHECK(o.ran(k) == std::nullopt);
  CHECK(o.idle());
}

TEST_CASE("A sent-back operation that writes holds the rest until its own write is back",
          "[key_order]") {
  order o;
  o.write_out(k);
  o.wait(k, 1, 1); // a SET behind the first
  o.wait(k, 2, 2); // a GET behind it
  CHECK(o.write_back(k) == std::optional<int>{1});
  CHECK(o.admit(k, 1) == verdict::run_returned);
  o.write_out(k); // the SET leaves for Redis in its turn
  CHECK(o.ran(k) == std::nullopt);
  CHECK(o.admit(k, 2) == verdict::wait); // the GET is not sent back before the SET is in
  CHECK(o.write_back(k) == std::optional<int>{2});
  CHECK(o.admit(k, 2) == verdict::run_returned);
  CHECK(o.ran(k) == std::nullopt);
  CHECK(o.idle());
}

TEST_CASE("A failed write frees its key like an applied one", "[key_order]") {
  order o;
  o.write_out(k);
  o.write_out(k); // EXPIRE's L2 write and a put, say
  o.wait(k, 7, 7);
  CHECK(o.write_back(k) == std::nullopt); // one is still out
  CHECK(o.write_back(k) == std::optional<int>{7});
  CHECK(o.keys() == 1);
  CHECK(o.admit(k, 7) == verdict::run_returned);
  CHECK(o.ran(k) == std::nullopt);
  CHECK(o.keys() == 0);
  CHECK(o.write_back(uint64_t{99}) == std::nullopt);
}

TEST_CASE("An operation naming a key twice comes back once and never waits behind itself",
          "[key_order]") {
  order o;
  o.write_out(k);
  auto first = o.admit_all({k, k}, 1);
  REQUIRE(first.wait_on == std::optional<uint64_t>{k});
  o.wait(k, 1, 1);
  CHECK(o.write_back(k) == std::optional<int>{1});
  auto back = o.admit_all({k, k}, 1); // before, the second k queued it behind itself for ever
  CHECK_FALSE(back.wait_on);
  CHECK(back.released == std::vector<uint64_t>{k});
  CHECK(o.ran(k) == std::nullopt);
  CHECK(o.idle());
}

TEST_CASE(
  "An operation on two keys that comes back for one and must wait for the other frees "
  "the first, and frees the second when it comes back again",
  "[key_order]") {
  order o;
  o.write_out(other);
  auto a = o.admit_all({k, other}, 1); // k is free, other is written
  REQUIRE(a.wait_on == std::optional<uint64_t>{other});
  o.wait(other, 1, 1);
  CHECK(o.write_back(other) == std::optional<int>{1}); // sent back...
  o.write_out(k);                                      // ...and meanwhile k is written
  auto b = o.admit_all({k, other}, 1);
  CHECK(b.wait_on == std::optional<uint64_t>{k});
  CHECK(b.released == std::vector<uint64_t>{other});
  o.wait(k, 1, 1);
  CHECK(o.ran(other) == std::nullopt);
  CHECK_FALSE(o.busy(other)); // not left taken by the operation that went on to wait
  CHECK(o.write_back(k) == std::optional<int>{1});
  auto c = o.admit_all({k, other}, 1);
  CHECK_FALSE(c.wait_on);
  CHECK(c.released == std::vector<uint64_t>{k});
  CHECK(o.ran(k) == std::nullopt);
  CHECK(o.idle());
}

TEST_CASE("Draining hands over every waiting operation and leaves nothing taken", "[key_order]") {
  order o;
  o.write_out(k);
  o.wait(k, 1, 1);
  o.wait(k, 2, 2);
  o.write_out(other);
  o.wait(other, 3, 3);
  auto all = o.drain();
  std::sort(all.begin(), all.end());
  CHECK(all == std::vector<int>{1, 2, 3});
  CHECK(o.idle());
  CHECK(o.admit(k, 4) == verdict::run);
}
