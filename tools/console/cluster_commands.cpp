// The console's commands over every member of a cluster: stats --all, recommendations --all,
// info, members remove.
#include "tools/console/cluster_commands.hpp"

#include <algorithm>
#include <iostream>
#include <set>

#include "clients/cpp/cluster_directory.hpp"
#include "clients/cpp/node_connection.hpp"
#include "core/printable_text.hpp"
#include "tools/common/report_json.hpp"
#include "tools/console/info_view.hpp"
#include "tools/console/report_table.hpp"

namespace ac::console {
namespace {

/// info for one front: its report and its member view.
int info_of(caf::actor_system& sys, const console_config& cfg, const front_actor& node, json* doc,
            std::string& out) {
  auto r = ask<node_report>(sys, node, cfg.timeout, report_atom::value);
  if (!r)
    return fail(describe(r.error()));
  auto v = ask<membership_view>(sys, node, cfg.timeout, members_atom::value);
  if (!v)
    return fail(describe(v.error()));
  if (doc != nullptr)
    *doc = info_json(*r, *v);
  out += (out.empty() ? "" : "\n") + render_info(*r, *v);
  return 0;
}

} // namespace

int cmd_stats_all(caf::actor_system& sys, const console_config& cfg) {
  auto map = discover_cluster(sys, cfg.nodes, cfg.timeout);
  if (!map)
    return fail(describe(map.error()));
  return repeat(cfg.watch, cfg.count, cfg.json, [&] {
    std::vector<node_report> reports;
    std::vector<absent_member> absent;
    int rc = 0;
    // The members list names those the map leaves out (down, left, suspect): an operator
    // must see them, with their state, rather than a cluster that looks smaller.
    membership_view view;
    for (const auto& n : (*map)->nodes())
      if (auto v = ask<membership_view>(sys, n.handle, cfg.timeout, members_atom::value)) {
        view = std::move(*v);
        break;
      }
    std::set<std::string> reported;
    for (const auto& n : (*map)->nodes()) {
      auto r = ask<node_report>(sys, n.handle, cfg.timeout, report_atom::value);
      if (!r) {
        rc = fail("member " + escape_bytes(n.id) + ": " + describe(r.error()));
        absent.push_back(absent_member{n.id, "", "unreachable"});
        reported.insert(n.id);
        continue;
      }
      reported.insert(r->id);
      reports.push_back(std::move(*r));
    }
    for (const auto& m : view.members)
      if (reported.count(m.id) == 0)
        absent.push_back(absent_member{m.id, m.address, std::string{to_string(m.state)}});
    if (cfg.json) {
      std::cout << reports_to_json(reports, absent) << "\n";
    } else {
      for (size_t i = 0; i < reports.size(); ++i)
        std::cout << (i > 0 ? "\n" : "") << render_stats(reports[i]);
      if (!absent.empty())
        std::cout << "\n";
      for (const auto& m : absent)
        std::cout << render_absent_member(m);
    }
    return rc;
  });
}

int cmd_recommendations_all(caf::actor_system& sys, const console_config& cfg) {
  auto map = discover_cluster(sys, cfg.nodes, cfg.timeout);
  if (!map)
    return fail(describe(map.error()));
  return repeat(cfg.watch, cfg.count, cfg.json, [&] {
    int rc = 0;
    json nodes = json::array();
    std::string out;
    for (const auto& n : (*map)->nodes()) {
      auto r = ask<node_report>(sys, n.handle, cfg.timeout, report_atom::value);
      if (!r) {
        rc = fail("member " + escape_bytes(n.id) + ": " + describe(r.error()));
        continue;
      }
      json recs = json::array();
      for (const auto& s : r->recommendations)
        recs.push_back(json_text(s));
      nodes.push_back({{"id", json_text(r->id)}, {"recommendations", std::move(recs)}});
      out += (out.empty() ? "" : "\n") + escape_bytes(r->id) + ":\n" + render_recommendations(*r);
    }
    std::cout << (cfg.json ? dump_json(json{{"nodes", std::move(nodes)}}) + "\n" : out);
    return rc;
  });
}

int cmd_info(caf::actor_system& sys, const console_config& cfg) {
  std::vector<front_actor> fronts;
  if (cfg.all) {
    auto map = discover_cluster(sys, cfg.nodes, cfg.timeout);
    if (!map)
      return fail(describe(map.error()));
    for (const auto& n : (*map)->nodes())
      fronts.push_back(n.handle);
  } else {
    auto node = connect_first(sys, cfg.nodes, cfg.timeout);
    if (!node)
      return fail(describe(node.error()));
    fronts.push_back(*node);
  }
  json docs = json::array(); // one per front that answered
  std::string out;
  int rc = 0;
  for (const auto& f : fronts) {
    json doc;
    rc = std::max(rc, info_of(sys, cfg, f, cfg.json ? &doc : nullptr, out));
    if (!doc.is_null())
      docs.push_back(std::move(doc));
  }
  std::string text = cfg.all        ? dump_json(json{{"nodes", std::move(docs)}})
                     : docs.empty() ? std::string{}
                                    : dump_json(docs[0]);
  std::cout << (cfg.json ? text + "\n" : out);
  return rc;
}

int cmd_members_remove(caf::actor_system& sys, const console_config& cfg, const std::string& id) {
  auto map = discover_cluster(sys, cfg.nodes, cfg.timeout);
  if (!map)
    return fail(describe(map.error()));
  for (const auto& n : (*map)->nodes())
    if (n.id == id)
      return fail("member '" + escape_bytes(id)
                  + "' is alive; only a down or left member can be removed");
  int rc = 0;
  size_t removed = 0;
  json nodes = json::array();
  for (const auto& n : (*map)->nodes()) {
    auto r = ask<bool>(sys, n.handle, cfg.timeout, members_atom::value, delete_atom::value, id);
    json row{{"id", json_text(n.id)}};
    if (r) {
      removed += *r;
      row["removed"] = *r;
    } else {
      rc = fail("member " + escape_bytes(n.id) + ": " + describe(r.error()));
      row["error"] = json_text(describe(r.error()));
    }
    nodes.push_back(std::move(row));
  }
  if (rc == 0 && removed == 0)
    rc = fail("no member knows '" + escape_bytes(id) + "'");
  if (cfg.json)
    std::cout << dump_json(json{{"member", json_text(id)}, {"nodes", std::move(nodes)}}) << "\n";
  else if (removed > 0)
    std::cout << "removed " << escape_bytes(id) << " from " << removed << " of "
              << (*map)->nodes().size() << " live members\n";
  return rc;
}

} // namespace ac::console
