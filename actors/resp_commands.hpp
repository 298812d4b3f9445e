// The commands of the RESP edge: each takes a parsed request of one session and sends it to the key's shard or owner, replying in a slot.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "actors/resp_session.hpp"

namespace ac {

/// Runs one command of `self`'s connection: opens its reply slot at once (so replies keep the
/// request order) and fills it now or when the shard, owner or lease keeper answers.
void run_command(resp_session_actor* self, std::vector<std::string>& argv);

/// Sends the GETs held for other nodes (resp_session_state::forwards), one routed get_many per
/// owner; each value or error goes to its GET's slot.
void send_forwarded_gets(resp_session_actor* self);

/// What an I/O loop answered during one read: added to the shared counters once, not per
/// command (every loop thread adding to the same cache lines per GET costs a pipeline dearly).
struct loop_tally {
  uint64_t gets = 0;        ///< GETs answered
  uint64_t mgets = 0;       ///< MGETs answered, or whose hits were (the session asks for the rest)
  uint64_t hits = 0;        ///< L1 hits among them
  uint64_t sets = 0;        ///< SETs stored (inline_put)
  uint64_t tensor_gets = 0; ///< AC.TENSOR.GETs answered
  uint64_t lease_hits = 0;  ///< AC.GETORLEASEs answered with a value from L1
  void add_to(resp_counters& c) const;
};

/// On an I/O loop, for an idle session (resp_session.hpp): answers a GET or MGET whose keys
/// this node owns and holds fresh in L1 or finally misses (by `snap`, taken once per read), or
/// stores a plain SET inline_put takes, appending the reply to `out` (counted in `tally`). When
/// `out` is the connection's own output, a GET of a large value is sent at once from the store
/// (append_bulk_direct) and only what the socket leaves is appended. False leaves the command to
/// the session, untouched, but for an MGET whose hits were already read: those are in `hits`
/// then (counted), and the session asks only for the rest (run_stashed).
bool answer_on_loop(resp_session_state& st, const route_snapshot& snap,
                    std::vector<std::string>& argv, std::string& out,
                    std::optional<lookup_results>& hits, loop_tally& tally);

/// Runs a command the loop left in the stash (its MGET hits reused).
void run_stashed(resp_session_actor* self, stashed_command& cmd);

/// Reply slots owed by a key's owner on another node, watched (resp_session_state::remote_waits):
/// calling it when the owner's reply comes takes them back; nothing when the owner's going down
/// answered them already (its request then ends in an error later, which nobody needs to see).
struct owed_slots {
  resp_session_actor* self;
  caf::actor_addr owner;
  uint64_t id;
  std::optional<std::vector<uint64_t>> operator()() const {
    return self->state.remote_waits.settle(owner, id);
  }
};

/// Watches `slots`, owed by `owner` (monitored from the first wait on it).
owed_slots watch_owner(resp_session_actor* self, const front_actor& owner,
                       std::vector<uint64_t> slots);

/// A node this session's callers wait at (forwarded GETs and MGETs, AC.GETORLEASE) went down:
/// they are told to ask again.
void owner_went_down(resp_session_actor* self, const caf::down_msg& dm);

/// While replies are owed (every 250 ms while some are owed by other nodes, else every second):
/// answers those owed by nodes the cluster has declared down while their link stands (frozen,
/// cut off), and the slots past their deadline.
void sweep_session(resp_session_actor* self);

/// Sends the next sweep_atom unless one is on its way or nothing is owed.
void arm_sweep(resp_session_actor* self);

/// The RESP error text of a node error: `CODE reason` (e.g. "KEYTOOLONG key of 600 bytes ...").
std::string resp_error_text(const caf::error& err);

} // namespace ac
