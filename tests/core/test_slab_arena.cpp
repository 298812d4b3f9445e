// Tests of the slab arena: slot sizes, handle round trips, reuse of freed slots, large blobs.
#include <catch2/catch.hpp>

#include <cstring>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "core/slab_arena.hpp"

using namespace ac;

TEST_CASE("slots round small requests up to 4 bytes and large ones to 64", "[arena]") {
  CHECK(slab_arena::slot_size(1) == 4);
  CHECK(slab_arena::slot_size(136) == 136);
  CHECK(slab_arena::slot_size(137) == 140);
  CHECK(slab_arena::slot_size(1024) == 1024);
  CHECK(slab_arena::slot_size(1025) == 1088);
  CHECK(slab_arena::slot_size(slab_arena::largest_slot) == slab_arena::largest_slot);
  CHECK(slab_arena::slot_size(100000) == 100000); // a large blob takes what it asks
}

TEST_CASE("every live slot keeps its own bytes while others come and go", "[arena]") {
  slab_arena arena;
  std::mt19937 rng(3);
  std::map<uint32_t, std::string> live;
  for (int i = 0; i < 20000; ++i) {
    if (!live.empty() && rng() % 3 == 0) {
      auto it = std::next(live.begin(), rng() % live.size());
      REQUIRE(std::memcmp(arena.at(it->first), it->second.data(), it->second.size()) == 0);
      arena.release(it->first, it->second.size());
      live.erase(it);
      continue;
    }
    size_t size = rng() % 8 == 0 ? 20000 + rng() % 5000 : 4 + rng() % 300;
    std::string bytes(size, static_cast<char>('a' + i % 26));
    uint32_t h = arena.allocate(size);
    REQUIRE(h != null_handle);
    REQUIRE(live.count(h) == 0); // never hands out a slot that is still in use
    std::memcpy(arena.at(h), bytes.data(), size);
    live[h] = bytes;
  }
  for (auto& [h, bytes] : live)
    REQUIRE(std::memcmp(arena.at(h), bytes.data(), bytes.size()) == 0);
}

TEST_CASE("a freed slot is reused by the next request of its size", "[arena]") {
  slab_arena arena;
  uint32_t a = arena.allocate(136);
  uint32_t b = arena.allocate(136);
  arena.release(a, 136);
  CHECK(arena.allocate(133) == a); // same 136-byte class
  CHECK(arena.allocate(136) != b);
  auto reserved = arena.reserved_bytes();
  for (int i = 0; i < 1000; ++i)
    arena.release(arena.allocate(136), 136);
  CHECK(arena.reserved_bytes() == reserved);
}

TEST_CASE("pages emptied by one slot size serve another without new memory", "[arena]") {
  slab_arena arena;
  std::vector<uint32_t> large;
  for (int i = 0; i < 640; ++i) // 10 pages of 1 KiB slots
    large.push_back(arena.allocate(1024));
  auto reserved = arena.reserved_bytes();
  CHECK(reserved == 10 * slab_arena::page_bytes);
  for (auto h : large)
    arena.release(h, 1024);
  std::vector<uint32_t> small;
  for (int i = 0; i < 10000; ++i) { // 60-byte slots: 1,092 a page, 9.2 pages
    small.push_back(arena.allocate(60));
    std::memset(arena.at(small.back()), i % 251, 60);
  }
  CHECK(arena.reserved_bytes() == reserved);
  for (int i = 0; i < 10000; ++i)
    REQUIRE(static_cast<unsigned char>(arena.at(small[i])[59]) == i % 251);
}

TEST_CASE("a page keeps serving its size while one slot on it is in use", "[arena]") {
  slab_arena arena;
  std::vector<uint32_t> slots;
  for (int i = 0; i < 64; ++i) // one page of 1 KiB slots
    slots.push_back(arena.allocate(1024));
  for (int i = 1; i < 64; ++i)
    arena.release(slots[i], 1024);
  // The page is not empty: a 60-byte request takes a new page, a 1 KiB one a freed slot.
  uint32_t small = arena.allocate(60);
  CHECK(arena.reserved_bytes() == 2 * slab_arena::page_bytes);
  CHECK((small >> 14) != (slots[0] >> 14));
  uint32_t again = arena.allocate(1024);
  CHECK((again >> 14) == (slots[0] >> 14));
  arena.release(slots[0], 1024);
  arena.release(again, 1024); // now empty: the next page any size asks for is this one
  CHECK((arena.allocate(2000) >> 14) == (slots[0] >> 14));
  CHECK(arena.reserved_bytes() == 2 * slab_arena::page_bytes);
}
