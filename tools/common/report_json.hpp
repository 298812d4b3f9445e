// The console's --json documents: a node report, several of them, and a membership view.
#pragma once

#include <string>
#include <vector>

#include "io/json.hpp"
#include "messages/stats.hpp"

namespace ac {

/// p50 and p99 (microseconds) of an actor's shipped latency histogram; 0 when it has none.
struct actor_latency {
  uint64_t p50_us = 0;
  uint64_t p99_us = 0;
};
actor_latency latency_of(const actor_stats& a);

/// One report as {"node": {...}, "actors": [...], "recommendations": [...],
/// "hot_keys": [...]} (docs/interface.md). node holds every totals key; l2_hits, l2_misses and
/// l2_errors move into node.l2 next to the breaker, the sizing decision into node.sizing, and
/// the keys the interface promises are present (0) even when the node did not fill them.
json report_json(const node_report& r);

/// A shard's L1 hit rate from its row (hits over hits + misses); -1 for another kind's row and
/// for a shard that had no reads.
double shard_hit_rate(const actor_stats& a);

/// Messages per second an actor handled between `prev` and `now` (`seconds` apart); -1 when
/// unknown (first frame, or the actor restarted and its count went back).
double message_rate(const actor_stats& now, const node_report* prev, double seconds);

/// `top --json`: {"node": id, "seconds": dt, "hit_rate", "p99_us", "actors": [{"name", "kind",
/// "msg_per_s" (null on the first frame), "mailbox", "handled", "hit_rate" (null without
/// reads), "p99_us"}]}.
std::string top_to_json(const node_report& now, const node_report* prev, double seconds);

/// `stats --json`: one report object.
std::string report_to_json(const node_report& r);

/// `stats --all --json`: {"nodes": [report objects]}.
/// A member that gave no report, and why: its state (down, left, suspect) or "unreachable".
struct absent_member {
  std::string id;
  std::string address;
  std::string state;
};

/// `absent`: members that gave no report (down, left, suspect, or not answering), listed
/// after the reports as {"id", "address", "state"} with no numbers.
std::string reports_to_json(const std::vector<node_report>& rs,
                            const std::vector<absent_member>& absent = {});

/// `members --json`: {"epoch": N, "self": id, "members": [{"id", "address", "state", "epoch",
/// "share", "last_heartbeat_ms"}]}.
std::string members_to_json(const membership_view& v);

} // namespace ac
