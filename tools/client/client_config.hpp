// The options of actorcache-client: the common ones plus put's TTL and the load generator's.
#pragma once

#include "tools/common/cli_options.hpp"
#include "tools/common/load_generator.hpp"

namespace ac {

class client_config : public tool_config {
public:
  client_config() {
    tool_options()
      .add(ttl, "ttl", "put: lifetime in seconds (0 = the node's cache.default-ttl)")
      .add(load.clients, "clients", "load: client actors")
      .add(load.window, "window", "load: requests in flight per client actor")
      .add(load.requests, "requests", "load: total requests (a get_many counts once)")
      .add(load.keys, "keys", "load: distinct keys")
      .add(load.key_prefix, "key-prefix", "load: keys are PREFIX0 .. PREFIX(keys-1)")
      .add(load.key_width, "key-width",
           "load: zero-pad key numbers to this many digits (12 = redis-benchmark's -r keys)")
      .add(load.sequential, "sequential",
           "load: take keys 0, 1, 2 ... in order (with --requests=--keys: each key once)")
      .add(load.dist, "dist", "load: uniform|zipf")
      .add(load.zipf, "zipf", "load: zipf exponent")
      .add(load.get_ratio, "get-ratio", "load: share of gets (0 = all puts, 1 = all gets)")
      .add(load.batch, "batch", "load: keys per get_many (1 = single get)")
      .add(load.auto_batch, "auto-batch",
           "load: single gets to one node that queue up together travel as one get_many of at "
           "most N keys (a lone get leaves at once); 0 = off, one wire message per get")
      .add(load.batch_window, "batch-window",
           "load: hold each auto-batch open this long for more gets (the original note's "
           "10ms); 0 = send what queued up at once")
      .add(load.fast_path, "fast-path",
           "load: on = gets go to each node's RESP port when it has one (through the "
           "auto-batchers, as MGET; not with --tls.enabled); off = CAF remoting only")
      .add(load.resp_links, "resp-links",
           "load: RESP connections per node the batches are spread over (0 = one per four cores, "
           "1 to 8): a node answers one connection's commands in order on one thread")
      .add(load.value_size, "value-size", "load: bytes of each put value")
      .add(load.verify, "verify",
           "load: puts store a value made from the key, gets check it (mismatches: 'wrong', "
           "exit 2)")
      .add(load.seed, "seed", "load: random seed (client i uses seed + i)")
      .add(raw, "raw", "get: print the value's exact bytes (no newline, no escaping)")
      .add(value_file, "value-file", "put: read the value from this file (binary safe)")
      .add(cursor, "cursor", "scan: continue from this cursor (printed when --limit stopped it)")
      .add(limit, "limit", "scan: print at most about this many keys (1..100000)")
      .add(yes, "yes", "flush: yes, really drop the L1 entries")
      .add(all, "all", "flush: every member of the cluster, not just the --node")
      .add(route, "route",
           "owner: send each key to its owner node (default); any: send every request to the "
           "first reachable --node, which forwards it");
  }

  uint32_t ttl = 0;            ///< --ttl, for put and load's puts
  bool raw = false;            ///< --raw: get prints the exact bytes
  std::string value_file;      ///< --value-file: put reads the value from this file
  uint64_t cursor = 0;         ///< --cursor: where scan goes on
  uint64_t limit = 1000;       ///< --limit: keys scan prints at most (about)
  bool yes = false;            ///< --yes: flush really flushes
  bool all = false;            ///< --all: flush every member
  std::string route = "owner"; ///< --route: owner | any
  load_options load; ///< load's options; timeout and ttl are copied in from the common ones
};

} // namespace ac
