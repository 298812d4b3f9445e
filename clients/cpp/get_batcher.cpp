// Client-side auto-batching: one actor per node turns the single gets queued in its mailbox into one get_many.
#include "clients/cpp/get_batcher_internal.hpp"

#include <algorithm>
#include <thread>
#include <unordered_map>
#include <vector>

#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include <spdlog/spdlog.h>

#include "clients/cpp/cluster_client.hpp"
#include "clients/cpp/resp_link.hpp"
#include "core/batch_verdict.hpp"
#include "core/host_port.hpp"
#include "messages/errors.hpp"
#include "net/tcp_socket.hpp"

namespace ac {

namespace get_batcher_internal {

void deliver_all(batch& b, const caf::error& err) {
  for (auto& slot : b.rps)
    slot.deliver(err);
}

} // namespace get_batcher_internal

namespace {

using namespace get_batcher_internal;

batch_ptr take(batcher_actor* self, uint64_t id) {
  auto& flying = self->state.in_flight;
  auto i = flying.find(id);
  if (i == flying.end())
    return nullptr; // already failed when the node went down
  auto b = std::move(i->second);
  flying.erase(i);
  return b;
}

bool shared_verdict(const caf::error& err) {
  // Transport errors and `unavailable` are retried per request by cluster_client;
  // `overloaded` refuses the message, not a key, and key-by-key would add load.
  return retryable(err)
         || (err.category() == errc_category
             && err.code() == static_cast<uint8_t>(errc::overloaded));
}

// get_many refuses every key when one is bad (empty, too long) and fails the batch on one
// key's load error, so the other requesters must not get that verdict: ask key by key.
void split(batcher_actor* self, batch& b) {
  auto& st = self->state;
  ++st.counters->splits;
  const auto& keys = b.keys();
  for (size_t i = 0; i < keys.size(); ++i) {
    auto ok = [slot = b.rps[i]](lookup_result& r) mutable { slot.deliver(std::move(r)); };
    auto err = [slot = b.rps[i]](caf::error& e) mutable { slot.deliver(e); };
    if (b.direct)
      self->request(st.node, st.timeout, route_atom::value, get_atom::value, keys[i], st.epoch)
        .then(ok, err);
    else
      self->request(st.node, st.timeout, get_atom::value, keys[i]).then(ok, err);
  }
}

void answer_batch(batcher_actor* self, uint64_t id, lookup_results& r) {
  auto b = take(self, id);
  if (!b)
    return;
  if (r.size() != b->rps.size()) {
    deliver_all(*b, make_error(errc::bad_request, "get_many answer of wrong length"));
    return;
  }
  for (size_t i = 0; i < r.size(); ++i)
    b->rps[i].deliver(std::move(r[i]));
}

void fail_batch(batcher_actor* self, uint64_t id, const caf::error& err) {
  auto b = take(self, id);
  if (!b)
    return;
  if (on_batch_failure(b->rps.size(), shared_verdict(err)) == batch_failure::answer_all)
    deliver_all(*b, err);
  else
    split(self, *b);
}

void send_batch(batcher_actor* self, bool direct, std::vector<waiting_get>& q, size_t n) {
  auto& st = self->state;
  auto b = std::make_shared<batch>();
  b->direct = direct;
  b->rps.reserve(n);
  std::vector<std::string> keys;
  keys.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    keys.push_back(std::move(q[i].key));
    b->rps.push_back(std::move(q[i].slot));
  }
  q.erase(q.begin(), q.begin() + static_cast<std::ptrdiff_t>(n));
  b->msg = direct
             ? caf::make_message(route_atom::value, get_many_atom::value, std::move(keys), st.epoch)
             : caf::make_message(get_many_atom::value, std::move(keys));
  st.counters->batches.fetch_add(1, std::memory_order_relaxed);
  st.counters->gets.fetch_add(n, std::memory_order_relaxed);
  auto id = st.next_id++;
  st.in_flight.emplace(id, b);
  if (!st.resp.empty() && send_resp(self, id, *b))
    return;
  self->request(st.node, st.timeout, b->msg)
    .then([self, id](lookup_results& r) { answer_batch(self, id, r); },
          [self, id](caf::error& err) { fail_batch(self, id, err); });
}

void flush(batcher_actor* self, bool direct) {
  auto& st = self->state;
  auto& q = st.queued[direct];
  while (!q.empty())
    send_batch(self, direct, q, std::min<size_t>(q.size(), st.max_batch));
}

void flush_all(batcher_actor* self) {
  flush(self, false);
  flush(self, true);
}

// After queueing: send full batches now, and the rest once the mailbox turn that is already
// queued has been read (or at once when nothing else waits).
void schedule(batcher_actor* self, bool direct) {
  auto& st = self->state;
  if (st.queued[direct].size() >= st.max_batch) {
    flush(self, direct);
  } else if (st.window.count() > 0) {
    // The original note's window: every get within `window` of the first one queued rides in
    // the same batch (a full batch leaves early). Costs up to `window` of latency per get.
    if (!st.window_open) {
      st.window_open = true;
      self->delayed_send(self, st.window, window_flush_atom::value);
    }
  } else if (self->mailbox().size() == 0) {
    // Nothing else waits (mailbox() excludes this message): waiting would only add latency.
    flush_all(self);
  } else if (!st.flush_queued) {
    st.flush_queued = true;
    self->send(self, batch_flush_atom::value);
  }
}

/// The node is gone: every queued and in-flight get fails now (CAF would leave them pending).
void fail_everything(batcher_actor* self) {
  auto& st = self->state;
  st.down = true;
  auto err = node_down_error();
  for (auto& q : st.queued) {
    for (auto& w : q)
      w.slot.deliver(err);
    q.clear();
  }
  for (auto& [id, b] : st.in_flight)
    deliver_all(*b, err);
  st.in_flight.clear();
  st.resp.clear();
  st.resp_up->store(false, std::memory_order_relaxed);
}

/// A get_many's keys join the queue one by one; one promise answers once all are in.
caf::result<lookup_results> queue_many(batcher_actor* self, std::vector<std::string>& keys,
                                       bool direct, uint64_t epoch) {
  auto& st = self->state;
  if (st.down)
    return node_down_error();
  if (keys.empty())
    return lookup_results{};
  if (direct)
    st.epoch = std::max(st.epoch, epoch);
  auto many = std::make_shared<many_waiter>();
  many->results.resize(keys.size());
  many->remaining = keys.size();
  many->rp = self->make_response_promise<lookup_results>();
  auto& q = st.queued[direct];
  for (size_t i = 0; i < keys.size(); ++i)
    q.push_back(waiting_get{std::move(keys[i]), answer_slot{promise{}, many, i}});
  schedule(self, direct);
  return many->rp;
}

caf::behavior batcher_impl(batcher_actor* self, front_actor node, uint32_t max_batch,
                           caf::timespan timeout, std::shared_ptr<get_batch_counters> counters,
                           std::string resp_address, std::shared_ptr<std::atomic<bool>> resp_up,
                           caf::timespan window, uint32_t resp_links) {
  auto& st = self->state;
  st.window = window;
  st.resp_up = std::move(resp_up);
  st.node = caf::actor_cast<caf::actor>(node);
  st.node_addr = node.address();
  st.max_batch = std::max<uint32_t>(1, max_batch);
  st.timeout = timeout;
  st.counters = std::move(counters);
  // CAF never fails requests pending at a dead remote node (notes §2): fail them ourselves.
  self->monitor(node);
  self->set_down_handler([self](caf::down_msg& dm) {
    if (dm.source == self->state.node_addr)
      fail_everything(self);
  });
  if (!resp_address.empty())
    connect_resp(self, resp_address, resp_links);
  return {
    [self](get_atom, std::string& key, bool direct, uint64_t epoch) -> caf::result<lookup_result> {
      auto& st = self->state;
      if (st.down)
        return node_down_error();
      if (direct)
        st.epoch = std::max(st.epoch, epoch);
      auto rp = self->make_response_promise<lookup_result>();
      st.queued[direct].push_back(waiting_get{std::move(key), answer_slot{rp, nullptr, 0}});
      schedule(self, direct);
      return rp;
    },
    [self](get_many_atom, std::vector<std::string>& keys, bool direct, uint64_t epoch)
      -> caf::result<lookup_results> { return queue_many(self, keys, direct, epoch); },
    [self](batch_flush_atom) {
      self->state.flush_queued = false;
      flush_all(self);
    },
    [self](window_flush_atom) {
      self->state.window_open = false;
      flush_all(self);
    },
    [self](resp_answer_atom, uint64_t id, lookup_results& r) { answer_batch(self, id, r); },
    [self](resp_failed_atom, uint64_t id, uint8_t code, std::string& reason) {
      auto x = static_cast<errc>(code);
      fail_batch(self, id, reason.empty() ? make_error(x) : make_error(x, std::move(reason)));
    },
    [self](resp_lost_atom) { lose_resp(self); },
    [self](resp_link_flush_atom) {
      auto& st = self->state;
      st.resp_flush_queued = false;
      for (size_t i = 0; i < st.resp.size(); ++i)
        write_resp(self, st.resp[i]->flush());
    },
  };
}

} // namespace

