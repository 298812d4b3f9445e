// Slab arena: size classes, pages and free lists (see slab_arena.hpp).
#include "core/slab_arena.hpp"

#include <algorithm>
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
  auto& c = classes_[class_of(bytes)];
  if (c.free != null_handle) {
    uint32_t h = c.free;
    std::memcpy(&c.free, at(h), sizeof c.free);
    return h;
  }
  size_t size = class_size(class_of(bytes));
  if (c.used + size > page_bytes) {
    if (pages_.size() >= max_pages)
      return null_handle;
    if (pages_.size() % pages_per_chunk == 0) // not value-initialized: untouched pages stay virtual
      chunks_.emplace_back(new char[page_bytes * pages_per_chunk]);
    pages_.push_back(chunks_.back().get() + (pages_.size() % pages_per_chunk) * page_bytes);
    c.page = static_cast<uint32_t>(pages_.size() - 1);
    c.used = 0;
  }
  uint32_t h = (c.page << offset_bits) | static_cast<uint32_t>(c.used / 4);
  c.used += static_cast<uint32_t>(size);
  return h;
}

void slab_arena::release(uint32_t h, size_t bytes) {
  if (h & large_bit) {
    uint32_t index = h & ~large_bit;
    large_[index].reset();
    large_bytes_ -= std::max<size_t>(bytes, 4);
    large_free_.push_back(index);
    return;
  }
  auto& c = classes_[class_of(std::max<size_t>(bytes, 4))];
  std::memcpy(at(h), &c.free, sizeof c.free);
  c.free = h;
}

} // namespace ac
