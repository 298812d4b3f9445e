// actorcache-client: get/put/mget/del against a node or cluster, and the load generator.
#include <algorithm>
#include <iostream>
#include <map>

#include <spdlog/spdlog.h>
#include <caf/actor_system.hpp>
#include <caf/send.hpp>

#include "clients/cpp/cluster_directory.hpp"
#include "clients/cpp/node_connection.hpp"
#include "io/proc_readers.hpp"
#include "messages/errors.hpp"
#include "tools/client/commands.hpp"
#include "tools/client/key_command.hpp"

namespace {

constexpr const char* usage =
  "usage: actorcache-client --node=HOST:PORT [--node=...] COMMAND [ARGS] [options]\n"
  "  get KEY [--raw|--json]       print the value; exit 0 hit, 1 miss, 2 error (a terminal gets\n"
  "                               it escaped; --raw: the exact bytes, no newline)\n"
  "  put KEY VALUE [--ttl=S]      store a value; prints OK (stored in L1 only while Redis is\n"
  "                               down: a warning on stderr, \"l1_only\": true with --json)\n"
  "  put KEY - | put KEY --value-file=PATH\n"
  "                               the value from standard input or a file (binary safe)\n"
  "  mget KEY...                  one line per key: the value escaped (\\n, \\xNN, \\\"), an empty\n"
  "                               line for a miss, \"\" for an empty value; a bad key's reason\n"
  "                               on stderr (exit 2), the other keys still answered\n"
  "  del KEY                      prints 1 (erased) or 0 (absent)\n"
  "  exists KEY                   prints 1 (exit 0) or 0 (exit 1)\n"
  "  ttl KEY                      the time the key has left (\"no expiry\"; \"absent\": exit 1)\n"
  "  scan [PATTERN] [--limit=N] [--cursor=C]\n"
  "                               keys in the --node's L1 matching a glob (default *), at most\n"
  "                               about N (default 1000); the cursor to go on is on stderr\n"
  "  flush --yes [--all]          drop every L1 entry of the --node (--all: every member);\n"
  "                               Redis (L2) keeps its copies\n"
  "  key --npy=FILE [--param=NAME=VALUE ...]\n"
  "                               the feature key of the array (no node needed; equals\n"
  "                               Python's actorcache.feature_key(array, NAME=VALUE, ...))\n"
  "  load [--clients=N --window=W --requests=R --keys=K --key-prefix=S --dist=uniform|zipf\n"
  "        --zipf=A --get-ratio=F --batch=B --value-size=BYTES --key-width=D --sequential\n"
  "        --auto-batch=N --batch-window=D --fast-path=on|off --verify --json]\n"
  "        --auto-batch=N  gets and get_many requests to one node that queue up in the client\n"
  "                        together go as one get_many of at most N keys (default 256; a lone\n"
  "                        request is sent at once); 0 = off: one wire message per request\n"
  "        --batch-window=D  hold each batch open D for more gets (the original note's 10ms);\n"
  "                        0 (default) = send what queued up at once\n"
  "        --fast-path=on  the batchers send gets to each node's RESP port as MGET (plain\n"
  "                        TCP, one hop less than CAF remoting) when the node has one\n"
  "        --resp-links=N  RESP connections per node (0 = one per four cores, 1 to 8)\n"
  "every command: --json (one JSON object)\n"
  "common: --timeout=5s --tls.enabled --tls.ca-file= --tls.cert-file= --tls.key-file=\n"
  "        --route=owner|any (any: the first --node forwards)  --log.level=warn  --version\n"
  "        (--help lists every option)\n";

/// The options each command takes beyond the common ones: any other is refused, not ignored.
const ac::command_options& client_command_options() {
  static const ac::command_options table = {
    {"get", {"json", "raw"}},
    {"put", {"json", "ttl", "value-file"}},
    {"mget", {"json"}},
    {"del", {"json"}},
    {"exists", {"json"}},
    {"ttl", {"json"}},
    {"scan", {"json", "cursor", "limit"}},
    {"flush", {"json", "yes", "all"}},
    {"load",
     {"json",         "ttl",        "clients",    "window",     "requests",  "keys",  "key-prefix",
      "key-width",    "sequential", "dist",       "zipf",       "get-ratio", "batch", "auto-batch",
      "batch-window", "fast-path",  "resp-links", "value-size", "verify",    "seed"}},
  };
  return table;
}

using command_fn = int (*)(ac::client_context&, const std::vector<std::string>&);

const std::map<std::string, command_fn>& commands() {
  static const std::map<std::string, command_fn> table = {
    {"get", ac::cmd_get}, {"put", ac::cmd_put},   {"mget", ac::cmd_mget},
    {"del", ac::cmd_del}, {"load", ac::cmd_load}, {"exists", ac::cmd_exists},
    {"ttl", ac::cmd_ttl}, {"scan", ac::cmd_scan}, {"flush", ac::cmd_flush},
  };
  return table;
}

/// Whether the positionals name a command and the options fit it; else says why (exit 2).
bool command_fits(const ac::client_config& cfg, const ac::parse_outcome& parsed) {
  auto& pos = parsed.positionals;
  if (pos.empty() || commands().count(pos.front()) == 0) {
    if (!pos.empty())
      std::cerr << "actorcache-client: unknown command '" << pos.front() << "'\n";
    std::cerr << usage;
    return false;
  }
  std::string why = ac::misplaced_option(client_command_options(), pos.front(), parsed.given);
  if (why.empty() && cfg.nodes.empty())
    why = "--node=HOST:PORT is required";
  if (why.empty() && cfg.route != "owner" && cfg.route != "any")
    why = "--route must be owner or any, not '" + cfg.route + "'";
  if (!why.empty())
    std::cerr << "actorcache-client: " << why << "\n";
  return why.empty();
}

int run(int argc, char** argv) {
  if (std::vector<std::string> args(argv + (argc > 0 ? 1 : 0), argv + argc);
      ac::is_key_command(args) && !ac::asks_for_version(args))
    return ac::run_key_command(args);
  ac::client_config cfg;
  // cores-1 workers (1 on 2 cores): the multiplexer thread does the I/O; fewer workers mean
  // fewer futex hand-offs per request (bench/RESULTS.md).
  auto parsed = ac::parse_tool_args(cfg, argc, argv, std::max(2u, ac::read_usable_cores()) - 1);
  if (parsed.exit_code >= 0) {
    if (cfg.cli_helptext_printed)
      std::cout << "\n" << usage;
    return parsed.exit_code;
  }
  auto& pos = parsed.positionals;
  if (!command_fits(cfg, parsed))
    return 2;
  caf::actor_system sys{cfg};
  auto map = ac::discover_cluster(sys, cfg.nodes, cfg.timeout, cfg.route == "owner");
  if (!map) {
    std::cerr << "actorcache-client: " << ac::describe(map.error()) << "\n";
    return 2;
  }
  auto directory = ac::spawn_directory(sys, *map, cfg.timeout);
  ac::client_context ctx{sys, cfg, directory, *map, std::nullopt, {}};
  if (pos.front() == "scan" || pos.front() == "flush") {
    std::string used;
    auto front = ac::connect_first(sys, cfg.nodes, cfg.timeout, &used);
    if (!front) {
      caf::anon_send_exit(directory, caf::exit_reason::user_shutdown);
      std::cerr << "actorcache-client: " << ac::describe(front.error()) << "\n";
      return 2;
    }
    auto* known = (*map)->find(front->address());
    ctx.node = *front;
    ctx.node_id = known != nullptr ? known->id : used;
  }
  std::vector<std::string> args(pos.begin() + 1, pos.end());
  auto rc = commands().at(pos.front())(ctx, args);
  caf::anon_send_exit(directory, caf::exit_reason::user_shutdown);
  return rc;
}

} // namespace

int main(int argc, char** argv) {
  auto rc = run(argc, argv);
  std::cout.flush();
  return rc;
}
