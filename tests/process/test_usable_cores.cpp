// Process tests: a node sizes its threads by the cores it may use (affinity mask), and INFO says how.
#include <catch2/catch.hpp>

#include <sched.h>

#include <string>

#include "tests/support/node_process.hpp"
#include "tests/support/resp_client.hpp"

using namespace ac::test;

namespace {

/// The number after "field:" in INFO's text; -1 when it is not there.
long info_field(const std::string& info, const std::string& field) {
  auto at = info.find("\r\n" + field + ":");
  if (at == std::string::npos)
    return -1;
  return std::stol(info.substr(at + field.size() + 3));
}

std::string server_info(node_process& n) {
  connected_resp_client c{n.resp_port()};
  auto r = c.run({"INFO", "server"});
  REQUIRE(r);
  REQUIRE(r->type == REDIS_REPLY_STRING);
  return std::string(r->str, r->len);
}

} // namespace

TEST_CASE(
  "A node started on one core of the machine sizes its I/O loops, shards and scheduler "
  "to that core",
  "[resp]") {
  temp_dir dir{"ac-cores"};
  node_process pinned("pinned", {}, dir.path(), node_placement{{"taskset", "-c", "0"}});
  REQUIRE(pinned.start());
  auto info = server_info(pinned);
  CHECK(info_field(info, "actorcache_cores") == 1);
  CHECK(info_field(info, "actorcache_io_loops") == 1);
  CHECK(info_field(info, "actorcache_shards") == 1);
  CHECK(info_field(info, "actorcache_scheduler_threads") == 2); // one handler never stalls all
  // Unpinned, it counts what this test may use (CI's own mask), with an explicit option winning.
  cpu_set_t mask;
  CPU_ZERO(&mask);
  REQUIRE(::sched_getaffinity(0, sizeof mask, &mask) == 0);
  node_process free_node("free", {"--cache.shards=3", "--scheduler.max-threads=5"}, dir.path());
  REQUIRE(free_node.start());
  auto all = server_info(free_node);
  CHECK(info_field(all, "actorcache_cores") == CPU_COUNT(&mask));
  CHECK(info_field(all, "actorcache_shards") == 3);
  CHECK(info_field(all, "actorcache_io_loops") >= 1);
  CHECK(info_field(all, "actorcache_scheduler_threads") == 5);
}
