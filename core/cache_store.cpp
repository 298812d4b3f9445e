// One shard's L1 storage (see cache_store.hpp): arena entries, a chained table, TTL in seconds.
// Stays one file (~600 lines): one class; layout, table, clock and operations share invariants.
#include "core/cache_store.hpp"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <limits>
#include <new>
#include <random>
#include <stdexcept>

#include "core/key_normalization.hpp"

namespace ac {
namespace {

// -- entry layout ----------------------------------------------------------------
// Every entry is one arena slot: a header, then the key bytes, then the value bytes (8-aligned in
// entries over 1 KiB: value_offset).
//   [0]  u32 chain    next handle in the same hash bucket
//   [4]  u32 prev     policy_hook: the policy's list links
//   [8]  u32 next
//   [12] u32 expiry   bits 0..29: deadline in whole seconds after the store's epoch (0: never);
//                     bits 30..31: the policy's tag
//   [16] u32 lens     key length << 22 | value length, for keys < 1 KiB and values < 4 MiB;
//                     all ones: the two lengths follow as u32 [20] and [24] (long header)
// The short header keeps the common entry at 20 bytes, which is what brings a 16-byte key
// with a 100-byte value to a 136-byte slot.
constexpr size_t chain_at = 0, hook_at = 4, expiry_at = 12, lens_at = 16;
constexpr size_t short_header = 20, long_header = 28;
constexpr uint32_t long_lens = 0xFFFFFFFFu;
constexpr uint32_t max_short_key = (1u << 10) - 1, max_short_value = (1u << 22) - 1;
constexpr uint32_t deadline_mask = (1u << 30) - 1;

uint32_t load32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
void store32(char* p, uint32_t v) { std::memcpy(p, &v, sizeof v); }

bool short_form(size_t key_len, size_t value_len) {
  return key_len <= max_short_key && value_len <= max_short_value
         && !(key_len == max_short_key && value_len == max_short_value);
}

size_t header_size(size_t key_len, size_t value_len) {
  return short_form(key_len, value_len) ? short_header : long_header;
}

// Values of entries over 1 KiB start on an 8-byte boundary. Such slots come in 64-byte steps
// (slab_arena), so their start is 16-aligned, and the value is too: an encoded entry (Cap'n
// Proto words) is then read in place on a hit, a 120 KB tensor with no copy. Smaller entries
// keep every byte (the padding would cost up to 7 per entry); their payload is copied to an
// aligned buffer to be read, which at under 1 KiB costs less than the cache misses before it.
constexpr size_t aligned_value_from = 1024;

size_t value_offset(size_t header, size_t key_len, size_t value_len) {
  size_t at = header + key_len;
  return at + value_len > aligned_value_from ? (at + 7) & ~size_t{7} : at;
}

size_t entry_size(size_t key_len, size_t value_len) {
  return value_offset(header_size(key_len, value_len), key_len, value_len) + value_len;
}

struct lens {
  uint32_t key, value;
  size_t header;
};

lens lens_of(const char* p) {
  uint32_t l = load32(p + lens_at);
  if (l != long_lens)
    return {l >> 22, l & max_short_value, short_header};
  return {load32(p + short_header), load32(p + short_header + 4), long_header};
}

std::string_view key_of(const char* p) {
  auto l = lens_of(p);
  return {p + l.header, l.key};
}

std::string_view value_of(const char* p) {
  auto l = lens_of(p);
  return {p + value_offset(l.header, l.key, l.value), l.value};
}

size_t slot_request(const char* p) {
  auto l = lens_of(p);
  return value_offset(l.header, l.key, l.value) + l.value;
}

uint32_t deadline_of(const char* p) { return load32(p + expiry_at) & deadline_mask; }

/// Writes a fresh entry; the hook and tag start empty.
void write_entry(char* p, std::string_view key, std::string_view value, uint32_t deadline) {
  store32(p + chain_at, null_handle);
  new (p + hook_at) policy_hook{};
  store32(p + expiry_at, deadline);
  size_t header = header_size(key.size(), value.size());
  if (header == short_header) {
    store32(p + lens_at, static_cast<uint32_t>(key.size() << 22 | value.size()));
  } else {
    store32(p + lens_at, long_lens);
    store32(p + short_header, static_cast<uint32_t>(key.size()));
    store32(p + short_header + 4, static_cast<uint32_t>(value.size()));
  }
  std::memcpy(p + header, key.data(), key.size());
  std::memcpy(p + value_offset(header, key.size(), value.size()), value.data(), value.size());
}

constexpr int64_t ns_per_s = 1'000'000'000;
constexpr size_t initial_buckets = 16;

} // namespace

uint64_t cache_store::weight_of(std::string_view key, std::string_view value) {
  return slab_arena::slot_size(entry_size(key.size(), value.size())) + index_overhead;
}

cache_store::cache_store(store_options opts, const clock_source& clock)
  : opts_(std::move(opts)), clock_(clock),
    epoch_ns_(std::chrono::duration_cast<std::chrono::nanoseconds>(clock_.now().time_since_epoch())
                .count()),
    buckets_(initial_buckets, null_handle) {
  // A secret sketch seed per store: keys cannot be crafted to inflate others' frequencies.
  uint64_t seed = (uint64_t{std::random_device{}()} << 32) | std::random_device{}();
  // Expected entries 0: W-TinyLFU's sketch starts small and doubles as entries arrive, so a
  // large cache.max-entries costs no memory until entries fill it (8 bytes per expected entry).
  policy_ = make_policy(opts_.policy, opts_.max_bytes, *this, 0, seed | 1);
  if (!policy_)
    throw std::invalid_argument("unknown eviction policy: " + opts_.policy);
  policy_->set_entry_limit(opts_.max_entries, evicted_); // empty store: nothing to evict
}

cache_store::~cache_store() = default;

// -- policy_nodes ------------------------------------------------------------------

policy_hook& cache_store::hook(uint32_t h) {
  return *std::launder(reinterpret_cast<policy_hook*>(arena_.at(h) + hook_at));
}

uint8_t cache_store::tag(uint32_t h) const { return load32(arena_.at(h) + expiry_at) >> 30; }

void cache_store::set_tag(uint32_t h, uint8_t t) {
  char* p = arena_.at(h);
  store32(p + expiry_at, (load32(p + expiry_at) & deadline_mask) | uint32_t{t & 3u} << 30);
}

uint64_t cache_store::weight(uint32_t h) const {
  return slab_arena::slot_size(slot_request(arena_.at(h))) + index_overhead;
}

uint64_t cache_store::hash(uint32_t h) const { return key_hash(key_of(arena_.at(h))); }

void cache_store::prefetch_links(uint64_t hash) const {
  uint32_t h = buckets_[hash & (buckets_.size() - 1)];
  if (h == null_handle)
    return;
  const char* p = arena_.at(h) + hook_at;
  for (uint32_t n : {load32(p), load32(p + 4)}) // the policy_hook: prev, next
    if (n != null_handle)
      __builtin_prefetch(arena_.at(n), 1);
}

// -- table -------------------------------------------------------------------------

uint32_t cache_store::find(std::string_view key, uint64_t hash, uint32_t** link) {
  assert(hash == key_hash(key) && "cache_store: hash must be key_hash(key)");
  uint32_t* at = &bucket(hash);
  while (*at != null_handle) {
    const char* p = arena_.at(*at);
    if (key_of(p) == key) {
      if (link)
        *link = at;
      return *at;
    }
    at = reinterpret_cast<uint32_t*>(arena_.at(*at) + chain_at);
  }
  return null_handle;
}

uint32_t cache_store::find(std::string_view key, uint64_t hash) const {
  return const_cast<cache_store*>(this)->find(key, hash, nullptr); // only reads without a link
}

// Doubles the buckets once entries outnumber them, so chains stay about one entry long.
void cache_store::grow() {
  decltype(buckets_) old(buckets_.size() * 2, null_handle);
  old.swap(buckets_);
  for (uint32_t head : old) {
    for (uint32_t h = head; h != null_handle;) {
      char* p = arena_.at(h);
      uint32_t next = load32(p + chain_at);
      uint32_t& b = bucket(key_hash(key_of(p)));
      store32(p + chain_at, b);
      b = h;
      h = next;
    }
  }
  sweep_cursor_ = 0;
}

void cache_store::release(uint32_t h, bool evicted) {
  char* p = arena_.at(h);
  uint64_t hsh = key_hash(key_of(p));
  uint32_t* link = nullptr;
  find(key_of(p), hsh, &link);
  *link = load32(p + chain_at);
  bytes_ -= weight(h);
  arena_.release(h, slot_request(p));
  --count_;
  if (evicted) {
    ++counters_.evictions;
    remember_evicted(hsh);
  }
}

// -- time --------------------------------------------------------------------------

int64_t cache_store::now_rel_ns() const {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(clock_.now().time_since_epoch())
           .count()
         - epoch_ns_;
}

// Milliseconds from `now_rel` to a deadline not yet passed, at least 1 (0 means "never").
int64_t cache_store::ms_left(uint32_t deadline, int64_t now_rel) {
  return std::max<int64_t>((static_cast<int64_t>(deadline) * ns_per_s - now_rel) / 1'000'000, 1);
}

// Past a deadline (plus `grace`) at `now_rel`? Deadline 0 never passes.
bool cache_store::past(uint32_t deadline, int64_t now_rel, std::chrono::seconds grace) const {
  return deadline != 0 && now_rel >= (static_cast<int64_t>(deadline) + grace.count()) * ns_per_s;
}

// -- operations --------------------------------------------------------------------

// A key the store does not hold: a miss, a ghost hit when it was evicted lately, and the
// policy hears of it (W-TinyLFU's sketch counts it toward admission).
void cache_store::count_miss(uint64_t hash) {
  ++counters_.misses;
  if (ghost_set_.contains(hash))
    ++counters_.ghost_hits;
  policy_->on_miss(hash);
}

store_lookup cache_store::try_hit(std::string_view key, uint64_t hash, bool count_absent,
                                  bool count_marked) {
  uint32_t h = find(key, hash, nullptr);
  if (h == null_handle) {
    if (!count_absent && !(count_marked && known_absent(hash)))
      return {};
    count_miss(hash);
    store_lookup out;
    out.absent = true;
    return out;
  }
  const char* p = arena_.at(h);
  uint32_t deadline = deadline_of(p);
  int64_t left_ms = 0;
  if (deadline != 0) {
    auto now = now_rel_ns();
    if (past(deadline, now, std::chrono::seconds{0}))
      return {};
    left_ms = ms_left(deadline, now);
  }
  ++counters_.hits;
  policy_->on_hit(h, hash);
  return {value_of(p), true, false, left_ms, false, arena_.share(h)};
}

store_lookup cache_store::get(std::string_view key, uint64_t hash, bool pin_large) {
  uint32_t h = find(key, hash, nullptr);
  if (h == null_handle) {
    count_miss(hash);
    return {};
  }
  const char* p = arena_.at(h);
  auto pin = [&] { return pin_large ? arena_.share(h) : std::shared_ptr<const char>{}; };
  uint32_t deadline = deadline_of(p);
  if (deadline != 0) {
    auto now = now_rel_ns();
    if (past(deadline, now, std::chrono::seconds{0})) {
      if (past(deadline, now, opts_.stale_ttl)) {
        ++counters_.misses;
        ++counters_.expirations;
        policy_->on_remove(h);
        release(h, false);
        return {};
      }
      ++counters_.stale_hits;
      policy_->on_hit(h, hash);
      return {value_of(p), true, true, 0, false, pin()};
    }
    ++counters_.hits;
    policy_->on_hit(h, hash);
    return {value_of(p), true, false, ms_left(deadline, now), false, pin()};
  }
  ++counters_.hits;
  policy_->on_hit(h, hash);
  return {value_of(p), true, false, 0, false, pin()};
}

// Long: the three ways a put lands (in place, moved, new) share the bookkeeping that follows.
bool cache_store::put(std::string_view key, uint64_t hash, std::string_view value,
                      std::chrono::seconds ttl) {
  note_write(hash);
  return insert(key, hash, value, ttl);
}

bool cache_store::fill(std::string_view key, uint64_t hash, std::string_view value,
                       std::chrono::seconds ttl) {
  absent_.forget(hash);
  return insert(key, hash, value, ttl);
}

void cache_store::note_absent(std::string_view key, uint64_t hash, uint64_t since,
                              std::chrono::milliseconds for_how_long) {
  if (for_how_long.count() <= 0 || written_since(hash, since) || find(key, hash) != null_handle)
    return;
  absent_.note(hash, now_rel_ns() + for_how_long.count() * 1'000'000);
}

uint32_t cache_store::deadline_after(std::chrono::seconds ttl) const {
  if (ttl.count() == 0)
    ttl = opts_.default_ttl;
  if (ttl.count() <= 0)
    return 0; // never expires
  // Whole seconds, rounded up, so a value never ends before its TTL (at most 1 s after).
  int64_t end = now_rel_ns() + ttl.count() * ns_per_s;
  auto deadline =
    static_cast<uint32_t>(std::min<int64_t>((end + ns_per_s - 1) / ns_per_s, deadline_mask));
  return std::max<uint32_t>(deadline, 1);
}

void cache_store::overwrite(uint32_t h, std::string_view key, uint64_t hash, std::string_view value,
                            uint32_t deadline) {
  char* p = arena_.at(h);
  uint64_t old_weight = weight(h);
  uint32_t chain = load32(p + chain_at);
  policy_hook links = hook(h);
  uint8_t t = tag(h);
  p = arena_.exclusive(h, slot_request(p)); // a value being sent elsewhere stays as it was
  write_entry(p, key, value, deadline);
  store32(p + chain_at, chain);
  hook(h) = links;
  set_tag(h, t);
  bytes_ = bytes_ - old_weight + weight(h);
  policy_->on_update(h, hash, old_weight, evicted_);
}

bool cache_store::insert(std::string_view key, uint64_t hash, std::string_view value,
                         std::chrono::seconds ttl) {
  uint32_t deadline = deadline_after(ttl);
  size_t request = entry_size(key.size(), value.size());
  evicted_.clear();
  uint32_t* link = nullptr;
  uint32_t old = find(key, hash, &link);
  uint32_t h;
  if (old != null_handle
      && slab_arena::slot_size(slot_request(arena_.at(old))) == slab_arena::slot_size(request)) {
    h = old;
    overwrite(h, key, hash, value, deadline);
  } else {
    h = arena_.allocate(request);
    if (h == null_handle) { // the arena's handle space is spent: keep what is there
      if (old != null_handle) {
        policy_->on_remove(old);
        release(old, false);
      }
      ++counters_.rejected;
      return false;
    }
    char* p = arena_.at(h);
    write_entry(p, key, value, deadline);
    if (old != null_handle) {
      // Another slot size: move the entry, keeping its links, tag and bucket position.
      uint64_t old_weight = weight(old);
      const char* o = arena_.at(old);
      store32(p + chain_at, load32(o + chain_at));
      hook(h) = hook(old);
      set_tag(h, tag(old));
      *link = h;
      policy_->on_relocate(old, h);
      bytes_ = bytes_ - old_weight + weight(h);
      arena_.release(old, slot_request(o));
      policy_->on_update(h, hash, old_weight, evicted_);
    } else {
      uint32_t& b = bucket(hash);
      store32(p + chain_at, b);
      b = h;
      ++count_;
      bytes_ += weight(h);
      policy_->on_insert(h, hash, evicted_);
      if (count_ > buckets_.size())
        grow();
    }
  }
  bool kept = true;
  for (auto e : evicted_)
    kept = kept && e != h;
  apply_evictions();
  enforce_entry_bound();
  if (kept) {
    ++counters_.puts;
  } else {
    ++counters_.rejected;
    --counters_.evictions; // refusing the newcomer is not an eviction of a resident entry
  }
  return kept;
}

bool cache_store::erase(std::string_view key, uint64_t hash) {
  writes_.note(hash);
  return drop(key, hash);
}

bool cache_store::drop(std::string_view key, uint64_t hash) {
  uint32_t h = find(key, hash, nullptr);
  if (h == null_handle)
    return false;
  policy_->on_remove(h);
  release(h, false);
  ++counters_.erases;
  return true;
}

size_t cache_store::sweep(size_t budget) {
  auto now = now_rel_ns();
  size_t dropped = 0, examined = 0;
  for (size_t visited = 0; visited < buckets_.size() && examined < budget; ++visited) {
    size_t b = sweep_cursor_;
    sweep_cursor_ = (sweep_cursor_ + 1) & (buckets_.size() - 1);
    for (uint32_t h = buckets_[b]; h != null_handle;) {
      const char* p = arena_.at(h);
      uint32_t next = load32(p + chain_at);
      ++examined;
      if (past(deadline_of(p), now, opts_.stale_ttl)) {
        policy_->on_remove(h);
        release(h, false);
        ++counters_.expirations;
        ++dropped;
      }
      h = next;
    }
  }
  return dropped;
}

namespace {

uint64_t reverse_bits(uint64_t v) {
  uint64_t r = 0;
  for (int i = 0; i < 64; ++i, v >>= 1)
    r = (r << 1) | (v & 1);
  return r;
}

} // namespace

uint64_t cache_store::scan(uint64_t cursor, size_t budget,
                           const std::function<bool(std::string_view key)>& visit) const {
  auto now = now_rel_ns();
  const uint64_t mask = buckets_.size() - 1;
  uint64_t v = cursor & mask;
  size_t examined = 0;
  bool more = true;
  do {
    for (uint32_t h = buckets_[v & mask]; h != null_handle;) {
      const char* p = arena_.at(h);
      ++examined;
      if (!past(deadline_of(p), now, std::chrono::seconds{0}) && !visit(key_of(p)))
        more = false;
      h = load32(p + chain_at);
    }
    // The next bucket in reversed-bit order: set the bits above the mask, reverse, add one,
    // reverse back. Buckets split by a growth share the lower bits, so none is skipped.
    v |= ~mask;
    v = reverse_bits(v);
    ++v;
    v = reverse_bits(v);
  } while (v != 0 && examined < budget && more);
  return v;
}

uint64_t cache_store::clear() {
  writes_.note_all();
  absent_.clear();
  uint64_t dropped = 0;
  for (auto& head : buckets_)
    while (head != null_handle) {
      uint32_t h = head;
      policy_->on_remove(h);
      release(h, false); // unlinks h from its chain: head moves on
      ++counters_.erases;
      ++dropped;
    }
  return dropped;
}

void cache_store::resize(uint64_t max_bytes, uint64_t max_entries) {
  opts_.max_bytes = max_bytes;
  opts_.max_entries = max_entries;
  evicted_.clear();
  policy_->set_capacity(max_bytes, evicted_);
  policy_->set_entry_limit(max_entries, evicted_);
  apply_evictions();
  enforce_entry_bound(); // for policies that leave the entry bound to the store
}

int64_t cache_store::pttl(std::string_view key, uint64_t hash) const {
  uint32_t h = find(key, hash);
  if (h == null_handle)
    return -2;
  uint32_t deadline = deadline_of(arena_.at(h));
  if (deadline == 0)
    return -1;
  auto left = static_cast<int64_t>(deadline) * ns_per_s - now_rel_ns();
  return left > 0 ? (left + 999'999) / 1'000'000 : -2;
}

bool cache_store::expire(std::string_view key, uint64_t hash, std::chrono::milliseconds ttl) {
  writes_.note(hash);
  uint32_t h = find(key, hash);
  if (h == null_handle || pttl(key, hash) == -2)
    return false;
  if (ttl.count() <= 0)
    return erase(key, hash);
  // Deadlines have 30 bits of seconds (34 years): a longer TTL is that long. Clamped before the
  // multiplication, which would overflow (and wrap into the policy's tag bits) for TTLs past
  // about 290 years.
  int64_t ttl_ms = std::min<int64_t>(ttl.count(), int64_t{deadline_mask} * 1000);
  int64_t end = now_rel_ns() + ttl_ms * 1'000'000;
  auto deadline =
    static_cast<uint32_t>(std::min<int64_t>((end + ns_per_s - 1) / ns_per_s, deadline_mask));
  char* p = arena_.at(h);
  // Keep the policy's tag bits (30..31) as they are; only the deadline changes.
  store32(p + expiry_at,
          (load32(p + expiry_at) & ~deadline_mask) | std::max<uint32_t>(deadline, 1));
  return true;
}

std::chrono::seconds cache_store::ttl_left(std::string_view key, uint64_t hash) const {
  uint32_t h = find(key, hash);
  if (h == null_handle)
    return std::chrono::seconds{0};
  uint32_t deadline = deadline_of(arena_.at(h));
  if (deadline == 0)
    return std::chrono::seconds{std::numeric_limits<int32_t>::max()};
  auto left = static_cast<int64_t>(deadline) * ns_per_s - now_rel_ns();
  return std::chrono::seconds{left > 0 ? (left + ns_per_s - 1) / ns_per_s : 0};
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
    release(h, true);
  evicted_.clear();
}

void cache_store::enforce_entry_bound() {
  while (count_ > opts_.max_entries) {
    uint32_t victim = policy_->evict_one();
    if (victim == null_handle)
      break;
    release(victim, true);
  }
}

} // namespace ac
