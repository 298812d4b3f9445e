// actorcache-sim: replays a key trace (or a generated Zipf stream) through eviction policies
// and prints their hit rates next to Belady's OPT.
#include "core/belady.hpp"
#include "core/keyed_policy.hpp"
#include "core/sequence_generator.hpp"
#include "core/trace_reader.hpp"
#include "core/wtinylfu_policy.hpp"
#include "core/zipf_generator.hpp"
#include "io/cli_args.hpp"
#include "tools/sim/lfu_policy.hpp"
#include "tools/sim/prefetch_table.hpp"
#include "tools/sim/replay.hpp"

#include <absl/container/flat_hash_set.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <string>

namespace {

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

// Every policy a store can run (make_policy), then Belady's OPT.
std::vector<std::string> default_policies() {
  std::vector<std::string> out;
  for (auto name : ac::policy_names())
    out.emplace_back(name);
  out.push_back("opt");
  return out;
}

struct options {
  std::string trace;                           // file or "-" (stdin)
  std::string format;                          // lirs | u32be
  std::optional<double> zipf;                  // generated stream instead of a trace
  uint64_t keys = 0, requests = 0;             // size of the generated stream
  uint64_t scan_every = 0, scan_length = 1000; // inject one-time scans into the stream
  uint64_t seed = 1;
  uint64_t sketch_seed = 0; // W-TinyLFU's sketch hashing (0: the fixed default)
  std::vector<uint64_t> capacities;
  std::vector<std::string> policies = default_policies();
  bool json = false;
  uint64_t windows = 0; // > 0: zipf-with-sequences (keys = instruments)
  double follow = 0.7;
  uint64_t streams = 1;
  bool prefetch = false; // the prefetch table instead of the policy table
  ac::sim::prefetch_options prefetch_opts;
  std::vector<uint64_t> partitions{1};
};

[[noreturn]] void die(const std::string& message) {
  std::fprintf(stderr, "actorcache-sim: %s\n%s", message.c_str(), usage);
  std::exit(2);
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(',', start);
    if (end == std::string::npos)
      end = s.size();
    out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

uint64_t to_u64(const std::string& option, const std::string& v) {
  size_t used = 0;
  uint64_t x = 0;
  try {
    x = std::stoull(v, &used);
  } catch (...) {
    used = 0;
  }
  if (used == 0 || used != v.size() || v[0] == '-')
    die("--" + option + ": expected a non-negative integer, got '" + v + "'");
  return x;
}

double to_fraction(const std::string& option, const std::string& v) {
  try {
    size_t used = 0;
    double x = std::stod(v, &used);
    if (used == v.size() && x >= 0 && x <= 1)
      return x;
  } catch (...) {}
  die("--" + option + ": expected a number in 0..1, got '" + v + "'");
}

// "wtinylfu@F": W-TinyLFU with its window fixed at share F of the capacity (no tuning).
std::optional<double> fixed_window(const std::string& policy) {
  if (policy == "tinylfu")
    return 0.0;
  if (policy.rfind("wtinylfu@", 0) != 0)
    return std::nullopt;
  try {
    size_t used = 0;
    double f = std::stod(policy.substr(9), &used);
    if (used == policy.size() - 9 && f >= 0 && f <= 1)
      return f;
  } catch (...) {}
  return std::nullopt;
}

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(usage, stdout);
      std::exit(0);
    }
    if (arg == "--version") {
      std::puts(ac::version_line("actorcache-sim").c_str());
      std::exit(0);
    }
    if (arg == "--json") {
      o.json = true;
      continue;
    }
    if (arg == "--prefetch") {
      o.prefetch = true;
      continue;
    }
    auto eq = arg.find('=');
    if (arg.rfind("--", 0) != 0 || eq == std::string::npos)
      die("unknown argument '" + arg + "'");
    std::string key = arg.substr(2, eq - 2), v = arg.substr(eq + 1);
    if (key == "trace") {
      o.trace = v;
    } else if (key == "format") {
      o.format = v;
    } else if (key == "capacity") {
      for (auto& c : split(v))
        if (o.capacities.push_back(to_u64(key, c)); o.capacities.back() == 0)
          die("--capacity: must be positive");
    } else if (key == "policy") {
      o.policies = split(v);
      for (auto& p : o.policies)
        if (p != "lru" && p != "wtinylfu" && p != "tinylfu" && p != "lfu" && p != "opt"
            && !fixed_window(p))
          die("--policy: unknown policy '" + p + "'");
    } else if (key == "zipf") {
      try {
        size_t used = 0;
        o.zipf = std::stod(v, &used);
        if (used != v.size() || *o.zipf < 0 || *o.zipf > 10)
          throw 0;
      } catch (...) {
        die("--zipf: expected an exponent in 0..10, got '" + v + "'");
      }
    } else if (key == "keys") {
      o.keys = to_u64(key, v);
    } else if (key == "requests") {
      o.requests = to_u64(key, v);
    } else if (key == "scan-every") {
      o.scan_every = to_u64(key, v);
    } else if (key == "scan-length") {
      o.scan_length = to_u64(key, v);
    } else if (key == "seed") {
      o.seed = to_u64(key, v);
    } else if (key == "sketch-seed") {
      o.sketch_seed = to_u64(key, v);
    } else if (key == "windows") {
      o.windows = to_u64(key, v);
    } else if (key == "follow") {
      o.follow = to_fraction(key, v);
    } else if (key == "streams") {
      if ((o.streams = to_u64(key, v)) == 0)
        die("--streams: must be positive");
    } else if (key == "prefetch-k") {
      o.prefetch_opts.k = to_u64(key, v);
    } else if (key == "prefetch-confidence") {
      o.prefetch_opts.min_confidence = to_fraction(key, v);
    } else if (key == "prefetch-depth") {
      o.prefetch_opts.depth = to_u64(key, v);
    } else if (key == "prefetch-window") {
      auto w = to_u64(key, v);
      if (w == 0 || w > 64)
        die("--prefetch-window: expected 1..64");
      o.prefetch_opts.window = static_cast<uint32_t>(w);
    } else if (key == "prefetch-keys") {
      o.prefetch_opts.tracked_keys = to_u64(key, v);
    } else if (key == "prefetch-observe") {
      if (v != "all" && v != "misses")
        die("--prefetch-observe: expected all or misses, got '" + v + "'");
      o.prefetch_opts.observe_misses_only = v == "misses";
    } else if (key == "partitions") {
      o.partitions.clear();
      for (auto& c : split(v))
        if (o.partitions.push_back(to_u64(key, c)); o.partitions.back() == 0)
          die("--partitions: must be positive");
    } else {
      die("unknown option '--" + key + "'");
    }
  }
  if (o.capacities.empty())
    die("--capacity is required");
  if (o.zipf.has_value() == !o.trace.empty())
    die("give exactly one of --trace and --zipf");
  if (o.zipf && (o.keys == 0 || o.requests == 0))
    die("--zipf needs --keys and --requests (both positive)");
  if (o.windows != 0 && !o.zipf)
    die("--windows needs --zipf (over instruments)");
  if (!o.prefetch && (o.partitions.size() != 1 || o.partitions[0] != 1))
    die("--partitions needs --prefetch");
  if (!o.trace.empty() && !ac::parse_trace_format(o.format))
    die("--format: expected lirs or u32be, got '" + o.format + "'");
  return o;
}

