// In-process benchmark: client actors in the node's actor system send get_many (or get) to the front, or with --bench.routed ask the shards themselves.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <future>
#include <iostream>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <absl/container/flat_hash_set.h>
#include <spdlog/spdlog.h>
#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <nlohmann/json.hpp>

#include "actors/routed_reads.hpp"
#include "core/deadline_queue.hpp"
#include "core/key_normalization.hpp"
#include "core/latency_histogram.hpp"
#include "messages/entry_codec.hpp"
#include "node/node_wiring.hpp"

namespace {

using clock_type = std::chrono::steady_clock;

/// The node's options plus the benchmark's own (group "bench").
struct bench_config : ac::node_config {
  uint32_t clients = 4;      ///< client actors
  uint32_t window = 8;       ///< requests in flight per client
  uint32_t batch = 10;       ///< keys per get_many (1 = get)
  uint64_t keys = 100000;    ///< preloaded keys key:000000000000 ..
  uint32_t value_size = 100; ///< bytes of each value
  double seconds = 3;        ///< measuring time after warm-up
  double warmup = 0.5;       ///< seconds of load before measuring
  bool json = false;         ///< one JSON object instead of text
  bool routed = false;       ///< clients route by the node's snapshot, not through the front
  bool infinite = false;     ///< client requests without a timeout (no actor-clock entry)

  bench_config() {
    // Every client is in this process: CAF's I/O thread has no sockets to serve, so the
    // workers get every core (a node serving remote clients keeps cores - 1, node_config).
    set("scheduler.max-threads", static_cast<size_t>(cores));
    opt_group{custom_options_, "bench"}
      .add(clients, "clients", "client actors")
      .add(window, "window", "requests in flight per client")
      .add(batch, "batch", "keys per get_many (1 = single get)")
      .add(keys, "keys", "preloaded keys")
      .add(value_size, "value-size", "bytes of each value")
      .add(seconds, "seconds", "measuring time")
      .add(warmup, "warmup", "warm-up seconds")
      .add(json, "json", "print one JSON object")
      .add(routed, "routed", "clients ask the shards themselves (actors/routed_reads)")
      .add(infinite, "infinite", "experiment: client requests without a timeout");
  }
};

std::string key_of(uint64_t i) {
  auto d = std::to_string(i);
  return "key:" + std::string(d.size() < 12 ? 12 - d.size() : 0, '0') + d;
}

/// Shared by the client actors of a run.
struct run_shared {
  std::atomic<bool> measuring{false};
  std::atomic<bool> stop{false};
  std::mutex mtx;
  uint64_t requests = 0, lookups = 0, hits = 0, errors = 0;
  ac::latency_histogram latency;
  uint32_t running = 0;
  std::promise<void> finished;
};

struct client_state {
  uint64_t requests = 0, lookups = 0, hits = 0, errors = 0;
  ac::latency_histogram latency;
  uint32_t inflight = 0;
  std::mt19937_64 rng;
  // Request timeouts the way clients/cpp/cluster_client keeps them: a deadline per request
  // and one timer, not a CAF clock entry per request.
  uint64_t next_id = 1;
  absl::flat_hash_set<uint64_t> open;
  ac::deadline_queue deadlines;
  bool timer_armed = false;
  ac::route_reader routes; ///< the node's routes, for --bench.routed
  static inline const char* name = "bench_client";
};

using client_actor = caf::stateful_actor<client_state>;

void issue(client_actor* self, ac::front_actor front, std::shared_ptr<run_shared> sh,
           const bench_config* cfg);

void done_one(client_actor* self, ac::front_actor front, std::shared_ptr<run_shared> sh,
              const bench_config* cfg, clock_type::time_point start, size_t n, size_t hits,
              bool err) {
  auto& st = self->state;
  --st.inflight;
  if (sh->measuring.load(std::memory_order_relaxed)) {
    ++st.requests;
    st.lookups += n;
    st.hits += hits;
    st.errors += err ? 1 : 0;
    st.latency.record(static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now() - start).count()));
  }
  if (!sh->stop.load(std::memory_order_relaxed)) {
    issue(self, front, sh, cfg);
  } else if (st.inflight == 0) {
    std::lock_guard<std::mutex> guard{sh->mtx};
    sh->requests += st.requests;
    sh->lookups += st.lookups;
    sh->hits += st.hits;
    sh->errors += st.errors;
    sh->latency.merge(st.latency);
    if (--sh->running == 0)
      sh->finished.set_value();
    self->quit();
  }
}

