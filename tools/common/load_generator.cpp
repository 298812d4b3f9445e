// The load generator: N client actors keeping W requests in flight until R requests are answered.
#include "tools/common/load_generator.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>

#include <spdlog/spdlog.h>
#include <caf/stateful_actor.hpp>

#include "clients/cpp/cluster_client.hpp"
#include "core/ttl_clock.hpp"
#include "core/zipf_generator.hpp"
#include "io/json.hpp"
#include "messages/entry_codec.hpp"
#include "messages/errors.hpp"

namespace ac {

void load_result::merge(const load_result& o) {
#define AC_LOAD_ADD(name) name += o.name;
  AC_LOAD_COUNTERS(AC_LOAD_ADD)
#undef AC_LOAD_ADD
  latency.merge(o.latency);
  for (const auto& [k, n] : o.error_kinds)
    error_kinds[k] += n;
}

std::string validate(const load_options& o) {
  if (o.clients == 0)
    return "--clients must be at least 1";
  if (o.window == 0)
    return "--window must be at least 1";
  if (o.keys == 0)
    return "--keys must be at least 1";
  if (o.batch == 0)
    return "--batch must be at least 1";
  if (o.dist != "uniform" && o.dist != "zipf")
    return "--dist must be uniform or zipf";
  if (!(o.zipf >= 0))
    return "--zipf must be >= 0";
  if (!(o.get_ratio >= 0 && o.get_ratio <= 1))
    return "--get-ratio must be in 0..1";
  if (o.fast_path != "on" && o.fast_path != "off")
    return "--fast-path must be on or off";
  if (o.resp_links > 64)
    return "--resp-links must be at most 64";
  return {};
}

std::string verify_value(const std::string& key, uint32_t size) {
  std::string v;
  v.reserve(size);
  while (!key.empty() && v.size() < size)
    v.append(key, 0, std::min<size_t>(key.size(), size - v.size()));
  return v;
}

namespace {

using clock_type = std::chrono::steady_clock;

// Shared by the client actors of one run: the request budget and the merged result.
struct run_shared {
  load_options opts;
  std::atomic<uint64_t> issued{0};   // requests taken from the budget
  std::atomic<uint64_t> next_seq{0}; // --sequential: the next key index
  std::mutex mtx;
  load_result total;
  uint32_t running = 0; // client actors not yet finished
  std::promise<void> finished;

  bool take_ticket() { return issued.fetch_add(1, std::memory_order_relaxed) < opts.requests; }

