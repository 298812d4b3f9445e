// Ownership moves between real node processes: no stale value after a node comes back, and warming on a join.
#include <catch2/catch.hpp>

#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/node_group.hpp"
#include "tests/support/node_process.hpp"
#include "tests/support/redis_server.hpp"
#include "tests/support/resp_client.hpp"

using namespace ac::test;
using namespace std::chrono_literals;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream f{path};
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

/// One numeric field of INFO (-1 when absent or unreadable).
int64_t info(resp_client& r, const std::string& field) {
  auto text = r.text({"INFO", "all"}).value_or("");
  auto at = text.find("\r\n" + field + ":");
  if (at == std::string::npos)
    return -1;
  return std::stoll(text.substr(at + field.size() + 3));
}

/// True once the node behind `r` has warmed some keys and no warming runs there any more.
bool warming_done(resp_client& r) {
  return info(r, "actorcache_warming_keys") > 0 && info(r, "actorcache_warming_in_progress") == 0;
}

/// Three (or more) nodes sharing one redis-server, with short failure detection.
struct cluster : own_redis_server, node_group {
  cluster()
    : node_group{"ac-ownership-test",
                 {"--redis.enabled", "--redis.port=" + std::to_string(redis.port()),
                  "--cluster.heartbeat-interval=200ms", "--cluster.failure-timeout=1s",
                  "--loader.kind=none", "--log.level=info"}} {}

  /// add(id), then waits until every node counts them all alive; fails the test after 15 s,
  /// with the nodes' logs on stderr.
  node_process& join(const std::string& id) {
    auto& joined = add(id);
    std::vector<node_process*> all;
    for (auto& n : nodes)
      all.push_back(n.get());
    bool converged = members_are(all, static_cast<int64_t>(all.size()), 15s);
    if (!converged)
      std::cerr << logs() << std::endl;
    REQUIRE(converged);
    return joined;
  }
  /// Every node in `which` counts `n` alive members in its routing view.
  bool members_are(const std::vector<node_process*>& which, int64_t n,
                   std::chrono::milliseconds bound) {
    return wait_until(
      [&] {
        for (auto* p : which) {
          resp_client r{p->resp_port()};
          if (!r.ok() || info(r, "actorcache_members") != n)
            return false;
        }
        return true;
      },
      bound);
  }
  std::string logs() const {
    std::string all;
    for (auto& n : nodes)
      all += "---- " + n->id() + "\n" + read_file(n->log_file());
    return all;
  }
};

bool logged(bool ok, const cluster& c) {
  if (!ok)
    std::cerr << c.logs() << std::endl;
  return ok;
}

std::string key_of(int i) { return "item:" + std::to_string(i); }
std::string value_of(int i) { return "value-" + std::to_string(i); }

// Sets keys [0, n) to their values through `via`, each acknowledged.
void put_all(resp_client& via, int n) {
  for (int i = 0; i < n; ++i)
    REQUIRE(via.text({"SET", key_of(i), value_of(i)}) == "OK");
}

// Reads keys [from, to) through `via`, each with its value.
void read_all(resp_client& via, int from, int to) {
  for (int i = from; i < to; ++i)
    REQUIRE(via.text({"GET", key_of(i)}) == value_of(i));
}

} // namespace

