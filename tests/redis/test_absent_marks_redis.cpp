// Keys Redis said it lacks, kept in L1 as absent: for how long, and what ends it (in-process node, real redis-server).
#include <catch2/catch.hpp>

#include "core/ttl_clock.hpp"
#include "messages/entry_codec.hpp"
#include "tests/support/redis_node.hpp"

using namespace ac;
using namespace std::chrono_literals;

namespace {

/// A node over its own redis-server, no loader, marks kept a minute (so only what the test
/// does ends them).
struct marked_node : test::node_with_redis {
  marked_node()
    : test::node_with_redis{[](node_config& c) { c.redis_absent_ttl = std::chrono::minutes(1); }} {}

  /// Writes `key` into Redis as another writer would, behind the node's back.
  void write_behind(const std::string& key, const std::string& value) {
    auto conn = direct();
    std::string err;
    INFO(err);
    REQUIRE(conn.set_ex({{key, encode_entry(make_bytes_entry(value, 60, unix_ms(), "other")), 60}},
                        &err));
  }

  double l2_misses() { return test::total(report(), "l2_misses"); }
};

} // namespace

TEST_CASE_METHOD(marked_node,
                 "A key Redis said it lacks is answered absent by L1, and a write through the "
                 "node ends that at once",
                 "[redis][absent]") {
  CHECK(get("k") == "<miss>");
  auto asked = l2_misses();
  CHECK(asked == 1);
  write_behind("k", "behind"); // not through the node: the mark hides it
  for (int i = 0; i < 5; ++i)
    CHECK(get("k") == "<miss>");
  CHECK(l2_misses() == asked);
  REQUIRE(put("k", "through").empty());
  CHECK(get("k") == "through");
}

TEST_CASE_METHOD(marked_node,
                 "A change of owners drops every absent mark: a key may have been written "
                 "through another node meanwhile",
                 "[redis][absent][cluster]") {
  CHECK(get("moved") == "<miss>");
  write_behind("moved", "elsewhere");
  CHECK(get("moved") == "<miss>");
  for (auto& shard : node.shards)
    self->send(shard, ownership_atom::value, uint64_t{2}, false);
  CHECK(eventually([&] { return get("moved") == "elsewhere"; }));
}