std::vector<uint64_t> load(const options& o) {
  if (o.zipf && o.windows != 0) {
    ac::sequence_options so;
    so.instruments = o.keys;
    so.windows = o.windows;
    so.alpha = *o.zipf;
    so.follow = o.follow;
    so.streams = o.streams;
    so.seed = o.seed;
    return ac::sequence_generator(so).take(o.requests);
  }
  if (o.zipf) {
    // Zipf ranks are the keys; scans use ids above the key space so they never repeat.
    ac::zipf_generator gen(o.keys, *o.zipf, o.seed);
    std::vector<uint64_t> keys;
    keys.reserve(o.requests);
    uint64_t scan_id = o.keys;
    for (uint64_t i = 1; keys.size() < o.requests; ++i) {
      keys.push_back(gen.next());
      if (o.scan_every && i % o.scan_every == 0)
        for (uint64_t j = 0; j < o.scan_length && keys.size() < o.requests; ++j)
          keys.push_back(scan_id++);
    }
    return keys;
  }
  auto format = *ac::parse_trace_format(o.format);
  ac::trace_result r;
  if (o.trace == "-") {
    r = ac::read_trace(std::cin, format);
  } else {
    std::ifstream in(o.trace, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "actorcache-sim: cannot open trace '%s'\n", o.trace.c_str());
      std::exit(2);
    }
    r = ac::read_trace(in, format);
  }
  if (!r.ok()) {
    std::fprintf(stderr, "actorcache-sim: %s: %s\n", o.trace.c_str(), r.error.c_str());
    std::exit(2);
  }
  return std::move(r.keys);
}

