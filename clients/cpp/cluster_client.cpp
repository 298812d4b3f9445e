// The smart-client request layer: routes each key to its owner, fails fast on dead nodes, retries once.
#include "clients/cpp/cluster_client.hpp"
#include "clients/cpp/client_log.hpp"

#include <algorithm>
#include <map>

#include <spdlog/spdlog.h>
#include <caf/sec.hpp>

#include "clients/cpp/cluster_client_op.hpp"
#include "clients/cpp/cluster_directory.hpp"
#include "core/key_normalization.hpp"
#include "core/ttl_clock.hpp"
#include "messages/errors.hpp"

namespace ac {

caf::error node_down_error() { return caf::make_error(caf::exit_reason::remote_link_unreachable); }

namespace {

bool is_down(const caf::error& err) { return err == node_down_error(); }

} // namespace

namespace {

// Deadlines need no better than the timer's tick: the coarse clock is cheaper to read.
std::chrono::steady_clock::time_point coarse_now() { return system_clock_source{}.now(); }

} // namespace

bool retryable(const caf::error& err) {
  // sec (timeouts, dead receivers) and exit_reason (our own node_down_error) are transport
  // failures; a node's own verdicts come in errc.
  if (err.category() == caf::atom("system") || err.category() == caf::atom("exit"))
    return true;
  return err.category() == errc_category && err.code() == static_cast<uint8_t>(errc::unavailable);
}

cluster_client::cluster_client(caf::event_based_actor* self, caf::actor directory,
                               cluster_map_ptr table, caf::timespan timeout,
                               get_batchers_ptr batchers)
  : self_(self), directory_(std::move(directory)), table_(std::move(table)), timeout_(timeout),
    batchers_(std::move(batchers)) {
  monitor_nodes();
}

void cluster_client::monitor_nodes() {
  for (const auto& n : table_->nodes())
    if (monitored_.insert(n.handle.address()).second)
      self_->monitor(n.handle);
}

uint64_t cluster_client::track(const std::string& node_id, fail_fn fail, caf::timespan timeout) {
  auto bound = timeout.count() > 0 ? timeout : timeout_;
  auto id = pending_.open(coarse_now() + bound, pending_request{node_id, std::move(fail)});
  arm_expiry();
  return id;
}

bool cluster_client::settle(uint64_t id) { return pending_.settle(id); }

void cluster_client::stage_get(get_batchers::lane* lane, bool direct, const std::string& key,
                               std::function<void(lookup_result&)> ok,
                               std::function<void(caf::error&)> err) {
  auto s = std::find_if(staged_.begin(), staged_.end(),
                        [&](const stage& x) { return x.lane == lane && x.direct == direct; });
  if (s == staged_.end())
    s = staged_.insert(staged_.end(), stage{lane, direct, {}});
  s->gets.push_back(staged_get{key, std::move(ok), std::move(err)});
  if (!flush_queued_) {
    flush_queued_ = true;
    self_->send(self_, client_flush_atom::value); // behind everything already in the mailbox
  }
}

// One get to the batcher, answered with its own key's verdict. This hop has no timeout of its
// own: the batcher is ours, in this process, and answers every get with the outcome of its
// wire request, which carries the timeout; the op's deadline (track) bounds it as well.
void cluster_client::send_staged(get_batchers::lane* lane, bool direct, staged_get g) {
  self_
    ->request(lane->batcher, caf::infinite, get_atom::value, std::move(g.key), direct,
              table_->epoch())
    .then(
      [ok = std::move(g.ok), lane](lookup_result& r) {
        lane->answered();
        ok(r);
      },
      [err = std::move(g.err), lane](caf::error& e) {
        lane->answered();
        err(e);
      });
}

void cluster_client::flush() {
  flush_queued_ = false;
  auto stages = std::move(staged_);
  staged_.clear();
  for (auto& s : stages) {
    if (s.gets.size() == 1) {
      send_staged(s.lane, s.direct, std::move(s.gets.front()));
      continue;
    }
    std::vector<std::string> keys;
    keys.reserve(s.gets.size());
    for (auto& g : s.gets)
      keys.push_back(g.key);
    auto gets = std::make_shared<std::vector<staged_get>>(std::move(s.gets));
    auto lane = s.lane;
    auto direct = s.direct;
    self_
      ->request(lane->batcher, caf::infinite, get_many_atom::value, std::move(keys), direct,
                table_->epoch())
      .then(
        [gets, lane](lookup_results& rs) {
          for (size_t i = 0; i < gets->size(); ++i) {
            lane->answered();
            if (i < rs.size()) {
              (*gets)[i].ok(rs[i]);
            } else {
              caf::error e = make_error(errc::bad_request, "get_many answer of wrong length");
              (*gets)[i].err(e);
            }
          }
        },
        [this, gets, lane, direct](caf::error&) {
          // The batcher fails a get_many on its first bad key; ask key by key so each get
          // gets its own verdict (errors are rare, the extra messages do not matter).
          for (auto& g : *gets)
            send_staged(lane, direct, std::move(g));
        });
  }
}

void cluster_client::arm_expiry() {
  if (expiry_armed_ || pending_.empty())
    return;
  expiry_armed_ = true;
  // A request fails between timeout and timeout + a tenth of it after it was sent.
  auto tick = std::clamp<caf::timespan>(timeout_ / 10, std::chrono::milliseconds(10),
                                        std::chrono::milliseconds(250));
  self_->delayed_send(self_, tick, client_expire_atom::value);
}

void cluster_client::expire_overdue() {
  expiry_armed_ = false;
  pending_.expire(coarse_now(),
                  [](pending_request& p) { p.fail(make_error(caf::sec::request_timeout)); });
  arm_expiry();
}

void cluster_client::fail(uint64_t id, caf::error err) {
  if (auto p = pending_.take(id)) // none: failed by handle_down already; this is its late error
    p->fail(std::move(err));
}

void cluster_client::handle_down(const caf::down_msg& dm) {
  auto* n = table_->find(dm.source);
  if (n == nullptr)
    return;
  std::string id = n->id;
  client_log()->debug("node {} down: failing its pending requests", id);
  // Route new requests around it right away; the directory's newer table follows.
  table_ = std::make_shared<const cluster_map>(table_->without(id, table_->version()));
  for (auto& p : pending_.take_if([&](const pending_request& p) { return p.node_id == id; }))
    p.fail(node_down_error());
}

void cluster_client::adopt(cluster_map_ptr t) {
  if (t && t->version() > table_->version()) {
    table_ = std::move(t);
    monitor_nodes();
  }
}

void cluster_client::refresh(const std::string& failed_id, bool down, std::function<void()> next) {
  self_->request(directory_, timeout_, refresh_atom::value, table_->version(), failed_id, down)
    .then(
      [this, next](cluster_map_ptr& t) {
        adopt(std::move(t));
        next();
      },
      [next](caf::error&) { next(); });
}

template <class T>
void cluster_client::run(std::shared_ptr<single_op<T>> op) {
  auto r = table_->route_of(op->hash, op->avoid);
  if (r.node == nullptr) {
    op->done(make_error(errc::unavailable, "no reachable node"));
    return;
  }
  std::string node_id = r.node->id;
  auto on_fail = [this, op, node_id](caf::error err) {
    if (op->attempt > 0 || !op->may_retry || !retryable(err)) {
      op->done(std::move(err));
      return;
    }
    op->attempt = 1;
    // Only a node declared down is avoided: a slow owner (a timeout) gets the retry again, so
    // it joins the flight already running there instead of starting a second compute.
    op->avoid = is_down(err) && op->may_avoid ? node_id : std::string{};
    ++retries_;
    refresh(node_id, is_down(err), [this, op] { run(op); });
  };
  auto id = track(node_id, std::move(on_fail), op->timeout);
  op->send(
    *r.node, r.direct,
    [this, op, id](T& x) {
      if (settle(id))
        op->done(std::move(x));
    },
    [this, id](caf::error& err) { fail(id, std::move(err)); });
}

void cluster_client::get(std::string key, callback<lookup_result> done) {
  auto op = std::make_shared<single_op<lookup_result>>();
  op->hash = key_hash(key);
  op->done = std::move(done);
  op->send = [this, key = std::move(key)](const node_ref& n, bool direct, auto ok, auto err) {
    auto* lane = batchers_ ? batchers_->of(n) : nullptr;
    if (lane != nullptr && !lane->send_alone()) {
      // Others are under way: the batcher sends it to n within a get_many. The gets this
      // actor issues in one turn reach the batcher as one message (stage_get).
      stage_get(lane, direct, key, std::move(ok), std::move(err));
      return;
    }
    auto on_ok = [ok, lane](lookup_result& r) {
      if (lane != nullptr)
        lane->answered();
      ok(r);
    };
    auto on_err = [err, lane](caf::error& e) {
      if (lane != nullptr)
        lane->answered();
      err(e);
    };
    if (direct)
      self_
        ->request(n.handle, caf::infinite, route_atom::value, get_atom::value, key, table_->epoch())
        .then(on_ok, on_err);
    else
      self_->request(n.handle, caf::infinite, get_atom::value, key).then(on_ok, on_err);
  };
  run(op);
}

void cluster_client::put(std::string key, std::string entry_bytes, uint32_t ttl_seconds,
                         callback<put_status> done) {
  auto op = std::make_shared<single_op<put_status>>();
  op->hash = key_hash(key);
  op->done = std::move(done);
  // The handle is untyped: the reply must be taken as the uint8_t it travels as (a bool
  // handler would see an unexpected_response).
  op->send = [this, key = std::move(key), v = std::move(entry_bytes), ttl_seconds](
               const node_ref& n, bool direct, auto ok, auto err) {
    if (direct)
      self_
        ->request(n.handle, caf::infinite, route_atom::value, put_atom::value, key, v, ttl_seconds,
                  table_->epoch())
        .then(
          [ok](uint8_t s) {
            auto status = put_status_of(s);
            ok(status);
          },
          [err](caf::error& e) { err(e); });
    else
      self_->request(n.handle, caf::infinite, put_atom::value, key, v, ttl_seconds)
        .then(
          [ok](uint8_t s) {
            auto status = put_status_of(s);
            ok(status);
          },
          [err](caf::error& e) { err(e); });
  };
  run(op);
}

void cluster_client::erase(std::string key, callback<bool> done) {
  auto op = std::make_shared<single_op<bool>>();
  op->hash = key_hash(key);
  op->done = std::move(done);
  op->send = [this, key = std::move(key)](const node_ref& n, bool direct, auto ok, auto err) {
    if (direct)
      self_
        ->request(n.handle, caf::infinite, route_atom::value, delete_atom::value, key,
                  table_->epoch())
        .then([ok](bool b) { ok(b); }, [err](caf::error& e) { err(e); });
    else
      self_->request(n.handle, caf::infinite, delete_atom::value, key)
        .then([ok](bool b) { ok(b); }, [err](caf::error& e) { err(e); });
  };
  run(op);
}

void cluster_client::keyspace(key_op op, std::string key, int64_t arg, callback<int64_t> done) {
  auto sop = std::make_shared<single_op<int64_t>>();
  sop->hash = key_hash(key);
  sop->done = std::move(done);
  auto code = static_cast<uint8_t>(op);
  sop->send = [this, key = std::move(key), code, arg](const node_ref& n, bool direct, auto ok,
                                                      auto err) {
    if (direct)
      self_
        ->request(n.handle, caf::infinite, route_atom::value, keyspace_atom::value, code, key, arg,
                  table_->epoch())
        .then([ok](int64_t x) { ok(x); }, [err](caf::error& e) { err(e); });
    else
      self_->request(n.handle, caf::infinite, keyspace_atom::value, code, key, arg)
        .then([ok](int64_t x) { ok(x); }, [err](caf::error& e) { err(e); });
  };
  run(sop);
}

// The lease requests (cluster_client_leases.cpp) run as single ops too.
template void cluster_client::run<lease_reply>(std::shared_ptr<single_op<lease_reply>>);
template void cluster_client::run<bool>(std::shared_ptr<single_op<bool>>);

} // namespace ac