  void report(const load_result& r) {
    std::lock_guard<std::mutex> guard{mtx};
    total.merge(r);
    if (--running == 0)
      finished.set_value();
  }
};

struct load_client_state {
  std::unique_ptr<cluster_client> client;
  std::shared_ptr<run_shared> shared;
  load_result result;
  uint32_t inflight = 0;
  bool done = false;
  bool issuing = false; // issue_more is on the stack
  std::mt19937_64 rng;
  std::optional<zipf_generator> zipf;
  std::string entry_bytes; // the encoded Entry every put writes (unless --verify)
  int64_t created_ms = 0;  // the Entry's creation time
  static inline const char* name = "load_client";
};

using load_client = caf::stateful_actor<load_client_state>;

std::string next_key(load_client* self) {
  auto& st = self->state;
  const auto& o = st.shared->opts;
  uint64_t idx = o.sequential ? st.shared->next_seq.fetch_add(1, std::memory_order_relaxed) % o.keys
                 : st.zipf    ? st.zipf->next()
                              : st.rng() % o.keys;
  auto digits = std::to_string(idx);
  if (digits.size() < o.key_width)
    digits.insert(0, o.key_width - digits.size(), '0');
  return o.key_prefix + digits;
}

void issue_more(load_client* self);

void finish_request(load_client* self, clock_type::time_point start, const caf::error* err) {
  auto& st = self->state;
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now() - start);
  st.result.latency.record(static_cast<uint64_t>(us.count()));
  ++st.result.requests;
  if (err != nullptr) {
    ++st.result.errors;
    ++st.result.error_kinds[describe(*err)];
  } else {
    ++st.result.ok;
  }
  --st.inflight;
  issue_more(self);
}

void count_lookup(load_client_state& st, const lookup_result& r) {
  if (r.found)
    ++st.result.hits;
  else
    ++st.result.misses;
}

void check_value(load_client_state& st, const std::string& key, const lookup_result& r) {
  if (r.source == static_cast<uint8_t>(tier::payload)) { // read over RESP: the bare payload
    if (r.value != verify_value(key, st.shared->opts.value_size))
      ++st.result.wrong;
    return;
  }
  auto e = decode_entry(r.value);
  if (!e || e->data != verify_value(key, st.shared->opts.value_size))
    ++st.result.wrong;
}

void issue_one(load_client* self) {
  auto& st = self->state;
  const auto& o = st.shared->opts;
  auto start = clock_type::now();
  ++st.inflight;
  std::uniform_real_distribution<double> coin{0.0, 1.0};
  bool is_get = o.get_ratio >= 1.0 || coin(st.rng) < o.get_ratio;
  if (!is_get) {
    ++st.result.puts;
    ++st.result.keys;
    auto key = next_key(self);
    auto bytes = o.verify ? encode_entry(make_bytes_entry(verify_value(key, o.value_size), o.ttl,
                                                          st.created_ms, "actorcache-client"))
                          : st.entry_bytes;
    st.client->put(std::move(key), std::move(bytes), o.ttl,
                   [self, start](caf::expected<put_status> r) {
                     finish_request(self, start, r ? nullptr : &r.error());
                   });
  } else if (o.batch <= 1) {
    ++st.result.gets;
    ++st.result.keys;
    auto key = next_key(self);
    std::string expected_key = o.verify ? key : std::string{};
    st.client->get(std::move(key),
                   [self, start, k = std::move(expected_key)](caf::expected<lookup_result> r) {
                     if (r) {
                       count_lookup(self->state, *r);
                       if (self->state.shared->opts.verify && r->found)
                         check_value(self->state, k, *r);
                     }
                     finish_request(self, start, r ? nullptr : &r.error());
                   });
  } else {
    ++st.result.gets;
    std::vector<std::string> keys;
    for (uint32_t i = 0; i < o.batch; ++i)
      keys.push_back(next_key(self));
    st.result.keys += keys.size();
    auto expected_keys = o.verify ? keys : std::vector<std::string>{};
    st.client->get_many(std::move(keys), [self, start, ks = std::move(expected_keys)](
                                           caf::expected<lookup_results> r) {
      if (r)
        for (size_t i = 0; i < r->size(); ++i) {
          count_lookup(self->state, (*r)[i]);
          if (i < ks.size() && (*r)[i].found)
            check_value(self->state, ks[i], (*r)[i]);
        }
      finish_request(self, start, r ? nullptr : &r.error());
    });
  }
}

void issue_more(load_client* self) {
  auto& st = self->state;
  // A request that fails at once (no reachable node) finishes inside issue_one; the loop
  // below then issues its successor, instead of one nested call per request.
  if (st.done || st.issuing)
    return;
  st.issuing = true;
  while (st.inflight < st.shared->opts.window && st.shared->take_ticket())
    issue_one(self);
  st.issuing = false;
  if (st.inflight == 0) {
    st.done = true;
    st.result.retries = st.client->retries();
    st.shared->report(st.result);
    self->quit();
  }
}

caf::behavior load_client_impl(load_client* self, std::shared_ptr<run_shared> shared,
                               caf::actor directory, cluster_map_ptr table, uint64_t seed,
                               get_batchers_ptr batchers) {
  auto& st = self->state;
  const auto& o = shared->opts;
  st.shared = shared;
  st.rng.seed(seed);
  if (o.dist == "zipf")
    st.zipf.emplace(o.keys, o.zipf, seed);
  st.created_ms = unix_ms();
  st.entry_bytes = encode_entry(
    make_bytes_entry(std::string(o.value_size, 'v'), o.ttl, st.created_ms, "actorcache-client"));
  st.client = std::make_unique<cluster_client>(self, std::move(directory), std::move(table),
                                               o.timeout, std::move(batchers));
  self->set_down_handler([self](caf::down_msg& dm) { self->state.client->handle_down(dm); });
  issue_more(self);
  // All work arrives as responses; the timer bounds the requests still out.
  return {[self](client_expire_atom) { self->state.client->expire_overdue(); },
          [self](client_flush_atom) { self->state.client->flush(); }};
}

} // namespace

