// A rolling restart of three namespaced nodes under load: lookups keep succeeding, nothing hangs, no key is computed twice.
//
// The loader is the user's service (count_server.py, in the root namespace on the bridge), which
// counts the computes of every key. Client threads send GETs round-robin over the nodes' RESP
// ports, and retry once on the next node when a connection fails, as a cluster client does.
#include <catch2/catch.hpp>

#include <httplib.h>

#include <atomic>
#include <cstdio>
#include <ctime>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "core/zipf_generator.hpp"
#include "tests/netns/netns_cluster.hpp"
#include "tests/support/tool_run.hpp"

using namespace ac::test;
using namespace std::chrono_literals;

namespace {

constexpr int kThreads = 4;
constexpr uint64_t kKeys = 3000;

/// What the load threads share with the test thread (held by shared_ptr: a thread that does not
/// finish in time is detached, and must not outlive what it touches).
struct load_state {
  std::mutex mu;
  std::vector<std::pair<std::string, uint16_t>>
    resp; ///< RESP address of each node (restarts change it)
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> lookups{0}, ok{0}, failed{0}, retried{0};
  std::atomic<int> finished{0};
  std::map<std::string, int> errors; ///< failed lookups' answers (under mu)

  std::pair<std::string, uint16_t> address(size_t k) {
    std::lock_guard<std::mutex> guard{mu};
    return resp[k];
  }
  void set_address(size_t k, std::pair<std::string, uint16_t> a) {
    std::lock_guard<std::mutex> guard{mu};
    resp[k] = std::move(a);
  }
  void note_error(const std::string& what) {
    std::lock_guard<std::mutex> guard{mu};
    ++errors[what];
  }
};

/// One client thread: zipf-ish GETs, round-robin over the nodes, one retry on the next node
/// after a connection failure; every request bounded by the client's 2 s timeout.
void run_load(std::shared_ptr<load_state> st, int t) {
  size_t n = st->resp.size();
  std::vector<std::unique_ptr<resp_client>> conns(n);
  std::vector<std::pair<std::string, uint16_t>> conn_to(n);
  ac::zipf_generator zipf{kKeys, 0.9, 1000 + static_cast<uint64_t>(t)};
  uint64_t turn = static_cast<uint64_t>(t);
  while (!st->stop.load()) {
    auto key = "rr:" + std::to_string(zipf.next());
    bool done = false;
    std::string answer;
    for (int attempt = 0; attempt < 2 && !done; ++attempt) {
      size_t k = (turn + static_cast<uint64_t>(attempt)) % n;
      auto to = st->address(k);
      if (!conns[k] || !conns[k]->ok() || conn_to[k] != to) {
        conns[k] = std::make_unique<resp_client>(to.first, to.second, netns_reply_timeout);
        conn_to[k] = to;
      }
      auto r = conns[k]->run({"GET", key});
      if (!r || !conns[k]->ok()) { // the connection failed: the next node gets the retry
        conns[k].reset();
        answer = "connection to " + to.first + ":" + std::to_string(to.second) + " failed";
        if (attempt == 0)
          ++st->retried;
        continue;
      }
      answer = text_of(r.get());
      done = answer == "computed-" + key;
      break; // an answer that is not the value is a failed lookup, not a connection failure
    }
    ++turn;
    ++st->lookups;
    if (done) {
      ++st->ok;
    } else {
      ++st->failed;
      st->note_error(answer.substr(0, 120));
    }
  }
  ++st->finished;
}

/// The wall clock as HH:MM:SS.mmm in UTC, as the nodes' logs and count_server.py write it.
std::string utc_now() {
  auto now = std::chrono::system_clock::now();
  auto t = std::chrono::system_clock::to_time_t(now);
  auto ms =
    std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02d:%02d:%02d.%03d", tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms));
  return buf;
}

} // namespace

