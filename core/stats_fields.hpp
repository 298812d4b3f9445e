// Counter structs whose fields are named once, in an X-list: the members and a visitor over them.
#pragma once

#include <cstdint>

// The fields of each struct are named once, in an X-list (AC_SHARD_STATS, ...): AC_STATS_FIELDS
// declares an int64_t member per name and `fields(s, f)`, which calls f("name", s.name) for each
// (messages/kind_stats.hpp: put_stats and stats_of walk it).
#define AC_STATS_MEMBER(name) int64_t name = 0;
#define AC_STATS_VISIT(name) f(#name, s.name);
#define AC_STATS_FIELDS(LIST)          \
  LIST(AC_STATS_MEMBER)                \
  template <class Self, class F>       \
  static void fields(Self& s, F&& f) { \
    LIST(AC_STATS_VISIT)               \
  }
