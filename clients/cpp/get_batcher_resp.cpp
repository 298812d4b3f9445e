// Client-side auto-batching over a node's RESP port: a batcher's MGETs on its links, and what happens when one breaks.
#include <algorithm>

#include <spdlog/spdlog.h>

#include "clients/cpp/client_log.hpp"
#include "clients/cpp/get_batcher_internal.hpp"
#include "core/host_port.hpp"
#include "messages/errors.hpp"

namespace ac::get_batcher_internal {

// The RESP connection is gone (the node closed it, or it broke): what it carried fails as
// `unavailable`, which cluster_client retries once, and later batches go as CAF requests.
void lose_resp(batcher_actor* self) {
  auto& st = self->state;
  if (st.resp.empty())
    return;
  st.resp.clear(); // one lost connection: the node is going away, or the links are suspect
  st.resp_up->store(false, std::memory_order_relaxed);
  auto err = make_error(errc::unavailable, "the RESP connection to the node was lost");
  for (auto i = st.in_flight.begin(); i != st.in_flight.end();) {
    if (i->second->via_resp) {
      deliver_all(*i->second, err);
      i = st.in_flight.erase(i);
    } else {
      ++i;
    }
  }
}

void write_resp(batcher_actor* self, send_buffer::status status) {
  auto& st = self->state;
  if (status == send_buffer::status::broken) {
    lose_resp(self);
  } else if (status == send_buffer::status::pending && !st.resp_flush_queued) {
    st.resp_flush_queued = true;
    self->delayed_send(self, std::chrono::milliseconds(1), resp_link_flush_atom::value);
  }
}

// Sends batch `id` as one MGET; false (batch untouched) when the link just broke. Routed
// batches (`direct`, epoch) need nothing more: the node that reads the MGET forwards each key
// once to its owner.
bool send_resp(batcher_actor* self, uint64_t id, batch& b) {
  auto& st = self->state;
  auto& link = *st.resp[st.next_link++ % st.resp.size()];
  auto status = link.send(id, b.keys());
  if (status == send_buffer::status::broken) {
    lose_resp(self);
    return false;
  }
  b.via_resp = true;
  st.counters->resp_batches.fetch_add(1, std::memory_order_relaxed);
  write_resp(self, status);
  return true;
}

// Connects to the node's RESP port (the member's announced resp_address); until then, or
// when it cannot be reached, batches go as CAF requests. Blocking, bounded by 1 s: it runs
// once, when the batcher starts, before any get has been queued here.
void connect_resp(batcher_actor* self, const std::string& address, uint32_t links) {
  auto& st = self->state;
  auto hp = parse_host_port(address);
  if (!hp) {
    client_log()->warn("node announced a bad RESP address '{}': using CAF remoting", address);
    return;
  }
  std::string err;
  for (uint32_t i = 0; i < std::max<uint32_t>(1, links); ++i) {
    auto link = resp_link::open(hp->host, hp->port, caf::actor_cast<caf::actor>(self),
                                std::chrono::seconds(1), err);
    if (!link)
      break;
    st.resp.push_back(std::move(link));
  }
  if (st.resp.empty()) {
    client_log()->info("RESP port {} not usable, using CAF remoting: {}", address, err);
    return;
  }
  st.resp_up->store(true, std::memory_order_relaxed);
}

} // namespace ac::get_batcher_internal
