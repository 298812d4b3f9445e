// An in-process node with its RESP port open, and what the RESP and lease tests ask of it.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <hiredis/hiredis.h>
#include <catch2/catch.hpp>

#include "actors/resp_listener.hpp"
#include "node/publish.hpp"
#include "tests/support/node_fixture.hpp"
#include "tests/support/resp_client.hpp"

namespace ac::test {

using reply_ptr = resp_client::reply_ptr;

/// An in-process node with its RESP port open on a free loopback port.
struct resp_fixture : node_fixture {
  resp_listener listener;
  uint16_t port = 0;
  explicit resp_fixture(
    bool loop_hits = true, node_fixture::configure_fn configure = [](node_config&) {})
    : node_fixture(std::move(configure)), listener{resp_listener_options{2, 100, loop_hits},
                                                   nullptr} {
    std::string why;
    REQUIRE(listener.bind("127.0.0.1", 0, why));
    port = listener.port();
    listener.start(sys, make_resp_env(cfg, node, "test-node", port));
  }
  ~resp_fixture() { listener.stop(); }

  /// A counter of the RESP edge's stats row ("loop_commands", ...); -1 when there is none.
  int64_t resp_counter(const std::string& name) {
    int64_t out = -1;
    self
      ->request(caf::actor_cast<caf::actor>(listener.stats_actor()), std::chrono::seconds(5),
                stats_atom::value)
      .receive(
        [&](actor_stats& row) {
          if (auto i = row.counters.find(name); i != row.counters.end())
            out = i->second;
        },
        [](caf::error&) {});
    return out;
  }
};

/// A connection to the fixture's port (tests/support/resp_client.hpp); one that fails fails the test.
using conn = connected_resp_client;

inline std::string str(const reply_ptr& r) {
  return r ? std::string(r->str, r->len) : "<no reply>";
}

/// The node's lease keeper's counters (waiting, gave_up, ...); no keeper fails the test.
inline lease_stats lease_counts(node_fixture& f) { return first_stats<lease_stats>(f.report()); }

inline /// AC.GETORLEASE's reply of a value: ("value", data) for bytes, ("tensor", dtype, shape, data).
  void
  check_lease_value(const reply_ptr& r, const std::string& dtype,
                    const std::vector<long long>& shape, const std::string& data) {
  REQUIRE(r);
  REQUIRE(r->type == REDIS_REPLY_ARRAY);
  if (dtype.empty()) {
    REQUIRE(r->elements == 2);
    CHECK(std::string(r->element[0]->str) == "value");
  } else {
    REQUIRE(r->elements == 4);
    CHECK(std::string(r->element[0]->str) == "tensor");
    CHECK(std::string(r->element[1]->str) == dtype);
    REQUIRE(r->element[2]->elements == shape.size());
    for (size_t i = 0; i < shape.size(); ++i)
      CHECK(r->element[2]->element[i]->integer == shape[i]);
  }
  auto* d = r->element[r->elements - 1];
  CHECK((std::string(d->str, d->len) == data)); // no 120 KB printout
}

/// A node's RESP edge whose request timeout is 300 ms (the session's own slot deadlines: its
/// requests to this node's actors carry no CAF timeout); the node computes a key in 3 s.
struct short_timeout_edge {
  node_fixture f{[](node_config& c) {
    c.loader_kind = "synthetic";
    c.loader_cost = std::chrono::seconds(3);
  }};
  resp_listener listener{resp_listener_options{2, 100, true}, nullptr};
  uint16_t port = 0;
  short_timeout_edge() {
    std::string why;
    REQUIRE(listener.bind("127.0.0.1", 0, why));
    port = listener.port();
    auto env = make_resp_env(f.cfg, f.node, "test-node", port);
    env->request_timeout = std::chrono::milliseconds(300);
    listener.start(f.sys, env);
  }
  ~short_timeout_edge() { listener.stop(); }
};

/// An MGET reply's element as text, "(nil)" for a miss.
inline std::string element(const reply_ptr& r, size_t i) {
  if (!r || r->type != REDIS_REPLY_ARRAY || i >= r->elements)
    return "<no element>";
  auto* e = r->element[i];
  return e->type == REDIS_REPLY_NIL ? "(nil)" : std::string(e->str, e->len);
}

/// Checks an AC.TENSOR.GET reply: dtype, shape and data ("bytes" and its length for a bytes value).
inline void check_tensor_reply(const reply_ptr& r, const std::string& dtype,
                               const std::vector<long long>& shape, const std::string& data) {
  REQUIRE(r);
  REQUIRE(r->type == REDIS_REPLY_ARRAY);
  REQUIRE(r->elements == 3);
  CHECK(std::string(r->element[0]->str) == dtype);
  REQUIRE(r->element[1]->elements == shape.size());
  for (size_t i = 0; i < shape.size(); ++i)
    CHECK(r->element[1]->element[i]->integer == shape[i]);
  CHECK((std::string(r->element[2]->str, r->element[2]->len) == data)); // no 120 KB printout
}

} // namespace ac::test
