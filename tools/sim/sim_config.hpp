// The options of actorcache-sim, read by CAF's config parser like every other program's, and the run they describe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tools/common/cli_options.hpp"
#include "tools/sim/prefetch_replay.hpp"

namespace ac::sim {

/// The command line as CAF reads it: strings where a value is a list (`--capacity=1000,2000`
/// as the docs write it, not CAF's `[1000,2000]`); to_run() checks and converts.
class sim_config : public cli_config {
public:
  sim_config();

  std::string trace;                       ///< --trace: a file, or - for standard input
  std::string format;                      ///< --format: lirs | u32be
  double zipf = 0;                         ///< --zipf: a generated stream instead of a trace
  uint64_t keys = 0;                       ///< --keys
  uint64_t requests = 0;                   ///< --requests
  uint64_t scan_every = 0;                 ///< --scan-every
  uint64_t scan_length = 1000;             ///< --scan-length
  uint64_t seed = 1;                       ///< --seed
  uint64_t sketch_seed = 0;                ///< --sketch-seed
  std::string capacity;                    ///< --capacity=N[,N...]
  std::string policy;                      ///< --policy=P[,P...] ("" = every policy and opt)
  bool json = false;                       ///< --json
  uint64_t windows = 0;                    ///< --windows
  double follow = 0.7;                     ///< --follow
  uint64_t streams = 1;                    ///< --streams
  bool prefetch = false;                   ///< --prefetch
  uint64_t prefetch_k = 2;                 ///< --prefetch-k
  double prefetch_confidence = 0.3;        ///< --prefetch-confidence
  uint64_t prefetch_depth = 1;             ///< --prefetch-depth
  uint64_t prefetch_window = 4;            ///< --prefetch-window
  uint64_t prefetch_keys = 0;              ///< --prefetch-keys
  std::string prefetch_observe = "misses"; ///< --prefetch-observe
  std::string partitions = "1";            ///< --partitions=N[,N...]
};

/// What to replay and how: the command line (`cfg`, checked) and what its texts say.
struct sim_run {
  const sim_config* cfg = nullptr;
  std::optional<double> zipf; ///< set when --zipf was given
  std::vector<uint64_t> capacities;
  std::vector<std::string> policies;
  prefetch_options prefetch_opts;
  std::vector<uint64_t> partitions{1};
};

/// The run `cfg` describes (`given`: the options on the command line), or the first thing
/// wrong with it as a message naming the option.
struct sim_run_or_error {
  sim_run run;
  std::string error; ///< "" when `run` holds
};
sim_run_or_error to_run(const sim_config& cfg, const std::vector<std::string>& given);

/// "wtinylfu@F" (and tinylfu = wtinylfu@0): the window share F it fixes; nullopt for others.
std::optional<double> fixed_window(const std::string& policy);

} // namespace ac::sim
