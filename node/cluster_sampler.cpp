// The dashboard's sampler thread (see cluster_sampler.hpp).
#include "node/cluster_sampler.hpp"

#include <spdlog/spdlog.h>
#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "actors/metrics.hpp"
#include "core/host_port.hpp"
#include "core/latency_histogram.hpp"
#include "core/ttl_clock.hpp"

namespace ac {

namespace {

/// The lifetime counters of a report, lookups' latency merged as the metrics actor merges it.
counter_snapshot snapshot_of(const node_report& rep, uint64_t now_ms) {
  counter_snapshot s;
  s.time_ms = now_ms;
  auto count = [](double v) { return v < 0 ? uint64_t{0} : static_cast<uint64_t>(v); };
  s.hits = count(rep.totals.hits);
  s.misses = count(rep.totals.misses);
  s.computes = count(rep.totals.computes);
  s.latency_buckets = lookup_latency(rep.actors).buckets();
  return s;
}

} // namespace

cluster_sampler::cluster_sampler(caf::actor_system& sys, front_actor local,
                                 caf::io::middleman_actor connector,
                                 std::chrono::milliseconds interval,
                                 std::chrono::milliseconds timeout)
  : sys_(sys), local_(std::move(local)), connector_(std::move(connector)), interval_(interval),
    timeout_(timeout) {}

cluster_sampler::~cluster_sampler() { stop(); }

void cluster_sampler::start() {
  if (!thread_.joinable())
    thread_ = std::thread([this] { loop(); });
}

void cluster_sampler::stop() {
  {
    std::lock_guard<std::mutex> guard{mutex_};
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable())
    thread_.join();
}

cluster_sample cluster_sampler::latest() const {
  std::lock_guard<std::mutex> guard{mutex_};
  return sample_;
}

void cluster_sampler::loop() {
  std::unique_lock<std::mutex> guard{mutex_};
  while (!stopping_) {
    guard.unlock();
    sample_once();
    guard.lock();
    wake_.wait_for(guard, interval_, [this] { return stopping_; });
  }
}

front_actor cluster_sampler::front_of(const member_info& m, const std::string& self_id,
                                      std::string* error) {
  if (m.id == self_id)
    return local_;
  if (auto it = peers_.find(m.address); it != peers_.end())
    return it->second;
  auto hp = parse_host_port(m.address);
  if (!hp) {
    *error = "address '" + m.address + "' is not host:port";
    return {};
  }
  auto host = hp->host;
  auto port = hp->port;
  front_actor found;
  caf::scoped_actor self{sys_};
  self->request(connector_, timeout_, caf::connect_atom::value, host, port)
    .receive(
      [&](const caf::node_id&, caf::strong_actor_ptr& ptr, const std::set<std::string>&) {
        if (ptr)
          found = caf::actor_cast<front_actor>(ptr);
        else
          *error = "no actor published at " + m.address;
      },
      [&](caf::error& err) { *error = sys_.render(err); });
  if (found)
    peers_[m.address] = found;
  return found;
}

void cluster_sampler::sample_once() {
  caf::scoped_actor self{sys_};
  membership_view view;
  bool have_view = false;
  self->request(local_, timeout_, members_atom::value)
    .receive(
      [&](membership_view& v) {
        view = std::move(v);
        have_view = true;
      },
      [&](caf::error& err) { spdlog::debug("dashboard: members: {}", sys_.render(err)); });
  if (!have_view)
    return;
  std::map<std::string, std::pair<bool, std::string>> outcome; // id -> reachable, error
  std::map<std::string, node_report> reports;
  for (const auto& m : view.members) {
    if (m.state == member_state::left)
      continue;
    std::string error;
    auto front = m.state == member_state::down ? front_actor{} : front_of(m, view.self, &error);
    if (!front) {
      outcome[m.id] = {false,
                       error.empty() ? "member is " + std::string{to_string(m.state)} : error};
      continue;
    }
    bool ok = false;
    self->request(front, timeout_, report_atom::value)
      .receive(
        [&](node_report& r) {
          reports[m.id] = std::move(r);
          ok = true;
        },
        [&](caf::error& err) { error = sys_.render(err); });
    if (!ok)
      peers_.erase(m.address); // a restarted member comes back on a new connection
    outcome[m.id] = {ok, error};
  }
  auto now = static_cast<uint64_t>(steady_ms());
  std::lock_guard<std::mutex> guard{mutex_};
  for (auto it = sample_.nodes.begin(); it != sample_.nodes.end();)
    it = outcome.count(it->first) ? std::next(it) : sample_.nodes.erase(it);
  for (auto& [id, o] : outcome) {
    auto& n = sample_.nodes[id];
    n.reachable = o.first;
    n.error = o.second;
    if (auto r = reports.find(id); r != reports.end()) {
      n.series.push(snapshot_of(r->second, now));
      n.report = std::move(r->second);
    }
  }
  sample_.view = std::move(view);
  sample_.taken_ms = static_cast<uint64_t>(unix_ms());
  ++sample_.samples;
}

} // namespace ac
