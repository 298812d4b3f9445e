// Process tests: two real nodes whose wall clocks are 20 minutes apart (node.clock-skew) keep TTLs and stay one cluster.
//
// "behind" runs its wall clock 10 minutes slow, "ahead" 10 minutes fast. A value's lifetime in
// L1 must come from its source's relative TTL (Redis's PTTL, a previous owner's L1), not from
// the writer's createdAtMs against the reader's clock: with that, "behind" kept a value written
// through "ahead" 20 minutes past its TTL. Membership must not care at all (monotonic clocks).
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <functional>
#include <iostream>
#include <map>
#include <regex>
#include <thread>

#include "core/key_normalization.hpp"
#include "tests/support/redis_server.hpp"
#include "tests/support/resp_client.hpp"
#include "tests/support/ring_keys.hpp"
#include "tests/support/tool_run.hpp"

namespace {

using namespace std::chrono_literals;
using ac::test::node_process;
using ac::test::resp_client;
using ac::test::wait_until;
using clock_type = std::chrono::steady_clock;
using ms = std::chrono::milliseconds;

constexpr auto failure_timeout = 2s; // heartbeats every 500 ms (the default)
const std::string failure_timeout_option = "--cluster.failure-timeout=2s";

double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

/// A node with RESP, its port and a client on it.
struct skewed_node {
  std::unique_ptr<node_process> process;
  std::unique_ptr<resp_client> resp;
  std::string resp_address; ///< what AC.OWNER answers for the keys this node owns

  /// Starts node `id` with its wall clock `skew` off; false when it or its RESP port is not up.
  bool start(const std::string& id, const std::string& skew, std::vector<std::string> options,
             const std::string& dir) {
    options.push_back("--node.clock-skew=" + skew);
    process = std::make_unique<node_process>(id, std::move(options), dir);
    if (!process->start())
      return false;
    auto port = process->resp_port();
    if (port == 0)
      return false;
    resp_address = "127.0.0.1:" + std::to_string(port);
    resp = std::make_unique<resp_client>(port);
    return resp->ok();
  }
};

/// Member id -> state as `n` sees it (AC.MEMBERS); empty when it did not answer.
std::map<std::string, std::string> states_seen_by(skewed_node& n) {
  std::map<std::string, std::string> out;
  auto r = n.resp->run({"AC.MEMBERS"});
  if (!r || r->type != REDIS_REPLY_ARRAY)
    return out;
  for (size_t i = 0; i < r->elements; ++i) {
    auto* m = r->element[i];
    if (m->type == REDIS_REPLY_ARRAY && m->elements >= 4)
      out[std::string(m->element[0]->str, m->element[0]->len)] =
        std::string(m->element[3]->str, m->element[3]->len);
  }
  return out;
}

const std::map<std::string, std::string> both_alive{{"ahead", "alive"}, {"behind", "alive"}};

/// True when each node sees both alive.
bool one_cluster(skewed_node& a, skewed_node& b) {
  return states_seen_by(a) == both_alive && states_seen_by(b) == both_alive;
}

/// The pair of nodes, their logs for failure messages, and a watch on their membership.
struct skewed_pair {
  ac::test::temp_dir dir{"ac-clock-test"};
  skewed_node behind, ahead;
  std::vector<std::string> options;
  int membership_lapses = 0; ///< checks where either node did not see both alive

  explicit skewed_pair(std::vector<std::string> opts) : options(std::move(opts)) {
    options.push_back(failure_timeout_option);
    options.push_back("--cache.shards=2");
    options.push_back("--loader.workers=1");
  }

  std::vector<std::string> seeded(const skewed_node& seed) const {
    auto o = options;
    o.push_back(seed.process->seed_option());
    return o;
  }

  /// Membership check for the watch loops: counts a lapse when either side sees otherwise.
  void watch_membership() {
    if (!one_cluster(behind, ahead))
      ++membership_lapses;
  }

