// Slab arena: size classes, pages and free lists (see slab_arena.hpp).
#include "core/slab_arena.hpp"

#include <algorithm>
#include <atomic>
#include <cstring>

namespace ac {
namespace {

constexpr size_t fine_limit = 1024; // 4-byte steps up to here
constexpr size_t fine_step = 4;
constexpr size_t coarse_step = 64; // then 64-byte steps up to largest_slot
constexpr size_t fine_classes = fine_limit / fine_step;

} // namespace

slab_arena::slab_arena() : classes_(fine_classes + (largest_slot - fine_limit) / coarse_step + 1) {}

size_t slab_arena::class_of(size_t bytes) {
  if (bytes <= fine_limit)
    return (bytes + fine_step - 1) / fine_step;
  return fine_classes + (bytes - fine_limit + coarse_step - 1) / coarse_step;
}

size_t slab_arena::class_size(size_t cls) {
  if (cls <= fine_classes)
    return cls * fine_step;
  return fine_limit + (cls - fine_classes) * coarse_step;
}

size_t slab_arena::slot_size(size_t bytes) {
  bytes = std::max<size_t>(bytes, 4);
  return bytes > largest_slot ? bytes : class_size(class_of(bytes));
}

uint32_t slab_arena::allocate(size_t bytes) {
  bytes = std::max<size_t>(bytes, 4);
  if (bytes > largest_slot) {
    uint32_t index;
    if (!large_free_.empty()) {
      index = large_free_.back();
      large_free_.pop_back();
    } else {
      if (large_.size() >= large_bit - 1)
        return null_handle;
      index = static_cast<uint32_t>(large_.size());
      large_.emplace_back();
    }
    large_[index].reset(new char[bytes]);
    large_bytes_ += bytes;
    return large_bit | index;
  }
  auto cls = static_cast<uint32_t>(class_of(bytes));
  uint32_t page = classes_[cls].open;
  if (page == no_page && (page = take_page(cls)) == no_page)
    return null_handle;
  auto& p = info_[page];
  uint32_t h;
  if (p.free != null_handle) {
    h = p.free;
    std::memcpy(&p.free, at(h), sizeof p.free);
  } else {
    h = (page << offset_bits) | (p.carved / 4);
    p.carved += static_cast<uint32_t>(class_size(cls));
  }
  ++p.live;
  if (!has_room(p))
    unlink(page);
  return h;
}

char* slab_arena::exclusive(uint32_t h, size_t bytes) {
  if (h & large_bit) {
    auto& blob = large_[h & ~large_bit];
    if (blob.use_count() > 1) // a count read under the owner's lock only falls meanwhile
      blob.reset(new char[std::max<size_t>(bytes, 4)]);
    else // the last reader dropped its pin: its reads of the bytes come before our writes
      std::atomic_thread_fence(std::memory_order_acquire);
  }
  return at(h);
}

void slab_arena::release(uint32_t h, size_t bytes) {
  if (h & large_bit) {
    uint32_t index = h & ~large_bit;
    large_[index].reset();
    large_bytes_ -= std::max<size_t>(bytes, 4);
    large_free_.push_back(index);
    return;
  }
  uint32_t page = h >> offset_bits;
  auto& p = info_[page];
  if (--p.live == 0) { // the whole page is free: any size may have it now
    unlink(page);
    p = page_info{};
    empty_.push_back(page);
    return;
  }
  std::memcpy(at(h), &p.free, sizeof p.free);
  p.free = h;
  // The page goes first in its size's list, so the next request takes this slot while it is
  // still in cache, as one free list per size did.
  if (classes_[p.cls].open != page) {
    unlink(page);
    link(page);
  }
}

uint32_t slab_arena::take_page(uint32_t cls) {
  uint32_t page;
  if (!empty_.empty()) {
    page = empty_.back();
    empty_.pop_back();
  } else {
    if (pages_.size() >= max_pages)
      return no_page;
    if (pages_.size() % pages_per_chunk == 0) // not value-initialized: untouched pages stay virtual
      chunks_.emplace_back(new char[page_bytes * pages_per_chunk]);
    pages_.push_back(chunks_.back().get() + (pages_.size() % pages_per_chunk) * page_bytes);
    info_.emplace_back();
    page = static_cast<uint32_t>(pages_.size() - 1);
  }
  info_[page].cls = cls;
  link(page);
  return page;
}

bool slab_arena::has_room(const page_info& p) const {
  return p.free != null_handle || p.carved + class_size(p.cls) <= page_bytes;
}

void slab_arena::link(uint32_t page) {
  auto& p = info_[page];
  auto& head = classes_[p.cls].open;
  p.prev = no_page;
  p.next = head;
  if (head != no_page)
    info_[head].prev = page;
  head = page;
  p.listed = true;
}

void slab_arena::unlink(uint32_t page) {
  auto& p = info_[page];
  if (!p.listed)
    return;
  if (p.prev != no_page)
    info_[p.prev].next = p.next;
  else
    classes_[p.cls].open = p.next;
  if (p.next != no_page)
    info_[p.next].prev = p.prev;
  p.prev = p.next = no_page;
  p.listed = false;
}

} // namespace ac
