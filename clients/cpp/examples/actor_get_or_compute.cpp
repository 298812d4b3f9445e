// Example program of the C++ client library's actor level: CAF actors that each own a cluster_client and call get_or_compute on one key.
//
// usage: actorcache-example-actor-get-or-compute HOST:PORT [ACTORS] [KEY]
//   HOST:PORT  a node's CAF port (node.port; any member of a cluster will do)
//   ACTORS     client actors asking for the key at once (default 4)
//   KEY        that key (default: one of its own, new on every run)
// For programs that run their own caf::actor_system: it includes the installed actor-level
// headers ("clients/cpp/...", "messages/...") and links only actorcache_client, as a user would.
// Exit 0 when every actor got the value, 1 when one got an error (on stderr), 2 on bad usage.
#include <atomic>
#include <chrono>
#include <iostream>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>
#include <caf/all.hpp>
#include <caf/io/middleman.hpp>

#include "clients/cpp/cluster_client.hpp"
#include "clients/cpp/cluster_directory.hpp"
#include "messages/register_types.hpp"

namespace {

/// What the actors report back to main.
struct outcome {
  std::mutex mtx;
  std::set<std::string> values;
  std::string error;
  std::atomic<int> computes{0};
  std::atomic<int> answered{0};
};

struct asker_state {
  std::unique_ptr<ac::cluster_client> client;
  static inline const char* name = "asker";
};

/// One client actor: it owns a cluster_client (as every actor using the cluster does: the
/// client's timer, batching and node-down messages arrive in its mailbox), asks for `key` once
/// and quits.
caf::behavior asker(caf::stateful_actor<asker_state>* self, caf::actor directory,
                    ac::cluster_map_ptr map, std::string key, std::shared_ptr<outcome> out) {
  using namespace std::chrono_literals;
  self->state.client = std::make_unique<ac::cluster_client>(self, directory, map, 5s);
  self->set_down_handler([self](caf::down_msg& dm) { self->state.client->handle_down(dm); });
  auto compute = [out] {
    int n = ++out->computes;
    // Runs in this actor. Long enough for the other actors to queue behind this lease.
    std::this_thread::sleep_for(300ms);
    return "computed-" + std::to_string(n);
  };
  self->state.client->get_or_compute(key, compute, 60, 5000,
                                     [self, out](caf::expected<std::string> v) {
                                       {
                                         std::lock_guard<std::mutex> guard{out->mtx};
                                         if (v)
                                           out->values.insert(*v);
                                         else
                                           out->error = caf::to_string(v.error());
                                       }
                                       ++out->answered;
                                       self->quit();
                                     });
  return {[self](ac::client_expire_atom) { self->state.client->expire_overdue(); },
          [self](ac::client_flush_atom) { self->state.client->flush(); }};
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 4) {
    std::cerr << "usage: " << argv[0] << " HOST:PORT [ACTORS] [KEY]\n";
    return 2;
  }
  int actors = argc > 2 ? std::atoi(argv[2]) : 4;
  if (actors < 1 || actors > 1000) {
    std::cerr << "ACTORS must be 1..1000\n";
    return 2;
  }
  std::string key = argc > 3 ? argv[3] : "example:actors:" + std::to_string(::getpid());
  caf::actor_system_config cfg;
  ac::register_types(cfg); // the node's message types
  cfg.load<caf::io::middleman>();
  caf::actor_system sys{cfg};
  auto map = ac::discover_cluster(sys, {argv[1]}, std::chrono::seconds(5));
  if (!map) {
    std::cerr << "no node reachable at " << argv[1] << ": " << caf::to_string(map.error()) << "\n";
    return 1;
  }
  auto directory = ac::spawn_directory(sys, *map, std::chrono::seconds(5));
  auto out = std::make_shared<outcome>();
  std::vector<caf::actor> askers;
  for (int i = 0; i < actors; ++i)
    askers.push_back(sys.spawn(asker, directory, *map, key, out));
  // The actors answer within the lease wait (3 x 5 s) plus the timeout; the system's
  // destructor waits for them once they quit.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(25);
  while (out->answered < actors && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  for (auto& a : askers) // those still waiting (none, unless the deadline passed)
    caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(directory, caf::exit_reason::user_shutdown);
  std::lock_guard<std::mutex> guard{out->mtx};
  if (!out->error.empty() || out->answered < actors) {
    std::cerr << "get_or_compute failed: "
              << (out->error.empty() ? std::string{"no answer in time"} : out->error) << "\n";
    return 1;
  }
  std::cout << "actor get_or_compute actors=" << actors << " computes=" << out->computes
            << " value=" << *out->values.begin()
            << " agree=" << (out->values.size() == 1 ? "yes" : "no") << "\n";
  return 0;
}
