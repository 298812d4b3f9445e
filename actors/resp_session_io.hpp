// How a RESP session's bytes cross its socket, plain or TLS: what the session and the I/O loop that serves it both write through.
#pragma once

#include <cstddef>

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

inline bool replies_owed(const resp_session_state& st) { return !st.slots.empty(); }

inline bool output_pending(const resp_session_state& st) { return st.out_sent < st.out.size(); }

} // namespace ac
