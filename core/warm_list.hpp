// A node's own warming list: which of its L1 keys it names to itself across a restart, and the list's bytes in L2.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ac {

/// The L2 key a node keeps its list under (below redis.key-prefix, like every key it writes):
/// "actorcache:warm:" + its id. The id (host:port, or node.id) stays the same across a restart
/// on the same port, so the restarted node finds what it held before.
std::string warm_list_key(std::string_view node_id);

/// How hot a resident entry is for warming: the sampled read count the shard's warming set
/// keeps (0 when it does not track the key) plus the eviction policy's frequency estimate (a
/// 4-bit sketch, 0..15; 0 under LRU). Tracked keys (counts of 16 and more while fresh) come
/// first; the sketch orders the long tail that 1-in-16 samples miss, which is most of what a
/// restarted node would otherwise miss.
uint64_t warm_score(uint64_t tracked, uint32_t frequency);

/// Keeps the `max` hottest of the entries offered to it (a bounded min-heap: an entry colder
/// than every kept one costs a comparison, not a copy of its key). Ties go to the smaller key,
/// so the choice does not depend on the order entries are offered in.
class warm_names {
public:
  explicit warm_names(size_t max);

  void offer(std::string_view key, uint64_t score);

  /// The kept entries, hottest first; leaves the set empty.
  std::vector<std::pair<std::string, uint64_t>> take();

  size_t size() const { return heap_.size(); }

private:
  size_t max_;
  std::vector<std::pair<std::string, uint64_t>> heap_; ///< the coldest kept entry in front
};

/// The list's bytes: "ACWL", a version byte (1), a varint count, then per key a varint length,
/// the key's bytes (any bytes: keys are binary-safe) and its score as a varint; hottest first.
/// `scores` shorter than `keys` writes 0 for the rest.
std::string encode_warm_list(const std::vector<std::string>& keys,
                             const std::vector<uint64_t>& scores);

/// Reads a list written by encode_warm_list, at most `max_keys` of its keys (the hottest). False
/// for anything else (another format, a cut-off or corrupt value: L2 is shared, and a key of that
/// name may hold anything); keys and scores are left empty then.
bool decode_warm_list(std::string_view bytes, size_t max_keys, std::vector<std::string>& keys,
                      std::vector<uint64_t>& scores);

} // namespace ac
