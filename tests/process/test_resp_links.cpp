// Process test: actorcache-client spreads its auto-batches over several RESP connections to a node.
#include <catch2/catch.hpp>

#include <string>

#include "tests/support/resp_client.hpp"
#include "tests/support/tool_run.hpp"

namespace {

using namespace std::chrono_literals;
using ac::test::program_path;

// `total_connections_received` from the node's INFO (-1 when it cannot be read).
long long connections_received(uint16_t resp_port) {
  ac::test::resp_client c{resp_port};
  auto r = c.run({"INFO", "stats"});
  if (!r || r->type != REDIS_REPLY_STRING)
    return -1;
  std::string info{r->str, r->len};
  auto at = info.find("total_connections_received:");
  if (at == std::string::npos)
    return -1;
  return std::stoll(info.substr(at + std::string{"total_connections_received:"}.size()));
}

} // namespace

TEST_CASE(
  "a client load opens as many RESP connections to the node as --resp-links asks and answers every get",
  "[tools][process][resp]") {
  ac::test::temp_dir dir{"ac-resp-links"};
  ac::test::node_process node{"links", {}, dir.path()};
  REQUIRE(ac::test::executable_exists(program_path("actorcache-client")));
  REQUIRE(node.start(0, 10s));
  auto port = node.resp_port();
  REQUIRE(port != 0);
  auto client = program_path("actorcache-client") + " --node=" + node.address() + " load ";
  auto pre = ac::test::run_shell(client + "--get-ratio=0 --sequential --keys=500 --requests=500 "
                                          "--key-prefix=k: --json", 30s);
  REQUIRE(pre.rc == 0);
  for (unsigned links : {1u, 3u}) {
    auto before = connections_received(port);
    REQUIRE(before >= 0);
    auto r = ac::test::run_shell(client + "--get-ratio=1 --keys=500 --key-prefix=k: --clients=8 "
                                          "--window=8 --requests=4000 --resp-links="
                                   + std::to_string(links) + " --json", 30s);
    INFO(r.out << r.err);
    CHECK(r.rc == 0);
    CHECK(r.out.find("\"ok\":4000") != std::string::npos);
    CHECK(r.out.find("\"hits\":4000") != std::string::npos);
    CHECK(r.out.find("\"resp_links\":" + std::to_string(links)) != std::string::npos);
    CHECK(r.out.find("\"resp_batches\":0,") == std::string::npos); // the gets went over RESP
    // Each link is a connection; the INFO asking for the count is one more.
    CHECK(connections_received(port) - before == static_cast<long long>(links) + 1);
  }
  auto bad =
    ac::test::run_shell(client + "--resp-links=65 --requests=1", 30s, dir.path() + "/bad.err");
  CHECK(bad.rc == 2);
  CHECK(ac::test::slurp(dir.path() + "/bad.err").find("--resp-links") != std::string::npos);
}
