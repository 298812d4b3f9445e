// actorcache-console: shows what the actors of a node or cluster are doing (stats, members, top).
#include <atomic>
#include <chrono>
#include <csignal>
#include <functional>
#include <iostream>
#include <optional>
#include <set>
#include <thread>

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>
#include <spdlog/spdlog.h>

#include "messages/errors.hpp"
#include "tools/common/cli_options.hpp"
#include "tools/common/cluster_directory.hpp"
#include "tools/common/node_connection.hpp"
#include "tools/common/report_json.hpp"
#include "tools/console/report_table.hpp"

namespace ac {
namespace {

constexpr const char* usage =
  "usage: actorcache-console --node=HOST:PORT COMMAND [--json] [--watch=SECONDS]\n"
  "  stats [--all]     one row per actor, node totals, recommendations (--all: every member)\n"
  "  members           node id, address, state, epoch, share of keys, last heartbeat\n"
  "  top               live per-actor message rates, mailbox depths, hit rate, p99\n"
  "  recommendations   just the recommendations\n"
  "common: --timeout=5s --tls.enabled --tls.ca-file= --tls.cert-file= --tls.key-file=\n";

class console_config : public tool_config {
public:
  console_config() {
    tool_options()
      .add(all, "all", "stats: show every member of the cluster")
      .add(watch, "watch", "refresh every SECONDS until Ctrl-C (stats; top defaults to 1)");
  }
  bool all = false;   ///< --all
  double watch = 0;   ///< --watch=SECONDS, 0 = once
};

std::atomic<bool> interrupted{false};

extern "C" void on_sigint(int) { interrupted = true; }

int fail(const std::string& what) {
  std::cerr << "actorcache-console: " << what << "\n";
  return 2;
}

template <class T, class Atom>
caf::expected<T> ask(caf::actor_system& sys, const front_actor& node, caf::timespan timeout,
                     Atom what) {
  caf::scoped_actor self{sys};
  caf::expected<T> result{caf::error{}};
  self->request(node, timeout, what)
    .receive([&](T& x) { result = std::move(x); }, [&](caf::error& e) { result = std::move(e); });
  return result;
}

// Sleeps `seconds` in short steps so Ctrl-C ends the wait at once; false when interrupted.
bool pause_for(double seconds) {
  auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < until) {
    if (interrupted)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return !interrupted;
}

// Runs `frame` once, or every `watch` seconds until Ctrl-C, clearing the terminal in place
// unless the output is JSON (then one document per line). Exit code: the last frame's.
int repeat(double watch, bool clear, const std::function<int()>& frame) {
  if (watch <= 0)
    return frame();
  std::signal(SIGINT, on_sigint);
  std::signal(SIGTERM, on_sigint);
  int rc = 0;
  do {
    if (clear)
      std::cout << "\033[H\033[2J";
    rc = frame();
    std::cout << std::flush;
  } while (pause_for(watch));
  return interrupted ? 0 : rc;
}

int cmd_stats_all(caf::actor_system& sys, const console_config& cfg) {
  auto map = discover_cluster(sys, cfg.nodes, cfg.timeout);
  if (!map)
    return fail(describe(map.error()));
  return repeat(cfg.watch, !cfg.json, [&] {
    std::vector<node_report> reports;
    int rc = 0;
    for (const auto& n : (*map)->nodes()) {
      auto r = ask<node_report>(sys, n.handle, cfg.timeout, report_atom::value);
      if (!r) {
        rc = fail("member " + n.id + ": " + describe(r.error()));
        continue;
      }
      reports.push_back(std::move(*r));
    }
    if (cfg.json) {
      std::cout << reports_to_json(reports) << "\n";
    } else {
      for (size_t i = 0; i < reports.size(); ++i)
        std::cout << (i > 0 ? "\n" : "") << render_stats(reports[i]);
    }
    return rc;
  });
}

int run(int argc, char** argv) {
  console_config cfg;
  auto parsed = parse_tool_args(cfg, argc, argv, 1);
  if (parsed.exit_code >= 0) {
    if (cfg.cli_helptext_printed)
      std::cout << "\n" << usage;
    return parsed.exit_code;
  }
  auto& pos = parsed.positionals;
  static const std::set<std::string> commands = {"stats", "members", "top", "recommendations"};
  if (pos.size() != 1 || commands.count(pos.front()) == 0) {
    if (!pos.empty())
      std::cerr << "actorcache-console: unknown command '" << pos.front() << "'\n";
    std::cerr << usage;
    return 2;
  }
  if (cfg.nodes.empty())
    return fail("--node=HOST:PORT is required");
  const auto& cmd = pos.front();
  caf::actor_system sys{cfg};
  if (cmd == "stats" && cfg.all)
    return cmd_stats_all(sys, cfg);
  auto node = connect_first(sys, cfg.nodes, cfg.timeout);
  if (!node)
    return fail(describe(node.error()));
  if (cmd == "members") {
    return repeat(cfg.watch, !cfg.json, [&] {
      auto v = ask<membership_view>(sys, *node, cfg.timeout, members_atom::value);
      if (!v)
        return fail(describe(v.error()));
      std::cout << (cfg.json ? members_to_json(*v) + "\n" : render_members(*v));
      return 0;
    });
  }
  if (cmd == "top") {
    std::optional<node_report> prev;
    auto last = std::chrono::steady_clock::now();
    return repeat(cfg.watch > 0 ? cfg.watch : 1.0, true, [&] {
      auto r = ask<node_report>(sys, *node, cfg.timeout, report_atom::value);
      auto now = std::chrono::steady_clock::now();
      if (!r)
        return fail(describe(r.error()));
      double dt = std::chrono::duration<double>(now - last).count();
      std::cout << render_top(*r, prev ? &*prev : nullptr, dt);
      prev = std::move(*r);
      last = now;
      return 0;
    });
  }
  return repeat(cfg.watch, !cfg.json, [&] {
    auto r = ask<node_report>(sys, *node, cfg.timeout, report_atom::value);
    if (!r)
      return fail(describe(r.error()));
    if (cmd == "recommendations") {
      if (cfg.json) {
        json_writer w;
        w.begin_array();
        for (const auto& s : r->recommendations)
          w.value(s);
        w.end_array();
        std::cout << w.str() << "\n";
      } else {
        std::cout << render_recommendations(*r);
      }
    } else {
      std::cout << (cfg.json ? report_to_json(*r) + "\n" : render_stats(*r));
    }
    return 0;
  });
}

} // namespace
} // namespace ac

int main(int argc, char** argv) {
  auto rc = ac::run(argc, argv);
  std::cout.flush();
  return rc;
}
