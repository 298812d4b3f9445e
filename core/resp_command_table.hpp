// The Redis commands a node understands: names, arity and key positions, as COMMAND reports them and the edge checks them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/connection_order.hpp"

namespace ac::resp {

/// Every command the RESP edge serves. `unknown` is anything else.
enum class command_id : uint8_t {
  unknown,
  ping,
  echo,
  quit,
  auth,
  hello,
  select,
  client,
  command,
  info,
  dbsize,
  get,
  mget,
  set,
  setex,
  mset,
  del,
  unlink,
  exists,
  ttl,
  pttl,
  expire,
  pexpire,
  scan,
  flushdb,
  ac_owner,
  ac_members,
  ac_getorlease,
  ac_fill,
  ac_abandon,
  ac_tensor_set,
  ac_tensor_get,
};

/// One row of the table, in Redis's COMMAND terms.
struct command_spec {
  command_id id;
  std::string_view name;  ///< lower case, as COMMAND lists it
  int arity;              ///< argc including the name; negative: at least -arity
  std::string_view flags; ///< space separated: write readonly fast loading noauth ...
  int first_key;          ///< position of the first key (0 = none)
  int last_key;           ///< position of the last key; -1 = the last argument
  int key_step;           ///< distance between keys
};

/// The whole table, in a stable order (COMMAND lists it so).
const std::vector<command_spec>& command_table();

/// Looks a command name up, case-insensitively; nullptr for an unknown name.
const command_spec* find_command(std::string_view name);

/// True when argc fits the spec's arity.
bool arity_ok(const command_spec& spec, size_t argc);

/// How many keys a command of argc arguments names (for resp.max-keys).
size_t key_count(const command_spec& spec, size_t argc);

/// How a command waits behind earlier ones of its connection (core/connection_order.hpp).
connection_order::kind ordering_of(command_id id);

/// Redis's own error texts, so clients and scripts that match on them keep working.
std::string unknown_command_error(std::string_view name, const std::vector<std::string>& argv);
std::string wrong_arity_error(std::string_view name);

/// Lower-cases ASCII (command names and options are case-insensitive).
std::string to_lower(std::string_view s);

/// Parses a whole base-10 signed integer ("12", "-3") as Redis does; false on anything else
/// ("+1", "01", "-0", " 1") or overflow.
bool parse_int(std::string_view s, int64_t& out);

} // namespace ac::resp
