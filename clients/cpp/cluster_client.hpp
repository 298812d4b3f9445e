// The smart-client request layer: routes each key to its owner, fails fast on dead nodes, retries once.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/expected.hpp>
#include <caf/system_messages.hpp>
#include <caf/timespan.hpp>

#include "clients/cpp/cluster_map.hpp"
#include "clients/cpp/get_batcher.hpp"
#include "core/pending_requests.hpp"
#include "messages/lease_actor.hpp"
#include "messages/lookup.hpp"
#include "messages/put_status.hpp"

namespace ac {

/// The owning actor's timer for cluster_client::expire_overdue().
using client_expire_atom = caf::atom_constant<caf::atom("clexpire")>;
/// What cluster_client sends its owner to hand the gets of one turn to a batcher: flush().
using client_flush_atom = caf::atom_constant<caf::atom("clflush")>;

/// Lives inside one event-based actor (its state owns it) and issues that actor's requests.
/// Every request is bounded by the timeout, which this class enforces itself: requests go out
/// without a CAF timeout, carry a deadline here, and one timer per ~timeout/10 fails the
/// overdue ones with `request_timeout`. A CAF request timeout costs an entry in the clock
/// thread and a wake-up of it per request (and again to cancel it); that was the largest
/// client-side cost per GET (bench/RESULTS.md). A late answer is dropped. The owning actor
/// must call expire_overdue() on client_expire_atom and flush() on client_flush_atom (the
/// gets bound for a batcher in one turn travel to it as one message).
/// A request that fails with a transport error (timeout, node down) or `unavailable` is
/// retried once, after the directory refreshed the table, on the new owner; errors the node
/// decided (key_too_long, overloaded, ...) are final.
/// CAF never fails requests pending at a node that died (notes §2), so the owning actor must
/// pass its down messages to handle_down(), which fails them at once.
/// Callbacks run in the owning actor; none runs after the actor is gone.
class cluster_client {
public:
  template <class T>
  using callback = std::function<void(caf::expected<T>)>;

  /// With `batchers`, get() goes through the node's batcher (one get_many per mailbox turn
  /// of that batcher); without, each get is its own request to the node.
  cluster_client(caf::event_based_actor* self, caf::actor directory, cluster_map_ptr table,
                 caf::timespan timeout, get_batchers_ptr batchers = nullptr);

  void get(std::string key, callback<lookup_result> done);
  /// Keys are grouped by owner, one get_many per owner; results come back in key order.
  void get_many(std::vector<std::string> keys, callback<lookup_results> done);
  /// `entry_bytes` is an encoded Entry (encode_entry). Answers the owner's put_status: stored,
  /// or stored_l1_only when its Redis did not take the value (redis.write-policy=l1-when-down).
  void put(std::string key, std::string entry_bytes, uint32_t ttl_seconds,
           callback<put_status> done);
  void erase(std::string key, callback<bool> done);
  /// EXISTS / PTTL / EXPIRE of one key at its owner; the answers are key_op's.
  void keyspace(key_op op, std::string key, int64_t arg, callback<int64_t> done);

  // Leases (cluster_client_leases.cpp): one compute per key cluster-wide for values this
  // program computes itself, as AC.GETORLEASE / AC.FILL / AC.ABANDON give RESP clients. The
  // lease is held by the owning actor: should it end, the lease passes to the next caller.

