// The I/O loop's side of a RESP session: answering an idle connection's L1 hits on the loop's own thread (see resp_session.hpp).
#include "actors/resp_commands.hpp"
#include "actors/resp_session.hpp"
#include "actors/resp_session_io.hpp"
#include "actors/shard_store.hpp"
#include "core/key_normalization.hpp"
#include "core/resp_command_table.hpp"

#include <algorithm>
#include <array>
#include <mutex>

namespace ac {

namespace {

/// Commands parsed before any is answered: enough for redis-benchmark's -P 16 and a bit more,
/// few enough that the lines their prefetches ask for are still in cache when read.
constexpr size_t batch_commands = 32;
using command_batch = std::array<std::vector<std::string>, batch_commands>;

/// The loop writes its replies; false when some are left (the session waits for room) or the
/// peer is gone (the session finds out and closes).
bool write_from_loop(resp_session_state& st) {
  if (write_pending(st) != resp_io::progress)
    return false;
  st.out.clear(); // keeps its capacity for the next burst
  st.out_sent = 0;
  return true;
}

/// Asks for the hash buckets, entries and policy-list neighbours of a pipeline's GETs of owned
/// keys before any is read, so that their cache misses overlap instead of following one
/// another: a pipeline of GETs is an MGET spread over commands, and inline_hits prefetches an
/// MGET's keys the same way (with a distance: its batches are longer). One try-lock per shard;
/// a busy shard is skipped (prefetching only hints, it changes nothing).
void prefetch_gets(const route_snapshot& snap, const std::vector<std::string>* cmds, size_t n) {
  if (snap.stores.empty() || n < 2)
    return;
  auto shards = static_cast<uint32_t>(snap.stores.size());
  std::array<uint64_t, batch_commands> hash{};
  std::array<uint32_t, batch_commands> shard{};
  size_t keys = 0;
  for (size_t i = 0; i < n; ++i) {
    const auto& argv = cmds[i];
    if (argv.size() != 2 || argv[0].size() != 3)
      continue;
    const auto* spec = resp::find_command(argv[0]);
    if (spec == nullptr || spec->id != resp::command_id::get)
      continue;
    auto h = key_hash(argv[1]);
    if (snap.owner_front(h))
      continue;
    hash[keys] = h;
    shard[keys++] = shard_of(h, shards);
  }
  if (keys < 2)
    return;
  for (uint32_t s = 0; s < shards; ++s) {
    auto* ss = snap.stores[s].get();
    if (ss == nullptr || std::find(shard.begin(), shard.begin() + keys, s) == shard.begin() + keys)
      continue;
    std::unique_lock<std::mutex> lock{ss->mutex, std::try_to_lock};
    if (!lock || !ss->store)
      continue;
    for (size_t k = 0; k < keys; ++k)
      if (shard[k] == s)
        ss->store->prefetch_bucket(hash[k]);
    for (size_t k = 0; k < keys; ++k)
      if (shard[k] == s)
        ss->store->prefetch_entry(hash[k]);
    for (size_t k = 0; k < keys; ++k)
      if (shard[k] == s)
        ss->store->prefetch_links(hash[k]);
  }
}

/// Answers the whole commands the reader holds, a batch at a time: parses one, prefetches its
/// reads, answers it in order. True when all were answered (read on); false when the loop left
/// one to the session, which then runs it and every command after it, in order.
bool answer_buffered(resp_session_state& st, const route_snapshot& snap, command_batch& cmds,
                     loop_tally& tally) {
  std::string err;
  for (;;) {
    size_t n = 0;
    auto s = resp::request_reader::status::ready;
    while (n < batch_commands
           && (s = st.reader->next(cmds[n], err)) == resp::request_reader::status::ready)
      ++n;
    prefetch_gets(snap, cmds.data(), n);
    // What the loop leaves, the session runs in order before it reads on.
    auto leave_rest = [&](size_t from) {
      for (size_t j = from; j < n; ++j)
        st.stash.push_back(stashed_command{std::move(cmds[j]), std::nullopt, {}});
      if (s == resp::request_reader::status::error)
        st.stash.push_back(stashed_command{{}, std::nullopt, err});
      return false;
    };
    for (size_t i = 0; i < n; ++i) {
      std::optional<lookup_results> hits;
      if (!answer_on_loop(st, snap, cmds[i], st.out, hits, tally)) {
        st.stash.push_back(stashed_command{std::move(cmds[i]), std::move(hits), {}});
        return leave_rest(i + 1);
      }
      if (st.out.size() - st.out_sent >= write_early_bytes && !write_from_loop(st))
        return leave_rest(i + 1);
    }
    if (s == resp::request_reader::status::error)
      return leave_rest(n);
    if (s == resp::request_reader::status::incomplete)
      return true;
  }
}

} // namespace

bool serve_on_loop(resp_session_state& st, bool hangup) {
  // Once per read, not per command: the routes (a mutex and a shared count) and the counters
  // (shared by every loop thread) would cost a pipeline of GETs more than the GETs do.
  struct tally_guard {
    resp_counters& counters;
    loop_tally tally;
    ~tally_guard() { tally.add_to(counters); }
  } counted{*st.env->counters, {}};
  const auto& snap = st.routes.current();
  char buf[64 * 1024];
  command_batch cmds;
  for (int round = 0; round < 16; ++round) {
    size_t got = 0;
    auto r = read_some(st, buf, sizeof buf, got);
    if (r == resp_io::again)
      return write_from_loop(st);
    if (r == resp_io::eof) {
      write_from_loop(st); // the replies it is owed still go out
      return false;        // the session reads the end too, and closes
    }
    if (r == resp_io::closed)
      return false; // the session finds the peer gone too, and closes
    st.reader->feed(buf, got);
    if (!answer_buffered(st, snap, cmds, counted.tally))
      return false;
    // A short read emptied the socket: under edge-triggered epoll the next bytes raise a new
    // event, so the recv that would only say EAGAIN is saved (a syscall per pipeline; nginx
    // does the same). Not when the event said the peer hung up: its end raises no new event,
    // so the loop reads on to it (and the session closes). Only here: the loop never serves
    // TLS, whose records may hold more.
    if (got < sizeof buf && !hangup)
      return write_from_loop(st);
  }
  write_from_loop(st);
  return false; // more to read: the session goes on, a turn at a time
}

} // namespace ac