load_result run_load(caf::actor_system& sys, caf::actor directory, cluster_map_ptr table,
                     const load_options& opts) {
  auto shared = std::make_shared<run_shared>();
  shared->opts = opts;
  shared->running = opts.clients;
  auto finished = shared->finished.get_future();
  // Gets and get_many requests in flight together to one node share wire messages; a run of
  // puts has nothing to collect.
  get_batchers_ptr batchers;
  if (opts.auto_batch > 0 && opts.get_ratio > 0)
    batchers =
      std::make_shared<get_batchers>(sys, opts.auto_batch, opts.timeout, opts.fast_path == "on",
                                     opts.batch_window, opts.resp_links);
  auto start = clock_type::now();
  std::vector<caf::actor> clients;
  for (uint32_t i = 0; i < opts.clients; ++i)
    clients.push_back(
      sys.spawn(load_client_impl, shared, directory, table, opts.seed + i, batchers));
  finished.wait();
  auto seconds = std::chrono::duration<double>(clock_type::now() - start).count();
  std::lock_guard<std::mutex> guard{shared->mtx};
  load_result r = shared->total;
  r.seconds = seconds;
  if (batchers) {
    batchers->close();
    r.wire_batches = batchers->counters().batches.load();
    r.resp_batches = batchers->counters().resp_batches.load();
    r.batched_gets = batchers->counters().gets.load();
  }
  return r;
}

namespace {

double per_second(uint64_t n, double seconds) { return seconds > 0 ? n / seconds : 0.0; }

} // namespace

std::string to_json(const load_result& r, const load_options& o) {
  // The counters first (AC_LOAD_COUNTERS' order), then rates, latency and the options.
  json doc = json::object();
  r.each_counter([&](const char* name, uint64_t n) { doc[name] = n; });
  doc.update(json{{"seconds", json_number(r.seconds)},
                  {"ops_per_s", json_number(per_second(r.requests, r.seconds))},
                  {"p50_us", r.latency.percentile(0.50)},
                  {"p95_us", r.latency.percentile(0.95)},
                  {"p99_us", r.latency.percentile(0.99)},
                  {"p999_us", r.latency.percentile(0.999)},
                  {"max_us", r.latency.max()},
                  {"mean_us", json_number(r.latency.mean())},
                  {"keys_per_s", json_number(per_second(r.keys, r.seconds))},
                  {"clients", o.clients},
                  {"window", o.window},
                  {"batch", o.batch},
                  {"auto_batch", o.auto_batch},
                  {"fast_path", o.fast_path},
                  {"resp_links", o.resp_links},
                  {"error_kinds", json::object()}});
  for (const auto& [k, n] : r.error_kinds)
    doc["error_kinds"][k] = n;
  return dump_json(doc);
}

std::string to_text(const load_result& r, const load_options& o) {
  std::ostringstream out;
  out << r.requests << " requests (" << r.gets << " gets, " << r.puts << " puts) by " << o.clients
      << " clients x window " << o.window << " in " << r.seconds
      << " s: " << static_cast<uint64_t>(per_second(r.requests, r.seconds)) << " ops/s";
  if (o.batch > 1)
    out << ", " << static_cast<uint64_t>(per_second(r.keys, r.seconds)) << " keys/s";
  out << "\nok " << r.ok << ", errors " << r.errors << ", hits " << r.hits << ", misses "
      << r.misses << ", retries " << r.retries << "\nlatency us: p50 " << r.latency.percentile(0.5)
      << ", p95 " << r.latency.percentile(0.95) << ", p99 " << r.latency.percentile(0.99)
      << ", p99.9 " << r.latency.percentile(0.999) << ", max " << r.latency.max() << "\n";
  if (r.wire_batches > 0)
    out << "auto-batch: " << r.batched_gets << " gets in " << r.wire_batches << " get_many ("
        << static_cast<double>(r.batched_gets) / static_cast<double>(r.wire_batches)
        << " per message, " << r.resp_batches << " over RESP ports)\n";
  if (o.verify)
    out << "verify: " << r.wrong << " hits with a value not made from their key\n";
  for (const auto& [k, n] : r.error_kinds)
    out << "error " << k << ": " << n << "\n";
  return out.str();
}

} // namespace ac
