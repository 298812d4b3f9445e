// The client's batch window (the original note's 10 ms): gets spread within it reach the node as one request.
#include <catch2/catch.hpp>

#include "clients/cpp/get_batcher.hpp"
#include "tests/support/node_fixture.hpp"

using namespace ac;
using ac::test::node_fixture;
using namespace std::chrono_literals;

namespace {

/// Requests the node's gate has handled so far (its own stats row).
uint64_t gate_requests(node_fixture& f) {
  uint64_t n = 0;
  f.self->request(f.node.front, 5s, stats_atom::value)
    .receive([&](const actor_stats& row) { n = row.handled; }, [](caf::error&) {});
  return n;
}

/// Sends `n` gets to `batcher`, one every `gap`, and waits for every answer; the number of
/// answers that were values.
size_t spread_gets(node_fixture& f, caf::actor batcher, size_t n, std::chrono::milliseconds gap) {
  auto found = std::make_shared<size_t>(0);
  auto answered = std::make_shared<size_t>(0);
  auto client = f.sys.spawn(
    [=](caf::event_based_actor* me, caf::actor reply_to) -> caf::behavior {
      for (size_t i = 0; i < n; ++i)
        me->delayed_send(me, gap * static_cast<int>(i), caf::get_atom::value, i);
      return {[=](caf::get_atom, size_t i) {
        me->request(batcher, 10s, get_atom::value, "w" + std::to_string(i % 4), false, uint64_t{0})
          .then(
            [=](const lookup_result& r) {
              *found += r.found;
              if (++*answered == n)
                me->send(reply_to, caf::ok_atom::value);
            },
            [=](caf::error&) {
              if (++*answered == n)
                me->send(reply_to, caf::ok_atom::value);
            });
      }};
    },
    caf::actor{f.self});
  bool done = false;
  f.self->receive([&](caf::ok_atom) { done = true; }, caf::after(15s) >> [] {});
  REQUIRE(done);
  return *found;
}

} // namespace

TEST_CASE("gets spread over less than the batch window reach the node as one request",
          "[client][batching]") {
  node_fixture f;
  for (int i = 0; i < 4; ++i)
    REQUIRE(f.put("w" + std::to_string(i), "v") == "");
  // 20 gets, one every 2 ms (38 ms in all), inside a 400 ms window: one get_many on the wire.
  get_batchers batchers{f.sys, 256, caf::timespan{10s}, false, caf::timespan{400ms}};
  node_ref ref{"n", "", f.node.front, ""};
  auto* lane = batchers.of(ref);
  REQUIRE(lane != nullptr);
  auto before = gate_requests(f);
  CHECK(spread_gets(f, lane->batcher, 20, 2ms) == 20);
  CHECK(gate_requests(f) - before == 1);
  CHECK(batchers.counters().batches == 1);
  CHECK(batchers.counters().gets == 20);
  batchers.close();
}

TEST_CASE("a full batch leaves before its window ends", "[client][batching]") {
  node_fixture f;
  for (int i = 0; i < 4; ++i)
    REQUIRE(f.put("w" + std::to_string(i), "v") == "");
  // max_batch 5: 10 gets at once make two full batches, answered long before the 10 s window.
  get_batchers batchers{f.sys, 5, caf::timespan{10s}, false, caf::timespan{10s}};
  auto* lane = batchers.of(node_ref{"n", "", f.node.front, ""});
  REQUIRE(lane != nullptr);
  auto start = std::chrono::steady_clock::now();
  CHECK(spread_gets(f, lane->batcher, 10, 0ms) == 10);
  CHECK(std::chrono::steady_clock::now() - start < 5s);
  CHECK(batchers.counters().batches == 2);
  batchers.close();
}

TEST_CASE("without a window gets spread over time each leave at once", "[client][batching]") {
  node_fixture f;
  REQUIRE(f.put("w0", "v") == "");
  get_batchers batchers{f.sys, 256, caf::timespan{10s}, false};
  auto* lane = batchers.of(node_ref{"n", "", f.node.front, ""});
  REQUIRE(lane != nullptr);
  auto before = gate_requests(f);
  spread_gets(f, lane->batcher, 5, 30ms);
  CHECK(gate_requests(f) - before == 5);
  batchers.close();
}
