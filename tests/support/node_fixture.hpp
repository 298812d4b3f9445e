// An in-process node for actor tests: a real actor_system with the node's actors, and helpers.
#pragma once

#include <functional>

#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>
#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "messages/entry_codec.hpp"
#include "messages/errors.hpp"
#include "messages/kind_stats.hpp"
#include "messages/put_status.hpp"
#include "node/node_wiring.hpp"
#include "tests/support/child_process.hpp"

namespace ac::test {

/// Sets options before the node starts: `node_fixture f{[](node_config& c) { c.cache_shards = 4; }};`
template <class Configure>
node_config make_config(Configure configure) {
  node_config cfg;
  cfg.load<caf::io::middleman>();
  cfg.set("scheduler.max-threads", 2);
  cfg.set("logger.verbosity", caf::atom("quiet"));
  cfg.cache_shards = 2;
  spdlog::set_level(spdlog::level::warn); // keep test output to what failed
  configure(cfg);
  return cfg;
}

/// Overrides that give every shard `clock` (L1's TTLs): `node_fixture f{configure, with_clock(c)}`
/// with a manual_clock the test advances, so TTL tests wait for no wall clock.
inline node_overrides with_clock(std::shared_ptr<const clock_source> clock) {
  node_overrides o;
  o.clock = std::move(clock);
  return o;
}

/// Counter `name` of the stats row `actor` reports (any actor answering stats_atom); -1 when the
/// row has no such counter or the actor did not answer.
template <class Handle>
int64_t stats_counter(caf::scoped_actor& self, const Handle& actor, const std::string& name) {
  int64_t out = -1;
  self->request(actor, std::chrono::seconds(5), stats_atom::value)
    .receive(
      [&](const actor_stats& s) {
        if (auto it = s.counters.find(name); it != s.counters.end())
          out = it->second;
      },
      [](caf::error&) {});
  return out;
}

struct node_fixture {
  using configure_fn = std::function<void(node_config&)>;

  template <class Configure>
  explicit node_fixture(Configure configure, node_overrides overrides = {})
    : cfg(make_config(configure)), sys(cfg), self(sys) {
    node = spawn_node(sys, cfg, 0, std::move(overrides));
  }
  node_fixture() : node_fixture([](node_config&) {}) {}
  ~node_fixture() { node.stop(); }

  static std::string entry_of(const std::string& value) {
    return encode_entry(make_bytes_entry(value, 0, 0, "test"));
  }

  /// put through the front; returns "" once acknowledged (in L1 only, too) or the error's description.
  std::string put(const std::string& key, const std::string& value, uint32_t ttl = 0) {
    std::string out;
    put_as(key, value, ttl, &out);
    return out;
  }

  /// put through the front; the put_status it was acknowledged with, or not_stored with the
  /// error's description in `err`.
  put_status put_as(const std::string& key, const std::string& value, uint32_t ttl = 0,
                    std::string* err = nullptr) {
    auto status = put_status::not_stored;
    self->request(node.front, std::chrono::seconds(5), put_atom::value, key, entry_of(value), ttl)
      .receive([&](uint8_t s) { status = put_status_of(s); },
               [&](caf::error& e) {
                 if (err)
                   *err = describe(e);
               });
    return status;
  }

  /// get through the front: the value, "<miss>", or "<error: ...>".
  std::string get(const std::string& key) {
    std::string out;
    self->request(node.front, std::chrono::seconds(5), get_atom::value, key)
      .receive([&](const lookup_result& r) { out = r.found ? value_of(r) : "<miss>"; },
               [&](caf::error& e) { out = "<error: " + describe(e) + ">"; });
    return out;
  }

  static std::string value_of(const lookup_result& r) {
    auto e = decode_entry(r.value);
    return e ? render_value(*e) : "<corrupt>";
  }

  node_report report() {
    node_report rep;
    self->request(node.front, std::chrono::seconds(5), report_atom::value)
      .receive([&](node_report& r) { rep = std::move(r); }, [](caf::error&) {});
    return rep;
  }

  /// A counter of shard `index`'s own stats row (not its coalescer's); -1 when the row has no
  /// such counter or the shard did not answer.
  int64_t shard_counter(size_t index, const char* name) {
    int64_t out = -1;
    self->request(node.shards.at(index), std::chrono::seconds(5), stats_atom::value)
      .receive(
        [&](std::vector<actor_stats>& rows) {
          for (auto& r : rows)
            if (r.kind == "shard" && r.counters.count(name))
              out = r.counters.at(name);
        },
        [](caf::error&) {});
    return out;
  }

  /// Polls `pred` until it holds or `bound` passes (no fixed sleeps in tests).
  template <class Pred>
  bool eventually(Pred pred, std::chrono::milliseconds bound = std::chrono::seconds(5)) {
    return wait_until(pred, bound);
  }

  node_config cfg;
  caf::actor_system sys;
  caf::scoped_actor self;
  node_handles node;
};

/// A node total by the name it is shown under (node_totals); a name no total has fails the test.
inline double total(const node_report& rep, const char* key) {
  auto v = rep.totals.by_name(key);
  if (!v)
    FAIL("no node total is named " << key);
  return *v;
}

/// The stats of the first actor row of kind T (shard_stats, coalescer_stats, ...): with one
/// shard, that shard's or its coalescer's own counts. A report without such a row fails the test.
template <class T>
T first_stats(const node_report& rep) {
  for (auto& a : rep.actors)
    if (a.kind == T::kind)
      return stats_of<T>(a);
  FAIL("the report has no row of kind " << T::kind);
  return {};
}

/// Sends `n` concurrent gets of `key` and collects every answer (value or error text).
std::vector<std::string> concurrent_gets(caf::actor_system& sys, const front_actor& front,
                                         const std::string& key, size_t n,
                                         std::chrono::milliseconds timeout);

} // namespace ac::test
