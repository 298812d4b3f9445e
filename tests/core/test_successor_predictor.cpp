// Tests for the successor predictor (learns repeated sequences, ignores noise, forgets, stays bounded), its key book and the prefetch replay.
#include <catch2/catch.hpp>

#include "core/frequency_sketch.hpp"
#include "core/key_book.hpp"
#include "core/sequence_generator.hpp"
#include "core/successor_predictor.hpp"
#include "tools/sim/prefetch_replay.hpp"

#include <random>

using namespace ac;

namespace {

std::vector<uint64_t> keys_of(const std::vector<prediction>& ps) {
  std::vector<uint64_t> out;
  for (auto& p : ps)
    out.push_back(p.key);
  return out;
}

} // namespace

TEST_CASE("a repeated sequence is learned: each key predicts the one after it") {
  successor_predictor p;
  for (int round = 0; round < 5; ++round)
    for (uint64_t k : {10, 20, 30, 40})
      p.record(k);
  CHECK(keys_of(p.predict(10, 2, 0.5)) == std::vector<uint64_t>{20});
  CHECK(keys_of(p.predict(20, 2, 0.5)) == std::vector<uint64_t>{30});
  auto after30 = p.predict(30, 1, 0.5);
  REQUIRE(after30.size() == 1);
  CHECK(after30[0].key == 40);
  CHECK(after30[0].count == 5);
  CHECK(after30[0].confidence == Approx(1.0));
  // 40 was followed by 10 four times out of five occurrences.
  auto after40 = p.predict(40, 1, 0.5);
  REQUIRE(after40.size() == 1);
  CHECK(after40[0].key == 10);
  CHECK(after40[0].confidence == Approx(0.8));
}

TEST_CASE("one coincidence is never a prediction") {
  successor_predictor p;
  p.observe(1, 2);
  CHECK(p.predict(1, 4, 0.0).empty());
  p.observe(1, 2);
  CHECK(keys_of(p.predict(1, 4, 0.0)) == std::vector<uint64_t>{2});
  CHECK(p.predict(1, 4, 0.0, 3).empty());
}

TEST_CASE("a successor below the confidence threshold is not predicted") {
  successor_predictor p;
  // After 1: 2 in 3 of 10 occurrences, 3 in 7 of them.
  for (int i = 0; i < 3; ++i)
    p.observe(1, 2);
  for (int i = 0; i < 7; ++i)
    p.observe(1, 3);
  CHECK(keys_of(p.predict(1, 4, 0.5)) == std::vector<uint64_t>{3});
  CHECK(keys_of(p.predict(1, 4, 0.3)) == std::vector<uint64_t>{3, 2});
  CHECK(keys_of(p.predict(1, 1, 0.3)) == std::vector<uint64_t>{3}); // k bounds the answer
  CHECK(p.predict(1, 0, 0.0).empty());
  CHECK(p.predict(99, 4, 0.0).empty()); // never seen
}

TEST_CASE("a random stream yields no predictions") {
  successor_predictor p({1024});
  std::mt19937_64 rng(3);
  for (int i = 0; i < 200000; ++i)
    p.record(rng() % 2000);
  size_t predicted = 0;
  for (uint64_t k = 0; k < 2000; ++k)
    predicted += p.predict(k, 4, 0.3).size();
  CHECK(predicted == 0);
}

TEST_CASE("a steady successor survives noise that keeps the slots full") {
  successor_predictor p;
  std::mt19937_64 rng(7);
  // After 5 comes 6 half the time, otherwise one of thousands of keys.
  for (int i = 0; i < 200; ++i)
    p.observe(5, i % 2 == 0 ? 6 : 1000 + rng() % 100000);
  auto after5 = p.predict(5, 4, 0.3);
  REQUIRE(after5.size() == 1);
  CHECK(after5[0].key == 6);
  CHECK(after5[0].confidence == Approx(0.5).margin(0.1));
}

TEST_CASE("a pattern that stopped is forgotten and a new one takes over") {
  successor_options o;
  o.tracked_keys = 64;
  o.aging_period = 100;
  successor_predictor p(o);
  for (int i = 0; i < 50; ++i)
    p.observe(1, 2);
  CHECK(keys_of(p.predict(1, 1, 0.5)) == std::vector<uint64_t>{2});
  // Now 1 is followed by 3: it is predicted next to 2 at once, and after a few agings 2,
  // which stopped, is gone altogether.
  for (int i = 0; i < 20; ++i)
    p.observe(1, 3);
  CHECK(keys_of(p.predict(1, 4, 0.2)) == std::vector<uint64_t>{2, 3});
  for (int i = 0; i < 1000; ++i)
    p.observe(100 + i % 16, 200); // unrelated traffic lets time (agings) pass
  for (int i = 0; i < 5; ++i)
    p.observe(1, 3);
  CHECK(p.agings() >= 10);
  CHECK(keys_of(p.predict(1, 4, 0.0)) == std::vector<uint64_t>{3});
}

