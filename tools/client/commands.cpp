// The value commands of actorcache-client (get, put, mget, del) and load; each returns the exit code.
#include "tools/client/commands.hpp"

#include <iostream>
#include <memory>

#include <spdlog/spdlog.h>

#include "clients/cpp/one_shot.hpp"
#include "core/printable_text.hpp"
#include "core/ttl_clock.hpp"
#include "messages/entry_codec.hpp"
#include "messages/errors.hpp"
#include "tools/client/value_io.hpp"

namespace ac {

int fail(const std::string& what) {
  std::cerr << "actorcache-client: " << what << "\n";
  return 2;
}

int fail(const caf::error& err) { return fail(describe(err)); }

void print_result(const client_context& ctx, const json& doc, const std::string& text) {
  std::cout << (ctx.cfg.json ? dump_json(doc) : text) << "\n";
}

namespace {

/// Each key's own verdict: a value, a miss or an error.
using key_results = std::vector<caf::expected<lookup_result>>;

/// The keys read as one get_many per owner; when that fails (one bad key fails a whole batch
/// at the node), each key is asked alone, so one bad key costs only its own answer.
key_results lookup_each(client_context& ctx, const std::vector<std::string>& keys) {
  auto many = run_one_shot<lookup_results>(
    ctx.sys, ctx.directory, ctx.map, ctx.cfg.timeout,
    [keys](cluster_client& c, auto done) { c.get_many(keys, std::move(done)); });
  key_results out;
  if (many) {
    for (auto& r : *many)
      out.emplace_back(std::move(r));
    return out;
  }
  spdlog::debug("mget: the batch failed ({}); asking key by key", describe(many.error()));
  auto each = run_one_shot<key_results>(
    ctx.sys, ctx.directory, ctx.map, ctx.cfg.timeout, [keys](cluster_client& c, auto done) {
      struct tally {
        key_results results;
        size_t pending;
      };
      auto t = std::make_shared<tally>(
        tally{key_results(keys.size(), caf::expected<lookup_result>{caf::error{}}), keys.size()});
      for (size_t i = 0; i < keys.size(); ++i)
        c.get(keys[i], [t, i, done](caf::expected<lookup_result> r) {
          t->results[i] = std::move(r);
          if (--t->pending == 0)
            done(std::move(t->results));
        });
    });
  if (!each)
    return key_results(keys.size(), caf::expected<lookup_result>{each.error()});
  return std::move(*each);
}

} // namespace

int cmd_get(client_context& ctx, const std::vector<std::string>& args) {
  if (args.size() == 1 && ctx.cfg.raw && ctx.cfg.json)
    return fail("get: --raw and --json exclude each other");
  return one_key_command<lookup_result>(
    ctx, args, "usage: get KEY [--raw | --json]",
    [](cluster_client& c, const std::string& key, auto done) { c.get(key, std::move(done)); },
    [&](const std::string& key, const lookup_result& r) {
      std::optional<shown_value> v;
      std::string why;
      if (r.found && !(v = show_value(r, &why)))
        return fail("the node returned an undecodable entry: " + why);
      if (ctx.cfg.json) {
        json doc{{"key", json_text(key)}};
        add_value_fields(doc, r, v ? &*v : nullptr);
        std::cout << dump_json(doc) << "\n";
      } else if (v && ctx.cfg.raw) {
        std::cout.write(v->bytes.data(), static_cast<std::streamsize>(v->bytes.size()));
      } else if (v) {
        // A terminal gets escaped text (a value can hold escape codes); a pipe the exact text.
        std::cout << (stdout_is_tty() ? escape_bytes(v->text) : v->text) << "\n";
      }
      return r.found ? 0 : 1;
    });
}

int cmd_put(client_context& ctx, const std::vector<std::string>& args) {
  bool from_file = !ctx.cfg.value_file.empty();
  if (args.size() != (from_file ? 1u : 2u))
    return fail(
      "usage: put KEY VALUE | put KEY - (value from stdin) | put KEY --value-file=PATH"
      " [--ttl=SECONDS]");
  std::string why;
  auto value = read_put_value(from_file ? std::nullopt : std::optional<std::string>{args[1]},
                              ctx.cfg.value_file, &why);
  if (!value)
    return fail(why);
  auto bytes =
    encode_entry(make_bytes_entry(std::move(*value), ctx.cfg.ttl, unix_ms(), "actorcache-client"));
  auto r = run_one_shot<put_status>(
    ctx.sys, ctx.directory, ctx.map, ctx.cfg.timeout,
    [key = args[0], bytes, ttl = ctx.cfg.ttl](cluster_client& c, auto done) {
      c.put(key, bytes, ttl, std::move(done));
    });
  if (!r)
    return fail(r.error());
  if (!acknowledged(*r))
    return fail("the node did not store the value");
  // Stored in L1 only (redis.write-policy=l1-when-down, Redis down) is still a success (exit
  // 0: the value is there to read), but the user must learn it is not durable. stdout keeps
  // the contract's bare "OK" that scripts compare; the warning goes where diagnostics go.
  bool l1_only = *r == put_status::stored_l1_only;
  if (l1_only)
    std::cerr << "actorcache-client: put: stored in L1 only: Redis is unavailable; the value is "
                 "not durable (a restart of the key's owner loses it)\n";
  if (ctx.cfg.json)
    std::cout << dump_json(
      {{"key", json_text(args[0])}, {"stored", true}, {"l1_only", l1_only}, {"ttl", ctx.cfg.ttl}})
              << "\n";
  else
    std::cout << "OK\n";
  return 0;
}

int cmd_mget(client_context& ctx, const std::vector<std::string>& args) {
  if (args.empty())
    return fail("usage: mget KEY... [--json]");
  auto results = lookup_each(ctx, args);
  int rc = 0;
  json results_json = json::array();
  std::string out;
  for (size_t i = 0; i < args.size(); ++i) {
    auto& r = results[i];
    std::optional<shown_value> v;
    std::string why;
    if (r && r->found && !(v = show_value(*r, &why)))
      r = make_error(errc::bad_value, "undecodable entry: " + why);
    if (!r) {
      rc = 2;
      std::cerr << "actorcache-client: mget: key '" << escape_bytes(args[i])
                << "': " << describe(r.error()) << "\n";
      results_json.push_back(
        {{"key", json_text(args[i])}, {"error", json_text(describe(r.error()))}});
      out += '\n';
      continue;
    }
    json row{{"key", json_text(args[i])}};
    add_value_fields(row, *r, v ? &*v : nullptr);
    results_json.push_back(std::move(row));
    // One line per key: a miss is an empty line, an empty value `""` (quotes inside values
    // are escaped, so `""` means nothing else), newlines and escape codes are escaped.
    if (v)
      out += v->text.empty() ? "\"\"" : escape_bytes(v->text);
    out += '\n';
  }
  std::cout << (ctx.cfg.json ? dump_json(json{{"results", std::move(results_json)}}) + "\n" : out);
  return rc;
}

int cmd_del(client_context& ctx, const std::vector<std::string>& args) {
  return one_key_command<bool>(
    ctx, args, "usage: del KEY [--json]",
    [](cluster_client& c, const std::string& key, auto done) { c.erase(key, std::move(done)); },
    [&](const std::string& key, bool deleted) {
      print_result(ctx, {{"key", json_text(key)}, {"deleted", deleted}}, deleted ? "1" : "0");
      return 0;
    });
}

int cmd_load(client_context& ctx, const std::vector<std::string>& args) {
  if (!args.empty())
    return fail("load takes options only, not '" + args.front() + "'");
  auto opts = ctx.cfg.load;
  opts.timeout = ctx.cfg.timeout;
  opts.ttl = ctx.cfg.ttl;
  // The node's RESP port speaks TLS too, but the client's RESP link is plain TCP for now:
  // with TLS every get stays on CAF remoting (over caf::openssl).
  if (ctx.cfg.tls.enabled)
    opts.fast_path = "off";
  if (auto why = validate(opts); !why.empty())
    return fail(why);
  auto r = run_load(ctx.sys, ctx.directory, ctx.map, opts);
  std::cout << (ctx.cfg.json ? to_json(r, opts) + "\n" : to_text(r, opts)) << std::flush;
  for (const auto& [kind, n] : r.error_kinds)
    spdlog::warn("{} requests failed: {}", n, kind);
  if (r.wrong > 0)
    spdlog::warn("{} hits had a value not made from their key", r.wrong);
  return r.ok == r.requests && r.requests == opts.requests && r.wrong == 0 ? 0 : 2;
}

} // namespace ac