  /// The key's value (an encoded Entry) from the owner's L1 or L2, or a lease (its token) for
  /// this actor to compute it; waits while another caller holds it (the keeper keeps a caller
  /// in line up to 3 x lease_ms, then answers `unavailable`, which is retried once).
  void get_or_lease(std::string key, uint32_t lease_ms, callback<lease_reply> done);
  /// Stores the computed value under the lease and answers every waiter; `stale_lease` when the
  /// token is no longer the key's lease (it ran out and passed on): nothing stored. Never
  /// retried: a fill that timed out may still be filling.
  void fill(std::string key, std::string token, std::string entry_bytes, uint32_t ttl_seconds,
            callback<bool> done);
  /// Gives the lease up: it passes to one waiting caller, who computes instead.
  void abandon(std::string key, std::string token, callback<bool> done);
  /// The key's value (the payload of its Entry); when nobody has it, `compute` runs in the
  /// owning actor (keep it short, or hand the work off and fill() yourself) and its result is
  /// filled with `ttl_seconds` (0: the node's default). An exception from `compute` abandons the
  /// lease and answers `compute_failed`; a fill refused as stale_lease still answers the value
  /// (as the synchronous client does), a fill that failed otherwise answers its error.
  void get_or_compute(std::string key, std::function<std::string()> compute, uint32_t ttl_seconds,
                      uint32_t lease_ms, callback<std::string> done);

  /// Call from the owning actor's down handler.
  void handle_down(const caf::down_msg& dm);

  /// Call when the owning actor receives client_expire_atom: fails requests past their
  /// deadline (retried once like any transport error) and re-arms the timer while any wait.
  void expire_overdue();

  /// Call when the owning actor receives client_flush_atom: the gets staged for batchers in
  /// the actor's last turn go out, one message per batcher (a lone get as a get).
  void flush();

  /// Requests that were sent a second time.
  uint64_t retries() const { return retries_; }

  const cluster_map& table() const { return *table_; }

private:
  using fail_fn = std::function<void(caf::error)>;
  struct pending_request {
    std::string node_id; // where it went
    fail_fn fail;        // where its failure goes
  };
  template <class T>
  using sender = std::function<void(const node_ref&, bool direct, std::function<void(T&)> ok,
                                    std::function<void(caf::error&)> err)>;
  template <class T>
  struct single_op;

  template <class T>
  void run(std::shared_ptr<single_op<T>> op);
  void run_many(std::vector<std::string> keys, int attempt, std::string avoid,
                callback<lookup_results> done);
  /// One node's share of a get_many: its keys, where they sit in the request, and the gather
  /// its answer goes to (cluster_client_many.cpp).
  struct many_gather;
  void send_many_part(const node_ref& node, bool direct, std::vector<std::string> keys,
                      std::vector<size_t> index, int attempt, std::shared_ptr<many_gather> acc);

  /// Registers a request, bounded by `timeout` (0: the client's); returns its id for
  /// ok()/fail() lookups.
  uint64_t track(const std::string& node_id, fail_fn fail, caf::timespan timeout = {});
  /// True once per id: whether the answer still counts (not failed by handle_down).
  bool settle(uint64_t id);
  void fail(uint64_t id, caf::error err);
  /// Asks the directory for a table newer than ours, then runs `next` (also on error).
  void refresh(const std::string& failed_id, bool down, std::function<void()> next);
  void adopt(cluster_map_ptr t);
  void monitor_nodes();
  void arm_expiry();
  struct staged_get {
    std::string key;
    std::function<void(lookup_result&)> ok;
    std::function<void(caf::error&)> err;
  };
  /// Gets for one batcher, collected until the owner's turn ends (flush).
  struct stage {
    get_batchers::lane* lane;
    bool direct;
    std::vector<staged_get> gets;
  };
  void stage_get(get_batchers::lane* lane, bool direct, const std::string& key,
                 std::function<void(lookup_result&)> ok, std::function<void(caf::error&)> err);
  void send_staged(get_batchers::lane* lane, bool direct, staged_get g);

  caf::event_based_actor* self_;
  caf::actor directory_;
  cluster_map_ptr table_;
  caf::timespan timeout_;
  get_batchers_ptr batchers_;
  uint64_t retries_ = 0;
  pending_requests<pending_request> pending_; ///< each with its deadline (class comment)
  bool expiry_armed_ = false;
  std::vector<stage> staged_;
  bool flush_queued_ = false;
  std::set<caf::actor_addr> monitored_;
};

/// Whether a failed request may succeed on another try (transport errors and `unavailable`).
bool retryable(const caf::error& err);

/// The error of requests that were pending at a node whose proxy went down (retryable).
caf::error node_down_error();

} // namespace ac
