// The node's predictive-prefetch model: which keys followed which in its miss stream, shared by all its shards.
//
// Why one per node and not one per shard: a key's successor (window t+1 of the same instrument)
// hashes to any shard, so a shard's own stream holds only every n-th key of a sequence and
// learns little (bench/PREFETCH.md: per-shard prediction kept a tenth of the gain). Every shard
// records its misses here and asks for the likely next keys; the warm goes to the shard that
// owns each one. Only misses are recorded: they already cost an L2 round trip, so one more
// short lock is noise there, while the hit path (RESP sessions answering inline) stays as it
// was. The simulator measured learning from misses alone as about as good as from every read.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/key_book.hpp"
#include "core/successor_predictor.hpp"

namespace ac {

/// warming.predictive-* options.
struct prefetch_model_options {
  size_t k = 2;                ///< successors warmed per miss
  double min_confidence = 0.3; ///< share of a key's misses a successor must have followed
  uint64_t tracked_keys =
    65536;             ///< keys whose successors are remembered (64 bytes each, + the key)
  uint32_t window = 4; ///< a miss counts as the successor of the last this-many misses
};

class prefetch_model {
public:
  explicit prefetch_model(prefetch_model_options opts)
    : opts_(opts), predictor_(successor_options{opts.tracked_keys, opts.window, 0}),
      keys_(opts.tracked_keys) {}

  /// Records a miss of `key` (hash = key_hash(key)) and returns the keys likely to be read
  /// next, most likely first (none that were not seen lately). Any thread.
  std::vector<std::string> on_miss(std::string_view key, uint64_t hash) {
    std::vector<std::string> out;
    std::lock_guard<std::mutex> guard{mutex_};
    predictor_.record(hash);
    keys_.put(hash, key);
    predictor_.predict(hash, opts_.k, opts_.min_confidence, scratch_);
    for (auto& p : scratch_)
      if (auto k = keys_.get(p.key))
        out.push_back(std::move(*k));
    return out;
  }

  const prefetch_model_options& options() const { return opts_; }

private:
  prefetch_model_options opts_;
  std::mutex mutex_;
  successor_predictor predictor_;
  key_book keys_;
  std::vector<prediction> scratch_;
};

} // namespace ac
