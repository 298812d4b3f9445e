// Process tests of actorcache-console's commands and of what every program prints: top in pipes, info, members remove, --version, clear errors.
#include <catch2/catch.hpp>

#include <fstream>
#include <regex>

#include "tests/support/tool_node.hpp"

namespace {

using namespace std::chrono_literals;
using namespace ac::test;

// A node for one test; a node that does not start fails the test.
struct console_fixture {
  tool_node t;
  std::string err_file = t.dir.path() + "/console.err";
  explicit console_fixture(std::vector<std::string> args = {})
    : t{"console-cmds", std::move(args)} {
    REQUIRE(t.start());
  }
  shell_result console(const std::string& args) {
    return run_shell(t.console(args), 30s, err_file);
  }
  shell_result client(const std::string& args) { return run_shell(t.client(args), 30s, err_file); }

  /// Runs the console with `args` and checks it was refused (exit 2) with `says` on stderr;
  /// returns the run for further checks.
  shell_result check_refused(const std::string& args, const std::string& says) {
    INFO("actorcache-console " << args);
    auto r = console(args);
    CHECK(r.rc == 2);
    CHECK(has(r.err, says));
    return r;
  }
};

// The fixture's node and a second member seeded from it; both take a member for down after 1 s.
struct two_members_fixture : console_fixture {
  two_members_fixture()
    : console_fixture{{"--cluster.failure-timeout=1s", "--cluster.heartbeat-interval=200ms"}},
      second{"second",
             {t.node.seed_option(), "--cluster.failure-timeout=1s",
              "--cluster.heartbeat-interval=200ms"},
             t.dir.path()} {
    REQUIRE(second.start());
  }

  /// Kills the second member and waits until the first reports it down.
  void kill_second() {
    second.kill();
    REQUIRE(wait_until([&] { return has(console("members").out, "down"); }, 15s));
  }

