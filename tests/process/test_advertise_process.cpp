// node.advertise on a real node process: junk is refused with exit 2, a wildcard bind is never announced.
#include <catch2/catch.hpp>

#include "tests/support/tool_run.hpp"

using namespace ac::test;
using namespace std::chrono_literals;

TEST_CASE("node.advertise with a port, a wildcard or junk is refused with exit 2 naming the option",
          "[advertise][process]") {
  temp_dir dir{"ac-advertise-bad"};
  for (auto bad : {"10.0.0.1:7101", "0.0.0.0", "10.0.0.300", "not a host"}) {
    auto err = dir.path() + "/err.txt";
    auto r = run_tool({program_path("actorcache-node"), "--node.port=0", "--resp.port=0",
                       std::string{"--node.advertise="} + bad},
                      20s, err);
    INFO("node.advertise=" << bad << ": " << slurp(err));
    CHECK(r.exit_code == 2);
    CHECK(slurp(err).find("bad option node.advertise: '" + std::string{bad} + "'")
          != std::string::npos);
    std::filesystem::remove(err);
  }
}

TEST_CASE("A node bound to 0.0.0.0 announces a reachable address, never the wildcard",
          "[advertise][process]") {
  temp_dir dir{"ac-advertise-wildcard"};
  node_process node{"w1", {}, dir.path(), node_placement{{}, "0.0.0.0", "127.0.0.1"}};
  REQUIRE(node.start());
  auto members = node.console({"members", "--json"});
  REQUIRE(members.exit_code == 0);
  INFO(members.out);
  CHECK(members.out.find("0.0.0.0") == std::string::npos);
  // The announced host is in the log; the node answers there (it binds every interface).
  auto log = slurp(node.log_file());
  auto at = log.find("announced as ");
  REQUIRE(at != std::string::npos);
  auto host = log.substr(at + 13, log.find_first_of(" \n", at + 13) - (at + 13));
  CHECK(host != "0.0.0.0");
  CHECK(members.out.find("\"" + host + ":" + std::to_string(node.port()) + "\"")
        != std::string::npos);
  CHECK(wait_for_tcp(host, node.port(), 2s));
  CHECK(node.terminate() == std::optional<int>{0});
}
