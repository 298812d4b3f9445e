// A node's own warming list (see warm_list.hpp).
#include "core/warm_list.hpp"

#include <algorithm>

namespace ac {

namespace {

constexpr std::string_view magic = "ACWL";
constexpr char version = 1;

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

bool get_varint(std::string_view& in, uint64_t& v) {
  v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (in.empty())
      return false;
    auto byte = static_cast<uint8_t>(in.front());
    in.remove_prefix(1);
    v |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0)
      return true;
  }
  return false; // more than 10 bytes: not a varint this writer made
}

/// a is hotter than b: a higher score, or the same score and a smaller key.
bool hotter(const std::pair<std::string, uint64_t>& a, const std::pair<std::string, uint64_t>& b) {
  return a.second != b.second ? a.second > b.second : a.first < b.first;
}

} // namespace

std::string warm_list_key(std::string_view node_id) {
  std::string key{"actorcache:warm:"};
  key.append(node_id);
  return key;
}

uint64_t warm_score(uint64_t tracked, uint32_t frequency) { return tracked + frequency; }

warm_names::warm_names(size_t max) : max_(max) {}

void warm_names::offer(std::string_view key, uint64_t score) {
  if (max_ == 0)
    return;
  if (heap_.size() < max_) {
    heap_.emplace_back(std::string{key}, score);
    std::push_heap(heap_.begin(), heap_.end(), hotter); // "largest" by hotter = the coldest
    return;
  }
  auto& coldest = heap_.front();
  if (score < coldest.second || (score == coldest.second && key >= coldest.first))
    return;
  std::pop_heap(heap_.begin(), heap_.end(), hotter);
  heap_.back().first.assign(key.data(), key.size());
  heap_.back().second = score;
  std::push_heap(heap_.begin(), heap_.end(), hotter);
}

std::vector<std::pair<std::string, uint64_t>> warm_names::take() {
  std::vector<std::pair<std::string, uint64_t>> out;
  out.swap(heap_);
  std::sort(out.begin(), out.end(), hotter);
  return out;
}

std::string encode_warm_list(const std::vector<std::string>& keys,
                             const std::vector<uint64_t>& scores) {
  std::string out{magic};
  out.push_back(version);
  put_varint(out, keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    put_varint(out, keys[i].size());
    out.append(keys[i]);
    put_varint(out, i < scores.size() ? scores[i] : 0);
  }
  return out;
}

bool decode_warm_list(std::string_view bytes, size_t max_keys, std::vector<std::string>& keys,
                      std::vector<uint64_t>& scores) {
  keys.clear();
  scores.clear();
  auto fail = [&] {
    keys.clear();
    scores.clear();
    return false;
  };
  if (bytes.size() < magic.size() + 1 || bytes.substr(0, magic.size()) != magic
      || bytes[magic.size()] != version)
    return false;
  bytes.remove_prefix(magic.size() + 1);
  uint64_t count = 0;
  if (!get_varint(bytes, count) || count > bytes.size() / 2) // every key takes 2 bytes at least
    return fail();
  auto n = static_cast<size_t>(std::min<uint64_t>(count, max_keys));
  keys.reserve(n);
  scores.reserve(n);
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t len = 0, score = 0;
    if (!get_varint(bytes, len) || len > bytes.size())
      return fail();
    auto key = bytes.substr(0, static_cast<size_t>(len));
    bytes.remove_prefix(static_cast<size_t>(len));
    if (!get_varint(bytes, score))
      return fail();
    if (i < n) {
      keys.emplace_back(key);
      scores.push_back(score);
    }
  }
  if (!bytes.empty())
    return fail(); // trailing bytes: not one of ours
  return true;
}

} // namespace ac
