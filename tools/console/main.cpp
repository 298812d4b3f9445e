// actorcache-console: shows what the actors of a node or cluster are doing (stats, members, top).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <functional>
#include <iostream>
#include <optional>
#include <set>
#include <thread>

#include <unistd.h>

#include <spdlog/spdlog.h>
#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>

#include "clients/cpp/cluster_directory.hpp"
#include "clients/cpp/node_connection.hpp"
#include "core/printable_text.hpp"
#include "io/cli_args.hpp"
#include "messages/errors.hpp"
#include "tools/common/cli_options.hpp"
#include "tools/common/report_json.hpp"
#include "tools/console/info_view.hpp"
#include "tools/console/report_table.hpp"

namespace ac {
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

std::atomic<bool> interrupted{false};

extern "C" void on_sigint(int) { interrupted = true; }

int fail(const std::string& what) {
  std::cerr << "actorcache-console: " << what << "\n";
  return 2;
}

template <class T, class... Ts>
caf::expected<T> ask(caf::actor_system& sys, const front_actor& node, caf::timespan timeout,
                     Ts... what) {
  caf::scoped_actor self{sys};
  caf::expected<T> result{caf::error{}};
  self->request(node, timeout, what...)
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

// Runs `frame` once, or every `watch` seconds until Ctrl-C or `count` frames. On a terminal
// (and not JSON) each frame redraws the screen; into a pipe or file no escape codes are
// written: text frames are separated by a blank line, JSON frames are one document per line.
// Exit code: the last frame's.
int repeat(double watch, uint32_t count, bool json, const std::function<int()>& frame) {
  if (watch <= 0)
    return frame();
  bool redraw = !json && ::isatty(STDOUT_FILENO) == 1;
  std::signal(SIGINT, on_sigint);
  std::signal(SIGTERM, on_sigint);
  int rc = 0;
  for (uint32_t n = 1;; ++n) {
    if (redraw)
      std::cout << "\033[H\033[2J";
    else if (n > 1 && !json)
      std::cout << "\n";
    rc = frame();
    std::cout << std::flush;
    if ((count > 0 && n >= count) || !pause_for(watch))
      break;
  }
  return interrupted ? 0 : rc;
}

int cmd_stats_all(caf::actor_system& sys, const console_config& cfg) {
  auto map = discover_cluster(sys, cfg.nodes, cfg.timeout);
  if (!map)
    return fail(describe(map.error()));
  return repeat(cfg.watch, cfg.count, cfg.json, [&] {
    std::vector<node_report> reports;
    std::vector<absent_member> absent;
    int rc = 0;
    // The members list names those the map leaves out (down, left, suspect): an operator
    // must see them, with their state, rather than a cluster that looks smaller.
    membership_view view;
    for (const auto& n : (*map)->nodes())
      if (auto v = ask<membership_view>(sys, n.handle, cfg.timeout, members_atom::value)) {
        view = std::move(*v);
        break;
      }
    std::set<std::string> reported;
    for (const auto& n : (*map)->nodes()) {
      auto r = ask<node_report>(sys, n.handle, cfg.timeout, report_atom::value);
      if (!r) {
        rc = fail("member " + escape_bytes(n.id) + ": " + describe(r.error()));
        absent.push_back(absent_member{n.id, "", "unreachable"});
        reported.insert(n.id);
        continue;
      }
      reported.insert(r->id);
      reports.push_back(std::move(*r));
    }
    for (const auto& m : view.members)
      if (reported.count(m.id) == 0)
        absent.push_back(absent_member{m.id, m.address, std::string{to_string(m.state)}});
    if (cfg.json) {
      std::cout << reports_to_json(reports, absent) << "\n";
    } else {
      for (size_t i = 0; i < reports.size(); ++i)
        std::cout << (i > 0 ? "\n" : "") << render_stats(reports[i]);
      if (!absent.empty())
        std::cout << "\n";
      for (const auto& m : absent)
        std::cout << render_absent_member(m);
    }
    return rc;
  });
}

int cmd_recommendations_all(caf::actor_system& sys, const console_config& cfg) {
  auto map = discover_cluster(sys, cfg.nodes, cfg.timeout);
  if (!map)
    return fail(describe(map.error()));
  return repeat(cfg.watch, cfg.count, cfg.json, [&] {
    int rc = 0;
    json nodes = json::array();
    std::string out;
    for (const auto& n : (*map)->nodes()) {
      auto r = ask<node_report>(sys, n.handle, cfg.timeout, report_atom::value);
      if (!r) {
        rc = fail("member " + escape_bytes(n.id) + ": " + describe(r.error()));
        continue;
      }
      json recs = json::array();
      for (const auto& s : r->recommendations)
        recs.push_back(json_text(s));
      nodes.push_back({{"id", json_text(r->id)}, {"recommendations", std::move(recs)}});
      out += (out.empty() ? "" : "\n") + escape_bytes(r->id) + ":\n" + render_recommendations(*r);
    }
    std::cout << (cfg.json ? dump_json(json{{"nodes", std::move(nodes)}}) + "\n" : out);
    return rc;
  });
}

/// info for one front: its report and its member view.
int info_of(caf::actor_system& sys, const console_config& cfg, const front_actor& node, json* doc,
            std::string& out) {
  auto r = ask<node_report>(sys, node, cfg.timeout, report_atom::value);
  if (!r)
    return fail(describe(r.error()));
  auto v = ask<membership_view>(sys, node, cfg.timeout, members_atom::value);
  if (!v)
    return fail(describe(v.error()));
  if (doc != nullptr)
    *doc = info_json(*r, *v);
  out += (out.empty() ? "" : "\n") + render_info(*r, *v);
  return 0;
}

int cmd_info(caf::actor_system& sys, const console_config& cfg) {
  std::vector<front_actor> fronts;
  if (cfg.all) {
    auto map = discover_cluster(sys, cfg.nodes, cfg.timeout);
    if (!map)
      return fail(describe(map.error()));
    for (const auto& n : (*map)->nodes())
      fronts.push_back(n.handle);
  } else {
    auto node = connect_first(sys, cfg.nodes, cfg.timeout);
    if (!node)
      return fail(describe(node.error()));
    fronts.push_back(*node);
  }
  json docs = json::array(); // one per front that answered
  std::string out;
  int rc = 0;
  for (const auto& f : fronts) {
    json doc;
    rc = std::max(rc, info_of(sys, cfg, f, cfg.json ? &doc : nullptr, out));
    if (!doc.is_null())
      docs.push_back(std::move(doc));
  }
  std::string text = cfg.all        ? dump_json(json{{"nodes", std::move(docs)}})
                     : docs.empty() ? std::string{}
                                    : dump_json(docs[0]);
  std::cout << (cfg.json ? text + "\n" : out);
  return rc;
}

/// `members remove ID`: every live member forgets the down member, so none keeps
/// reconnecting to it; refused (exit 2) when the member is alive anywhere.
int cmd_members_remove(caf::actor_system& sys, const console_config& cfg, const std::string& id) {
  auto map = discover_cluster(sys, cfg.nodes, cfg.timeout);
  if (!map)
    return fail(describe(map.error()));
  for (const auto& n : (*map)->nodes())
    if (n.id == id)
      return fail("member '" + escape_bytes(id)
                  + "' is alive; only a down or left member can be removed");
  int rc = 0;
  size_t removed = 0;
  json nodes = json::array();
  for (const auto& n : (*map)->nodes()) {
    auto r = ask<bool>(sys, n.handle, cfg.timeout, members_atom::value, delete_atom::value, id);
    json row{{"id", json_text(n.id)}};
    if (r) {
      removed += *r;
      row["removed"] = *r;
    } else {
      rc = fail("member " + escape_bytes(n.id) + ": " + describe(r.error()));
      row["error"] = json_text(describe(r.error()));
    }
    nodes.push_back(std::move(row));
  }
  if (rc == 0 && removed == 0)
    rc = fail("no member knows '" + escape_bytes(id) + "'");
  if (cfg.json)
    std::cout << dump_json(json{{"member", json_text(id)}, {"nodes", std::move(nodes)}}) << "\n";
  else if (removed > 0)
    std::cout << "removed " << escape_bytes(id) << " from " << removed << " of "
              << (*map)->nodes().size() << " live members\n";
  return rc;
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
} // namespace ac

int main(int argc, char** argv) {
  auto rc = ac::run(argc, argv);
  std::cout.flush();
  return rc;
}
