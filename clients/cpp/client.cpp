// The synchronous facade ac::client: its own actor system runs cluster_client requests; get_or_compute speaks the RESP lease commands.
#include "actorcache/client.hpp"

#include <algorithm>
#include <mutex>
#include <utility>

#include <spdlog/spdlog.h>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/sec.hpp>
#include <caf/send.hpp>

#include "clients/cpp/client_log.hpp"
#include "clients/cpp/cluster_directory.hpp"
#include "clients/cpp/one_shot.hpp"
#include "clients/cpp/resp_pool.hpp"
#include "core/key_normalization.hpp"
#include "core/ttl_clock.hpp"
#include "messages/entry_codec.hpp"
#include "messages/errors.hpp"
#include "messages/register_types.hpp"

namespace ac {

namespace {

/// The actor system a facade runs in: the message types, remoting, and the tools'
/// low-latency scheduler defaults (caf-0.17-notes §3) on two workers.
struct facade_config : caf::actor_system_config {
  facade_config() {
    register_types(*this);
    load<caf::io::middleman>();
    set("scheduler.policy", caf::atom("sharing"));
    set("scheduler.max-threads", 2);
    set("logger.verbosity", caf::atom("quiet"));
  }
};

/// How long the routing table is used before the directory is asked for its current one.
constexpr auto table_age = std::chrono::seconds(1);

[[noreturn]] void raise(const caf::error& err) {
  if (err == caf::sec::request_timeout)
    throw client_error("timeout", describe(err));
  if (err.category() == errc_category)
    throw client_error(to_string(static_cast<errc>(err.code())), describe(err));
  throw client_error("unavailable", describe(err));
}

template <class T>
T value_or_raise(caf::expected<T> r) {
  if (!r)
    raise(r.error());
  return std::move(*r);
}

/// The bytes of a found value: the bare payload (read over RESP) or an Entry's data.
std::optional<std::string> value_of(lookup_result& r) {
  if (!r.found)
    return std::nullopt;
  if (r.source == static_cast<uint8_t>(tier::payload))
    return std::move(r.value);
  std::string why;
  auto e = decode_entry(r.value, &why);
  if (!e)
    throw client_error("bad_value", "the node returned an undecodable entry: " + why);
  return std::move(e->data);
}

/// An error reply "CODE reason" as the client_error of the node's errc.
client_error resp_error(const std::string& command, const std::string& text) {
  auto word = text.substr(0, text.find(' '));
  return client_error(to_string(static_cast<errc>(errc_of_resp_code(word))), command + ": " + text);
}

using millis = std::chrono::milliseconds;

} // namespace

struct client::impl {
  impl(const std::vector<std::string>& seeds, millis timeout)
    : sys(cfg), timeout(timeout), pool(timeout) {
    auto found = discover_cluster(sys, seeds, timeout);
    if (!found)
      throw client_error("unreachable", "no seed node answered: " + describe(found.error()));
    map = *found;
    map_at = std::chrono::steady_clock::now();
    directory = spawn_directory(sys, map, timeout);
  }
  ~impl() { caf::anon_send_exit(directory, caf::exit_reason::user_shutdown); }

  /// One routed request through a cluster_client, waited for; its error thrown.
  template <class T>
  T run(std::function<void(cluster_client&, cluster_client::callback<T>)> start) {
    return value_or_raise(run_one_shot<T>(sys, directory, table(), timeout, std::move(start)));
  }

  /// The routing table, at most table_age old (the directory keeps the current one).
  cluster_map_ptr table() {
    std::lock_guard<std::mutex> guard{mtx};
    auto now = std::chrono::steady_clock::now();
    if (now - map_at < table_age)
      return map;
    caf::scoped_actor self{sys};
    self->request(directory, timeout, table_atom::value)
      .receive(
        [&](cluster_map_ptr& t) { map = std::move(t); },
        [](caf::error& e) { client_log()->debug("routing table not refreshed: {}", describe(e)); });
    map_at = now;
    return map;
  }

  /// RESP addresses to send a command about `key` to: its owner's first, then the others'
  /// (any member answers any key: it forwards to the owner).
  std::vector<std::string> resp_candidates(const std::string& key) {
    auto t = table();
    std::vector<std::string> out;
    if (auto r = t->route_of(key_hash(key)); r.node != nullptr && !r.node->resp_address.empty())
      out.push_back(r.node->resp_address);
    for (const auto& n : t->nodes())
      if (!n.resp_address.empty() && std::find(out.begin(), out.end(), n.resp_address) == out.end())
        out.push_back(n.resp_address);
    return out;
  }

  /// Sends `args` to the first candidate that answers (an idle connection that fails is
  /// replaced by a new one once); the reply and the connection it came on, to go on with.
  std::pair<std::unique_ptr<resp_pool::loan>, resp_reply> ask(const std::string& key,
                                                              const std::vector<std::string>& args,
                                                              millis wait) {
    std::string last = "no member has a RESP port";
    for (const auto& address : resp_candidates(key))
      for (int attempt = 0; attempt < 2; ++attempt) {
        std::string err;
        auto loan = pool.borrow(address, err, attempt > 0);
        if (!loan) {
          last = address + ": " + err;
          break;
        }
        if (auto reply = (*loan)->command(args, wait, err))
          return {std::move(loan), std::move(*reply)};
        bool reused = loan->reused();
        loan->drop();
        last = address + ": " + err;
        if (!reused)
          break;
      }
    throw client_error("unreachable", args.front() + ": " + last);
  }