  std::string logs() const {
    std::string s;
    for (auto* n : {&behind, &ahead})
      if (n->process) {
        auto text = ac::test::slurp(n->process->log_file());
        s += "--- " + n->process->log_file() + "\n"
             + (text.size() > 2000 ? text.substr(text.size() - 2000) : text);
      }
    return s;
  }
};

/// Passes `ok` through; when false, the nodes' logs go to stderr (ctest shows them).
bool logged(bool ok, const skewed_pair& p) {
  if (!ok)
    std::cerr << p.logs() << std::endl;
  return ok;
}

/// What a read through one node gave.
enum class seen { value, absent, failed, no_answer, wrong_value };

seen read_through(skewed_node& n, const std::string& key, const std::string& want) {
  bool answered = false;
  std::string error;
  auto v = n.resp->get(key, answered, &error);
  if (!answered)
    return error.empty() || error == "no reply" ? seen::no_answer : seen::failed;
  if (!v)
    return seen::absent;
  return *v == want ? seen::value : seen::wrong_value;
}

/// `node.<path>` of `console stats --json`, or -1.
int64_t node_stat(const skewed_node& n, const std::string& group, const std::string& name) {
  auto r = n.process->console({"stats", "--json", "--timeout=2s"}, 5s);
  if (r.exit_code != 0 || r.timed_out)
    return -1;
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  if (j.is_discarded())
    return -1;
  auto node = j["node"];
  if (!group.empty())
    node = node[group];
  return node.contains(name) ? node[name].get<int64_t>() : -1;
}

/// The sum of one coalescer counter over a node's coalescers, or -1.
int64_t coalescer_sum(const skewed_node& n, const std::string& counter) {
  auto r = n.process->console({"stats", "--json", "--timeout=2s"}, 5s);
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  if (r.exit_code != 0 || j.is_discarded())
    return -1;
  int64_t sum = 0;
  for (auto& a : j["actors"])
    if (a["kind"] == "coalescer" && a.contains(counter))
      sum += a[counter].get<int64_t>();
  return sum;
}

/// The "N.Ns ago" ages of `console members` (text) through `n`, in seconds.
std::vector<double> heartbeat_ages(const skewed_node& n) {
  auto r = n.process->console({"members"}, 5s);
  std::vector<double> ages;
  std::regex ago{R"((-?[0-9]+\.[0-9])s ago)"};
  for (std::sregex_iterator i{r.out.begin(), r.out.end(), ago}, end; i != end; ++i)
    ages.push_back(std::stod((*i)[1]));
  return ages;
}

struct probe {
  std::string key, value;
  skewed_node* owner;
  skewed_node* writer;
};

} // namespace

// Long on purpose: one scenario (two skewed nodes, values read through owner and non-owner
// before and after their TTL), each step depending on the one before.
TEST_CASE(
  "nodes whose clocks are 20 minutes apart serve an L2 value until its TTL and not after, "
  "through owner and non-owner, and stay one cluster",
  "[process][clock]") {
  REQUIRE(ac::test::redis_server::installed());
  ac::test::redis_server redis;
  skewed_pair p{{"--redis.enabled", "--redis.port=" + std::to_string(redis.port())}};
  REQUIRE(logged(p.behind.start("behind", "-10min", p.options, p.dir.path()), p));
  REQUIRE(logged(p.ahead.start("ahead", "10min", p.seeded(p.behind), p.dir.path()), p));
  REQUIRE(logged(wait_until([&] { return one_cluster(p.behind, p.ahead); }, 15s, 50ms), p));
  auto together = clock_type::now();

  // A key for every (owner, writer) pair: owner "behind" written through "ahead" is the one a
  // wall-clock TTL kept 20 minutes too long; the owner "ahead" ones it dropped at once.
  std::vector<probe> probes;
  for (auto* owner : {&p.behind, &p.ahead})
    for (auto* writer : {&p.behind, &p.ahead})
      for (int i = 0; i < 1000; ++i) {
        auto key =
          "clock-" + owner->process->id() + "-" + writer->process->id() + "-" + std::to_string(i);
        if (p.behind.resp->text({"AC.OWNER", key}) == owner->resp_address) {
          probes.push_back({key, "value of " + key, owner, writer});
          break;
        }
      }
  REQUIRE(probes.size() == 4);

  constexpr auto ttl = 3s;
  auto t0 = clock_type::now();
  for (auto& pr : probes)
    REQUIRE(pr.writer->resp->text({"SET", pr.key, pr.value, "EX", std::to_string(ttl.count())})
            == "OK");
  // FLUSHDB empties a node's L1 only: every next read is an L2 read at the key's owner, whose
  // L1 then gets the value for what Redis says it has left.
  REQUIRE(p.behind.resp->text({"FLUSHDB"}) == "OK");
  REQUIRE(p.ahead.resp->text({"FLUSHDB"}) == "OK");

  // Served by both nodes, non-owner first, until a second before the TTL...
  int reads = 0;
  while (clock_type::now() < t0 + ttl - 1s) {
    for (auto& pr : probes)
      for (auto* via : {pr.owner == &p.behind ? &p.ahead : &p.behind, pr.owner}) {
        INFO(pr.key << " via " << via->process->id() << " at " << seconds_since(t0) << " s");
        auto got = read_through(*via, pr.key, pr.value);
        if (clock_type::now() < t0 + ttl - 1s) // a read that outlasted the window proves nothing
          REQUIRE(logged(got == seen::value, p));
        ++reads;
      }
    p.watch_membership();
    std::this_thread::sleep_for(100ms);
  }
  REQUIRE(reads >= 8);

  // ...and by neither once the TTL has passed (2 s of slack for L1's whole seconds and load).
  std::map<std::string, double> gone_at;
  bool all_gone = wait_until(
    [&] {
      p.watch_membership();
      bool every = true;
      for (auto& pr : probes)
        for (auto* via : {&p.behind, &p.ahead}) {
          auto got = read_through(*via, pr.key, pr.value);
          if (got == seen::absent)
            gone_at.try_emplace(pr.key + " via " + via->process->id(), seconds_since(t0));
          else
            every = false;
        }
      return every;
    },
    std::chrono::duration_cast<ms>(t0 + ttl + 2s - clock_type::now()), 100ms);
  INFO("gone (s after the SET): " << [&] {
    std::string s;
    for (auto& [k, t] : gone_at)
      s += k + "=" + std::to_string(t) + " ";
    return s;
  }());
  REQUIRE(logged(all_gone, p));
  // Gone for good: a value that lives on in some L1 would come back on another read.
  for (auto& pr : probes)
    for (auto* via : {&p.behind, &p.ahead})
      CHECK(read_through(*via, pr.key, pr.value) == seen::absent);

  // The L2 path was taken at both owners (each read its flushed keys back from Redis).
  CHECK(node_stat(p.behind, "l2", "hits") >= 1);
  CHECK(node_stat(p.ahead, "l2", "hits") >= 1);

  // One cluster all along, and for three failure timeouts (a dozen heartbeats) in all.
  while (clock_type::now() < together + 3 * failure_timeout + 1s) {
    p.watch_membership();
    std::this_thread::sleep_for(200ms);
  }
  CHECK(p.membership_lapses == 0);
  REQUIRE(logged(one_cluster(p.behind, p.ahead), p));
  // The console measures heartbeat ages on the answering node's clock, so they are small and
  // never negative, even when that node's clock (or the console's) is 10 minutes off.
  for (auto* n : {&p.behind, &p.ahead}) {
    auto ages = heartbeat_ages(*n);
    INFO("console members via " << n->process->id());
    REQUIRE(ages.size() == 2);
    for (double a : ages) {
      CHECK(a >= 0);
      CHECK(a < std::chrono::duration<double>(failure_timeout).count());
    }
  }
}

