// Process tests of actorcache-sim: hit rates from a generated stream, and its command line read by the tools' one parser.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "tests/support/node_process.hpp"
#include "tests/support/tool_run.hpp"

namespace {

using namespace std::chrono_literals;

ac::test::tool_result sim(const std::vector<std::string>& args, const std::string& err_file = "") {
  std::vector<std::string> argv{ac::test::program_path("actorcache-sim")};
  argv.insert(argv.end(), args.begin(), args.end());
  return ac::test::run_tool(argv, 60s, err_file);
}

} // namespace

TEST_CASE("actorcache-sim replays a Zipf stream and ranks LRU below W-TinyLFU below OPT in JSON",
          "[sim][process]") {
  REQUIRE(ac::test::missing_programs({"actorcache-sim"}).empty());
  auto r = sim({"--zipf=0.9", "--keys=5000", "--requests=100000", "--capacity=200,800", "--json"});
  REQUIRE(r.exit_code == 0);
  auto doc = nlohmann::json::parse(r.out, nullptr, false);
  REQUIRE(!doc.is_discarded());
  std::map<std::pair<std::string, uint64_t>, double> rate;
  for (auto& row : doc["results"])
    rate[{row["policy"].get<std::string>(), row["capacity"].get<uint64_t>()}] =
      row["hit_rate"].get<double>();
  REQUIRE(rate.size() == 6); // lru, wtinylfu and opt at each capacity
  for (uint64_t c : {200, 800}) {
    INFO("capacity " << c);
    CHECK(rate[{"lru", c}] > 0.1);
    CHECK(rate[{"wtinylfu", c}] > rate[{"lru", c}]);
    CHECK(rate[{"opt", c}] > rate[{"wtinylfu", c}]);
  }
  CHECK(rate[{"lru", 800}] > rate[{"lru", 200}]); // more room, more hits
}

TEST_CASE("actorcache-sim refuses unknown options, bad values and incomplete runs with exit 2",
          "[sim][process]") {
  REQUIRE(ac::test::missing_programs({"actorcache-sim"}).empty());
  ac::test::temp_dir dir{"ac-sim-test"};
  auto err = dir.path() + "/sim.err";
  struct refusal {
    std::vector<std::string> args;
    std::string says;
  };
  std::vector<refusal> cases{
    {{"--zipf=1", "--keys=10", "--requests=10", "--capacity=5", "--bogus=1"}, "--bogus"},
    {{"--zipf=1", "--keys=10", "--requests=10", "--capacity=5", "--node=h:1"}, "--node"},
    {{"--zipf=x", "--keys=10", "--requests=10", "--capacity=5"}, "--zipf: 'x' is not valid"},
    {{"--zipf=1", "--keys=10", "--requests=10", "--capacity=5,0"}, "--capacity"},
    {{"--zipf=1", "--keys=10", "--requests=10"}, "--capacity is required"},
    {{"--capacity=5"}, "exactly one of --trace and --zipf"},
    {{"--zipf=1", "--keys=10", "--requests=10", "--capacity=5", "--policy=lru,fifo"}, "'fifo'"},
    {{"--zipf=1", "--keys=10", "--requests=10", "--capacity=5", "--partitions=2"},
     "--partitions needs --prefetch"},
    {{"--trace=-", "--format=csv", "--capacity=5"}, "--format"},
  };
  for (auto& c : cases) {
    std::remove(err.c_str());
    auto r = sim(c.args, err);
    auto said = ac::test::slurp(err);
    INFO(c.args.back() << " -> " << said);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(said.find(c.says) != std::string::npos);
  }
  auto help = sim({"--help"});
  CHECK(help.exit_code == 0);
  CHECK(help.out.find("--capacity") != std::string::npos);
  CHECK(help.out.find("zipf-with-sequences") != std::string::npos);
}
