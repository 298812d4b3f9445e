// In-process tests of the miss path without Redis: coalescer and compute with the built-in loaders.
#include <catch2/catch.hpp>

#include <set>

#include "tests/support/node_fixture.hpp"

using namespace ac;
using ac::test::node_fixture;
using ac::test::total;

TEST_CASE("1000 concurrent lookups of one missing key run one compute and agree", "[miss]") {
  node_fixture f{[](node_config& c) {
    c.loader_kind = "synthetic";
    c.loader_cost = std::chrono::milliseconds(100);
    c.loader_workers = 4;
  }};
  auto answers =
    ac::test::concurrent_gets(f.sys, f.node.front, "storm", 1000, std::chrono::seconds(10));
  REQUIRE(answers.size() == 1000);
  std::set<std::string> distinct(answers.begin(), answers.end());
  REQUIRE(distinct.size() == 1);
  CHECK(distinct.begin()->size() == 100); // loader.value-size
  auto rep = f.report();
  CHECK(total(rep, "computes") == 1);
  CHECK(total(rep, "coalesced") == 999);
  // The value is now in L1.
  CHECK(f.get("storm") == *distinct.begin());
  CHECK(total(f.report(), "computes") == 1);
}

TEST_CASE("a failing loader fails every waiter and caches nothing", "[miss]") {
  node_fixture f{[](node_config& c) {
    c.loader_kind = "synthetic";
    c.loader_cost = std::chrono::milliseconds(50);
    c.loader_fail_prefix = "fail-";
  }};
  auto answers =
    ac::test::concurrent_gets(f.sys, f.node.front, "fail-me", 50, std::chrono::seconds(5));
  REQUIRE(answers.size() == 50);
  for (auto& a : answers)
    CHECK(a.find("compute_failed") != std::string::npos);
  auto rep = f.report();
  CHECK(total(rep, "computes") == 0);
  CHECK(total(rep, "entries") == 0);
  // Asking again computes again (nothing negative was cached) and fails again.
  CHECK(f.get("fail-me").find("compute_failed") != std::string::npos);
  CHECK(f.get("fine-key").size() == 100);
}

TEST_CASE("the features loader answers with a tensor that keeps its shape and dtype", "[miss]") {
  node_fixture f{[](node_config& c) { c.loader_kind = "features"; }};
  lookup_result r;
  f.self
    ->request(f.node.front, std::chrono::seconds(10), get_atom::value, std::string{"feat:7:64x3"})
    .receive([&](lookup_result& x) { r = std::move(x); }, [](caf::error&) {});
  REQUIRE(r.found);
  CHECK(r.source == static_cast<uint8_t>(tier::compute));
  auto e = decode_entry(r.value);
  REQUIRE(e);
  CHECK(e->kind == value_kind::tensor);
  CHECK(e->dtype == tensor_dtype::float32);
  CHECK(e->shape == std::vector<uint64_t>{3, 8});
  CHECK(e->data.size() == 3 * 8 * 4);
  // Not a features key: nothing to compute, a miss.
  CHECK(f.get("plain-key") == "<miss>");
}

TEST_CASE("the compute queue refuses work beyond its bound with overloaded", "[miss]") {
  node_fixture f{[](node_config& c) {
    c.loader_kind = "synthetic";
    c.loader_cost = std::chrono::milliseconds(300);
    c.loader_workers = 1;
    c.loader_queue = 2;
  }};
  // Distinct keys, so the coalescer cannot merge them: 1 runs, 2 queue, the rest are refused.
  caf::scoped_actor self{f.sys};
  auto answers = std::make_shared<std::vector<std::string>>();
  auto front = f.node.front;
  self->spawn(
    [=](caf::event_based_actor* me, caf::actor reply_to) {
      for (int i = 0; i < 6; ++i)
        me->request(front, std::chrono::seconds(5), get_atom::value, "q" + std::to_string(i))
          .then(
            [=](const lookup_result&) {
              answers->push_back("ok");
              if (answers->size() == 6)
                me->send(reply_to, caf::ok_atom::value);
            },
            [=](caf::error& e) {
              answers->push_back(describe(e));
              if (answers->size() == 6)
                me->send(reply_to, caf::ok_atom::value);
            });
    },
    caf::actor{self});
  bool done = false;
  self->receive([&](caf::ok_atom) { done = true; }, caf::after(std::chrono::seconds(10)) >> [] {});
  REQUIRE(done);
  auto overloaded = std::count_if(answers->begin(), answers->end(), [](const std::string& s) {
    return s.rfind("overloaded", 0) == 0;
  });
  auto ok = std::count(answers->begin(), answers->end(), "ok");
  CHECK(ok == 3);
  CHECK(overloaded == 3);
}

TEST_CASE("with loader.negative-ttl a failed key is answered from the failure until it expires",
          "[miss][negative]") {
  node_fixture f{[](node_config& c) {
    c.loader_kind = "synthetic";
    c.loader_fail_prefix = "fail-";
    c.loader_negative_ttl = std::chrono::milliseconds(500);
  }};
  auto computes_tried = [&] {
    for (auto& a : f.report().actors)
      if (a.kind == compute_stats::kind)
        return stats_of<compute_stats>(a).failures;
    return int64_t{-1};
  };
  CHECK(f.get("fail-neg").find("compute_failed") != std::string::npos);
  CHECK(computes_tried() == 1);
  for (int i = 0; i < 5; ++i)
    CHECK(f.get("fail-neg").find("compute_failed") != std::string::npos);
  CHECK(computes_tried() == 1); // remembered, not recomputed
  // Once the negative TTL is over the loader is asked again.
  CHECK(f.eventually(
    [&] {
      f.get("fail-neg");
      return computes_tried() == 2;
    },
    std::chrono::seconds(5)));
}