  /// Gives up a lease; a failure is only logged (the lease ends with its lease-ms anyway).
  void abandon(resp_pool::loan& loan, const std::string& key, const std::string& token) {
    std::string err;
    auto reply = loan->command({"AC.ABANDON", key, token}, timeout, err);
    if (!reply)
      loan.drop();
    if (!reply || reply->type == resp_reply::kind::error)
      client_log()->warn("actorcache: could not abandon the lease on '{}': {}", key,
                         reply ? reply->text : err);
  }

  facade_config cfg;
  caf::actor_system sys;
  millis timeout;
  caf::actor directory;
  std::mutex mtx; // guards map, map_at
  cluster_map_ptr map;
  std::chrono::steady_clock::time_point map_at;
  resp_pool pool;
};

client::client(std::vector<std::string> seeds, millis timeout)
  : impl_(std::make_unique<impl>(seeds, timeout)) {}

client::~client() = default;

std::optional<std::string> client::get(const std::string& key) {
  auto r =
    impl_->run<lookup_result>([key](cluster_client& c, auto done) { c.get(key, std::move(done)); });
  return value_of(r);
}

std::vector<std::optional<std::string>> client::get_many(const std::vector<std::string>& keys) {
  auto rs = impl_->run<lookup_results>(
    [keys](cluster_client& c, auto done) { c.get_many(keys, std::move(done)); });
  std::vector<std::optional<std::string>> out;
  out.reserve(rs.size());
  for (auto& r : rs)
    out.push_back(value_of(r));
  return out;
}

void client::put(const std::string& key, const std::string& value, uint32_t ttl_seconds) {
  auto bytes = encode_entry(make_bytes_entry(value, ttl_seconds, unix_ms(), "actorcache-cpp"));
  // Captured by value: the request starts in the actor, after this call may have given up.
  auto status = impl_->run<put_status>([key, bytes, ttl_seconds](cluster_client& c, auto done) {
    c.put(key, bytes, ttl_seconds, std::move(done));
  });
  if (!acknowledged(status))
    throw client_error("unavailable", "put: the node did not store the value");
  if (status == put_status::stored_l1_only)
    client_log()->warn(
      "actorcache: '{}' is stored in L1 only: Redis is unavailable; the value is not "
      "durable",
      key);
}

bool client::erase(const std::string& key) {
  return impl_->run<bool>([key](cluster_client& c, auto done) { c.erase(key, std::move(done)); });
}

std::string client::get_or_compute(const std::string& key,
                                   const std::function<std::string()>& compute,
                                   uint32_t ttl_seconds, uint32_t lease_ms) {
  // The node lets a waiter wait up to 3 x lease_ms (holders in line may each run out their
  // lease), plus one reply timeout.
  auto wait = millis{3 * static_cast<int64_t>(lease_ms)} + impl_->timeout;
  auto [loan, reply] = impl_->ask(key, {"AC.GETORLEASE", key, std::to_string(lease_ms)}, wait);
  if (reply.type == resp_reply::kind::error)
    throw resp_error("AC.GETORLEASE", reply.text);
  auto& el = reply.elements;
  bool array = reply.type == resp_reply::kind::array;
  if (array && el.size() == 2 && el[0].text == "value")
    return std::move(el[1].text);
  if (array && el.size() == 4 && el[0].text == "tensor")
    return std::move(el[3].text); // a tensor's row-major bytes, as GET returns them
  if (!array || el.size() != 2 || el[0].text != "lease")
    throw client_error("bad_request", "AC.GETORLEASE: unexpected reply");
  // The lease is ours while this connection stays open: it is kept until the fill.
  auto token = el[1].text;
  std::string value;
  try {
    value = compute();
  } catch (...) {
    impl_->abandon(*loan, key, token);
    throw;
  }
  std::vector<std::string> fill{"AC.FILL", key, token, value};
  if (ttl_seconds > 0) {
    fill.emplace_back("EX");
    fill.push_back(std::to_string(ttl_seconds));
  }
  std::string err;
  auto filled = (*loan)->command(fill, impl_->timeout, err);
  if (!filled) {
    loan->drop(); // the lease ended with the connection: a waiter computes
    throw client_error("unavailable", "AC.FILL: " + err);
  }
  if (filled->type == resp_reply::kind::error) {
    auto e = resp_error("AC.FILL", filled->text);
    if (e.code() == "stale_lease") {
      // Taken over (this compute outran lease_ms): the value is still this caller's answer.
      client_log()->warn("actorcache: the lease on '{}' was taken over before the fill ({})", key,
                         filled->text);
      return value;
    }
    impl_->abandon(*loan, key, token);
    throw e;
  }
  return value;
}

} // namespace ac
