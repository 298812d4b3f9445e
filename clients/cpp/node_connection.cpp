// Connecting the tools to a node's published front actor, with a deadline (plain or TLS).
#include "clients/cpp/node_connection.hpp"
#include "clients/cpp/client_log.hpp"

#include <set>

#include <spdlog/spdlog.h>
#include <caf/io/middleman.hpp>
#include <caf/io/middleman_actor.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/scoped_actor.hpp>

#include "messages/errors.hpp"

namespace ac {

namespace {

caf::io::middleman_actor remoting_actor(caf::actor_system& sys) {
  if (sys.has_openssl_manager())
    return sys.openssl_manager().actor_handle();
  return sys.middleman().actor_handle();
}

// What the middleman answers to connect_atom, checked the way remote_actor() checks it.
caf::expected<front_actor> to_front_actor(caf::actor_system& sys, const host_port& hp,
                                          caf::strong_actor_ptr& ptr,
                                          const std::set<std::string>& ifs) {
  if (!ptr)
    return make_error(errc::unavailable, "no actor published at " + hp.str());
  if (!sys.assignable<front_actor>(ifs))
    return make_error(errc::unavailable, "the actor at " + hp.str()
                                           + " is not an actorcache node (interface differs)");
  return caf::actor_cast<front_actor>(std::move(ptr));
}

caf::error with_address(const host_port& hp, caf::error err) {
  return make_error(errc::unavailable, "cannot reach " + hp.str() + ": " + describe(err));
}

} // namespace

caf::expected<front_actor> connect_node(caf::actor_system& sys, const host_port& hp,
                                        caf::timespan timeout) {
  caf::scoped_actor self{sys};
  caf::expected<front_actor> result{caf::error{}};
  self->request(remoting_actor(sys), timeout, caf::connect_atom::value, hp.host, hp.port)
    .receive([&](const caf::node_id&, caf::strong_actor_ptr& ptr,
                 const std::set<std::string>& ifs) { result = to_front_actor(sys, hp, ptr, ifs); },
             [&](caf::error& err) { result = with_address(hp, std::move(err)); });
  return result;
}

void connect_node_async(caf::event_based_actor* self, const host_port& hp, caf::timespan timeout,
                        std::function<void(caf::expected<front_actor>)> done) {
  auto& sys = self->system();
  self->request(remoting_actor(sys), timeout, caf::connect_atom::value, hp.host, hp.port)
    .then([&sys, hp, done](
            const caf::node_id&, caf::strong_actor_ptr& ptr,
            const std::set<std::string>& ifs) { done(to_front_actor(sys, hp, ptr, ifs)); },
          [hp, done](caf::error& err) { done(with_address(hp, std::move(err))); });
}

caf::expected<front_actor> connect_first(caf::actor_system& sys,
                                         const std::vector<std::string>& nodes,
                                         caf::timespan timeout, std::string* used) {
  caf::error last = make_error(errc::bad_request, "no --node=HOST:PORT given");
  for (const auto& text : nodes) {
    auto hp = parse_host_port(text);
    if (!hp) {
      last = make_error(errc::bad_request, "bad --node '" + text + "', want HOST:PORT");
      continue;
    }
    auto h = connect_node(sys, *hp, timeout);
    if (h) {
      if (used)
        *used = hp->str();
      return h;
    }
    client_log()->info("{}", describe(h.error()));
    last = std::move(h.error());
  }
  return last;
}

} // namespace ac
