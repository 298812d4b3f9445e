// The floor of CAF 0.17 remoting on this machine: p50 of a trivial remote request/response,
// of an 8-byte echo between caf::io brokers (CAF's I/O layer without BASP), and of the same
// echo over plain sockets with actors on both ends (the shape of the fast lookup port).
// Usage: caf_ping --mode=server       (prints the ports of an event-based actor, a broker
//                                       actor, a raw echo broker and a raw echo broker that asks
//                                       an event-based actor first; exits on end of input)
//        caf_ping --port=P [--count=N]  (N sequential remote requests, one in flight: p50, p90)
//        caf_ping --mode=raw --port=P   (N sequential 8-byte echoes from a client broker, to the
//                                       raw or the raw-with-hop port)
//        caf_ping --mode=lean --port=P  (N sequential 8-byte echoes over plain sockets, to the
//                                       lean port)
// bench/RESULTS.md compares them with actorcache's 1x1 GET and with Redis.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <string>
#include <vector>

#include <thread>

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "net/tcp_socket.hpp"
#include "tools/common/cli_options.hpp"

namespace {

using ping_atom = caf::atom_constant<caf::atom("ping")>;
using lean_atom = caf::atom_constant<caf::atom("lean")>;
using clock_type = std::chrono::steady_clock;

// The round trips one client measures, one in flight: start() before sending, and finished()
// once the answer is in, which is true after the last one (the times then go to `done`).
struct round_trips {
  std::vector<double> micros;
  int left = 0;
  clock_type::time_point sent;
  std::promise<std::vector<double>>* done = nullptr;

  void start() { sent = clock_type::now(); }
  bool finished() {
    micros.push_back(std::chrono::duration<double, std::micro>(clock_type::now() - sent).count());
    if (--left > 0)
      return false;
    done->set_value(micros);
    return true;
  }
};

caf::behavior event_based_server(caf::event_based_actor*) {
  return {[](ping_atom, int x) { return x; }};
}
// The same behavior on CAF's I/O thread: no hand-off to a scheduler worker.
caf::behavior broker_server(caf::io::broker*) {
  return {[](ping_atom, int x) { return x; }};
}

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
  return {
    [self](const caf::io::new_connection_msg& msg) { self->fork(echo_connection, msg.handle); }};
}

// Raw echo with one actor hop: the broker asks an event-based actor on a scheduler worker for
// every frame and writes the answer back. The floor of a lean client protocol whose lookups
// are answered by shard actors (the broker itself on the I/O thread cannot own the data).
caf::behavior hop_connection(caf::io::broker* self, caf::io::connection_handle hdl,
                             caf::actor worker) {
  self->configure_read(hdl, caf::io::receive_policy::exactly(8));
  return {
    [self, worker](const caf::io::new_data_msg& msg) {
      auto hdl = msg.handle;
      auto buf = msg.buf;
      self->request(worker, caf::infinite, ping_atom::value, 1).then([self, hdl, buf](int) {
        self->write(hdl, buf.size(), buf.data());
        self->flush(hdl);
      });
    },
    [self](const caf::io::connection_closed_msg&) { self->quit(); },
  };
}

caf::behavior hop_server(caf::io::broker* self, caf::actor worker) {
  return {[self, worker](const caf::io::new_connection_msg& msg) {
    self->fork(hop_connection, msg.handle, worker);
  }};
}

struct echo_client_state {
  round_trips trips;
  caf::io::connection_handle hdl;
};

void send_frame(caf::stateful_actor<echo_client_state, caf::io::broker>* self) {
  char frame[8] = {};
  self->state.trips.start();
  self->write(self->state.hdl, sizeof frame, frame);
  self->flush(self->state.hdl);
}

caf::behavior echo_client(caf::stateful_actor<echo_client_state, caf::io::broker>* self,
                          caf::io::connection_handle hdl, int n,
                          std::promise<std::vector<double>>* done) {
  self->state.hdl = hdl;
  self->state.trips.left = n;
  self->state.trips.done = done;
  self->configure_read(hdl, caf::io::receive_policy::exactly(8));
  send_frame(self);
  return {
    [self](const caf::io::new_data_msg&) {
      if (self->state.trips.finished())
        self->quit();
      else
        send_frame(self);
    },
    [](const caf::io::connection_closed_msg&) {},
  };
}

// Lean: plain sockets outside CAF's multiplexer. The server's reader thread hands each frame
// to an actor, which writes the answer itself; the client actor writes its frame itself and a
// reader thread hands the answer to it. Two actor hops per round trip, no I/O-thread hop back.
bool read_exactly(int fd, char* p, size_t n) {
  while (n > 0) {
    auto r = ::recv(fd, p, n, 0);
    if (r <= 0)
      return false;
    p += r;
    n -= static_cast<size_t>(r);
  }
  return true;
}

caf::behavior lean_answerer(caf::event_based_actor*) {
  return {[](lean_atom, int fd, uint64_t x) { ::send(fd, &x, sizeof x, MSG_NOSIGNAL); }};
}

void lean_serve(caf::actor_system& sys, int listener) {
  auto answerer = sys.spawn(lean_answerer);
  std::thread([listener, answerer] {
    for (;;) {
      pollfd p{listener, POLLIN, 0};
      ::poll(&p, 1, -1); // the listener is non-blocking
      int fd = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0)
        continue;
      ac::set_nodelay(fd);
      std::thread([fd, answerer] {
        uint64_t x;
        while (read_exactly(fd, reinterpret_cast<char*>(&x), sizeof x))
          caf::anon_send(answerer, lean_atom::value, fd, x);
        ::close(fd);
      }).detach();
    }
  }).detach();
}