TEST_CASE("the table never grows past its capacity, whatever the stream") {
  successor_options o;
  o.tracked_keys = 1000;
  successor_predictor p(o);
  CHECK(p.capacity() == 1024); // rounded up to whole sets, a power of two of them
  CHECK(p.memory_bytes() == 1024 * successor_predictor::bytes_per_key);
  CHECK(successor_predictor::bytes_per_key == 64);
  for (uint64_t i = 0; i < 100000; ++i)
    p.record(mix64(i));
  CHECK(p.tracked() <= p.capacity());
  CHECK(p.tracked() > 900);
  CHECK(p.memory_bytes() == 1024 * successor_predictor::bytes_per_key);
}

TEST_CASE("keys seen again and again keep their rows while one-off keys churn") {
  successor_options o;
  o.tracked_keys = 64;
  successor_predictor p(o);
  std::mt19937_64 rng(1);
  for (int i = 0; i < 20000; ++i) {
    if (i % 4 == 0) {
      p.observe(1, 2);
    } else {
      uint64_t a = 1000 + rng() % 1000000;
      p.observe(a, a + 1);
    }
  }
  CHECK(keys_of(p.predict(1, 1, 0.5)) == std::vector<uint64_t>{2});
}

TEST_CASE("with a window, a successor is learned through interleaved unrelated reads") {
  successor_options o;
  o.window = 4;
  successor_predictor windowed(o), adjacent;
  std::mt19937_64 rng(9);
  for (int i = 0; i < 50; ++i)
    for (auto* p : {&windowed, &adjacent}) {
      p->record(1);
      p->record(5000 + rng() % 100000); // another client's read lands in between
      p->record(2);
    }
  CHECK(keys_of(windowed.predict(1, 4, 0.5)) == std::vector<uint64_t>{2});
  CHECK(adjacent.predict(1, 4, 0.5).empty());
  // Confidence stays a share of occurrences: 2 came within the window after every 1.
  CHECK(windowed.predict(1, 1, 0.0)[0].confidence == Approx(1.0));
}

TEST_CASE("zipf-with-sequences: runs of consecutive windows of one instrument") {
  sequence_options o;
  o.instruments = 50;
  o.windows = 20;
  o.follow = 0.8;
  o.seed = 4;
  auto keys = sequence_generator(o).take(20000);
  size_t next_window = 0;
  for (size_t i = 1; i < keys.size(); ++i) {
    CHECK(keys[i] < 50 * 20);
    next_window += keys[i] == keys[i - 1] + 1 && keys[i] % 20 != 0;
  }
  // 80% continue, less the runs cut at the last window (and a few fresh starts that land there).
  CHECK(next_window > 0.65 * keys.size());
  CHECK(next_window < 0.85 * keys.size());
  CHECK(sequence_generator(o).take(100) == std::vector<uint64_t>(keys.begin(), keys.begin() + 100));
}

TEST_CASE("prefetch on misses gains on a sequence stream and counts its prefetches") {
  sequence_options so;
  so.instruments = 200;
  so.windows = 50;
  so.seed = 2;
  auto trace = sequence_generator(so).take(100000);
  auto make = [](uint64_t c) -> std::unique_ptr<keyed_policy> {
    return make_keyed_policy("lru", c);
  };
  sim::prefetch_options off, on;
  off.enabled = false;
  auto base = sim::replay_prefetch(make, 500, trace, off);
  auto with = sim::replay_prefetch(make, 500, trace, on);
  CHECK(base.prefetches == 0);
  CHECK(with.hit_rate() > base.hit_rate() + 0.03);
  CHECK(with.prefetches > 1000);
  CHECK(with.used <= with.prefetches);
  CHECK(with.accuracy() > 0.5);
}

TEST_CASE("the key book turns a remembered hash back into its key, and forgets on collision") {
  key_book book(4);
  CHECK(book.slots() == 4);
  CHECK_FALSE(book.get(1).has_value());
  book.put(1, "feat:a");
  CHECK(book.get(1) == std::optional<std::string>{"feat:a"});
  // Fill every slot many times over: memory stays at the slot count, and whatever is still
  // found is the key put under that hash.
  for (uint64_t h = 100; h < 200; ++h)
    book.put(h, "k" + std::to_string(h));
  CHECK(book.slots() == 4);
  size_t found = 0;
  for (uint64_t h = 100; h < 200; ++h)
    if (auto k = book.get(h)) {
      CHECK(*k == "k" + std::to_string(h));
      ++found;
    }
  CHECK(found >= 1);
  CHECK(found <= 4);
}
