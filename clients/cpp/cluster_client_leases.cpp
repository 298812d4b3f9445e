// cluster_client's leases: get-or-lease, fill and abandon at a key's owner, and get_or_compute over them.
#include <exception>
#include <utility>

#include "clients/cpp/cluster_client.hpp"
#include "clients/cpp/cluster_client_op.hpp"
#include "core/key_normalization.hpp"
#include "core/lease_table.hpp"
#include "core/ttl_clock.hpp"
#include "messages/entry_codec.hpp"
#include "messages/errors.hpp"

namespace ac {

// Lease requests always go routed to the key's owner (the peer interface's route_atom form,
// as a node's RESP session sends AC.GETORLEASE on): the lease lives in the owner's keeper and
// is held by the sender, this actor, which the keeper watches. A node whose view is newer than
// this client's table sends them on to the owner it knows (actors/front_internal.hpp serve_routed_at).

void cluster_client::get_or_lease(std::string key, uint32_t lease_ms, callback<lease_reply> done) {
  auto op = std::make_shared<single_op<lease_reply>>();
  op->hash = key_hash(key);
  op->done = std::move(done);
  // The keeper reads L1 and L2 first (a request timeout each), then keeps a caller in line
  // while holders before it may each run out their lease.
  op->timeout = 3 * timeout_ + std::chrono::milliseconds(lease_table::longest_wait_ms(lease_ms));
  op->may_avoid = false;
  op->send = [this, key = std::move(key), lease_ms](const node_ref& n, bool, auto ok, auto err) {
    self_
      ->request(n.handle, caf::infinite, route_atom::value, lease_atom::value, get_atom::value, key,
                lease_ms, table_->epoch())
      .then([ok](lease_reply& r) { ok(r); }, [err](caf::error& e) { err(e); });
  };
  run(op);
}

void cluster_client::fill(std::string key, std::string token, std::string entry_bytes,
                          uint32_t ttl_seconds, callback<bool> done) {
  auto op = std::make_shared<single_op<bool>>();
  op->hash = key_hash(key);
  op->done = std::move(done);
  op->may_avoid = false;
  op->may_retry = false;
  op->send = [this, key = std::move(key), token = std::move(token), v = std::move(entry_bytes),
              ttl_seconds](const node_ref& n, bool, auto ok, auto err) {
    self_
      ->request(n.handle, caf::infinite, route_atom::value, lease_atom::value, put_atom::value, key,
                token, v, ttl_seconds, table_->epoch())
      .then([ok](bool b) { ok(b); }, [err](caf::error& e) { err(e); });
  };
  run(op);
}

void cluster_client::abandon(std::string key, std::string token, callback<bool> done) {
  auto op = std::make_shared<single_op<bool>>();
  op->hash = key_hash(key);
  op->done = std::move(done);
  op->may_avoid = false;
  op->send = [this, key = std::move(key), token = std::move(token)](const node_ref& n, bool,
                                                                    auto ok, auto err) {
    self_
      ->request(n.handle, caf::infinite, route_atom::value, lease_atom::value, delete_atom::value,
                key, token, table_->epoch())
      .then([ok](bool b) { ok(b); }, [err](caf::error& e) { err(e); });
  };
  run(op);
}

namespace {

bool is_stale_lease(const caf::error& err) {
  return err.category() == errc_category && err.code() == static_cast<uint8_t>(errc::stale_lease);
}

} // namespace

void cluster_client::get_or_compute(std::string key, std::function<std::string()> compute,
                                    uint32_t ttl_seconds, uint32_t lease_ms,
                                    callback<std::string> done) {
  auto on_reply = [this, key, compute = std::move(compute), ttl_seconds,
                   done = std::move(done)](caf::expected<lease_reply> r) mutable {
    if (!r)
      return done(std::move(r.error()));
    if (!r->leased) {
      std::string why;
      auto e = decode_entry(r->entry, &why);
      if (!e)
        return done(make_error(errc::bad_value, "the node returned an undecodable entry: " + why));
      return done(std::move(e->data)); // a tensor's row-major bytes, as a get returns them
    }
    std::string value;
    try {
      value = compute();
    } catch (const std::exception& ex) {
      // A waiting caller computes instead; the lease would pass on at its end anyway.
      abandon(key, r->token, [](caf::expected<bool>) {});
      return done(make_error(errc::compute_failed, ex.what()));
    } catch (...) {
      abandon(key, r->token, [](caf::expected<bool>) {});
      return done(make_error(errc::compute_failed, "compute threw"));
    }
    auto bytes = encode_bytes_entry(value, ttl_seconds, unix_ms(), "actorcache-cpp");
    fill(key, r->token, std::move(bytes), ttl_seconds,
         [value = std::move(value), done = std::move(done)](caf::expected<bool> filled) mutable {
           // Taken over (the compute outran lease_ms): the value is still this caller's answer.
           if (!filled && !is_stale_lease(filled.error()))
             return done(std::move(filled.error()));
           done(std::move(value));
         });
  };
  get_or_lease(std::move(key), lease_ms, std::move(on_reply));
}

} // namespace ac
