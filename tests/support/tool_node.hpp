// tool_node.hpp: one node on ephemeral ports for process tests of the tools, and the client command lines that talk to it.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "tests/support/tool_run.hpp"

namespace ac::test {

/// The node is killed by PID when the fixture goes (its folder after it).
struct tool_node {
  temp_dir dir;
  node_process node; // declared after dir: killed first
  std::string addr;  // "--node=127.0.0.1:PORT" once started

  explicit tool_node(const std::string& name, std::vector<std::string> args = {})
    : dir{"ac-" + name + "-test"}, node{name, std::move(args), dir.path()} {}

  /// Starts the node; false when a program is not built or the node does not listen in time.
  /// Callers REQUIRE it: a node that did not start fails the test (its log is in `dir`).
  bool start() {
    if (!missing_programs({"actorcache-node", "actorcache-client", "actorcache-console"}).empty()
        || !node.start(0, std::chrono::seconds(10)))
      return false;
    addr = "--node=" + node.address();
    return true;
  }

  /// actorcache-client aimed at this node, with a 5 s request timeout; `args` follow.
  std::string client(const std::string& args) const {
    return program_path("actorcache-client") + " " + addr + " --timeout=5 " + args;
  }

  /// actorcache-console aimed at this node, with a 5 s request timeout; `args` follow.
  std::string console(const std::string& args) const {
    return program_path("actorcache-console") + " " + addr + " --timeout=5 " + args;
  }
};

} // namespace ac::test
