// The smart client's get_many: keys split by owner node, one get_many per node (through its batcher), answers back in key order.
#include "clients/cpp/cluster_client.hpp"

#include <tuple>

#include "core/key_normalization.hpp"
#include "core/key_partition.hpp"
#include "messages/errors.hpp"

namespace ac {

namespace {

/// Where a part of a get_many goes: a node, asked directly (routed) or as its own key's owner.
struct many_dest {
  const node_ref* node = nullptr;
  bool direct = false;
  bool operator<(const many_dest& o) const {
    return std::tie(node->id, direct) < std::tie(o.node->id, o.direct);
  }
};

} // namespace

struct cluster_client::many_gather {
  gather<lookup_result, caf::error> parts;
  callback<lookup_results> done;

  /// Answers the caller once every part is in: the first error, or the values in key order.
  void finish_if_done() {
    if (!parts.done())
      return;
    if (parts.error())
      done(*parts.error());
    else
      done(std::move(parts.results()));
  }
};

void cluster_client::get_many(std::vector<std::string> keys, callback<lookup_results> done) {
  run_many(std::move(keys), 0, {}, std::move(done));
}

void cluster_client::run_many(std::vector<std::string> keys, int attempt, std::string avoid,
                              callback<lookup_results> done) {
  auto plan = partition<many_dest>(keys.size(), [&](size_t i) -> std::optional<many_dest> {
    auto r = table_->route_of(key_hash(keys[i]), avoid);
    if (r.node == nullptr)
      return std::nullopt;
    return many_dest{r.node, r.direct};
  });
  if (!plan) {
    done(make_error(errc::unavailable, "no reachable node"));
    return;
  }
  if (plan->empty()) {
    done(lookup_results{});
    return;
  }
  auto acc = std::make_shared<many_gather>(
    many_gather{gather<lookup_result, caf::error>{keys.size(), plan->size()}, std::move(done)});
  for (auto& part : *plan) {
    auto part_keys = pick(keys, part); // before part.index is moved away
    send_many_part(*part.dest.node, part.dest.direct, std::move(part_keys), std::move(part.index),
                   attempt, acc);
  }
}

void cluster_client::send_many_part(const node_ref& node, bool direct,
                                    std::vector<std::string> keys, std::vector<size_t> index,
                                    int attempt, std::shared_ptr<many_gather> acc) {
  auto positions = std::make_shared<std::vector<size_t>>(std::move(index));
  auto place = [acc, positions](caf::expected<lookup_results> r) {
    if (r)
      acc->parts.place(*positions, *r,
                       make_error(errc::bad_request, "get_many answer of wrong length"));
    else
      acc->parts.fail(std::move(r.error()));
    acc->finish_if_done();
  };
  std::string node_id = node.id;
  auto id = track(node_id, [this, attempt, keys, node_id, place](caf::error err) {
    if (attempt > 0 || !retryable(err)) {
      place(std::move(err));
      return;
    }
    ++retries_;
    bool down = err == node_down_error();
    auto avoid = down ? node_id : std::string{}; // a slow owner is asked again
    refresh(node_id, down, [this, keys, avoid, place] { run_many(keys, 1, avoid, place); });
  });
  auto* lane = batchers_ ? batchers_->of(node) : nullptr;
  auto ok = [this, id, place, lane](lookup_results& r) {
    if (lane != nullptr)
      lane->answered();
    if (settle(id))
      place(std::move(r));
  };
  auto err = [this, id, lane](caf::error& e) {
    if (lane != nullptr)
      lane->answered();
    fail(id, std::move(e));
  };
  if (lane != nullptr && !lane->send_alone()) {
    // Others are under way: the batcher merges these keys with theirs into fewer wire
    // messages (a local hop without a timeout of its own, as for single gets).
    self_
      ->request(lane->batcher, caf::infinite, get_many_atom::value, std::move(keys), direct,
                table_->epoch())
      .then(ok, err);
    return;
  }
  if (direct)
    self_
      ->request(node.handle, caf::infinite, route_atom::value, get_many_atom::value,
                std::move(keys), table_->epoch())
      .then(ok, err);
  else
    self_->request(node.handle, caf::infinite, get_many_atom::value, std::move(keys)).then(ok, err);
}

} // namespace ac
