// The "zipf-with-sequences" synthetic stream: popular instruments, and runs of consecutive feature windows of one instrument.
#pragma once

#include <cstdint>
#include <vector>

#include "core/zipf_generator.hpp"

namespace ac {

struct sequence_options {
  uint64_t instruments = 1000; ///< distinct instruments, drawn by Zipf popularity
  uint64_t windows = 100;      ///< feature windows per instrument (window t is followed by t+1)
  double alpha = 0.9;          ///< Zipf exponent over instruments
  double follow =
    0.7; ///< chance that a request is followed by the next window of the same instrument
  uint64_t streams = 1; ///< clients whose runs interleave (each request comes from one at random)
  uint64_t seed = 1;
};

/// Models the feature service of DESIGN.md: a request for instrument X's window t is often
/// followed by window t+1 of X. Each stream picks an instrument by Zipf popularity and a
/// starting window uniformly, then walks forward one window at a time, continuing with
/// probability `follow` (a run ends at the last window too); several streams interleave, as
/// concurrent clients do at a shard. A key is instrument * windows + window, so keys are
/// distinct integers below instruments * windows. Deterministic for a given seed.
class sequence_generator {
public:
  explicit sequence_generator(sequence_options opts);

  uint64_t next();

  /// The next `n` keys.
  std::vector<uint64_t> take(uint64_t n);

  uint64_t key_space() const { return opts_.instruments * opts_.windows; }

private:
  struct walker {
    uint64_t instrument = 0;
    uint64_t window = 0;
    bool running = false; // false: the next request starts a new run
  };

  uint64_t random();  // splitmix64
  double uniform01(); // in [0, 1)

  sequence_options opts_;
  zipf_generator popularity_;
  std::vector<walker> walkers_;
  uint64_t state_;
};

} // namespace ac
