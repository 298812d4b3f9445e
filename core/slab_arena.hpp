// Slots for variable-sized byte blobs carved from 64 KiB pages and named by 32-bit handles.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/policy_nodes.hpp"

namespace ac {

/// Why: a shard holds millions of small entries. malloc rounds each to a size class (a
/// 136-byte entry takes 160 bytes in jemalloc) and a pointer costs 8 bytes everywhere it is
/// stored. Here slots come in 4-byte steps up to 1 KiB (64-byte steps up to 16 KiB), so an
/// entry wastes at most a few bytes, and links to it are 4-byte handles.
///
/// Slots of one size share pages. A freed slot goes on its page's free list; a page whose last
/// slot is freed goes back to a pool that every size takes pages from. So memory freed by one
/// value size serves another: a budget filled with 1 KiB values and then with 60-byte ones
/// holds about one budget of pages, not two (memcached's fixed slabs need a rebalancer for
/// that; Segcache frees whole segments). Blobs above 16 KiB are allocated on their own.
/// Handles: bit 31 clear: page (bits 14..30) and 4-byte offset in it (bits 0..13); bit 31
/// set: index of a large blob. Up to 8 GiB of pages per arena. Single-threaded, but for the
/// pins share() hands out, which any thread may hold and drop.
class slab_arena {
public:
  static constexpr size_t page_bytes = 64 * 1024;
  static constexpr size_t largest_slot = 16 * 1024;
  static constexpr size_t pages_per_chunk = 16;

  slab_arena();

  /// A slot of at least `bytes` (≥ 4); null_handle when the arena is full.
  uint32_t allocate(size_t bytes);
  /// Gives a slot back; `bytes` is what was asked for it.
  void release(uint32_t h, size_t bytes);

  char* at(uint32_t h) {
    if (h & large_bit)
      return large_[h & ~large_bit].get();
    return pages_[h >> offset_bits] + (size_t{h} & offset_mask) * 4;
  }
  const char* at(uint32_t h) const { return const_cast<slab_arena*>(this)->at(h); }

  /// A reference that keeps a large blob's bytes alive and unchanged after the slot is released
  /// or rewritten (null for a slot on a page: those are reused at once). Why: a reader on another
  /// thread (an I/O loop sending a 120 KB value) takes it under the owner's lock and reads the
  /// value after unlocking, so the lock is not held for the send. Safe to drop on any thread.
  std::shared_ptr<const char> share(uint32_t h) const {
    if (!(h & large_bit))
      return nullptr;
    auto& blob = large_[h & ~large_bit];
    return std::shared_ptr<const char>(blob, blob.get());
  }

  /// The slot's memory for rewriting it whole (`bytes`: what was asked for it): its own, unless
  /// it is a large blob somebody shares, which is then replaced by a fresh one of the same size
  /// (the sharer keeps the old bytes; nothing of them is copied).
  char* exclusive(uint32_t h, size_t bytes);

  /// The bytes a request of `bytes` really occupies.
  static size_t slot_size(size_t bytes);
  /// Bytes held from the system: pages plus large blobs.
  size_t reserved_bytes() const { return pages_.size() * page_bytes + large_bytes_; }

private:
  static constexpr uint32_t large_bit = 0x80000000u;
  static constexpr unsigned offset_bits = 14; // 64 KiB / 4-byte units
  static constexpr uint32_t offset_mask = (1u << offset_bits) - 1;
  static constexpr size_t max_pages = size_t{1} << 17; // handles keep bits 14..30

  static size_t class_of(size_t bytes);
  static size_t class_size(size_t cls);

  static constexpr uint32_t no_page = UINT32_MAX;

  /// A page's slots: those freed (a list through the slots), how far it is carved, how many
  /// are in use, and its place in its size's list of pages with room.
  struct page_info {
    uint32_t free = null_handle; ///< first freed slot; each freed slot holds the next one
    uint32_t carved = 0;         ///< bytes handed out from the page's start so far
    uint32_t live = 0;           ///< slots in use
    uint32_t cls = 0;            ///< the size class it serves
    uint32_t prev = no_page, next = no_page; ///< in its class's list of pages with room
    bool listed = false;                     ///< whether it is in that list
  };

  struct size_class {
    uint32_t open = no_page; ///< first page with a freed or uncarved slot
  };

  /// A page for `cls`: an emptied one from the pool, else a new one; no_page when full.
  uint32_t take_page(uint32_t cls);
  void link(uint32_t page);
  void unlink(uint32_t page);
  bool has_room(const page_info& p) const;

  std::vector<char*> pages_; ///< into chunks_
  /// Pages come 16 to a 1 MiB chunk: a 64 KiB malloc of its own costs jemalloc ~7% extra,
  /// and a chunk's untouched pages cost no resident memory.
  std::vector<std::unique_ptr<char[]>> chunks_;
  std::vector<page_info> info_; ///< one per page
  std::vector<uint32_t> empty_; ///< pages with no slot in use, for any size
  std::vector<size_class> classes_;
  std::vector<std::shared_ptr<char[]>> large_; ///< shared only while a reader holds one (share)
  std::vector<uint32_t> large_free_;
  size_t large_bytes_ = 0;
};

} // namespace ac
