// Fill races: a value filled while reads of its key were out, handed to those reads when they end.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

namespace ac {

/// A lease keeper reads L1 and L2 before it grants a lease; a fill of the key may land while
/// those reads are out, and a read that missed would then grant a second lease of a key whose
/// value just arrived. So a fill that lands while reads of its key are out is kept, and each
/// of those reads takes it when it ends. Kept only while such reads are out: a value deleted or
/// expired later is never served from here. Not thread-safe: one actor owns it.
class fill_race {
public:
  /// A read of `key` starts.
  void read_started(const std::string& key) { ++reading_[key]; }

  /// `key` was filled with `value`: kept for the reads of it now out (none: nothing kept).
  void filled(const std::string& key, const std::string& value) {
    if (reading_.count(key) != 0)
      raced_[key] = value;
  }

  /// A read of `key` ended: the value filled while it ran, if any. The last read of the key
  /// to end drops what was kept.
  std::optional<std::string> read_done(const std::string& key) {
    std::optional<std::string> value;
    if (auto r = raced_.find(key); r != raced_.end())
      value = r->second;
    if (auto it = reading_.find(key); it != reading_.end() && --it->second == 0) {
      reading_.erase(it);
      raced_.erase(key);
    }
    return value;
  }

  /// Keys with reads out now.
  size_t reading() const { return reading_.size(); }
  /// Values kept now.
  size_t kept() const { return raced_.size(); }

private:
  std::unordered_map<std::string, uint32_t> reading_;  ///< reads out, by key
  std::unordered_map<std::string, std::string> raced_; ///< fills that landed during them
};

} // namespace ac