constexpr auto request_timeout = std::chrono::seconds(10);

/// Starts the client's deadline timer unless it runs already or nothing waits.
void arm_timer(client_actor* self) {
  auto& st = self->state;
  if (st.timer_armed || st.deadlines.empty())
    return;
  st.timer_armed = true;
  self->delayed_send(self, request_timeout / 10, caf::tick_atom::value);
}

/// The client's timer: requests past their deadline count as errors and make room for new ones.
void expire_overdue(client_actor* self, ac::front_actor front, std::shared_ptr<run_shared> sh,
                    const bench_config* cfg) {
  auto& st = self->state;
  st.timer_armed = false;
  st.deadlines.expire(
    ac::system_clock_source{}.now(), [&](uint64_t id) { return st.open.contains(id); },
    [&](uint64_t id) {
      st.open.erase(id);
      done_one(self, front, sh, cfg, clock_type::now() - request_timeout, cfg->batch, 0, true);
    });
  arm_timer(self);
}

/// The get_many of one request (`--bench.batch` keys), through the front or routed by the
/// client; `settle` says whether its answer still counts.
template <class Settle>
void issue_many(client_actor* self, ac::front_actor front, std::shared_ptr<run_shared> sh,
                const bench_config* cfg, clock_type::time_point start, Settle settle) {
  auto& st = self->state;
  std::vector<std::string> keys;
  keys.reserve(cfg->batch);
  for (uint32_t i = 0; i < cfg->batch; ++i)
    keys.push_back(key_of(st.rng() % cfg->keys));
  auto answered = [=](const ac::lookup_results& rs) {
    if (!settle())
      return;
    size_t hits = std::count_if(rs.begin(), rs.end(), [](const auto& r) { return r.found; });
    done_one(self, front, sh, cfg, start, rs.size(), hits, false);
  };
  auto failed = [=](const caf::error&) {
    if (settle())
      done_one(self, front, sh, cfg, start, cfg->batch, 0, true);
  };
  if (!cfg->routed) {
    self->request(front, caf::infinite, ac::get_many_atom::value, std::move(keys))
      .then(answered, [failed](caf::error& err) { failed(err); });
    return;
  }
  // Routed by the caller (a batch of 1 too, as a get_many of one key): local shards without a
  // CAF timeout (the client's deadline above bounds the request), owner nodes with one.
  ac::routed_get_many(self, st.routes.current(), std::move(keys),
                      {caf::infinite, caf::duration{request_timeout}},
                      [answered, failed](caf::expected<ac::lookup_results> all) {
                        if (all)
                          answered(*all);
                        else
                          failed(all.error());
                      });
}

void issue(client_actor* self, ac::front_actor front, std::shared_ptr<run_shared> sh,
           const bench_config* cfg) {
  auto& st = self->state;
  ++st.inflight;
  auto start = clock_type::now();
  // Without --bench.infinite the request is bounded by the client's own deadline.
  auto id = st.next_id++;
  if (!cfg->infinite) {
    st.open.insert(id);
    st.deadlines.push(ac::system_clock_source{}.now() + request_timeout, id);
    arm_timer(self);
  }
  // True once per answered request that still counts (not expired before it came).
  auto settle = [self, cfg, id] {
    auto& st = self->state;
    if (cfg->infinite)
      return true;
    if (!st.open.erase(id))
      return false;
    st.deadlines.trim([&](uint64_t open) { return st.open.contains(open); });
    return true;
  };
  if (cfg->batch <= 1 && !cfg->routed) {
    self->request(front, caf::infinite, ac::get_atom::value, key_of(st.rng() % cfg->keys))
      .then(
        [=](const ac::lookup_result& r) {
          if (settle())
            done_one(self, front, sh, cfg, start, 1, r.found, false);
        },
        [=](caf::error&) {
          if (settle())
            done_one(self, front, sh, cfg, start, 1, 0, true);
        });
    return;
  }
  issue_many(self, front, sh, cfg, start, settle);
}

