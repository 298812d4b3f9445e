// What the membership protocol counts: the view and what changed it (a typed stats struct, messages/kind_stats.hpp).
#pragma once

#include "core/stats_fields.hpp"

namespace ac {

/// epoch: the routing epoch; alive, members: in the view (this node included); joins, downs,
/// heartbeats, refused (joins of a clashing id or loader), heals: since start.
// clang-format off
#define AC_MEMBERSHIP_STATS(X) \
  X(epoch) X(alive) X(members) X(joins) X(downs) X(heartbeats) X(refused) X(heals)
// clang-format on
struct membership_counters {
  AC_STATS_FIELDS(AC_MEMBERSHIP_STATS)
};

} // namespace ac