// Long on purpose: one scenario in order (three hosts, load, each node restarted in turn, then
// the counts), each step depending on the one before.
TEST_CASE(
  "A rolling restart of three namespaced nodes under load keeps 99.9% of lookups, "
  "ends every client thread and computes no key twice") {
  skip_unless_netns();
  netns_cluster c{3};
  REQUIRE(c.start_redis());

  // The user's service, on the bridge in the root namespace, reachable from every host.
  auto port_file = c.dir.path() + "/count_server.port";
  child_process service{
    "/usr/bin/python3",
    {source_dir() + "/tests/netns/count_server.py", c.hosts.bridge_address(), port_file},
    c.dir.path() + "/count_server.log"};
  unsigned service_port = 0;
  REQUIRE(wait_until(
    [&] {
      std::ifstream f{port_file};
      return static_cast<bool>(f >> service_port) && service_port > 0;
    },
    10s));
  REQUIRE(wait_for_tcp(c.hosts.bridge_address(), static_cast<uint16_t>(service_port), 5s));

  auto common = c.redis_options();
  common.insert(
    common.end(),
    {"--cluster.heartbeat-interval=200ms", "--cluster.failure-timeout=1s", "--loader.kind=http",
     "--loader.url=http://" + c.hosts.bridge_address() + ":" + std::to_string(service_port)
       + "/v/{key}",
     "--loader.retries=0"}); // one request per compute: the counts are exact
  // As on real hosts: every node on the same port of its own host (no clash: one namespace
  // each) and the same seed list naming all three. A restarted node needs a seed besides
  // itself: its peers saw it leave and do not call a member that left.
  constexpr uint16_t kPort = 7101;
  std::string seeds;
  for (int h = 0; h < 3; ++h)
    seeds +=
      std::string{h ? "," : ""} + "\"" + c.hosts.address(h) + ":" + std::to_string(kPort) + "\"";
  common.push_back("--cluster.seeds=[" + seeds + "]");
  for (int h = 0; h < 3; ++h) {
    c.add_node(h, "n" + std::to_string(h + 1), common);
    REQUIRE(c.nodes.back()->start(kPort));
  }
  REQUIRE(c.await_alive_everywhere(3, 15s));

  auto st = std::make_shared<load_state>();
  for (auto& n : c.nodes)
    st->resp.emplace_back(n->reach(), n->resp_port());
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back(run_load, st, t);
  auto load_runs_on = [&](uint64_t more) {
    auto target = st->lookups.load() + more;
    return wait_until([&] { return st->lookups.load() >= target; }, 15s);
  };
  auto start = std::chrono::steady_clock::now();

  // Restart each node in turn while the load runs; a node failing to stop or to come back
  // stops the load first, so the threads still end.
  bool restarts_ok = load_runs_on(5000);
  std::vector<double> restart_s;
  std::string restart_log; // when each node was stopped and was back (UTC), for a post-mortem
  for (size_t k = 0; k < c.nodes.size() && restarts_ok; ++k) {
    auto& n = *c.nodes[k];
    auto t0 = std::chrono::steady_clock::now();
    restart_log += " " + n.id() + " SIGTERM " + utc_now();
    auto code = n.terminate(10s);
    INFO("node " << n.id() << " exit code after SIGTERM: "
                 << (code ? std::to_string(*code) : "still running"));
    CHECK(code == std::optional<int>{0});
    bool started = code.has_value() && n.start(kPort);
    if (started) {
      st->set_address(k, {n.reach(), n.resp_port()});
      restart_log += ", serving " + utc_now() + ";";
    }
    bool whole = started && c.await_alive_everywhere(3, 15s);
    restart_s.push_back(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    bool load_on = whole && load_runs_on(3000);
    std::string running; // a node that died (crash) or hangs in shutdown shows here
    for (auto& m : c.nodes)
      running += " " + m->id() + (m->alive() ? " running" : " exited");
    INFO("restart of " << n.id() << ": started " << started << ", membership whole " << whole
                       << ", load going on " << load_on << ";" << running);
    CHECK(load_on);
    restarts_ok = load_on;
  }
  st->stop = true;
  bool all_finished = wait_until([&] { return st->finished.load() == kThreads; }, 10s);
  for (auto& t : threads)
    all_finished ? t.join() : t.detach();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  // Computes per key, from the service's own count.
  httplib::Client http{c.hosts.bridge_address(), static_cast<int>(service_port)};
  http.set_read_timeout(5, 0);
  auto counts = http.Get("/counts");
  REQUIRE(counts);
  REQUIRE(counts->status == 200);
  std::istringstream lines{counts->body};
  int computed = 0, twice = 0, most = 0;
  std::string examples;
  for (int count; lines >> count;) {
    std::string key;
    lines >> key;
    ++computed;
    most = std::max(most, count);
    if (count > 1 && twice++ < 5)
      examples += " " + key + " x" + std::to_string(count);
  }

  auto lookups = st->lookups.load(), ok = st->ok.load();
  double rate = lookups ? static_cast<double>(ok) / static_cast<double>(lookups) : 0;
  std::string errors;
  for (auto& [what, count] : st->errors)
    errors += "\n  " + std::to_string(count) + " x " + what;
  std::printf(
    "rolling restart: %llu lookups in %.1f s, %llu ok (%.4f%%), %llu failed, %llu retried "
    "on the next node; restarts took %s s; %d keys computed, %d more than once (max %d)%s%s\n",
    static_cast<unsigned long long>(lookups), seconds, static_cast<unsigned long long>(ok),
    100 * rate, static_cast<unsigned long long>(st->failed.load()),
    static_cast<unsigned long long>(st->retried.load()),
    [&] {
      std::string s;
      for (auto r : restart_s)
        s += (s.empty() ? "" : "/") + std::to_string(r).substr(0, 4);
      return s;
    }()
      .c_str(),
    computed, twice, most, examples.c_str(), errors.c_str());
  std::fflush(stdout);

  REQUIRE(restarts_ok);
  REQUIRE(all_finished);                        // no client thread stuck: no deadlock on any node
  for (size_t k = 0; k < c.nodes.size(); ++k) { // every node still answers
    resp_client ping{c.nodes[k]->reach(), c.nodes[k]->resp_port(), netns_reply_timeout};
    CHECK(text_of(ping.run({"PING"}).get()) == "PONG");
  }
  CHECK(computed > 0);
  // REQUIREs last: a failure keeps the nodes' and the service's logs (netns_cluster).
  INFO("failed lookups:" << errors);
  REQUIRE(rate >= 0.999);
  std::string repeats; // which nodes computed them, and when (UTC): against the nodes' logs
  if (twice > 0)
    if (auto r = http.Get("/repeats"); r && r->status == 200)
      repeats = r->body;
  INFO("keys computed more than once:" << examples << "\n"
                                       << repeats << "restarts (UTC):" << restart_log);
  REQUIRE(twice == 0);
}
