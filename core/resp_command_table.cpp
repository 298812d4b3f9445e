// The Redis commands a node understands (see resp_command_table.hpp).
#include "core/resp_command_table.hpp"

#include <algorithm>
#include <charconv>

namespace ac::resp {

const std::vector<command_spec>& command_table() {
  // Arity and key positions as Redis 7 reports them, so redis-cli's hints and client-side
  // routers read the same numbers from a node as from redis-server.
  static const std::vector<command_spec> table = {
    {command_id::ping, "ping", -1, "fast noauth", 0, 0, 0},
    {command_id::echo, "echo", 2, "fast", 0, 0, 0},
    {command_id::quit, "quit", -1, "fast noauth", 0, 0, 0},
    {command_id::auth, "auth", -2, "fast noauth", 0, 0, 0},
    {command_id::hello, "hello", -1, "fast noauth", 0, 0, 0},
    {command_id::select, "select", 2, "fast", 0, 0, 0},
    {command_id::client, "client", -2, "fast", 0, 0, 0},
    {command_id::command, "command", -1, "loading", 0, 0, 0},
    {command_id::info, "info", -1, "loading", 0, 0, 0},
    {command_id::dbsize, "dbsize", 1, "readonly fast", 0, 0, 0},
    {command_id::get, "get", 2, "readonly fast", 1, 1, 1},
    {command_id::mget, "mget", -2, "readonly fast", 1, -1, 1},
    {command_id::set, "set", -3, "write", 1, 1, 1},
    {command_id::setex, "setex", 4, "write", 1, 1, 1},
    {command_id::mset, "mset", -3, "write", 1, -1, 2},
    {command_id::del, "del", -2, "write", 1, -1, 1},
    {command_id::unlink, "unlink", -2, "write fast", 1, -1, 1},
    {command_id::exists, "exists", -2, "readonly fast", 1, -1, 1},
    {command_id::ttl, "ttl", 2, "readonly fast", 1, 1, 1},
    {command_id::pttl, "pttl", 2, "readonly fast", 1, 1, 1},
    {command_id::expire, "expire", -3, "write fast", 1, 1, 1},
    {command_id::pexpire, "pexpire", -3, "write fast", 1, 1, 1},
    {command_id::scan, "scan", -2, "readonly", 0, 0, 0},
    {command_id::flushdb, "flushdb", -1, "write", 0, 0, 0},
    {command_id::ac_owner, "ac.owner", 2, "readonly fast", 1, 1, 1},
    {command_id::ac_members, "ac.members", 1, "readonly fast", 0, 0, 0},
    {command_id::ac_getorlease, "ac.getorlease", 3, "write", 1, 1, 1},
    {command_id::ac_fill, "ac.fill", -4, "write", 1, 1, 1},
    {command_id::ac_abandon, "ac.abandon", 3, "write fast", 1, 1, 1},
    {command_id::ac_tensor_set, "ac.tensor.set", -5, "write", 1, 1, 1},
    {command_id::ac_tensor_get, "ac.tensor.get", 2, "readonly fast", 1, 1, 1},
  };
  return table;
}

std::string to_lower(std::string_view s) {
  std::string out{s};
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
  return out;
}

const command_spec* find_command(std::string_view name) {
  if (name.size() > 32)
    return nullptr;
  auto lower = to_lower(name);
  for (auto& spec : command_table())
    if (spec.name == lower)
      return &spec;
  return nullptr;
}

bool arity_ok(const command_spec& spec, size_t argc) {
  auto n = static_cast<int64_t>(argc);
  return spec.arity >= 0 ? n == spec.arity : n >= -spec.arity;
}

size_t key_count(const command_spec& spec, size_t argc) {
  if (spec.first_key == 0 || argc <= static_cast<size_t>(spec.first_key))
    return 0;
  auto last = spec.last_key < 0 ? static_cast<int64_t>(argc) - 1 : spec.last_key;
  if (last < spec.first_key)
    return 0;
  return static_cast<size_t>((last - spec.first_key) / spec.key_step + 1);
}

connection_order::kind ordering_of(command_id id) {
  using kind = connection_order::kind;
  switch (id) {
    case command_id::get:
    case command_id::mget:
    case command_id::ac_tensor_get:
      return kind::read;
    case command_id::set:
    case command_id::setex:
    case command_id::mset:
    case command_id::del:
    case command_id::unlink:
    case command_id::expire:
    case command_id::pexpire:
    case command_id::ac_tensor_set:
      return kind::write;
    case command_id::ac_fill:
      return kind::relayed;
    case command_id::exists:
    case command_id::ttl:
    case command_id::pttl:
      return kind::looks;
    case command_id::dbsize:
    case command_id::scan:
    case command_id::flushdb:
      return kind::whole;
    default:
      // AC.GETORLEASE may wait for another caller's lease for seconds, which a write behind it
      // must not; AC.ABANDON changes no value.
      return kind::free;
  }
}

std::string unknown_command_error(std::string_view name, const std::vector<std::string>& argv) {
  // Redis: ERR unknown command 'foo', with args beginning with: 'a' 'b'
  auto clip = [](std::string_view s) { return std::string{s.substr(0, 128)}; };
  std::string out = "ERR unknown command '" + clip(name) + "', with args beginning with: ";
  for (size_t i = 1; i < argv.size() && i < 8; ++i)
    out += "'" + clip(argv[i]) + "' ";
  return out;
}

std::string wrong_arity_error(std::string_view name) {
  return "ERR wrong number of arguments for '" + to_lower(name) + "' command";
}

bool parse_int(std::string_view s, int64_t& out) {
  if (s.empty() || s.size() > 20)
    return false;
  // Redis's string2ll: one spelling per number, so no '+', no leading zeros, no "-0".
  auto digits = s.front() == '-' ? s.substr(1) : s;
  if (digits.empty() || digits.front() < '0' || digits.front() > '9'
      || (digits.front() == '0' && (digits.size() > 1 || s.front() == '-')))
    return false;
  auto first = s.data();
  auto [end, ec] = std::from_chars(first, s.data() + s.size(), out);
  return ec == std::errc{} && end == s.data() + s.size();
}

} // namespace ac::resp
