// One shard's L1 storage (see cache_store.hpp).
#include "core/cache_store.hpp"

#include <cstring>
#include <limits>
#include <stdexcept>

namespace ac {

namespace {

constexpr int64_t never = std::numeric_limits<int64_t>::max();

int64_t to_ns(std::chrono::seconds s) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(s).count();
}

} // namespace

void cache_store::entry::assign(std::string_view k, std::string_view v) {
  data.reset(new char[k.size() + v.size()]);
  std::memcpy(data.get(), k.data(), k.size());
  std::memcpy(data.get() + k.size(), v.data(), v.size());
  key_len = static_cast<uint32_t>(k.size());
  value_len = static_cast<uint32_t>(v.size());
}

cache_store::cache_store(store_options opts, const clock_source& clock)
  : opts_(std::move(opts)), clock_(clock) {
  policy_ = make_policy(opts_.policy, opts_.max_bytes, opts_.max_entries);
  if (!policy_)
    throw std::invalid_argument("unknown eviction policy: " + opts_.policy);
}

int64_t cache_store::now_ns() const {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(clock_.now().time_since_epoch())
    .count();
}

store_lookup cache_store::get(std::string_view key, uint64_t hash) {
  auto it = map_.find(hash);
  if (it == map_.end() || it->second.key() != key) {
    ++counters_.misses;
    if (ghost_set_.contains(hash))
      ++counters_.ghost_hits;
    policy_->on_miss(hash);
    return {};
  }
  auto& e = it->second;
  auto now = now_ns();
  if (e.expires_ns != never && now >= e.expires_ns) {
    if (now - e.expires_ns >= to_ns(opts_.stale_ttl)) {
      ++counters_.misses;
      ++counters_.expirations;
      drop(hash, false);
      return {};
    }
    ++counters_.stale_hits;
    policy_->on_hit(hash);
    return {e.value(), true, true};
  }
  ++counters_.hits;
  policy_->on_hit(hash);
  return {e.value(), true, false};
}

bool cache_store::put(std::string_view key, uint64_t hash, std::string_view value,
                      std::chrono::seconds ttl) {
  if (ttl.count() == 0)
    ttl = opts_.default_ttl;
  auto expires = ttl.count() == 0 ? never : now_ns() + to_ns(ttl);
  auto weight = weight_of(key, value);
  evicted_.clear();
  auto it = map_.find(hash);
  if (it != map_.end() && it->second.key() != key) {
    policy_->on_remove(hash);  // a colliding key: the newer one wins
    drop(hash, false);
    it = map_.end();
  }
  if (it != map_.end()) {
    auto& e = it->second;
    bytes_ = bytes_ - e.weight() + weight;
    e.assign(key, value);
    e.expires_ns = expires;
    policy_->on_update(hash, weight, evicted_);
  } else {
    entry e;
    e.assign(key, value);
    e.expires_ns = expires;
    map_.emplace(hash, std::move(e));
    bytes_ += weight;
    policy_->on_insert(hash, weight, evicted_);
  }
  if (expires != never) {
    auto final_ns = expires + to_ns(opts_.stale_ttl);
    expiry_[final_ns / 1'000'000'000 + 1].push_back(hash);
  }
  bool kept = true;
  for (auto h : evicted_)
    if (h == hash)
      kept = false;
  apply_evictions();
  enforce_entry_bound();
  if (kept) {
    ++counters_.puts;
  } else {
    ++counters_.rejected;
    --counters_.evictions;  // refusing the newcomer is not an eviction of a resident entry
  }
  return kept;
}

bool cache_store::erase(std::string_view key, uint64_t hash) {
  auto it = map_.find(hash);
  if (it == map_.end() || it->second.key() != key)
    return false;
  policy_->on_remove(hash);
  drop(hash, false);
  ++counters_.erases;
  return true;
}

size_t cache_store::sweep() {
  auto now = now_ns();
  auto now_s = now / 1'000'000'000;
  size_t dropped = 0;
  while (!expiry_.empty() && expiry_.begin()->first <= now_s) {
    auto hashes = std::move(expiry_.begin()->second);
    expiry_.erase(expiry_.begin());
    for (auto h : hashes) {
      auto it = map_.find(h);
      if (it == map_.end() || it->second.expires_ns == never)
        continue;
      if (now - it->second.expires_ns >= to_ns(opts_.stale_ttl)) {
        policy_->on_remove(h);
        drop(h, false);
        ++counters_.expirations;
        ++dropped;
      }
    }
  }
  return dropped;
}

void cache_store::resize(uint64_t max_bytes, uint64_t max_entries) {
  opts_.max_bytes = max_bytes;
  opts_.max_entries = max_entries;
  evicted_.clear();
  policy_->set_capacity(max_bytes, evicted_);
  apply_evictions();
  enforce_entry_bound();
}

std::chrono::seconds cache_store::ttl_left(std::string_view key, uint64_t hash) const {
  auto it = map_.find(hash);
  if (it == map_.end() || it->second.key() != key)
    return std::chrono::seconds{0};
  if (it->second.expires_ns == never)
    return std::chrono::seconds{std::numeric_limits<int32_t>::max()};
  auto left = it->second.expires_ns - now_ns();
  return std::chrono::seconds{left > 0 ? (left + 999'999'999) / 1'000'000'000 : 0};
}

void cache_store::drop(uint64_t hash, bool evicted) {
  auto it = map_.find(hash);
  if (it == map_.end())
    return;
  bytes_ -= it->second.weight();
  map_.erase(it);
  if (evicted) {
    ++counters_.evictions;
    remember_evicted(hash);
  }
}

void cache_store::remember_evicted(uint64_t hash) {
  if (opts_.ghost_capacity == 0)
    return;
  if (ghost_ring_.size() < opts_.ghost_capacity) {
    ghost_ring_.push_back(hash);
  } else {
    ghost_set_.erase(ghost_ring_[ghost_next_]);
    ghost_ring_[ghost_next_] = hash;
    ghost_next_ = (ghost_next_ + 1) % ghost_ring_.size();
  }
  ghost_set_.insert(hash);
}

void cache_store::apply_evictions() {
  for (auto h : evicted_)
    drop(h, true);
  evicted_.clear();
}

void cache_store::enforce_entry_bound() {
  while (map_.size() > opts_.max_entries) {
    auto victim = policy_->evict_one();
    if (!victim)
      break;
    drop(*victim, true);
  }
}

} // namespace ac
