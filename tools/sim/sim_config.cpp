// The options of actorcache-sim (see sim_config.hpp).
#include "tools/sim/sim_config.hpp"

#include <algorithm>

#include "core/keyed_policy.hpp"
#include "core/trace_reader.hpp"

namespace ac::sim {

sim_config::sim_config() {
  program_options()
    .add(trace, "trace", "the key trace to replay: a file, or - for standard input")
    .add(format, "format", "the trace's format: lirs (one integer a line) or u32be")
    .add(zipf, "zipf", "replay a generated Zipf stream of this exponent (0..10) instead")
    .add(keys, "keys", "zipf: distinct keys (instruments with --windows)")
    .add(requests, "requests", "zipf: accesses")
    .add(scan_every, "scan-every", "zipf: a one-time scan every K accesses (0 = none)")
    .add(scan_length, "scan-length", "zipf: keys of each scan")
    .add(seed, "seed", "zipf: random seed")
    .add(sketch_seed, "sketch-seed", "W-TinyLFU's sketch hashing (0 = the store's default)")
    .add(capacity, "capacity", "cache capacities in entries: N[,N...]")
    .add(policy, "policy",
         "P[,P...] of lru, wtinylfu, opt (all three by default), wtinylfu@F, tinylfu, lfu")
    .add(json, "json", "print JSON instead of a table")
    .add(windows, "windows", "zipf-with-sequences: feature windows per instrument")
    .add(follow, "follow", "zipf-with-sequences: chance the next window follows (0..1)")
    .add(streams, "streams", "zipf-with-sequences: clients whose runs interleave")
    .add(prefetch, "prefetch", "each policy with and without predictive prefetch on misses")
    .add(prefetch_k, "prefetch-k", "prefetch: successors fetched per miss")
    .add(prefetch_confidence, "prefetch-confidence",
         "prefetch: how often a successor must have followed (0..1)")
    .add(prefetch_depth, "prefetch-depth", "prefetch: 2 = the successors' successors too")
    .add(prefetch_window, "prefetch-window", "prefetch: successors of the last W keys (1..64)")
    .add(prefetch_keys, "prefetch-keys", "prefetch: predictor rows per cache (0 = 4 x capacity)")
    .add(prefetch_observe, "prefetch-observe", "prefetch: learn from all reads or misses only")
    .add(partitions, "partitions", "prefetch: split the stream by key hash as N nodes would");
}

namespace {

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = std::min(s.find(',', start), s.size());
    out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

/// Positive integers separated by commas, or why not.
std::string positive_list(const std::string& option, const std::string& text,
                          std::vector<uint64_t>& out) {
  out.clear();
  for (auto& part : split(text)) {
    size_t used = 0;
    uint64_t x = 0;
    try {
      x = part.empty() || part[0] == '-' ? 0 : std::stoull(part, &used);
    } catch (...) {
      used = 0;
    }
    if (used == 0 || used != part.size() || x == 0)
      return "--" + option + ": expected positive whole numbers separated by commas, got '" + text
             + "'";
    out.push_back(x);
  }
  return {};
}

bool given_option(const std::vector<std::string>& given, const char* name) {
  return std::find(given.begin(), given.end(), name) != given.end();
}

bool known_policy(const std::string& p) {
  return p == "lru" || p == "wtinylfu" || p == "tinylfu" || p == "lfu" || p == "opt"
         || fixed_window(p);
}

// Every policy a store can run (make_policy), then Belady's OPT.
std::vector<std::string> default_policies() {
  std::vector<std::string> out;
  for (auto name : policy_names())
    out.emplace_back(name);
  out.push_back("opt");
  return out;
}

} // namespace

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

// Long on purpose: one short check per rule on the options, in the order of the table above.
sim_run_or_error to_run(const sim_config& cfg, const std::vector<std::string>& given) {
  sim_run_or_error out;
  auto& r = out.run;
  auto fail = [&](std::string why) {
    out.error = std::move(why);
    return out;
  };
  r.cfg = &cfg;
  if (given_option(given, "zipf")) {
    if (cfg.zipf < 0 || cfg.zipf > 10)
      return fail("--zipf: expected an exponent in 0..10");
    r.zipf = cfg.zipf;
  }
  if (cfg.capacity.empty())
    return fail("--capacity is required");
  if (auto why = positive_list("capacity", cfg.capacity, r.capacities); !why.empty())
    return fail(why);
  r.policies = cfg.policy.empty() ? default_policies() : split(cfg.policy);
  for (auto& p : r.policies)
    if (!known_policy(p))
      return fail("--policy: unknown policy '" + p + "'");
  if (cfg.follow < 0 || cfg.follow > 1)
    return fail("--follow: expected a number in 0..1");
  if (cfg.streams == 0)
    return fail("--streams: must be positive");
  auto& po = r.prefetch_opts;
  po.k = cfg.prefetch_k;
  if (cfg.prefetch_confidence < 0 || cfg.prefetch_confidence > 1)
    return fail("--prefetch-confidence: expected a number in 0..1");
  po.min_confidence = cfg.prefetch_confidence;
  po.depth = cfg.prefetch_depth;
  if (cfg.prefetch_window == 0 || cfg.prefetch_window > 64)
    return fail("--prefetch-window: expected 1..64");
  po.window = static_cast<uint32_t>(cfg.prefetch_window);
  po.tracked_keys = cfg.prefetch_keys;
  if (cfg.prefetch_observe != "all" && cfg.prefetch_observe != "misses")
    return fail("--prefetch-observe: expected all or misses, got '" + cfg.prefetch_observe + "'");
  po.observe_misses_only = cfg.prefetch_observe == "misses";
  if (auto why = positive_list("partitions", cfg.partitions, r.partitions); !why.empty())
    return fail(why);
  if (r.zipf.has_value() == !cfg.trace.empty())
    return fail("give exactly one of --trace and --zipf");
  if (r.zipf && (cfg.keys == 0 || cfg.requests == 0))
    return fail("--zipf needs --keys and --requests (both positive)");
  if (cfg.windows != 0 && !r.zipf)
    return fail("--windows needs --zipf (over instruments)");
  if (!cfg.prefetch && (r.partitions.size() != 1 || r.partitions[0] != 1))
    return fail("--partitions needs --prefetch");
  if (!cfg.trace.empty() && !parse_trace_format(cfg.format))
    return fail("--format: expected lirs or u32be, got '" + cfg.format + "'");
  return out;
}

} // namespace ac::sim
