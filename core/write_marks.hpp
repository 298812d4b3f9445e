// Which keys were written since a moment: a sequence number per write, the latest per hash slot.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>

namespace ac {

/// Why: a value loaded for a miss (from L2 or a compute) reaches L1 some time after the miss;
/// a SET or DEL of the key in between must win, or the loader's older value would overwrite an
/// acknowledged write. The reader notes seq() when it sees the miss; the fill is dropped when
/// written_since(hash, that seq). Slots are shared by hashes, so a write of another key in the
/// same slot drops a fill too: the value is still answered, only not kept (a miss later loads
/// it again). 4096 slots: 32 KiB a store; only puts, deletes and expires mark (fills do not),
/// so a fill is dropped wrongly only when a client writes a key of its slot during the load.
class write_marks {
public:
  /// The sequence number of the latest write (0 before any).
  uint64_t seq() const { return seq_; }

  /// A write of the key with this hash.
  void note(uint64_t hash) { slots_[hash & (slots - 1)] = ++seq_; }

  /// A write of every key (FLUSHDB).
  void note_all() { all_ = ++seq_; }

  /// Whether the key with this hash may have been written after `seq` was read.
  bool written_since(uint64_t hash, uint64_t seq) const {
    return std::max(slots_[hash & (slots - 1)], all_) > seq;
  }

private:
  static constexpr size_t slots = 4096;
  uint64_t seq_ = 0;
  uint64_t all_ = 0;
  std::array<uint64_t, slots> slots_{};
};

} // namespace ac
