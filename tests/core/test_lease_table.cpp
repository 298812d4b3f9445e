// Leases as a pure state machine: grant, wait, fill, abandon, expiry, holder gone, stale tokens.
#include <catch2/catch.hpp>

#include <set>

#include "core/lease_table.hpp"

using ac::lease_table;

namespace {

lease_table::caller who(uint64_t waiter, uint64_t holder, int64_t lease_ms = 1000,
                        int64_t wait_until_ms = 0) {
  return {waiter, holder, lease_ms, wait_until_ms};
}

} // namespace

TEST_CASE("The first caller of a key gets the lease and later callers wait", "[lease]") {
  lease_table t{"p"};
  std::string tok, tok2;
  CHECK(t.ask("k", who(1, 10), 0, tok) == lease_table::asked::granted);
  CHECK_FALSE(tok.empty());
  CHECK(t.ask("k", who(2, 20), 0, tok2) == lease_table::asked::waiting);
  CHECK(t.ask("k", who(3, 30), 0, tok2) == lease_table::asked::waiting);
  CHECK(t.leases() == 1);
  CHECK(t.waiting() == 2);
  CHECK(t.holds("k", tok));
}

TEST_CASE("A fill by the holder ends the lease and names every waiter to answer", "[lease]") {
  lease_table t{"p"};
  std::string tok, ignored;
  t.ask("k", who(1, 10), 0, tok);
  t.ask("k", who(2, 20), 0, ignored);
  t.ask("k", who(3, 30), 0, ignored);
  std::vector<uint64_t> waiters;
  REQUIRE(t.fill("k", tok, waiters));
  CHECK(waiters == std::vector<uint64_t>{2, 3});
  CHECK(t.leases() == 0);
  CHECK(t.waiting() == 0);
  CHECK(t.next_deadline() == -1);
}

TEST_CASE("A stale or foreign token can neither fill nor abandon", "[lease]") {
  lease_table t{"p"};
  std::string tok, other, ignored;
  t.ask("k", who(1, 10), 0, tok);
  t.ask("other", who(2, 20), 0, other);
  std::vector<uint64_t> waiters;
  std::vector<lease_table::grant> grants;
  CHECK_FALSE(t.fill("k", other, waiters));
  CHECK_FALSE(t.fill("k", "p-999", waiters));
  CHECK_FALSE(t.abandon("k", other, 0, grants));
  CHECK_FALSE(t.fill("absent", tok, waiters));
  CHECK(t.holds("k", tok));
  // After a hand-over the old token is stale.
  t.ask("k", who(3, 30), 0, ignored);
  REQUIRE(t.abandon("k", tok, 5, grants));
  CHECK_FALSE(t.fill("k", tok, waiters));
  CHECK(t.fill("k", grants.at(0).token, waiters));
}

TEST_CASE("Abandoning passes the lease to exactly one waiter, in arrival order", "[lease]") {
  lease_table t{"p"};
  std::string tok, ignored;
  t.ask("k", who(1, 10), 0, tok);
  t.ask("k", who(2, 20, 500), 0, ignored);
  t.ask("k", who(3, 30), 0, ignored);
  std::vector<lease_table::grant> grants;
  REQUIRE(t.abandon("k", tok, 100, grants));
  REQUIRE(grants.size() == 1);
  CHECK(grants[0].waiter == 2);
  CHECK(grants[0].key == "k");
  CHECK(grants[0].token != tok);
  CHECK(t.waiting() == 1);
  CHECK(t.next_deadline() == 600); // the new holder's own lease time, from the hand-over
}

TEST_CASE("Abandoning with nobody waiting ends the lease; the next caller gets a new one",
          "[lease]") {
  lease_table t{"p"};
  std::string tok, tok2;
  t.ask("k", who(1, 10), 0, tok);
  std::vector<lease_table::grant> grants;
  REQUIRE(t.abandon("k", tok, 0, grants));
  CHECK(grants.empty());
  CHECK(t.leases() == 0);
  CHECK(t.ask("k", who(2, 20), 0, tok2) == lease_table::asked::granted);
  CHECK(tok2 != tok);
}

TEST_CASE("A lease whose time ran out passes on at expiry, not before", "[lease]") {
  lease_table t{"p"};
  std::string tok, ignored;
  t.ask("k", who(1, 10, 1000), 0, tok);
  t.ask("k", who(2, 20, 1000), 0, ignored);
  std::vector<lease_table::grant> grants;
  std::vector<uint64_t> dropped;
  t.expire(999, grants, dropped);
  CHECK(grants.empty());
  CHECK(t.holds("k", tok));
  t.expire(1000, grants, dropped);
  REQUIRE(grants.size() == 1);
  CHECK(grants[0].waiter == 2);
  CHECK(t.next_deadline() == 2000);
  grants.clear();
  t.expire(2000, grants, dropped);
  CHECK(grants.empty());
  CHECK(t.leases() == 0);
  CHECK(dropped.empty());
}

TEST_CASE("A holder that goes away hands its leases on and its waiting requests are dropped",
          "[lease]") {
  lease_table t{"p"};
  std::string a, b, ignored;
  t.ask("a", who(1, 10), 0, a);
  t.ask("b", who(2, 20), 0, b);
  t.ask("a", who(3, 20), 0, ignored); // holder 20 also waits for "a"
  t.ask("a", who(4, 40), 0, ignored);
  std::vector<lease_table::grant> grants;
  std::vector<uint64_t> dropped;
  t.holder_gone(20, 50, grants, dropped);
  CHECK(dropped == std::vector<uint64_t>{3});
  CHECK(grants.empty()); // nobody waited for "b"
  CHECK(t.leases() == 1);
  t.holder_gone(10, 60, grants, dropped);
  REQUIRE(grants.size() == 1);
  CHECK(grants[0].waiter == 4);
  CHECK(grants[0].key == "a");
}

