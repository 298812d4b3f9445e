// A client's snapshot of the cluster: connected members, who owns which key, and when to bypass forwarding.
#include "clients/cpp/cluster_map.hpp"

#include "core/route_choice.hpp"

namespace ac {

cluster_map::cluster_map(uint64_t version, uint64_t epoch, std::vector<node_ref> nodes,
                         std::vector<std::string> reported_alive)
  : version_(version), epoch_(epoch), nodes_(std::move(nodes)),
    reported_(std::move(reported_alive)) {
  std::vector<std::string> ids;
  for (const auto& n : nodes_)
    ids.push_back(n.id);
  ring_.set_members(std::move(ids));
  reported_ring_.set_members(reported_);
}

const node_ref* cluster_map::by_id(const std::string& id) const {
  for (const auto& n : nodes_)
    if (n.id == id)
      return &n;
  return nullptr;
}

route cluster_map::route_of(uint64_t key_hash, std::string_view avoid) const {
  auto chosen = choose_route(ring_, reported_ring_, key_hash, avoid);
  if (chosen.member == nullptr)
    return {};
  return {by_id(*chosen.member), chosen.direct};
}

const node_ref* cluster_map::find(const caf::actor_addr& addr) const {
  for (const auto& n : nodes_)
    if (n.handle.address() == addr)
      return &n;
  return nullptr;
}

cluster_map cluster_map::without(const std::string& id, uint64_t version) const {
  std::vector<node_ref> rest;
  for (const auto& n : nodes_)
    if (n.id != id)
      rest.push_back(n);
  return cluster_map{version, epoch_, std::move(rest), reported_};
}

} // namespace ac