struct lean_client_state {
  round_trips trips;
  int fd = -1;
};

void lean_send(caf::stateful_actor<lean_client_state>* self) {
  uint64_t x = 1;
  self->state.trips.start();
  ::send(self->state.fd, &x, sizeof x, MSG_NOSIGNAL);
}

int report(std::vector<double> v, const char* what);

int lean_client(caf::actor_system& sys, uint16_t port, int n) {
  std::string err;
  int fd = ac::tcp_connect("127.0.0.1", port, std::chrono::seconds(2), err);
  if (fd < 0) {
    std::fprintf(stderr, "caf_ping: %s\n", err.c_str());
    return 1;
  }
  std::promise<std::vector<double>> done;
  auto result = done.get_future();
  auto client = sys.spawn([&](caf::stateful_actor<lean_client_state>* self) -> caf::behavior {
    self->state.fd = fd;
    self->state.trips.left = n;
    self->state.trips.done = &done;
    lean_send(self);
    return {[self](lean_atom) {
      if (self->state.trips.finished())
        self->quit();
      else
        lean_send(self);
    }};
  });
  std::thread reader([fd, client] {
    uint64_t x;
    while (read_exactly(fd, reinterpret_cast<char*>(&x), sizeof x))
      caf::anon_send(client, lean_atom::value);
  });
  int rc = report(result.get(), "lean");
  ::shutdown(fd, SHUT_RDWR);
  reader.join();
  ::close(fd);
  return rc;
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
  round_trips trips;
  caf::actor server;
};

void ping(caf::stateful_actor<pinger_state>* self) {
  self->state.trips.start();
  auto next = [self] {
    if (self->state.trips.finished())
      self->quit();
    else
      ping(self);
  };
  self->request(self->state.server, std::chrono::seconds(5), ping_atom::value, 1)
    .then([next](int) { next(); }, [next](caf::error&) { next(); });
}

} // namespace

struct ping_config : ac::cli_config {
  std::string mode = "caf";
  uint16_t port = 0;
  int count = 5000;

  ping_config() {
    program_options()
      .add(mode, "mode", "server, caf (BASP requests), raw (broker echoes) or lean (sockets)")
      .add(port, "port", "the server's port for this mode (caf, raw, lean)")
      .add(count, "count", "sequential round trips, one in flight");
    load<caf::io::middleman>();
    set("scheduler.policy", caf::atom("sharing"));
    set("scheduler.max-threads", size_t{1}); // as the node and client on 2 cores
  }
};

// Long: one probe per mode (server, lean, raw, CAF ping) in the order the bench scripts use
// them.
int main(int argc, char** argv) {
  ping_config cfg;
  if (auto parsed = ac::parse_options_only(cfg, argc, argv); parsed.exit_code >= 0)
    return parsed.exit_code;
  const auto& mode = cfg.mode;
  if ((mode != "server" && mode != "caf" && mode != "raw" && mode != "lean")
      || (mode != "server" && cfg.port == 0)) {
    std::fprintf(stderr,
                 "usage: caf_ping --mode=server | caf_ping [--mode=caf|raw|lean] --port=P "
                 "[--count=N]\n");
    return 2;
  }
  caf::actor_system sys{cfg};
  if (mode == "server") {
    auto a = sys.spawn(event_based_server);
    auto b = sys.middleman().spawn_broker(broker_server);
    auto pa = sys.middleman().publish(a, 0, "127.0.0.1");
    auto pb = sys.middleman().publish(b, 0, "127.0.0.1");
    uint16_t raw_port = 0, hop_port = 0;
    auto c = sys.middleman().spawn_server(echo_server, raw_port);
    auto d = sys.middleman().spawn_server(hop_server, hop_port, a);
    if (!pa || !pb || !c || !d)
      return 1;
    uint16_t lean_port = 0;
    std::string err;
    int lean_fd = ac::tcp_listen("127.0.0.1", 0, lean_port, err);
    if (lean_fd < 0)
      return 1;
    lean_serve(sys, lean_fd);
    std::printf("event-based %u broker %u raw %u raw-with-hop %u lean %u\n", *pa, *pb, raw_port,
                hop_port, lean_port);
    std::fflush(stdout);
    while (std::getchar() != EOF) {}
    caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(b, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(*c, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(*d, caf::exit_reason::user_shutdown);
    return 0;
  }
  if (mode == "lean")
    return lean_client(sys, cfg.port, cfg.count);
  if (mode == "raw") {
    std::promise<std::vector<double>> done;
    auto result = done.get_future();
    auto client =
      sys.middleman().spawn_client(echo_client, "127.0.0.1", cfg.port, cfg.count, &done);
    if (!client) {
      std::fprintf(stderr, "caf_ping: cannot connect: %s\n", sys.render(client.error()).c_str());
      return 1;
    }
    return report(result.get(), "echoes");
  }
  auto server = sys.middleman().remote_actor("127.0.0.1", cfg.port);
  if (!server) {
    std::fprintf(stderr, "caf_ping: cannot connect: %s\n", sys.render(server.error()).c_str());
    return 1;
  }
  std::promise<std::vector<double>> done;
  auto result = done.get_future();
  int n = cfg.count;
  sys.spawn([&](caf::stateful_actor<pinger_state>* self) -> caf::behavior {
    self->state.server = *server;
    self->state.trips.left = n;
    self->state.trips.done = &done;
    ping(self);
    return {[](caf::tick_atom) {}};
  });
  return report(result.get(), "pings");
}