// Any policy but opt, keyed by trace ids.
std::unique_ptr<ac::keyed_policy> make_keyed(const std::string& policy, uint64_t capacity,
                                             uint64_t sketch_seed) {
  std::unique_ptr<ac::keyed_policy> p;
  if (auto window = fixed_window(policy)) {
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

} // namespace

int main(int argc, char** argv) {
  options o = parse(argc, argv);
  std::vector<uint64_t> trace = load(o);
  if (trace.empty()) {
    std::fprintf(stderr, "actorcache-sim: the trace has no accesses\n");
    return 2;
  }
  if (o.prefetch) {
    std::vector<std::string> policies;
    for (auto& p : o.policies)
      if (p != "opt")
        policies.push_back(p);
    auto seed = o.sketch_seed;
    ac::sim::print_prefetch_table(
      trace, o.capacities, policies, o.partitions, o.prefetch_opts, o.json,
      [seed](const std::string& p, uint64_t c) { return make_keyed(p, c, seed); });
    return 0;
  }
  // The gap columns compare every other policy with LRU and OPT, so both always run.
  std::vector<std::string> gapped;
  for (auto& p : o.policies)
    if (p != "lru" && p != "opt")
      gapped.push_back(p);
  if (!o.json) {
    absl::flat_hash_set<uint64_t> distinct(trace.begin(), trace.end());
    std::printf("accesses %zu, distinct keys %zu; gap: share of the LRU->OPT gap closed\n%10s",
                trace.size(), distinct.size(), "capacity");
    for (auto& p : o.policies)
      std::printf(" %10s", p.c_str());
    for (auto& p : gapped)
      std::printf(" %10s", ("gap " + p).c_str());
    std::printf("\n");
  } else {
    std::printf("{\"results\": [");
  }
  bool first = true;
  for (uint64_t c : o.capacities) {
    std::map<std::string, double> rates;
    for (auto& p : o.policies)
      rates[p] = hit_rate(p, c, trace, o.sketch_seed);
    for (const char* p : {"lru", "opt"})
      if (!rates.count(p))
        rates[p] = hit_rate(p, c, trace, o.sketch_seed);
    double lru = rates["lru"], opt = rates["opt"];
    if (!o.json)
      std::printf("%10llu", static_cast<unsigned long long>(c));
    for (auto& p : o.policies) {
      double h = rates[p], g = gap_closed(h, lru, opt);
      if (o.json) {
        std::printf("%s\n  {\"policy\": \"%s\", \"capacity\": %llu, \"hit_rate\": %.6f",
                    first ? "" : ",", p.c_str(), static_cast<unsigned long long>(c), h);
        if (std::isnan(g))
          std::printf(", \"gap_closed\": null}");
        else
          std::printf(", \"gap_closed\": %.4f}", g);
      } else {
        std::printf(" %9.2f%%", 100 * h);
      }
      first = false;
    }
    if (!o.json) {
      for (auto& p : gapped) {
        double g = gap_closed(rates[p], lru, opt);
        if (std::isnan(g))
          std::printf(" %10s", "-");
        else
          std::printf(" %9.0f%%", 100 * g);
      }
      std::printf("\n");
    }
  }
  if (o.json)
    std::printf("\n]}\n");
  return 0;
}