TEST_CASE("Waiters are bounded per key and in total", "[lease]") {
  lease_table::limits lim;
  lim.max_waiters_per_key = 2;
  lim.max_waiters = 3;
  lease_table t{"p", lim};
  std::string tok;
  t.ask("a", who(1, 1), 0, tok);
  t.ask("b", who(2, 2), 0, tok);
  CHECK(t.ask("a", who(3, 3), 0, tok) == lease_table::asked::waiting);
  CHECK(t.ask("a", who(4, 4), 0, tok) == lease_table::asked::waiting);
  CHECK(t.ask("a", who(5, 5), 0, tok) == lease_table::asked::overloaded);
  CHECK(t.ask("b", who(6, 6), 0, tok) == lease_table::asked::waiting);
  CHECK(t.ask("b", who(7, 7), 0, tok) == lease_table::asked::overloaded);
  CHECK(t.cancel("a", 3));
  CHECK_FALSE(t.cancel("a", 3));
  CHECK(t.ask("b", who(8, 8), 0, tok) == lease_table::asked::waiting);
}

TEST_CASE("Tokens are unique across keys and grants", "[lease]") {
  lease_table t{"node"};
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::string tok;
    REQUIRE(t.ask("k" + std::to_string(i), who(static_cast<uint64_t>(i), 1), 0, tok)
            == lease_table::asked::granted);
    CHECK(seen.insert(tok).second);
    CHECK(tok.rfind("node-", 0) == 0);
  }
}

TEST_CASE("A caller whose wait ran out stops waiting and is never handed the lease", "[lease]") {
  lease_table t{"p"};
  std::string tok, ignored;
  t.ask("k", who(1, 10, 5000), 0, tok);
  t.ask("k", who(2, 20, 5000, 3000), 0, ignored); // its request times out at 3 s
  t.ask("k", who(3, 30, 5000, 9000), 0, ignored);
  std::vector<lease_table::grant> grants;
  std::vector<uint64_t> dropped;
  t.expire(2999, grants, dropped);
  CHECK(dropped.empty());
  t.expire(3000, grants, dropped);
  CHECK(dropped == std::vector<uint64_t>{2});
  CHECK(t.waiting() == 1);
  std::vector<lease_table::grant> passed;
  REQUIRE(t.abandon("k", tok, 3500, passed));
  REQUIRE(passed.size() == 1);
  CHECK(passed[0].waiter == 3); // not 2, whom nobody answers any more
  // A caller answered before its time (here: granted) is not dropped when that time comes.
  dropped.clear();
  t.expire(9000, grants, dropped);
  CHECK(dropped.empty());
}

TEST_CASE("A lease being filled neither runs out nor passes on until the fill ends", "[lease]") {
  lease_table t{"p"};
  std::string tok, ignored;
  t.ask("k", who(1, 10, 1000), 0, tok);
  t.ask("k", who(2, 20, 1000), 0, ignored);
  REQUIRE(t.begin_fill("k", tok));
  CHECK_FALSE(t.begin_fill("k", tok)); // one fill at a time
  std::vector<lease_table::grant> grants;
  std::vector<uint64_t> dropped;
  t.expire(5000, grants, dropped); // past its lease time: still the holder's, it is storing
  CHECK(grants.empty());
  CHECK_FALSE(t.abandon("k", tok, 5000, grants));
  t.holder_gone(10, 5000, grants, dropped);
  CHECK(grants.empty());
  CHECK(t.holds("k", tok));
  SECTION("the fill completes: every waiter gets the value") {
    std::vector<uint64_t> waiters;
    REQUIRE(t.fill("k", tok, waiters));
    CHECK(waiters == std::vector<uint64_t>{2});
    CHECK(t.leases() == 0);
    t.expire(10000, grants, dropped);
    CHECK(grants.empty());
  }
  SECTION("the fill fails after its holder went: the lease passes on at the next expiry") {
    t.fill_failed("k", tok, 6000);
    t.expire(6000, grants, dropped);
    REQUIRE(grants.size() == 1);
    CHECK(grants[0].waiter == 2);
  }
}

TEST_CASE("A failed fill gives the holder back the lease time it had left", "[lease]") {
  lease_table t{"p"};
  std::string tok;
  t.ask("k", who(1, 10, 1000), 0, tok);
  REQUIRE(t.begin_fill("k", tok));
  t.fill_failed("k", tok, 400);
  CHECK(t.holds("k", tok));
  CHECK(t.next_deadline() == 1000);
  std::vector<uint64_t> waiters;
  CHECK(t.fill("k", tok, waiters)); // it may try again
}

TEST_CASE("A token names the node whose table issued it", "[lease]") {
  lease_table t{"node-1:ab12"};
  std::string tok;
  t.ask("k", who(1, 10), 0, tok);
  CHECK(ac::token_node(tok) == "node-1");
  CHECK(ac::token_node("host:7101:ff-3") == "host:7101");
  CHECK(ac::token_node("no-colon-3") == "");
}
