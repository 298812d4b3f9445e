// The hand-off rules of a key whose owner changed: whom the new owner asks, and fences on the old owner.
#include <catch2/catch.hpp>

#include "core/key_normalization.hpp"
#include "core/ownership_handoff.hpp"

using namespace ac;
using namespace std::chrono_literals;

namespace {

ownership_change change_of(std::vector<std::string> before, std::vector<std::string> after,
                           handoff_clock::time_point at) {
  ownership_change c;
  c.before.set_members(std::move(before));
  c.after.set_members(std::move(after));
  c.at = at;
  return c;
}

/// A key `after` gives to `to` and `before` gave to `from`.
uint64_t key_moving(const ownership_change& c, const std::string& from, const std::string& to) {
  for (int i = 0;; ++i) {
    auto h = key_hash("k" + std::to_string(i));
    if (*c.before.owner_of(h) == from && *c.after.owner_of(h) == to)
      return h;
  }
}

} // namespace

TEST_CASE("the new owner of a moved key asks the previous owner within the window, and only then",
          "[handoff]") {
  auto t0 = handoff_clock::now();
  auto c = change_of({"a", "b", "c"}, {"a", "b", "c", "d"}, t0);
  auto h = key_moving(c, "b", "d");
  CHECK(previous_owner_to_ask(c, "d", h, t0 + 1s, 10s) == std::optional<std::string>{"b"});
  CHECK_FALSE(previous_owner_to_ask(c, "d", h, t0 + 10s, 10s)); // the window ended
  CHECK_FALSE(previous_owner_to_ask(c, "a", h, t0 + 1s, 10s));  // a does not own it now
}

TEST_CASE("a key that did not move, or a node that saw no change yet, asks nobody", "[handoff]") {
  auto t0 = handoff_clock::now();
  auto c = change_of({"a", "b", "c"}, {"a", "b", "c", "d"}, t0);
  for (int i = 0; i < 200; ++i) {
    auto h = key_hash("s" + std::to_string(i));
    auto owner = *c.after.owner_of(h);
    if (*c.before.owner_of(h) == owner)
      CHECK_FALSE(previous_owner_to_ask(c, owner, h, t0 + 1s, 10s));
  }
  ownership_change none;
  none.after.set_members({"a"});
  CHECK_FALSE(previous_owner_to_ask(none, "a", key_hash("x"), t0, 10s));
}

TEST_CASE("a previous owner that is no longer alive is not asked: its flight died with it",
          "[handoff]") {
  auto t0 = handoff_clock::now();
  auto c = change_of({"a", "b", "c"}, {"a", "c"}, t0);
  auto h = key_moving(c, "b", "c");
  CHECK_FALSE(previous_owner_to_ask(c, "c", h, t0 + 1s, 10s));
}

TEST_CASE("a previous owner that left cleanly is asked while it drains its flights, and not after",
          "[handoff]") {
  auto t0 = handoff_clock::now();
  auto c = change_of({"a", "b", "c"}, {"a", "c"}, t0);
  c.draining = {"b"};
  auto h = key_moving(c, "b", "c");
  CHECK(previous_owner_to_ask(c, "c", h, t0 + 1s, 10s) == std::optional<std::string>{"b"});
  c.draining.clear(); // its process exited
  CHECK_FALSE(previous_owner_to_ask(c, "c", h, t0 + 1s, 10s));
}

TEST_CASE("a fence sends a key's loads to its target until it ends; other keys are not fenced",
          "[handoff]") {
  fence_table<std::string> fences;
  auto t0 = handoff_clock::now();
  REQUIRE(fences.fence("k", "d", t0 + 5s));
  REQUIRE(fences.target_of("k", t0 + 1s) != nullptr);
  CHECK(*fences.target_of("k", t0 + 1s) == "d");
  CHECK(fences.target_of("other", t0 + 1s) == nullptr);
  CHECK(fences.target_of("k", t0 + 5s) == nullptr); // ended, and dropped
  CHECK(fences.size() == 0);
  REQUIRE(fences.fence("k", "e", t0 + 5s));
  fences.erase("k"); // its target died: the key is the old owner's to load again
  CHECK(fences.target_of("k", t0 + 1s) == nullptr);
}

TEST_CASE("a full fence table refuses a new key until fences end", "[handoff]") {
  fence_table<int> fences{2};
  auto now = handoff_clock::now();
  REQUIRE(fences.fence("a", 1, now + 1h));
  REQUIRE(fences.fence("b", 2, now + 1h));
  CHECK_FALSE(fences.fence("c", 3, now + 1h));
  CHECK(fences.fence("a", 4, now + 1h)); // a fenced key may be fenced again
  CHECK(*fences.target_of("a", now) == 4);
}

TEST_CASE(
  "a node gains a key when another member owned it before the change and it owns it now, "
  "at any time after the change",
  "[handoff]") {
  auto t0 = handoff_clock::now();
  // b left: a gains what b owned, keeps what it owned, and never gains what it owned before.
  auto c = change_of({"a", "b"}, {"a"}, t0);
  auto from_b = key_moving(c, "b", "a");
  auto kept = key_moving(c, "a", "a");
  CHECK(gained_with(c, "a", from_b));
  CHECK_FALSE(gained_with(c, "a", kept));
  CHECK_FALSE(gained_with(c, "b", from_b)); // b owns nothing now
  // b came back: b gains its keys again, a gains none.
  auto back = change_of({"a"}, {"a", "b"}, t0);
  auto to_b = key_moving(back, "a", "b");
  CHECK(gained_with(back, "b", to_b));
  CHECK_FALSE(gained_with(back, "a", to_b));
  CHECK_FALSE(gained_with(ownership_change{}, "a", from_b)); // no change seen yet
}
