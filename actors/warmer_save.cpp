// The warmer's own list: this node's hottest resident entries, saved to L2 for its next start.
#include <memory>

#include <spdlog/spdlog.h>

#include "actors/warmer_internal.hpp"
#include "core/warm_list.hpp"
#include "core/warm_plan.hpp"

namespace ac::warmer_impl {

namespace {

/// The shards' lists of one save as they come in.
struct save_gather {
  warm_plan plan;
  size_t pending = 0;
  std::function<void(bool)> done;
};

/// Writes the gathered list to L2 under warm_list_key(self_id) with list_ttl.
void write_list(self_ptr self, const warmer_config& cfg, const std::shared_ptr<save_gather>& g) {
  if (self->state.list_unread)
    return g->done(false); // a heal dropped L1 meanwhile: keep the list it is to read
  auto all = [](std::string_view) { return true; };
  auto keys = g->plan.keys(all, cfg.max_keys);
  auto bytes = encode_warm_list(keys, g->plan.counts_of(keys));
  auto n = keys.size();
  auto ttl = static_cast<uint32_t>(cfg.list_ttl.count());
  self
    ->request(self->state.bridge, cfg.request_timeout, l2_put_atom::value,
              warm_list_key(cfg.self_id), std::move(bytes), ttl)
    .then(
      [self, g, n](uint8_t outcome) {
        bool ok = l2_outcome_of(outcome) == l2_outcome::written;
        auto& st = self->state;
        if (ok) {
          ++st.counts.saves;
          st.counts.saved_keys = n;
        } else {
          ++st.counts.save_failures;
        }
        spdlog::debug("warming: this node's list of {} keys {}", n, ok ? "saved" : "not saved");
        g->done(ok);
      },
      [self, g](caf::error&) {
        ++self->state.counts.save_failures;
        g->done(false);
      });
}

} // namespace

/// Writes this node's own warming list: its shards' hottest resident entries (warm_list.hpp),
/// at most max_keys, to L2 under warm_list_key(self_id) with list_ttl. `done` gets true once
/// Redis has it.
void save(self_ptr self, const warmer_config& cfg, std::function<void(bool)> done) {
  auto& st = self->state;
  bool running =
    st.now == warmer_state::phase::collecting || st.now == warmer_state::phase::loading;
  if (!st.bridge || cfg.save_interval.count() == 0 || st.list_unread || running) {
    // No L2, no list kept, the list of the last stop is still to be read, or L1 is half warm
    // (the list in L2 names more than it holds yet).
    done(false);
    return;
  }
  auto g = std::make_shared<save_gather>();
  g->done = std::move(done);
  auto write = [self, cfg, g] { write_list(self, cfg, g); };
  auto snap = cfg.view->get();
  for (auto& shard : snap->shards)
    if (shard)
      ++g->pending;
  if (g->pending == 0) {
    write();
    return;
  }
  auto answer = [g, write](const hot_key_list* l) {
    if (l != nullptr)
      g->plan.add(l->keys, l->counts);
    if (--g->pending == 0)
      write();
  };
  for (auto& shard : snap->shards)
    if (shard)
      self
        ->request(shard, cfg.request_timeout, hot_atom::value, scan_atom::value, cfg.max_keys,
                  std::string{})
        .then([answer](hot_key_list& l) { answer(&l); },
              [answer](caf::error&) { answer(nullptr); });
}

} // namespace ac::warmer_impl