// Long on purpose: one scenario (freeze, change the keys, thaw, each key checked), each step
// depending on the one before.
TEST_CASE(
  "a node frozen past the failure timeout while its keys change serves none of the old values "
  "once it is back",
  "[process][ownership]") {
  cluster c;
  auto& a = c.add("a");
  auto& b = c.add("b");
  auto& n3 = c.add("c");
  std::vector<node_process*> all{&a, &b, &n3};
  REQUIRE(logged(c.members_are(all, 3, 15s), c));

  constexpr int keys = 300;
  resp_client via_a{a.resp_port()};
  REQUIRE(via_a.ok());
  for (int i = 0; i < keys; ++i)
    REQUIRE(via_a.text({"SET", key_of(i), "v1-" + std::to_string(i)}) == "OK");
  // Every node reads every key: owners hold v1 in L1, the others maybe near copies.
  for (auto* n : all) {
    resp_client r{n->resp_port()};
    for (int i = 0; i < keys; ++i)
      REQUIRE(r.text({"GET", key_of(i)}) == "v1-" + std::to_string(i));
  }
  int owned_by_c = 0;
  {
    resp_client r{a.resp_port()};
    auto c_address = "127.0.0.1:" + std::to_string(n3.resp_port());
    for (int i = 0; i < keys; ++i)
      owned_by_c += r.text({"AC.OWNER", key_of(i)}) == c_address;
  }
  REQUIRE(owned_by_c > keys / 6); // rendezvous gives c about a third

  // c stops (a pause, a partition as far as the others know); a and b take its keys over.
  REQUIRE(n3.freeze());
  REQUIRE(logged(c.members_are({&a, &b}, 2, 10s), c));
  for (int i = 0; i < keys; ++i)
    REQUIRE(via_a.text({"SET", key_of(i), "v2-" + std::to_string(i)}) == "OK");

  REQUIRE(n3.thaw());
  auto thawed = std::chrono::steady_clock::now();
  REQUIRE(logged(c.members_are(all, 3, 10s), c));
  auto whole_after = std::chrono::duration_cast<std::chrono::milliseconds>(
    std::chrono::steady_clock::now() - thawed);
  CHECK(whole_after <= 1s + 3s); // failure timeout + a few seconds

  // Every member names the same owner for every key.
  std::map<std::string, std::optional<std::string>> owner;
  for (auto* n : all) {
    resp_client r{n->resp_port()};
    for (int i = 0; i < keys; ++i) {
      auto o = r.text({"AC.OWNER", key_of(i)});
      auto [it, fresh] = owner.try_emplace(key_of(i), o);
      CHECK(it->second == o);
    }
  }
  // No node serves a value older than the last acknowledged put.
  int stale = 0;
  for (auto* n : all) {
    resp_client r{n->resp_port()};
    for (int i = 0; i < keys; ++i) {
      auto got = r.text({"GET", key_of(i)});
      if (got != "v2-" + std::to_string(i))
        ++stale;
    }
  }
  CHECK(logged(stale == 0, c));
  resp_client via_c{n3.resp_port()};
  CHECK(info(via_c, "actorcache_heal_drops") > 0);
  WARN("frozen node back: members whole after " << whole_after.count() << " ms; " << stale
                                                << " stale reads of " << 3 * keys);
}

TEST_CASE("a node that joins loads the hot keys it now owns from L2 before they are asked for",
          "[process][ownership]") {
  cluster c;
  auto& a = c.join("a");
  auto& b = c.join("b");

  constexpr int keys = 2000, hot = 200;
  resp_client via_a{a.resp_port()}, via_b{b.resp_port()};
  REQUIRE(via_a.ok());
  REQUIRE(via_b.ok());
  put_all(via_a, keys);
  // The first 200 keys are hot: read often through both nodes, the rest once.
  for (int round = 0; round < 150; ++round)
    read_all(via_a, 0, hot);
  read_all(via_b, hot, keys);

  auto& n3 = c.join("c");
  resp_client via_c{n3.resp_port()};
  REQUIRE(via_c.ok());
  REQUIRE(logged(wait_until([&] { return warming_done(via_c); }, 20s), c));

  // The hot keys c owns now are L1 hits on c: none of them is read from Redis.
  auto c_address = "127.0.0.1:" + std::to_string(n3.resp_port());
  std::vector<std::string> mine;
  for (int i = 0; i < hot; ++i)
    if (via_c.text({"AC.OWNER", key_of(i)}) == c_address)
      mine.push_back(key_of(i));
  REQUIRE(mine.size() > hot / 6);
  auto warmed = info(via_c, "actorcache_warming_keys");
  CHECK(warmed >= static_cast<int64_t>(mine.size()));
  auto l2_before = info(via_c, "actorcache_l2_hits");
  auto hits_before = info(via_c, "keyspace_hits");
  for (auto& k : mine)
    CHECK(via_c.text({"GET", k}) == "value-" + k.substr(5));
  CHECK(info(via_c, "actorcache_l2_hits") == l2_before);
  CHECK(info(via_c, "keyspace_hits") - hits_before == static_cast<int64_t>(mine.size()));
  WARN("warming on join: " << warmed << " keys loaded; " << mine.size()
                           << " of the 200 hot keys are c's");
}

