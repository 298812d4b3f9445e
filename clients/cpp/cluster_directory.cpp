// Discovering the cluster behind the --node addresses, and the actor that keeps the routing table current.
#include "clients/cpp/cluster_directory.hpp"
#include "clients/cpp/client_log.hpp"

#include <set>

#include <spdlog/spdlog.h>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "clients/cpp/node_connection.hpp"
#include "messages/errors.hpp"

namespace ac {

namespace {

std::vector<const member_info*> alive_members(const membership_view& view) {
  std::vector<const member_info*> out;
  for (const auto& m : view.members)
    if (m.state == member_state::alive)
      out.push_back(&m);
  return out;
}

// The RESP address member `id` announces in `view` ("" when it has no RESP port).
std::string resp_address_of(const membership_view& view, const std::string& id) {
  for (const auto& m : view.members)
    if (m.id == id)
      return m.resp_address;
  return {};
}

} // namespace

caf::expected<cluster_map_ptr> discover_cluster(caf::actor_system& sys,
                                                const std::vector<std::string>& nodes,
                                                caf::timespan timeout, bool follow_members) {
  std::string used;
  auto first = connect_first(sys, nodes, timeout, &used);
  if (!first)
    return std::move(first.error());
  caf::scoped_actor self{sys};
  membership_view view;
  caf::error err;
  self->request(*first, timeout, members_atom::value)
    .receive([&](membership_view& v) { view = std::move(v); }, [&](caf::error& e) { err = e; });
  if (!follow_members) // empty reported list: route_of never marks a request direct
    return std::make_shared<const cluster_map>(
      1, 0, std::vector<node_ref>{node_ref{used, used, *first, resp_address_of(view, view.self)}},
      std::vector<std::string>{});
  auto alive = alive_members(view);
  if (err || alive.size() <= 1) {
    if (err)
      client_log()->warn("members of {} unknown ({}): sending everything to it", used,
                         describe(err));
    std::string id = alive.size() == 1 ? alive.front()->id : (view.self.empty() ? used : view.self);
    std::vector<std::string> reported;
    if (!err)
      reported.push_back(id);
    return std::make_shared<const cluster_map>(
      1, view.epoch, std::vector<node_ref>{node_ref{id, used, *first, resp_address_of(view, id)}},
      std::move(reported));
  }
  std::vector<node_ref> refs;
  std::vector<std::string> reported;
  for (auto* m : alive) {
    reported.push_back(m->id);
    auto hp = parse_host_port(m->address);
    if (m->address == used || m->id == view.self) {
      refs.push_back(node_ref{m->id, m->address, *first, m->resp_address});
      continue;
    }
    if (!hp) {
      client_log()->warn("member {} has a bad address '{}': skipped", m->id, m->address);
      continue;
    }
    auto h = connect_node(sys, *hp, timeout);
    if (!h) {
      client_log()->warn("member {}: {}", m->id, describe(h.error()));
      continue;
    }
    refs.push_back(node_ref{m->id, m->address, *h, m->resp_address});
  }
  client_log()->info("cluster epoch {}: {} alive members, {} connected", view.epoch, alive.size(),
                     refs.size());
  return std::make_shared<const cluster_map>(1, view.epoch, std::move(refs), std::move(reported));
}

namespace {

struct directory_state {
  cluster_map_ptr table;
  std::set<std::string> dead; // seen down during this run
  caf::timespan timeout{};
  bool fetching = false;                      // a members request is under way
  std::vector<caf::response_promise> waiting; // refreshes answered when it ends
  static inline const char* name = "cluster_directory";
};

using directory_actor = caf::stateful_actor<directory_state>;

void monitor_all(directory_actor* self, const cluster_map& t) {
  for (const auto& n : t.nodes())
    self->monitor(n.handle);
}

void drop_member(directory_actor* self, const std::string& id) {
  auto& st = self->state;
  if (!st.dead.insert(id).second)
    return;
  client_log()->warn("member {} is down: routing around it", id);
  st.table = std::make_shared<const cluster_map>(st.table->without(id, st.table->version() + 1));
}

void finish_fetch(directory_actor* self) {
  auto& st = self->state;
  st.fetching = false;
  for (auto& rp : st.waiting)
    rp.deliver(st.table);
  st.waiting.clear();
}

// Builds the next table from `view`: known handles are kept, new alive members connected.
void adopt_view(directory_actor* self, membership_view view) {
  auto& st = self->state;
  auto pending = std::make_shared<size_t>(1);
  auto refs = std::make_shared<std::vector<node_ref>>();
  auto reported = std::make_shared<std::vector<std::string>>();
  auto epoch = view.epoch;
  auto done = [self, pending, refs, reported, epoch] {
    if (--*pending > 0)
      return;
    auto& st = self->state;
    st.table = std::make_shared<const cluster_map>(st.table->version() + 1, epoch, std::move(*refs),
                                                   std::move(*reported));
    monitor_all(self, *st.table);
    finish_fetch(self);
  };
  for (const auto& m : view.members) {
    if (m.state != member_state::alive)
      continue;
    reported->push_back(m.id);
    if (st.dead.count(m.id) > 0)
      continue;
    auto known = std::find_if(st.table->nodes().begin(), st.table->nodes().end(),
                              [&](const node_ref& n) { return n.id == m.id; });
    if (known != st.table->nodes().end()) {
      refs->push_back(*known);
      refs->back().resp_address = m.resp_address; // a restarted member may have a new one
      continue;
    }
    auto hp = parse_host_port(m.address);
    if (!hp)
      continue;
    ++*pending;
    connect_node_async(
      self, *hp, st.timeout, [refs, done, m](caf::expected<front_actor> h) mutable {
        if (h)
          refs->push_back(node_ref{m.id, m.address, std::move(*h), m.resp_address});
        else
          client_log()->warn("member {}: {}", m.id, describe(h.error()));
        done();
      });
  }
  done();
}

void fetch_members(directory_actor* self, const std::string& failed_id) {
  auto& st = self->state;
  const node_ref* ask = nullptr;
  for (const auto& n : st.table->nodes())
    if (n.id != failed_id) {
      ask = &n;
      break;
    }
  if (ask == nullptr) {
    finish_fetch(self);
    return;
  }
  st.fetching = true;
  self->request(ask->handle, st.timeout, members_atom::value)
    .then([self](membership_view& v) { adopt_view(self, std::move(v)); },
          [self](caf::error& e) {
            client_log()->warn("membership refresh failed: {}", describe(e));
            finish_fetch(self);
          });
}

caf::behavior directory(directory_actor* self, cluster_map_ptr table, caf::timespan timeout) {
  self->state.table = std::move(table);
  self->state.timeout = timeout;
  monitor_all(self, *self->state.table);
  self->set_down_handler([self](caf::down_msg& dm) {
    if (auto* n = self->state.table->find(dm.source))
      drop_member(self, std::string{n->id});
  });
  return {
    [self](table_atom) { return self->state.table; },
    [self](refresh_atom, uint64_t seen, const std::string& failed_id,
           bool down) -> caf::result<cluster_map_ptr> {
      auto& st = self->state;
      if (down)
        drop_member(self, failed_id);
      if (st.table->version() > seen)
        return st.table;
      auto rp = self->make_response_promise();
      st.waiting.push_back(rp);
      if (!st.fetching)
        fetch_members(self, failed_id);
      return rp;
    },
  };
}

} // namespace

caf::actor spawn_directory(caf::actor_system& sys, cluster_map_ptr table, caf::timespan timeout) {
  return sys.spawn(directory, std::move(table), timeout);
}

} // namespace ac
