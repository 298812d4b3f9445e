// What the console's commands share: its options, failing with a message, asking a node, frames.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>

#include "messages/errors.hpp"
#include "messages/front_actor.hpp"
#include "tools/common/cli_options.hpp"

namespace ac::console {

class console_config : public tool_config {
public:
  console_config() {
    tool_options()
      .add(all, "all", "stats, recommendations, info: every member of the cluster")
      .add(
        watch, "watch",
        "refresh every SECONDS until Ctrl-C (stats, members, recommendations; top defaults to 1)")
      .add(count, "count", "with --watch or top: stop after this many frames (0 = until Ctrl-C)");
  }
  bool all = false;   ///< --all
  double watch = 0;   ///< --watch=SECONDS, 0 = once
  uint32_t count = 0; ///< --count=N frames, 0 = until Ctrl-C
};

/// Prints "actorcache-console: WHAT" on stderr; returns exit code 2.
int fail(const std::string& what);

/// One request to `node`, waited for up to `timeout`.
template <class T, class... Ts>
caf::expected<T> ask(caf::actor_system& sys, const front_actor& node, caf::timespan timeout,
                     Ts... what) {
  caf::scoped_actor self{sys};
  caf::expected<T> result{caf::error{}};
  self->request(node, timeout, what...)
    .receive([&](T& x) { result = std::move(x); }, [&](caf::error& e) { result = std::move(e); });
  return result;
}

/// Runs `frame` once, or every `watch` seconds until Ctrl-C or `count` frames. On a terminal
/// (and not JSON) each frame redraws the screen; into a pipe or file no escape codes are
/// written: text frames are separated by a blank line, JSON frames are one document per line.
/// Exit code: the last frame's.
int repeat(double watch, uint32_t count, bool json, const std::function<int()>& frame);

} // namespace ac::console
