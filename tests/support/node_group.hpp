// node_group.hpp: node processes that form one cluster, each after the first joining through it.
#pragma once

#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include "tests/support/node_process.hpp"

namespace ac::test {

/// Node processes with `common` options and their logs in one temp dir; each node after the
/// first is seeded with the first. A node that does not start, or opens no RESP port, fails
/// the test (a setup failure is a failure).
struct node_group {
  temp_dir dir;                                     ///< before the nodes: removed after them
  std::vector<std::string> common;                  ///< options every node gets
  std::vector<std::unique_ptr<node_process>> nodes; ///< in the order they were added

  explicit node_group(const std::string& dir_stem, std::vector<std::string> common_options = {})
    : dir(dir_stem), common(std::move(common_options)) {}

  /// Starts node `id` with the common options, `extra`, and (unless it is the first) the first
  /// node as its seed.
  node_process& add(const std::string& id, const std::vector<std::string>& extra = {}) {
    auto o = common;
    o.insert(o.end(), extra.begin(), extra.end());
    if (!nodes.empty())
      o.push_back(nodes.front()->seed_option());
    nodes.push_back(std::make_unique<node_process>(id, o, dir.path()));
    REQUIRE(nodes.back()->start());
    REQUIRE(nodes.back()->resp_port() != 0);
    return *nodes.back();
  }
};

} // namespace ac::test
