// actorcache-console: shows what the actors of a node or cluster are doing (stats, members, top).
#include <chrono>
#include <iostream>
#include <optional>

#include "clients/cpp/node_connection.hpp"
#include "core/printable_text.hpp"
#include "io/cli_args.hpp"
#include "tools/common/report_json.hpp"
#include "tools/console/cluster_commands.hpp"
#include "tools/console/console_common.hpp"
#include "tools/console/report_table.hpp"

namespace ac::console {
namespace {

constexpr const char* usage =
  "usage: actorcache-console --node=HOST:PORT COMMAND [--json] [--watch=SECONDS [--count=N]]\n"
  "  stats [--all]             one row per actor, node totals, recommendations (--all: every member)\n"
  "  members                   node id, address, state, epoch, share of keys, last heartbeat\n"
  "  members remove ID         forget a down or left member on every live member (refused for a\n"
  "                            live one)\n"
  "  top                       live per-actor message rates, mailbox depths, hit rate, p99\n"
  "                            (every second until Ctrl-C, or --count frames)\n"
  "  recommendations [--all]   just the recommendations\n"
  "  info [--all]              a summary: cluster, memory, traffic, L2 (Redis's INFO)\n"
  "--watch=S repeats every S seconds (the screen is redrawn on a terminal; elsewhere frames\n"
  "follow each other, with --json one document per line); --count=N stops after N frames.\n"
  "common: --timeout=5s --tls.enabled --tls.ca-file= --tls.cert-file= --tls.key-file= --version\n";

/// The options each command takes beyond the common ones: any other is refused, not ignored.
const command_options& console_command_options() {
  static const command_options table = {
    {"stats", {"json", "all", "watch", "count"}},
    {"members", {"json", "watch", "count"}},
    {"members remove", {"json"}},
    {"top", {"json", "watch", "count"}},
    {"recommendations", {"json", "all", "watch", "count"}},
    {"info", {"json", "all"}},
  };
  return table;
}

int cmd_top(caf::actor_system& sys, const console_config& cfg, const front_actor& node) {
  std::optional<node_report> prev;
  auto last = std::chrono::steady_clock::now();
  return repeat(cfg.watch > 0 ? cfg.watch : 1.0, cfg.count, cfg.json, [&] {
    auto r = ask<node_report>(sys, node, cfg.timeout, report_atom::value);
    auto now = std::chrono::steady_clock::now();
    if (!r)
      return fail(describe(r.error()));
    double dt = std::chrono::duration<double>(now - last).count();
    const node_report* before = prev ? &*prev : nullptr;
    std::cout << (cfg.json ? top_to_json(*r, before, dt) + "\n" : render_top(*r, before, dt));
    prev = std::move(*r);
    last = now;
    return 0;
  });
}

/// The command the positional words name (`members remove` takes two words and an ID), or the
/// exit code when they name none or its options do not fit.
struct console_command {
  std::string name;
  std::string arg;    ///< members remove: the member's ID
  int exit_code = -1; ///< >= 0: exit with it (the error is printed)
};

console_command read_command(const console_config& cfg, const parse_outcome& parsed) {
  console_command c;
  auto& pos = parsed.positionals;
  if (pos.empty()) {
    std::cerr << usage;
    c.exit_code = 2;
    return c;
  }
  c.name = pos.front();
  if (c.name == "members" && pos.size() > 1 && pos[1] == "remove")
    c.name = "members remove";
  if (console_command_options().count(c.name) == 0) {
    std::cerr << "actorcache-console: unknown command '" << escape_bytes(c.name) << "'\n" << usage;
    c.exit_code = 2;
    return c;
  }
  size_t words = c.name == "members remove" ? 2 : 1;
  size_t want_args = c.name == "members remove" ? 1 : 0;
  if (pos.size() != words + want_args)
    c.exit_code =
      want_args == 1
        ? fail("usage: members remove ID")
        : fail("'" + c.name + "' takes no arguments, got '" + escape_bytes(pos[words]) + "'");
  else if (auto why = misplaced_option(console_command_options(), c.name, parsed.given);
           !why.empty())
    c.exit_code = fail(why);
  else if (cfg.count > 0 && cfg.watch <= 0 && c.name != "top")
    c.exit_code = fail("--count needs --watch=SECONDS");
  else if (cfg.nodes.empty())
    c.exit_code = fail("--node=HOST:PORT is required");
  else if (want_args == 1)
    c.arg = pos[2];
  return c;
}

/// members, stats and recommendations of the first node that answers, once or --watch.
int run_on_one_node(caf::actor_system& sys, const console_config& cfg, const std::string& cmd) {
  auto node = connect_first(sys, cfg.nodes, cfg.timeout);
  if (!node)
    return fail(describe(node.error()));
  if (cmd == "members") {
    return repeat(cfg.watch, cfg.count, cfg.json, [&] {
      auto v = ask<membership_view>(sys, *node, cfg.timeout, members_atom::value);
      if (!v)
        return fail(describe(v.error()));
      std::cout << (cfg.json ? members_to_json(*v) + "\n" : render_members(*v));
      return 0;
    });
  }
  if (cmd == "top")
    return cmd_top(sys, cfg, *node);
  return repeat(cfg.watch, cfg.count, cfg.json, [&] {
    auto r = ask<node_report>(sys, *node, cfg.timeout, report_atom::value);
    if (!r)
      return fail(describe(r.error()));
    if (cmd == "recommendations") {
      if (cfg.json) {
        json recs = json::array();
        for (const auto& s : r->recommendations)
          recs.push_back(json_text(s));
        std::cout << dump_json(recs) << "\n";
      } else {
        std::cout << render_recommendations(*r);
      }
    } else {
      std::cout << (cfg.json ? report_to_json(*r) + "\n" : render_stats(*r));
    }
    return 0;
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
  auto cmd = read_command(cfg, parsed);
  if (cmd.exit_code >= 0)
    return cmd.exit_code;
  caf::actor_system sys{cfg};
  if (cmd.name == "stats" && cfg.all)
    return cmd_stats_all(sys, cfg);
  if (cmd.name == "recommendations" && cfg.all)
    return cmd_recommendations_all(sys, cfg);
  if (cmd.name == "info")
    return cmd_info(sys, cfg);
  if (cmd.name == "members remove")
    return cmd_members_remove(sys, cfg, cmd.arg);
  return run_on_one_node(sys, cfg, cmd.name);
}

} // namespace
} // namespace ac::console

int main(int argc, char** argv) {
  auto rc = ac::console::run(argc, argv);
  std::cout.flush();
  return rc;
}
