// The node's command line: boolean options take =true and =false, which CAF 0.17 alone refuses.
#include <catch2/catch.hpp>

#include <csignal>
#include <fstream>

#include "tests/support/resp_client.hpp"
#include "tests/support/tool_run.hpp"

using namespace ac::test;
using namespace std::chrono_literals;

namespace {

/// loop_commands of the node's resp stats row, from the console's --json stats; -1 if absent.
long long loop_commands(node_process& n) {
  auto s = n.console({"stats", "--json"});
  auto at = s.out.find("\"loop_commands\":");
  return at == std::string::npos ? -1 : std::atoll(s.out.c_str() + at + 16);
}

} // namespace

TEST_CASE("A boolean option that is on by default is turned off with =false on the command line",
          "[process][options]") {
  temp_dir dir{"ac-node-options"};
  // resp.loop-hits is on by default: the I/O loop answers an idle connection's GET hits.
  node_process off{"off", {"--resp.loop-hits=false", "--warming.predictive=no"}, dir.path()};
  REQUIRE(off.start());
  resp_client c{off.resp_port()};
  REQUIRE(c.ok());
  REQUIRE(c.run({"SET", "k", "v"}));
  for (int i = 0; i < 50; ++i)
    REQUIRE(c.run({"GET", "k"}));
  CHECK(loop_commands(off) == 0); // every GET went through the session

  node_process on{"on", {"--resp.loop-hits=true"}, dir.path()};
  REQUIRE(on.start());
  resp_client d{on.resp_port()};
  REQUIRE(d.ok());
  REQUIRE(d.run({"SET", "k", "v"}));
  // Whether the loop or the session reads a command depends on timing; over many sequential
  // GETs on an idle connection the loop answers some.
  CHECK(wait_until(
    [&] {
      for (int i = 0; i < 20; ++i)
        d.run({"GET", "k"});
      return loop_commands(on) > 0;
    },
    10s));
}

TEST_CASE("A boolean option given a value that is no boolean is refused with exit 2 naming it",
          "[process][options]") {
  temp_dir dir{"ac-node-options-bad"};
  auto err = dir.path() + "/err.txt";
  auto r = run_tool(
    {program_path("actorcache-node"), "--node.port=0", "--resp.port=0", "--resp.loop-hits=maybe"},
    20s, err);
  INFO(slurp(err));
  CHECK(r.exit_code == 2);
  CHECK(slurp(err).find("--resp.loop-hits is true or false, not 'maybe'") != std::string::npos);
}

TEST_CASE("A node started with a boolean =false option still reloads its config on SIGHUP",
          "[process][options][sighup]") {
  temp_dir dir{"ac-node-options-sighup"};
  auto ini = dir.path() + "/node.ini";
  std::ofstream{ini} << "[log]\nlevel=\"info\"\n";
  node_process n{"hup", {"--config-file=" + ini, "--warming.predictive=false"}, dir.path()};
  REQUIRE(n.start());
  std::ofstream{ini} << "[log]\nlevel=\"debug\"\n";
  REQUIRE(n.send_signal(SIGHUP));
  // The reload parses the same command line again: once it failed on the =false.
  CHECK(wait_for_text(n.log_file(), "SIGHUP: config reloaded; log.level info -> debug", 10s));
  CHECK(slurp(n.log_file()).find("config not reloaded") == std::string::npos);
}