TEST_CASE(
  "a value handed over by its previous owner keeps the time it had left there, though "
  "the two clocks are 20 minutes apart",
  "[process][clock][handoff]") {
  // No Redis: the new owner can only get the value from the previous owner's L1. A loader
  // (it runs the hand-off) that refuses these keys: once the value is gone, a read fails.
  skewed_pair p{{"--loader.kind=synthetic", "--loader.fail-prefix=handed-"}};
  // "ahead" alone owns every key; "behind" takes over `key` when it joins.
  auto key = ac::test::key_owned_by("behind", {"ahead", "behind"}, "handed-");
  const std::string value = "value of " + key;

  REQUIRE(logged(p.ahead.start("ahead", "10min", p.options, p.dir.path()), p));
  constexpr auto ttl = 8s;
  auto t0 = clock_type::now();
  REQUIRE(p.ahead.resp->text({"SET", key, value, "EX", std::to_string(ttl.count())}) == "OK");
  REQUIRE(logged(p.behind.start("behind", "-10min", p.seeded(p.ahead), p.dir.path()), p));
  REQUIRE(logged(wait_until([&] { return one_cluster(p.behind, p.ahead); }, 15s, 50ms), p));
  REQUIRE(p.behind.resp->text({"AC.OWNER", key}) == p.behind.resp_address);
  REQUIRE(p.ahead.resp->text({"AC.OWNER", key}) == p.behind.resp_address);
  // Enough of the TTL left to see the value served (a slow start fails here, not later).
  REQUIRE(clock_type::now() < t0 + ttl - 2s);

  // The new owner asks the previous one, serves the value, and keeps it in its L1.
  CHECK(read_through(p.behind, key, value) == seen::value);
  CHECK(read_through(p.ahead, key, value) == seen::value);
  CHECK(coalescer_sum(p.behind, "handoff_asks") >= 1);
  CHECK(coalescer_sum(p.behind, "handoff_values") >= 1);

  auto gone_from = [&](skewed_node& n) {
    auto got = read_through(n, key, value);
    return got == seen::absent || got == seen::failed;
  };
  bool gone = wait_until(
    [&] {
      p.watch_membership();
      return gone_from(p.behind) && gone_from(p.ahead);
    },
    std::chrono::duration_cast<ms>(t0 + ttl + 2s - clock_type::now()), 100ms);
  INFO("checked until " << seconds_since(t0) << " s after the SET");
  REQUIRE(logged(gone, p));
  CHECK(gone_from(p.behind));
  CHECK(gone_from(p.ahead));
  CHECK(p.membership_lapses == 0);
}
