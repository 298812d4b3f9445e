// How a RESP session's bytes cross its socket, plain or TLS: what the session and the I/O loop that serves it both write through.
#pragma once

#include <cstddef>
#include <string_view>

#include "actors/resp_session.hpp"

namespace ac {

/// Replies of one read leave in one write (a pipeline of small replies: one send, not one
/// each), but not once this many bytes are ready: a client batching big MGETs then works on
/// the first reply while the node reads the next, instead of both waiting in turn.
constexpr size_t write_early_bytes = 16u << 10;

/// What a read or write did: moved bytes, would block, found the end of the client's stream
/// (a read only: it may still read our replies, as `printf ... | nc -N` does), or found the peer
/// gone (reset, broken, refused).
enum class resp_io { progress, again, eof, closed };

/// Reads up to `n` bytes into `buf` (`got` of them).
resp_io read_some(resp_session_state& st, char* buf, size_t n, size_t& got);

/// Writes up to `n` bytes of `buf` (`put` of them).
resp_io write_some(resp_session_state& st, const char* buf, size_t n, size_t& put);

/// Writes what `out` holds until it is all out or the socket pushes back (again) or is gone
/// (closed).
resp_io write_pending(resp_session_state& st);

/// Bulk replies at least this large are sent from where the value lies (append_bulk_direct).
constexpr size_t direct_bulk_bytes = 16u << 10;

/// Appends the bulk reply of `payload` to the connection's output on a plain socket, sending it
/// from `payload`'s own memory: what `out` holds still unsent and the reply leave in one
/// sendmsg, and only what the socket did not take is copied into `out` (nothing, when the
/// socket has room). For a value in the store, the caller holds the value's pin meanwhile
/// (store_lookup::pin; every value this large has one) or the store's lock: the memory must
/// not change under the kernel's copy, which is the one copy a hit then costs (a 120 KB tensor
/// cost two: into `out`, then into the socket). Replies keep their order: the
/// pending bytes go first. TLS sessions, and payloads under direct_bulk_bytes, are appended.
void append_bulk_direct(resp_session_state& st, std::string_view payload);

inline bool replies_owed(const resp_session_state& st) { return !st.slots.empty(); }
/// Whether request slot `slot` was opened and is not answered yet.
inline bool slot_owed(const resp_session_state& st, uint64_t slot) {
  return slot >= st.first_slot && slot - st.first_slot < st.slots.size()
         && !st.slots[slot - st.first_slot];
}

inline bool output_pending(const resp_session_state& st) { return st.out_sent < st.out.size(); }

} // namespace ac
