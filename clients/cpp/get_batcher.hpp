// Client-side auto-batching: one actor per node turns the single gets queued in its mailbox into one get_many.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/actor_system.hpp>
#include <caf/timespan.hpp>

#include "clients/cpp/cluster_map.hpp"

namespace ac {

/// What the batchers of one pool did: wire messages sent and the gets they carried.
struct get_batch_counters {
  std::atomic<uint64_t> batches{0};      ///< get_many messages sent to nodes
  std::atomic<uint64_t> gets{0};         ///< single gets they carried
  std::atomic<uint64_t> resp_batches{0}; ///< batches sent as MGET to a node's RESP port
  std::atomic<uint64_t> splits{0};       ///< batches a node refused as a whole, re-sent key by key
};

/// The batchers of one client process, one per node (keyed by the node's handle), shared by
/// every client actor. A batcher answers (get_atom, std::string key, bool direct, uint64_t
/// epoch) -> lookup_result and (get_many_atom, std::vector<std::string> keys, bool direct,
/// uint64_t epoch) -> lookup_results (answered once all its keys are in, or with the first
/// error). It collects the gets already queued in its mailbox when it runs
/// (no timer: a lone get leaves at once), up to `max_batch`, and sends them as one get_many
/// (route_atom get_many when `direct`) with `timeout`; each requester gets its own
/// lookup_result. A transport error or `unavailable`/`overloaded` goes to every requester of
/// the batch (cluster_client retries each once); any other error the node returned for the
/// whole batch may belong to one key only (get_many refuses all keys when one is too long), so
/// those batches are re-sent key by key and each requester gets its own verdict. When the
/// node's proxy goes down, everything queued or in flight fails at once with node_down_error()
/// and later gets fail without being sent. Thread-safe; close() (or the destructor) stops them.
class get_batchers {
public:
  /// With `resp_path`, each batcher opens `resp_links` connections to its node's RESP port
  /// (node_ref::resp_address, from the members list) and sends its batches there as MGET
  /// (resp_link), spread over them in turn, once connected;
  /// CAF requests otherwise (no RESP port, not reachable, or the connection was lost).
  ///
  /// `window` > 0 is the original note's batch window: a batch leaves `window` after its first
  /// get (or when it holds max_batch keys), so every get within the window shares it; 0
  /// (the default) sends what queued up in one mailbox turn at once (no added latency).
  get_batchers(caf::actor_system& sys, uint32_t max_batch, caf::timespan timeout,
               bool resp_path = true, caf::timespan window = caf::timespan{0},
               uint32_t resp_links = 0);
  ~get_batchers();

  get_batchers(const get_batchers&) = delete;
  get_batchers& operator=(const get_batchers&) = delete;

  /// One node's batcher, and how many gets of this process to that node are unanswered.
  /// A get that finds none outstanding goes straight to the node instead (send_alone):
  /// there is nothing to batch it with, and the batcher's hop and second timer would only
  /// add latency (+10 us p50 at 1 client x 1 in flight on the bench machine).
  struct lane {
    caf::actor batcher;
    std::atomic<uint32_t> outstanding{0};
    /// The batcher has a RESP connection: every get goes through it (one MGET, no BASP).
    std::shared_ptr<std::atomic<bool>> resp = std::make_shared<std::atomic<bool>>(false);

    /// Counts a get of this process to the node; true when it is the only one unanswered
    /// and the node has no RESP connection.
    bool send_alone() {
      bool first = outstanding.fetch_add(1, std::memory_order_relaxed) == 0;
      return first && !resp->load(std::memory_order_relaxed);
    }
    /// Call once per counted get when its answer (or error) arrived.
    void answered() { outstanding.fetch_sub(1, std::memory_order_relaxed); }
  };

  /// The lane of node `n`, spawned on first use, valid as long as this object; nullptr after
  /// close().
  lane* of(const node_ref& n);

  /// Sends every batcher an exit; later of() calls give invalid handles.
  void close();

  const get_batch_counters& counters() const { return *counters_; }

  /// RESP connections per node when the caller names none (`resp_links` 0): one per four
  /// cores, 1 to 8.
  static uint32_t default_resp_links();

private:
  caf::actor_system& sys_;
  uint32_t max_batch_;
  caf::timespan timeout_;
  bool resp_path_;
  caf::timespan window_;
  uint32_t resp_links_;
  std::shared_ptr<get_batch_counters> counters_;
  std::mutex mtx_;
  bool closed_ = false;
  std::map<caf::actor_addr, std::unique_ptr<lane>> lanes_; // never erased: lanes are lent out
};

using get_batchers_ptr = std::shared_ptr<get_batchers>;

} // namespace ac
