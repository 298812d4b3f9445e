// actorcache-sim: replays a key trace (or a generated Zipf stream) through eviction policies
// and prints their hit rates next to Belady's OPT.
#include "core/belady.hpp"
#include "core/keyed_policy.hpp"
#include "core/sequence_generator.hpp"
#include "core/trace_reader.hpp"
#include "core/wtinylfu_policy.hpp"
#include "core/zipf_generator.hpp"
#include "tools/sim/lfu_policy.hpp"
#include "tools/sim/prefetch_table.hpp"
#include "tools/sim/replay.hpp"
#include "tools/sim/sim_config.hpp"

#include <absl/container/flat_hash_set.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <string>

namespace {

// What --help prints after the list of options: the forms of a run.
constexpr const char* usage =
  "usage: actorcache-sim (--trace=FILE|- --format=lirs|u32be | --zipf=ALPHA --keys=N --requests=R\n"
  "                      [--scan-every=K [--scan-length=L]]\n"
  "                      [--windows=W [--follow=P] [--streams=S]] [--seed=S])\n"
  "                      --capacity=N[,N...] [--policy=P[,P...]] [--sketch-seed=S] [--json]\n"
  "                      [--prefetch [--prefetch-k=K] [--prefetch-confidence=F] [--prefetch-depth=D]\n"
  "                       [--prefetch-observe=all|misses] [--prefetch-window=W] [--partitions=N[,N...]]\n"
  "                       [--prefetch-keys=N]]\n"
  "policies: lru, wtinylfu (the store's; both run by default), opt (Belady, default too), and the\n"
  "          yardsticks wtinylfu@F (window fixed at share F), tinylfu (wtinylfu@0), lfu (perfect);\n"
  "          each policy but lru and opt also gets its share of the LRU->OPT gap closed\n"
  "zipf-with-sequences: --zipf=A --keys=N --windows=W: N instruments of W feature windows each;\n"
  "          a request is followed by the next window of its instrument with chance P (0.7), and S\n"
  "          clients' runs interleave (1)\n"
  "--prefetch: each policy (opt aside) with and without predictive prefetch on misses: demand hit\n"
  "          rate, gain in points, prefetches, and the share of prefetched entries read before\n"
  "          eviction (core/successor_predictor; defaults as the node's: k 2, confidence 0.3,\n"
  "          depth 1, observe misses, window 4); --partitions=N splits the stream by key hash as\n"
  "          N nodes would, each with its share of the capacity and its own predictor\n";

std::vector<uint64_t> load(const ac::sim::sim_run& o) {
  if (o.zipf && o.cfg->windows != 0) {
    ac::sequence_options so;
    so.instruments = o.cfg->keys;
    so.windows = o.cfg->windows;
    so.alpha = *o.zipf;
    so.follow = o.cfg->follow;
    so.streams = o.cfg->streams;
    so.seed = o.cfg->seed;
    return ac::sequence_generator(so).take(o.cfg->requests);
  }
  if (o.zipf) {
    // Zipf ranks are the keys; scans use ids above the key space so they never repeat.
    ac::zipf_generator gen(o.cfg->keys, *o.zipf, o.cfg->seed);
    std::vector<uint64_t> keys;
    keys.reserve(o.cfg->requests);
    uint64_t scan_id = o.cfg->keys;
    for (uint64_t i = 1; keys.size() < o.cfg->requests; ++i) {
      keys.push_back(gen.next());
      if (o.cfg->scan_every && i % o.cfg->scan_every == 0)
        for (uint64_t j = 0; j < o.cfg->scan_length && keys.size() < o.cfg->requests; ++j)
          keys.push_back(scan_id++);
    }
    return keys;
  }
  auto format = *ac::parse_trace_format(o.cfg->format);
  ac::trace_result r;
  if (o.cfg->trace == "-") {
    r = ac::read_trace(std::cin, format);
  } else {
    std::ifstream in(o.cfg->trace, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "actorcache-sim: cannot open trace '%s'\n", o.cfg->trace.c_str());
      std::exit(2);
    }
    r = ac::read_trace(in, format);
  }
  if (!r.ok()) {
    std::fprintf(stderr, "actorcache-sim: %s: %s\n", o.cfg->trace.c_str(), r.error.c_str());
    std::exit(2);
  }
  return std::move(r.keys);
}

