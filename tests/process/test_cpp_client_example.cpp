// Process tests of the C++ client library as a user links it: its example program against a real node, one compute per key across threads and processes.
#include <catch2/catch.hpp>

#include <fstream>
#include <future>
#include <iterator>
#include <regex>

#include "tests/support/node_process.hpp"

using namespace ac::test;
using namespace std::chrono_literals;

namespace {

const char* example = "actorcache-example-get-or-compute";
const char* actor_example = "actorcache-example-actor-get-or-compute";

/// A node of its own; REQUIREs that the programs are built and the node started.
struct example_node {
  temp_dir dir{"ac-cpp-client-test"};
  node_process node{"cpp1", {}, dir.path()};
  example_node() {
    REQUIRE(missing_programs({"actorcache-node", example, actor_example}).empty());
    REQUIRE(node.start());
  }
  /// Runs `program` (the example) against the node with `args` after the address, bounded at
  /// 30 s.
  tool_result run(std::vector<std::string> args, const char* program = example) const {
    std::vector<std::string> argv{program_path(program), node.address()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_tool(argv, 30s, dir.path() + "/example.err");
  }
  /// Two processes of `program` with the same `args` at once; REQUIREs that both exited 0.
  std::pair<tool_result, tool_result> run_twice_at_once(std::vector<std::string> args,
                                                        const char* program = example) const {
    auto a = std::async(std::launch::async, [&] { return run(args, program); });
    auto b = std::async(std::launch::async, [&] { return run(args, program); });
    auto ra = a.get();
    auto rb = b.get();
    REQUIRE_FALSE(ra.timed_out);
    REQUIRE_FALSE(rb.timed_out);
    REQUIRE(ra.exit_code == 0);
    REQUIRE(rb.exit_code == 0);
    return {std::move(ra), std::move(rb)};
  }
};

/// The N of "computes=N" in the example's output; -1 when the line is missing.
int computes_in(const std::string& out) {
  std::smatch m;
  static const std::regex re{"computes=([0-9]+)"};
  return std::regex_search(out, m, re) ? std::stoi(m[1]) : -1;
}

} // namespace

TEST_CASE("the C++ client example puts, gets, erases and computes a key once for four callers",
          "[process][client][cpp-client]") {
  example_node n;
  auto r = n.run({"4"});
  REQUIRE_FALSE(r.timed_out);
  CHECK(r.exit_code == 0);
  CHECK(r.out
        == "put example:greeting\n"
           "get example:greeting = hello\n"
           "get example:nothing = (miss)\n"
           "get_many = [hello, (miss)]\n"
           "get_or_compute threads=4 computes=1 value=computed-1 agree=yes\n"
           "get_or_compute again = computed-1 (cached)\n"
           "erase example:greeting = true\n"
           "get example:greeting = (miss)\n");
}

TEST_CASE("two example processes calling get_or_compute on one key compute it once between them",
          "[process][client][cpp-client]") {
  example_node n;
  auto [ra, rb] = n.run_twice_at_once({"2", "shared:key"});
  // One process computed (once), the other only waited for its value.
  CHECK(computes_in(ra.out) + computes_in(rb.out) == 1);
  for (const auto* out : {&ra.out, &rb.out}) {
    CHECK(out->find("value=computed-1 agree=yes") != std::string::npos);
    CHECK(out->find("get_or_compute again = computed-1 (cached)") != std::string::npos);
  }
}

TEST_CASE("client actors of the actor-level example compute a key once between two processes",
          "[process][client][cpp-client]") {
  example_node n;
  auto [ra, rb] = n.run_twice_at_once({"4", "actors:key"}, actor_example);
  CHECK(computes_in(ra.out) + computes_in(rb.out) == 1);
  for (const auto* out : {&ra.out, &rb.out})
    CHECK(out->find("actors=4 computes=") != std::string::npos);
  CHECK(ra.out.find("value=computed-1 agree=yes") != std::string::npos);
  CHECK(rb.out.find("value=computed-1 agree=yes") != std::string::npos);
}

TEST_CASE("the C++ client example exits 2 with the reason when no node answers",
          "[process][client][cpp-client]") {
  REQUIRE(missing_programs({example}).empty());
  temp_dir dir{"ac-cpp-client-test"};
  auto err_file = dir.path() + "/example.err";
  auto r =
    run_tool({program_path(example), "127.0.0.1:" + std::to_string(free_port())}, 30s, err_file);
  REQUIRE_FALSE(r.timed_out);
  CHECK(r.exit_code == 2);
  CHECK(r.out.find("put example:greeting") == std::string::npos);
  std::ifstream in{err_file};
  std::string err{std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
  CHECK(err.find("unreachable: no seed node answered") != std::string::npos);
}