/// Writes keys 0 .. keys-1 through the front, `window` puts in flight.
void preload(caf::actor_system& sys, const ac::front_actor& front, const bench_config& cfg) {
  auto entry =
    ac::encode_entry(ac::make_bytes_entry(std::string(cfg.value_size, 'v'), 0, 0, "bench"));
  caf::scoped_actor self{sys};
  const uint64_t window = 256;
  uint64_t sent = 0, answered = 0, failed = 0;
  while (answered < cfg.keys) {
    while (sent < cfg.keys && sent - answered < window) {
      self->send(front, caf::put_atom::value, key_of(sent), entry, uint32_t{0});
      ++sent;
    }
    // The reply is a put_status, as a uint8_t (messages/put_status.hpp).
    self->receive([&](uint8_t) { ++answered; },
                  [&](caf::error&) {
                    ++answered;
                    ++failed;
                  });
  }
  if (failed > 0)
    std::cerr << "preload: " << failed << " puts failed\n";
}

} // namespace

// Long: the benchmark's steps in order (options, node, preload, rounds, report).
int main(int argc, char** argv) {
  bench_config cfg;
  cfg.load<caf::io::middleman>();
  cfg.set("logger.verbosity", caf::atom("quiet"));
  if (auto code = cfg.load_command_line(argc, argv, "inprocess_get_many")) // as the node does
    return *code;
  spdlog::set_level(spdlog::level::warn);
  caf::actor_system sys{cfg};
  auto node = ac::spawn_node(sys, cfg, 0);
  // In-process callers hold the front itself; the gate (node.front) is what remote ones reach.
  preload(sys, node.control, cfg);

  auto sh = std::make_shared<run_shared>();
  sh->running = cfg.clients;
  auto finished = sh->finished.get_future();
  for (uint32_t i = 0; i < cfg.clients; ++i)
    sys.spawn([=, &cfg](client_actor* self) -> caf::behavior {
      self->state.rng.seed(42 + i);
      self->state.routes = ac::route_reader{node.routes};
      for (uint32_t w = 0; w < cfg.window; ++w)
        issue(self, node.control, sh, &cfg);
      ac::front_actor front = node.control;
      const bench_config* c = &cfg;
      return {[self, front, sh, c](caf::tick_atom) { expire_overdue(self, front, sh, c); }};
    });
  std::this_thread::sleep_for(std::chrono::duration<double>(cfg.warmup));
  sh->measuring = true;
  auto t0 = clock_type::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(cfg.seconds));
  sh->measuring = false;
  auto secs = std::chrono::duration<double>(clock_type::now() - t0).count();
  sh->stop = true;
  finished.wait();
  node.stop();

  std::lock_guard<std::mutex> guard{sh->mtx};
  double rps = sh->requests / secs, lps = sh->lookups / secs;
  auto p50 = sh->latency.percentile(0.5), p99 = sh->latency.percentile(0.99);
  if (cfg.json) {
    std::cout << nlohmann::json{{"clients", cfg.clients},
                                {"window", cfg.window},
                                {"batch", cfg.batch},
                                {"routed", cfg.routed},
                                {"infinite", cfg.infinite},
                                {"seconds", secs},
                                {"requests", sh->requests},
                                {"lookups", sh->lookups},
                                {"hits", sh->hits},
                                {"errors", sh->errors},
                                {"ops_per_s", std::llround(rps)},
                                {"lookups_per_s", std::llround(lps)},
                                {"p50_us", p50},
                                {"p99_us", p99}}
                   .dump()
              << std::endl;
  } else {
    std::printf(
      "%u clients x window %u, batch %u%s%s, %.2f s: %.0f requests/s, %.0f lookups/s, "
      "hits %llu/%llu, errors %llu, p50 %llu us, p99 %llu us\n",
      cfg.clients, cfg.window, cfg.batch, cfg.routed ? ", routed" : "",
      cfg.infinite ? ", no timeout" : "", secs, rps, lps, (unsigned long long)sh->hits,
      (unsigned long long)sh->lookups, (unsigned long long)sh->errors, (unsigned long long)p50,
      (unsigned long long)p99);
  }
  return sh->errors == 0 && sh->hits == sh->lookups ? 0 : 1;
}