// Any policy but opt, keyed by trace ids.
std::unique_ptr<ac::keyed_policy> make_keyed(const std::string& policy, uint64_t capacity,
                                             uint64_t sketch_seed) {
  std::unique_ptr<ac::keyed_policy> p;
  if (auto window = ac::sim::fixed_window(policy)) {
    ac::wtinylfu_options opts;
    opts.window_fraction = *window;
    opts.adapt = false;
    if (sketch_seed != 0)
      opts.seed = sketch_seed;
    p = std::make_unique<ac::keyed_adapter>([&](ac::policy_nodes& nodes) {
      return std::make_unique<ac::wtinylfu_policy>(capacity, nodes, opts);
    });
  } else if (policy == "lfu") {
    p = std::make_unique<ac::sim::lfu_policy>(capacity);
  } else {
    p = ac::make_keyed_policy(policy, capacity, 0, sketch_seed);
  }
  return p;
}

double hit_rate(const std::string& policy, uint64_t capacity, const std::vector<uint64_t>& t,
                uint64_t sketch_seed) {
  if (policy == "opt")
    return ac::belady_hit_rate(t, capacity);
  return ac::sim::replay_hit_rate(*make_keyed(policy, capacity, sketch_seed), t);
}

// Share of the LRU -> OPT gap a policy closes (1: as good as OPT); NaN when there is no gap.
double gap_closed(double rate, double lru, double opt) {
  return opt - lru > 1e-12 ? (rate - lru) / (opt - lru) : std::nan("");
}

// The hit rate of every policy at every capacity, with the share of the LRU->OPT gap each
// closes: a table, or {"results": [{"policy", "capacity", "hit_rate", "gap_closed"}]}.
void print_policy_table(const ac::sim::sim_run& o, const std::vector<uint64_t>& trace) {
  // The gap columns compare every other policy with LRU and OPT, so both always run.
  std::vector<std::string> gapped;
  for (auto& p : o.policies)
    if (p != "lru" && p != "opt")
      gapped.push_back(p);
  if (!o.cfg->json) {
    absl::flat_hash_set<uint64_t> distinct(trace.begin(), trace.end());
    std::printf("accesses %zu, distinct keys %zu; gap: share of the LRU->OPT gap closed\n%10s",
                trace.size(), distinct.size(), "capacity");
    for (auto& p : o.policies)
      std::printf(" %10s", p.c_str());
    for (auto& p : gapped)
      std::printf(" %10s", ("gap " + p).c_str());
    std::printf("\n");
  }
  auto results = nlohmann::json::array();
  for (uint64_t c : o.capacities) {
    std::map<std::string, double> rates;
    for (auto& p : o.policies)
      rates[p] = hit_rate(p, c, trace, o.cfg->sketch_seed);
    for (const char* p : {"lru", "opt"})
      if (!rates.count(p))
        rates[p] = hit_rate(p, c, trace, o.cfg->sketch_seed);
    double lru = rates["lru"], opt = rates["opt"];
    if (o.cfg->json) {
      for (auto& p : o.policies) {
        double g = gap_closed(rates[p], lru, opt);
        results.push_back({{"policy", p},
                           {"capacity", c},
                           {"hit_rate", rates[p]},
                           {"gap_closed", std::isnan(g) ? nlohmann::json{} : nlohmann::json(g)}});
      }
      continue;
    }
    std::printf("%10llu", static_cast<unsigned long long>(c));
    for (auto& p : o.policies)
      std::printf(" %9.2f%%", 100 * rates[p]);
    for (auto& p : gapped) {
      double g = gap_closed(rates[p], lru, opt);
      if (std::isnan(g))
        std::printf(" %10s", "-");
      else
        std::printf(" %9.0f%%", 100 * g);
    }
    std::printf("\n");
  }
  if (o.cfg->json)
    std::cout << nlohmann::json{{"results", results}}.dump(1) << "\n";
}

} // namespace

int main(int argc, char** argv) {
  ac::sim::sim_config cfg;
  auto parsed = ac::parse_options_only(cfg, argc, argv);
  if (cfg.cli_helptext_printed)
    std::fputs(usage, stdout); // after CAF's list of the options: the forms of a run
  if (parsed.exit_code >= 0)
    return parsed.exit_code;
  auto run = ac::sim::to_run(cfg, parsed.given);
  if (!run.error.empty()) {
    std::fprintf(stderr, "actorcache-sim: %s (see --help)\n", run.error.c_str());
    return 2;
  }
  const auto& o = run.run;
  std::vector<uint64_t> trace = load(o);
  if (trace.empty()) {
    std::fprintf(stderr, "actorcache-sim: the trace has no accesses\n");
    return 2;
  }
  if (!o.cfg->prefetch) {
    print_policy_table(o, trace);
    return 0;
  }
  std::vector<std::string> policies;
  for (auto& p : o.policies)
    if (p != "opt")
      policies.push_back(p);
  auto seed = o.cfg->sketch_seed;
  ac::sim::print_prefetch_table(
    trace, o.capacities, policies, o.partitions, o.prefetch_opts, o.cfg->json,
    [seed](const std::string& p, uint64_t c) { return make_keyed(p, c, seed); });
  return 0;
}