  node_process second;
};

/// project(actorcache VERSION x.y.z ...) of the top CMakeLists.txt.
std::string cmake_version() {
  std::ifstream in{source_dir() + "/CMakeLists.txt"};
  std::string text{std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
  std::smatch m;
  REQUIRE(std::regex_search(text, m, std::regex{R"(project\(actorcache VERSION ([0-9.]+))"}));
  return m[1];
}

} // namespace

TEST_CASE("every program answers --version with CMake's project version",
          "[tools][process][version]") {
  auto v = cmake_version();
  for (std::string p :
       {"actorcache-node", "actorcache-client", "actorcache-console", "actorcache-sim"}) {
    auto r = run_shell(program_path(p) + " --version", 10s);
    CHECK(r.rc == 0);
    CHECK(r.out == p + " " + v + "\n");
  }
}

TEST_CASE(
  "top writes no screen-clear codes into a pipe, stops after --count frames, and --json gives a document per frame",
  "[tools][process][console]") {
  console_fixture f;
  auto text = f.console("top --watch=0.2 --count=2");
  CHECK(text.rc == 0);
  CHECK_FALSE(has(text.out, "\x1b"));
  CHECK(has(text.out, "msg/s"));
  auto j = f.console("top --watch=0.2 --count=2 --json");
  CHECK(j.rc == 0);
  CHECK_FALSE(has(j.out, "\x1b"));
  REQUIRE(std::count(j.out.begin(), j.out.end(), '\n') == 2);
  auto second = j.out.substr(j.out.find('\n') + 1);
  CHECK(second.rfind("{\"node\":", 0) == 0);
  CHECK(has(second, "\"msg_per_s\":"));
  CHECK_FALSE(has(second.substr(0, second.find("\"actors\"")), "null"));
  CHECK(has(j.out, "{\"node\":"));
}

TEST_CASE("options a console command does not take are refused, and extra arguments are named",
          "[tools][process][console]") {
  console_fixture f;
  f.check_refused("members --all", "--all does not apply to 'members'");
  f.check_refused("top --all --count=1", "--all does not apply to 'top'");
  auto extra = f.check_refused("stats extra args", "'stats' takes no arguments, got 'extra'");
  CHECK_FALSE(has(extra.err, "unknown command"));
  f.check_refused("stats --count=2", "--count needs --watch");
}

TEST_CASE("recommendations --json, members --json and their --all forms answer for every member",
          "[tools][process][console]") {
  console_fixture f;
  auto rec = f.console("recommendations --all --json");
  CHECK(rec.rc == 0);
  CHECK(rec.out.rfind("{\"nodes\":[{\"id\":\"console-cmds\",\"recommendations\":[", 0) == 0);
  auto rec_text = f.console("recommendations --all");
  CHECK(rec_text.rc == 0);
  CHECK(rec_text.out.rfind("console-cmds:\n", 0) == 0);
  auto one = f.console("recommendations --json");
  CHECK(one.rc == 0);
  CHECK(one.out.rfind("[", 0) == 0);
}

TEST_CASE("info summarizes a node in sections and as JSON", "[tools][process][console]") {
  console_fixture f;
  REQUIRE(f.client("put a 1").rc == 0);
  REQUIRE(f.client("get a").rc == 0);
  auto text = f.console("info");
  CHECK(text.rc == 0);
  for (auto part : {"# node\nid: console-cmds\n", "# cluster\n", "members: 1 (1 alive)",
                    "# memory\nentries: 1\n", "# traffic\nhits: 1\n",
                    "hit rate: ", "# l2\nbreaker: disabled (no Redis)"})
    CHECK(has(text.out, part));
  auto j = f.console("info --json");
  CHECK(j.rc == 0);
  CHECK(j.out.rfind("{\"node\":\"console-cmds\",\"tool_version\":", 0) == 0);
  CHECK(json_int(j.out, "entries", "memory") == 1);
  auto all = f.console("info --all --json");
  CHECK(all.out.rfind("{\"nodes\":[{\"node\":\"console-cmds\"", 0) == 0);
}

TEST_CASE("stats prints durations and ratios readably and escapes key bytes",
          "[tools][process][console]") {
  console_fixture f;
  REQUIRE(f.client("put \"$(printf 'hot\\033[2Jkey')\" v").rc == 0);
  for (int i = 0; i < 20; ++i)
    f.client("get \"$(printf 'hot\\033[2Jkey')\"");
  auto s = f.console("stats");
  CHECK(s.rc == 0);
  CHECK_FALSE(has(s.out, "\x1b"));
  CHECK_FALSE(std::regex_search(s.out, std::regex{R"([0-9]{4,}us)"}));   // 24903679us -> 24.9s
  CHECK_FALSE(std::regex_search(s.out, std::regex{R"(=0\.[0-9]{5,})"})); // usage_ratio=0.000718...
  CHECK(std::regex_search(s.out, std::regex{R"(p99 [0-9.]+(us|ms|s))"}));
}

TEST_CASE("a bad option value is explained with the option's name, not a CAF parser error",
          "[tools][process][console]") {
  auto dir = temp_dir{"ac-bad-option"};
  auto err = dir.path() + "/err";
  auto t = run_shell(program_path("actorcache-console") + " --node=127.0.0.1:1 --timeout=abc stats",
                     10s, err);
  CHECK(t.rc == 2);
  CHECK(has(t.err, "--timeout: 'abc' is not valid; expected a duration such as 5s"));
  CHECK_FALSE(has(t.err, "parser_error"));
  auto w = run_shell(program_path("actorcache-console") + " --node=127.0.0.1:1 --watch=often stats",
                     10s, err);
  CHECK(w.rc == 2);
  CHECK(has(w.err, "--watch: 'often' is not valid; expected a number"));
  // A flag takes =true or =false (CAF alone refuses both), and nothing else.
  auto flag = run_shell(
    program_path("actorcache-client") + " --node=127.0.0.1:1 --json=maybe get k", 10s, err);
  CHECK(flag.rc == 2);
  CHECK(has(flag.err, "--json is true or false, not 'maybe'"));
  auto yes = run_shell(program_path("actorcache-client") + " --node=127.0.0.1:1 --json=true get k",
                       10s, err);
  CHECK_FALSE(has(yes.err, "--json"));
}

TEST_CASE("members remove refuses a live member and forgets a killed one everywhere",
          "[tools][process][console]") {
  two_members_fixture f;
  REQUIRE(wait_until(
    [&] { return has(f.console("members --json").out, "\"id\":\"second\",\"address\""); }, 15s));
  f.check_refused("members remove second", "'second' is alive");
  f.kill_second();
  auto removed = f.console("members remove second");
  CHECK(removed.rc == 0);
  CHECK(removed.out == "removed second from 1 of 1 live members\n");
  CHECK_FALSE(has(f.console("members --json").out, "\"second\""));
  f.check_refused("members remove nobody", "no member knows 'nobody'");
  auto self = f.console("members remove console-cmds");
  CHECK(self.rc == 2);
}

TEST_CASE("stats --all lists a down member with its state and no numbers",
          "[tools][process][console]") {
  two_members_fixture f;
  REQUIRE(wait_until(
    [&] { return has(f.console("stats --all --json").out, "\"id\":\"second\",\"hits\""); }, 15s));
  f.kill_second();
  auto json = f.console("stats --all --json");
  CHECK(json.rc == 0);
  CHECK(has(json.out,
            "{\"id\":\"second\",\"address\":\"" + f.second.address() + "\",\"state\":\"down\"}"));
  CHECK(has(json.out, "\"id\":\"console-cmds\",\"hits\""));
  auto text = f.console("stats --all");
  CHECK(text.rc == 0);
  CHECK(has(text.out, "node second (" + f.second.address() + "): down, no report"));
}
