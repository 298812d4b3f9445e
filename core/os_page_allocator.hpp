// A std allocator that takes big blocks straight from the OS, so freeing them shrinks RSS at once.
#pragma once

#include <cstddef>
#include <memory>
#include <new>

#include <sys/mman.h>

namespace ac {

/// Why: when the store's bucket table doubles, malloc (jemalloc or glibc) keeps the old
/// table's pages resident for reuse; over the doublings to a million entries that is ~2 bytes
/// per entry of RSS nobody uses. Blocks of 256 KiB and more are mmap'd and munmap'd instead;
/// smaller ones go through operator new as usual.
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
    void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
      throw std::bad_alloc{};
    return static_cast<T*>(p);
  }

  void deallocate(T* p, size_t n) noexcept {
    size_t bytes = n * sizeof(T);
    if (bytes < mmap_threshold)
      std::allocator<T>{}.deallocate(p, n);
    else
      ::munmap(p, bytes);
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
