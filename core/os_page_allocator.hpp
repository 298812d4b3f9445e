// A std allocator that takes big blocks straight from the OS, on huge pages where they span them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>

#include <sys/mman.h>

namespace ac {

/// Transparent huge pages are 2 MiB on x86-64 and arm64 (4 KiB base pages).
inline constexpr size_t huge_page_bytes = size_t{2} << 20;

/// Maps `bytes` of zeroed memory from the OS; nullptr when it has none. A block of at least a
/// huge page starts on a huge-page boundary and is advised to be backed by huge pages.
/// Why: the store's entries, bucket table and frequency sketch are read at random, one cache
/// line per key from tables of tens to hundreds of MB; with 4 KiB pages nearly every such read
/// also misses the TLB, and under a hypervisor a TLB miss walks two page tables. A 2 MiB page
/// covers 512 times as much with one TLB entry. Only where the kernel's THP mode is "madvise"
/// or "always" (Debian's default is madvise); elsewhere the advice is ignored and nothing
/// else changes. Redis advises against THP because a fork (its BGSAVE) then copies whole huge
/// pages; a node never forks.
inline void* map_block(size_t bytes) {
  if (bytes < huge_page_bytes) {
    void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? nullptr : p;
  }
  // Over-map by one huge page and give back the ends, so the block starts on a boundary.
  size_t span = bytes + huge_page_bytes;
  void* raw = ::mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED)
    return nullptr;
  auto start = reinterpret_cast<uintptr_t>(raw);
  auto aligned = (start + huge_page_bytes - 1) & ~(uintptr_t{huge_page_bytes} - 1);
  auto page = static_cast<uintptr_t>(4096);
  auto end = (aligned + bytes + page - 1) & ~(page - 1);
  if (aligned > start)
    ::munmap(raw, aligned - start);
  if (start + span > end)
    ::munmap(reinterpret_cast<void*>(end), start + span - end);
  ::madvise(reinterpret_cast<void*>(aligned), bytes, MADV_HUGEPAGE);
  return reinterpret_cast<void*>(aligned);
}

/// Returns a block from map_block(bytes) to the OS.
inline void unmap_block(void* p, size_t bytes) noexcept { ::munmap(p, bytes); }

/// Why: when the store's bucket table doubles, malloc (jemalloc or glibc) keeps the old
/// table's pages resident for reuse; over the doublings to a million entries that is ~2 bytes
/// per entry of RSS nobody uses. Blocks of 256 KiB and more are mapped and unmapped instead
/// (map_block: on huge pages from 2 MiB); smaller ones go through operator new as usual.
template <class T>
struct os_page_allocator {
  using value_type = T;
  static constexpr size_t mmap_threshold = 256 * 1024;

  os_page_allocator() = default;
  template <class U>
  os_page_allocator(const os_page_allocator<U>&) noexcept {}

  T* allocate(size_t n) {
    size_t bytes = n * sizeof(T);
    if (bytes < mmap_threshold)
      return std::allocator<T>{}.allocate(n);
    void* p = map_block(bytes);
    if (!p)
      throw std::bad_alloc{};
    return static_cast<T*>(p);
  }

  void deallocate(T* p, size_t n) noexcept {
    size_t bytes = n * sizeof(T);
    if (bytes < mmap_threshold)
      std::allocator<T>{}.deallocate(p, n);
    else
      unmap_block(p, bytes);
  }

  template <class U>
  bool operator==(const os_page_allocator<U>&) const noexcept {
    return true;
  }
  template <class U>
  bool operator!=(const os_page_allocator<U>&) const noexcept {
    return false;
  }
};

} // namespace ac
