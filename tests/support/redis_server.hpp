// redis_server.hpp: header-only throwaway redis-server on an ephemeral loopback port for tests.
//
// No persistence (--save "" --appendonly no): restart() gives an empty server on the same port.
// The destructor stops it. Tests REQUIRE installed() first: without redis-server they fail, never skip.
#pragma once

#include <catch2/catch.hpp>

#include "tests/support/child_process.hpp"

#include <chrono>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

namespace ac::test {

class redis_server {
public:
  /// True when a redis-server binary is on PATH.
  static bool installed() { return executable_exists("redis-server"); }

  /// Starts a server on a free port; `password` non-empty adds --requirepass. Throws
  /// std::runtime_error when the server does not accept connections within 10 s.
  explicit redis_server(std::string password = "") : password_(std::move(password)) {
    // The port may be taken between free_port() and bind; then redis exits and we pick another.
    for (int attempt = 0; attempt < 3; ++attempt) {
      port_ = free_port();
      if (start())
        return;
    }
    throw std::runtime_error("redis-server did not start; see " + log_file());
  }

  redis_server(const redis_server&) = delete;
  redis_server& operator=(const redis_server&) = delete;

  ~redis_server() { stop(); }

  uint16_t port() const { return port_; }

  /// The running process (for pid() or signals such as SIGSTOP); null when stopped.
  child_process* process() { return process_.get(); }

  /// Where the server's stdout/stderr go.
  std::string log_file() const {
    return (std::filesystem::temp_directory_path() / ("ac-redis-" + std::to_string(port_) + ".log"))
      .string();
  }

  /// SIGTERM (after SIGCONT, in case a test stopped it), wait up to 5 s, then SIGKILL.
  void stop() {
    if (!process_)
      return;
    process_->send_signal(SIGCONT);
    process_->terminate();
    if (!process_->wait_exit(std::chrono::seconds(5)))
      process_->kill();
    process_.reset();
  }

  /// SIGKILL: the server vanishes without closing anything gracefully.
  void kill() {
    if (process_)
      process_->kill();
    process_.reset();
  }

  /// Stops (if running) and starts a fresh, empty server on the same port.
  void restart() {
    stop();
    if (!start())
      throw std::runtime_error("redis-server did not restart on port " + std::to_string(port_));
  }

private:
  bool start() {
    std::vector<std::string> args{"--port", std::to_string(port_), "--bind", "127.0.0.1", "--save",
                                  "",       "--appendonly",        "no"};
    if (!password_.empty()) {
      args.push_back("--requirepass");
      args.push_back(password_);
    }
    process_ = std::make_unique<child_process>("redis-server", args, log_file());
    auto* p = process_.get();
    wait_until([&] { return !p->alive() || wait_for_port(port_, std::chrono::milliseconds(0)); },
               std::chrono::seconds(10));
    if (p->alive() && wait_for_port(port_, std::chrono::milliseconds(0)))
      return true;
    process_.reset();
    return false;
  }

  std::string password_;
  uint16_t port_ = 0;
  std::unique_ptr<child_process> process_;
};

/// Fails the test where redis-server is not installed (tests with Redis fail, never skip).
inline bool require_redis_server() {
  REQUIRE(redis_server::installed());
  return true;
}

/// Holds the redis-server of a fixture (node_with_redis, a cluster of node processes): as its
/// first base it starts before the fixture's nodes and stops after them (a base class is built
/// before, and destroyed after, the bases and members that follow it).
struct own_redis_server {
  bool installed = require_redis_server(); // before `redis` tries to start one
  redis_server redis;
};

} // namespace ac::test
