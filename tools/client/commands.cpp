// The commands of actorcache-client; each returns the process exit code (docs/interface.md).
#include "tools/client/commands.hpp"
#include "core/ttl_clock.hpp"

#include <chrono>
#include <iostream>

#include <spdlog/spdlog.h>

#include "messages/entry_codec.hpp"
#include "messages/errors.hpp"
#include "tools/common/one_shot.hpp"

namespace ac {

namespace {

int fail(const std::string& what) {
  std::cerr << "actorcache-client: " << what << "\n";
  return 2;
}

int fail(const caf::error& err) { return fail(describe(err)); }

// The printable value of a found entry; false (and a message) when its bytes are corrupt.
bool render(const lookup_result& r, std::string& out) {
  if (r.source == static_cast<uint8_t>(tier::payload)) {
    out = r.value;  // read over RESP: the bare payload
    return true;
  }
  std::string why;
  auto e = decode_entry(r.value, &why);
  if (!e) {
    fail("the node returned an undecodable entry: " + why);
    return false;
  }
  out = render_value(*e);
  return true;
}

} // namespace

int cmd_get(client_context& ctx, const std::vector<std::string>& args) {
  if (args.size() != 1)
    return fail("usage: get KEY");
  auto r = run_one_shot<lookup_result>(ctx.sys, ctx.directory, ctx.map, ctx.cfg.timeout,
                                       [key = args[0]](cluster_client& c, auto done) {
                                         c.get(key, std::move(done));
                                       });
  if (!r)
    return fail(r.error());
  if (!r->found)
    return 1;
  std::string text;
  if (!render(*r, text))
    return 2;
  std::cout << text << "\n";
  return 0;
}

int cmd_put(client_context& ctx, const std::vector<std::string>& args) {
  if (args.size() != 2)
    return fail("usage: put KEY VALUE [--ttl=SECONDS]");
  auto bytes = encode_entry(make_bytes_entry(args[1], ctx.cfg.ttl, unix_ms(), "actorcache-client"));
  auto r = run_one_shot<bool>(ctx.sys, ctx.directory, ctx.map, ctx.cfg.timeout,
                              [key = args[0], bytes, ttl = ctx.cfg.ttl](cluster_client& c,
                                                                         auto done) {
                                c.put(key, bytes, ttl, std::move(done));
                              });
  if (!r)
    return fail(r.error());
  if (!*r)
    return fail("the node did not store the value");
  std::cout << "OK\n";
  return 0;
}

int cmd_mget(client_context& ctx, const std::vector<std::string>& args) {
  if (args.empty())
    return fail("usage: mget KEY...");
  auto r = run_one_shot<lookup_results>(ctx.sys, ctx.directory, ctx.map, ctx.cfg.timeout,
                                        [keys = args](cluster_client& c, auto done) {
                                          c.get_many(keys, std::move(done));
                                        });
  if (!r)
    return fail(r.error());
  std::string out;
  for (const auto& x : *r) {
    std::string text;
    if (x.found && !render(x, text))
      return 2;
    out += text;
    out += '\n';
  }
  std::cout << out;
  return 0;
}

int cmd_del(client_context& ctx, const std::vector<std::string>& args) {
  if (args.size() != 1)
    return fail("usage: del KEY");
  auto r = run_one_shot<bool>(ctx.sys, ctx.directory, ctx.map, ctx.cfg.timeout,
                              [key = args[0]](cluster_client& c, auto done) {
                                c.erase(key, std::move(done));
                              });
  if (!r)
    return fail(r.error());
  std::cout << (*r ? "1" : "0") << "\n";
  return 0;
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