TEST_CASE(
  "a node that restarts warms the keys it held from the list it saved to L2 before they are asked for",
  "[process][ownership]") {
  cluster c;
  // Only the list written at the clean shutdown counts here: no periodic save within the test.
  auto& n = c.add("solo", {"--warming.save-interval=10min"});
  constexpr int keys = 600;
  {
    resp_client r{n.resp_port()};
    REQUIRE(r.ok());
    put_all(r, keys);
    read_all(r, 0, keys);
  }
  auto port = n.port();
  REQUIRE(logged(n.terminate() == std::optional<int>{0}, c));
  {
    // The list is in L2 under the node's own key, with a TTL (a node gone for good leaves
    // nothing behind for long).
    resp_client redis{c.redis.port()};
    REQUIRE(redis.ok());
    auto ttl = redis.run({"TTL", "ac:actorcache:warm:solo"});
    REQUIRE(ttl);
    CHECK(ttl->type == REDIS_REPLY_INTEGER);
    CHECK(ttl->integer > 0);
  }

  REQUIRE(logged(n.start(port), c));
  resp_client via{n.resp_port()};
  REQUIRE(via.ok());
  REQUIRE(logged(wait_until([&] { return warming_done(via); }, 20s), c));
  auto listed = info(via, "actorcache_warming_listed");
  auto warmed = info(via, "actorcache_warming_keys");
  CHECK(listed >= keys * 8 / 10);
  CHECK(warmed >= keys * 8 / 10);

  // Most of what it held are L1 hits now: neither L2 nor the loader is asked for them.
  auto hits_before = info(via, "keyspace_hits");
  auto l2_before = info(via, "actorcache_l2_hits");
  read_all(via, 0, keys);
  auto l1_hits = info(via, "keyspace_hits") - hits_before;
  auto l2_reads = info(via, "actorcache_l2_hits") - l2_before;
  CHECK(logged(l1_hits >= keys * 8 / 10, c));
  CHECK(l2_reads <= keys - l1_hits);
  WARN("restart: the saved list named " << listed << " keys, " << warmed << " warmed; " << l1_hits
                                        << " of " << keys << " reads were L1 hits");
}

TEST_CASE("a node that joins warms the keys its peers served for its range, hot or not",
          "[process][ownership]") {
  cluster c;
  auto& a = c.join("a");
  c.join("b");
  // Every key is written once and read once: none is hot enough for the sampled hot lists,
  // but a and b hold all of them in L1.
  constexpr int keys = 1500;
  {
    resp_client via_a{a.resp_port()};
    REQUIRE(via_a.ok());
    put_all(via_a, keys);
    read_all(via_a, 0, keys);
  }

  auto& n3 = c.join("c");
  resp_client via_c{n3.resp_port()};
  REQUIRE(via_c.ok());
  REQUIRE(logged(wait_until([&] { return warming_done(via_c); }, 20s), c));
  auto c_address = "127.0.0.1:" + std::to_string(n3.resp_port());
  std::vector<int> mine;
  for (int i = 0; i < keys; ++i)
    if (via_c.text({"AC.OWNER", key_of(i)}) == c_address)
      mine.push_back(i);
  REQUIRE(mine.size() > keys / 6); // rendezvous gives c about a third
  auto hits_before = info(via_c, "keyspace_hits");
  for (int i : mine)
    REQUIRE(via_c.text({"GET", key_of(i)}) == value_of(i));
  auto l1_hits = info(via_c, "keyspace_hits") - hits_before;
  CHECK(logged(l1_hits >= static_cast<int64_t>(mine.size()) * 8 / 10, c));
  WARN("join: " << info(via_c, "actorcache_warming_keys") << " keys warmed; " << l1_hits
                << " of the " << mine.size() << " keys c owns were L1 hits");
}
