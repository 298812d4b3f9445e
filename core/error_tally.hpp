// The node's one count of error replies: every edge that answers a client with an error adds here.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

namespace ac {

/// Error replies a node sent to its clients, by error code. The CAF edge (the front gate) and
/// the RESP edge (every `-ERR ...` a session writes) add to it; stats, INFO and /metrics read
/// only this, so they agree with what clients saw (one failed flight answered to 1,000
/// waiters is 1,000 errors). Requests a peer forwarded are counted by the node the client
/// asked, not again by the owner. Thread-safe (relaxed atomics): edges on any thread add.
class error_tally {
public:
  static constexpr size_t codes = 32; ///< code 0: not one of actorcache's own (syntax, CAF)

  /// Counts one error reply (or `n`) with `code` (an errc value; out-of-range counts as 0).
  void add(uint8_t code, uint64_t n = 1) {
    by_code_[code < codes ? code : 0].fetch_add(n, std::memory_order_relaxed);
  }

  uint64_t count(uint8_t code) const {
    return code < codes ? by_code_[code].load(std::memory_order_relaxed) : 0;
  }

  uint64_t total() const {
    uint64_t sum = 0;
    for (auto& c : by_code_)
      sum += c.load(std::memory_order_relaxed);
    return sum;
  }

private:
  std::array<std::atomic<uint64_t>, codes> by_code_{};
};

} // namespace ac
