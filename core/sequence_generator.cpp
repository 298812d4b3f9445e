// sequence_generator: interleaved Zipf-started runs of consecutive windows (see the header).
#include "core/sequence_generator.hpp"

#include "core/frequency_sketch.hpp" // mix64

#include <algorithm>

namespace ac {

sequence_generator::sequence_generator(sequence_options opts)
  : opts_(opts), popularity_(std::max<uint64_t>(opts.instruments, 1), opts.alpha, opts.seed),
    walkers_(std::max<uint64_t>(opts.streams, 1)), state_(mix64(opts.seed ^ 0x5eed5eed5eedULL)) {
  opts_.instruments = std::max<uint64_t>(opts_.instruments, 1);
  opts_.windows = std::max<uint64_t>(opts_.windows, 1);
}

uint64_t sequence_generator::random() {
  state_ += 0x9e3779b97f4a7c15ULL;
  return mix64(state_);
}

double sequence_generator::uniform01() { return static_cast<double>(random() >> 11) * 0x1.0p-53; }

uint64_t sequence_generator::next() {
  auto& w = walkers_.size() == 1 ? walkers_[0] : walkers_[random() % walkers_.size()];
  if (w.running && w.window + 1 < opts_.windows && uniform01() < opts_.follow) {
    ++w.window;
  } else {
    w.instrument = popularity_.next();
    w.window = random() % opts_.windows;
    w.running = true;
  }
  return w.instrument * opts_.windows + w.window;
}

std::vector<uint64_t> sequence_generator::take(uint64_t n) {
  std::vector<uint64_t> out;
  out.reserve(n);
  for (uint64_t i = 0; i < n; ++i)
    out.push_back(next());
  return out;
}

} // namespace ac
