// The floor of CAF 0.17 remoting on this machine: p50 of a trivial remote request/response,
// and of an 8-byte echo between caf::io brokers (CAF's I/O layer without BASP).
// Usage: caf_ping server            (prints the ports of an event-based actor, a broker actor
//                                    and a raw echo broker; exits on end of input)
//        caf_ping PORT [N]          (N sequential remote requests, one in flight: p50, p90)
//        caf_ping raw PORT [N]      (N sequential 8-byte echoes from a client broker)
// bench/RESULTS.md compares both with actorcache's 1x1 GET and with Redis.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <string>
#include <vector>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

namespace {

using ping_atom = caf::atom_constant<caf::atom("ping")>;
using clock_type = std::chrono::steady_clock;

caf::behavior event_based_server(caf::event_based_actor*) { return {[](ping_atom, int x) { return x; }}; }
// The same behavior on CAF's I/O thread: no hand-off to a scheduler worker.
caf::behavior broker_server(caf::io::broker*) { return {[](ping_atom, int x) { return x; }}; }

// Raw echo: fixed 8-byte frames, no BASP; every frame is written back as it came.
caf::behavior echo_connection(caf::io::broker* self, caf::io::connection_handle hdl) {
  self->configure_read(hdl, caf::io::receive_policy::exactly(8));
  return {
    [self](const caf::io::new_data_msg& msg) {
      self->write(msg.handle, msg.buf.size(), msg.buf.data());
      self->flush(msg.handle);
    },
    [self](const caf::io::connection_closed_msg&) { self->quit(); },
  };
}

caf::behavior echo_server(caf::io::broker* self) {
  return {[self](const caf::io::new_connection_msg& msg) { self->fork(echo_connection, msg.handle); }};
}

struct echo_client_state {
  std::vector<double> micros;
  int left = 0;
  clock_type::time_point sent;
  caf::io::connection_handle hdl;
  std::promise<std::vector<double>>* done = nullptr;
};

void send_frame(caf::stateful_actor<echo_client_state, caf::io::broker>* self) {
  char frame[8] = {};
  self->state.sent = clock_type::now();
  self->write(self->state.hdl, sizeof frame, frame);
  self->flush(self->state.hdl);
}

caf::behavior echo_client(caf::stateful_actor<echo_client_state, caf::io::broker>* self,
                          caf::io::connection_handle hdl, int n,
                          std::promise<std::vector<double>>* done) {
  self->state.hdl = hdl;
  self->state.left = n;
  self->state.done = done;
  self->configure_read(hdl, caf::io::receive_policy::exactly(8));
  send_frame(self);
  return {
    [self](const caf::io::new_data_msg&) {
      auto& st = self->state;
      st.micros.push_back(
        std::chrono::duration<double, std::micro>(clock_type::now() - st.sent).count());
      if (--st.left == 0) {
        st.done->set_value(st.micros);
        self->quit();
        return;
      }
      send_frame(self);
    },
    [](const caf::io::connection_closed_msg&) {},
  };
}

int report(std::vector<double> v, const char* what) {
  if (v.empty())
    return 1;
  std::sort(v.begin(), v.end());
  std::printf("%s %zu p50 %.1f us p90 %.1f us\n", what, v.size(), v[v.size() / 2],
              v[v.size() * 9 / 10]);
  return 0;
}

struct pinger_state {
  std::vector<double> micros;
  int left = 0;
  clock_type::time_point sent;
  caf::actor server;
  std::promise<std::vector<double>>* done = nullptr;
};

void ping(caf::stateful_actor<pinger_state>* self) {
  auto& st = self->state;
  if (st.left-- == 0) {
    st.done->set_value(st.micros);
    self->quit();
    return;
  }
  st.sent = clock_type::now();
  self->request(st.server, std::chrono::seconds(5), ping_atom::value, 1)
    .then(
      [self](int) {
        auto& st = self->state;
        st.micros.push_back(
          std::chrono::duration<double, std::micro>(clock_type::now() - st.sent).count());
        ping(self);
      },
      [self](caf::error&) { ping(self); });
}

} // namespace

int main(int argc, char** argv) {
  caf::actor_system_config cfg;
  cfg.load<caf::io::middleman>();
  cfg.set("scheduler.policy", caf::atom("sharing"));
  cfg.set("scheduler.max-threads", size_t{1});  // as the node and client on 2 cores
  caf::actor_system sys{cfg};
  if (argc < 2) {
    std::fprintf(stderr, "usage: caf_ping server | caf_ping PORT [N]\n");
    return 2;
  }
  if (std::string(argv[1]) == "server") {
    auto a = sys.spawn(event_based_server);
    auto b = sys.middleman().spawn_broker(broker_server);
    auto pa = sys.middleman().publish(a, 0, "127.0.0.1");
    auto pb = sys.middleman().publish(b, 0, "127.0.0.1");
    uint16_t raw_port = 0;
    auto c = sys.middleman().spawn_server(echo_server, raw_port);
    if (!pa || !pb || !c)
      return 1;
    std::printf("event-based %u broker %u raw %u\n", *pa, *pb, raw_port);
    std::fflush(stdout);
    while (std::getchar() != EOF) {
    }
    caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(b, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(*c, caf::exit_reason::user_shutdown);
    return 0;
  }
  if (std::string(argv[1]) == "raw") {
    if (argc < 3)
      return 2;
    std::promise<std::vector<double>> done;
    auto result = done.get_future();
    auto client = sys.middleman().spawn_client(echo_client, "127.0.0.1",
                                               static_cast<uint16_t>(std::atoi(argv[2])),
                                               argc > 3 ? std::atoi(argv[3]) : 5000, &done);
    if (!client) {
      std::fprintf(stderr, "caf_ping: cannot connect: %s\n", sys.render(client.error()).c_str());
      return 1;
    }
    return report(result.get(), "echoes");
  }
  auto server = sys.middleman().remote_actor("127.0.0.1", static_cast<uint16_t>(std::atoi(argv[1])));
  if (!server) {
    std::fprintf(stderr, "caf_ping: cannot connect: %s\n", sys.render(server.error()).c_str());
    return 1;
  }
  std::promise<std::vector<double>> done;
  auto result = done.get_future();
  int n = argc > 2 ? std::atoi(argv[2]) : 5000;
  sys.spawn([&](caf::stateful_actor<pinger_state>* self) -> caf::behavior {
    self->state.server = *server;
    self->state.left = n;
    self->state.done = &done;
    ping(self);
    return {[](caf::tick_atom) {}};
  });
  return report(result.get(), "pings");
}
