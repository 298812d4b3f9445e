// The I/O loop's side of a RESP session: answering an idle connection's L1 hits on the loop's own thread (see resp_session.hpp).
#include "actors/resp_commands.hpp"
#include "actors/resp_session.hpp"
#include "actors/resp_session_io.hpp"

namespace ac {

namespace {

/// The loop writes its replies; false when some are left (the session waits for room) or the
/// peer is gone (the session finds out and closes).
bool write_from_loop(resp_session_state& st) {
  if (write_pending(st) != resp_io::progress)
    return false;
  st.out.clear(); // keeps its capacity for the next burst
  st.out_sent = 0;
  return true;
}

} // namespace

bool serve_on_loop(resp_session_state& st) {
  // Once per read, not per command: the routes (a mutex and a shared count) and the counters
  // (shared by every loop thread) would cost a pipeline of GETs more than the GETs do.
  struct tally_guard {
    resp_counters& counters;
    loop_tally tally;
    ~tally_guard() { tally.add_to(counters); }
  } counted{*st.env->counters, {}};
  auto snap = st.env->routes->get();
  char buf[64 * 1024];
  std::vector<std::string> argv;
  std::string err;
  for (int round = 0; round < 16; ++round) {
    size_t got = 0;
    auto r = read_some(st, buf, sizeof buf, got);
    if (r == resp_io::again)
      return write_from_loop(st);
    if (r == resp_io::closed)
      return false; // the session reads the end too, and closes
    st.reader->feed(buf, got);
    for (;;) {
      auto s = st.reader->next(argv, err);
      if (s == resp::request_reader::status::incomplete)
        break;
      if (s == resp::request_reader::status::error) {
        st.stash.push_back(stashed_command{{}, std::nullopt, err});
        return false;
      }
      std::optional<lookup_results> hits;
      if (!answer_on_loop(st, *snap, argv, st.out, hits, counted.tally)) {
        st.stash.push_back(stashed_command{std::move(argv), std::move(hits), {}});
        return false;
      }
      if (st.out.size() - st.out_sent >= write_early_bytes && !write_from_loop(st))
        return false;
    }
  }
  write_from_loop(st);
  return false; // more to read: the session goes on, a turn at a time
}

} // namespace ac