get_batchers::get_batchers(caf::actor_system& sys, uint32_t max_batch, caf::timespan timeout,
                           bool resp_path, caf::timespan window, uint32_t resp_links)
  : sys_(sys), max_batch_(max_batch), timeout_(timeout), resp_path_(resp_path), window_(window),
    resp_links_(resp_links != 0 ? resp_links : default_resp_links()),
    counters_(std::make_shared<get_batch_counters>()) {}

get_batchers::~get_batchers() { close(); }

uint32_t get_batchers::default_resp_links() {
  // A node answers one connection's commands in order, on one thread at a time (an I/O loop
  // serving L1 hits itself, or the session): many requests in flight on one connection leave
  // a many-core node's other cores idle, so bigger machines get more links. But every link
  // is one more thread woken per round trip: on the 2-core bench box, where client and node
  // share the cores, one link beat two and three (bench/RESULTS.md, 50 x 16: 1.04x vs 0.79x
  // of the fast frames). This machine's cores stand in for the node's.
  return std::clamp(std::thread::hardware_concurrency() / 4, 1u, 8u);
}

get_batchers::lane* get_batchers::of(const node_ref& n) {
  std::lock_guard<std::mutex> guard{mtx_};
  if (closed_)
    return nullptr;
  auto& l = lanes_[n.handle.address()];
  if (!l) {
    l = std::make_unique<lane>();
    l->batcher =
      sys_.spawn(batcher_impl, n.handle, max_batch_, timeout_, counters_,
                 resp_path_ ? n.resp_address : std::string{}, l->resp, window_, resp_links_);
  }
  return l.get();
}

void get_batchers::close() {
  std::lock_guard<std::mutex> guard{mtx_};
  closed_ = true;
  // Batchers are not linked to anything: without an exit the actor system would wait for them.
  // The handles stay (clients may still read them); a get to an exited batcher fails at once.
  for (auto& [addr, l] : lanes_)
    caf::anon_send_exit(l->batcher, caf::exit_reason::user_shutdown);
}

} // namespace ac
