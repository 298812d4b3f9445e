// Running one routed request from main and waiting for its answer with a deadline.
#pragma once

#include <chrono>
#include <functional>
#include <future>
#include <memory>

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>

#include "clients/cpp/cluster_client.hpp"
#include "messages/errors.hpp"

namespace ac {

namespace detail {

struct one_shot_state {
  std::unique_ptr<cluster_client> client;
  static inline const char* name = "one_shot";
};

} // namespace detail

/// Spawns an actor that runs `start(client, done)` on a cluster_client and blocks the caller
/// until `done` is called or 2 x timeout + 1 s passed (a request and its one retry fit in that).
/// Call from main, not from an actor.
template <class T>
caf::expected<T> run_one_shot(
  caf::actor_system& sys, caf::actor directory, cluster_map_ptr map, caf::timespan timeout,
  std::function<void(cluster_client&, cluster_client::callback<T>)> start) {
  auto prom = std::make_shared<std::promise<caf::expected<T>>>();
  auto fut = prom->get_future();
  sys.spawn([=](caf::stateful_actor<detail::one_shot_state>* self) -> caf::behavior {
    self->state.client = std::make_unique<cluster_client>(self, directory, map, timeout);
    self->set_down_handler([self](caf::down_msg& dm) { self->state.client->handle_down(dm); });
    start(*self->state.client, [self, prom](caf::expected<T> r) {
      prom->set_value(std::move(r));
      self->quit();
    });
    return {[self](client_expire_atom) { self->state.client->expire_overdue(); },
            [self](client_flush_atom) { self->state.client->flush(); }};
  });
  if (fut.wait_for(2 * timeout + std::chrono::seconds(1)) != std::future_status::ready)
    return make_error(errc::unavailable, "no answer in time");
  return fut.get();
}

} // namespace ac
