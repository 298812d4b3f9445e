// The compute actor (see compute.hpp).
#include "actors/compute.hpp"

#include <spdlog/spdlog.h>

#include "actors/stats_helpers.hpp"
#include "messages/errors.hpp"
#include "messages/kind_stats.hpp"

namespace ac {

namespace {

using self_ptr = compute_actor::stateful_pointer<compute_state>;

compute_worker_actor::behavior_type worker(compute_worker_actor::pointer,
                                           std::shared_ptr<loader> impl) {
  return {
    [impl](compute_atom, const std::string& key) -> caf::result<lookup_result> {
      loader_outcome out;
      try {
        out = impl->load(key);
      } catch (const std::exception& ex) {
        out.what = loader_outcome::status::failed;
        out.error = ex.what();
      }
      switch (out.what) {
        case loader_outcome::status::value:
          return make_hit(encode_entry(out.value), tier::compute);
        case loader_outcome::status::missing:
          return make_miss();
        case loader_outcome::status::refused:
          return make_error(errc::bad_request, out.error);
        default:
          return make_error(errc::compute_failed, out.error);
      }
    },
  };
}

void dispatch(self_ptr self, const compute_config& cfg) {
  auto& st = self->state;
  while (!st.idle.empty() && !st.queue.empty()) {
    auto w = st.idle.back();
    st.idle.pop_back();
    auto j = std::move(st.queue.front());
    st.queue.pop_front();
    ++st.counts.busy;
    auto done = [=](auto&& outcome, bool failed, bool found, bool refused_key = false) mutable {
      auto& s = self->state;
      --s.counts.busy;
      s.idle.push_back(w);
      s.latency.record(micros_since(j.queued));
      if (failed && refused_key)
        ++s.counts.refused; // the caller's mistake, not the loader's: not a loader failure
      else if (failed)
        ++s.counts.failures;
      else if (found)
        ++s.counts.computes;
      else
        ++s.counts.missing;
      j.rp.deliver(std::move(outcome));
      dispatch(self, cfg);
    };
    self->request(w, cfg.timeout, compute_atom::value, j.key)
      .then([=](lookup_result& r) mutable { done(std::move(r), false, r.found); },
            [=](caf::error& err) mutable {
              bool refused_key = err.category() == errc_category
                                 && err.code() == static_cast<uint8_t>(errc::bad_request);
              done(std::move(err), true, false, refused_key);
            });
  }
}

actor_stats make_stats(self_ptr self) {
  auto& st = self->state;
  auto row = stats_row(self, "compute", st.handled);
  auto s = st.counts;
  s.queued = static_cast<int64_t>(st.queue.size());
  put_stats(row, s);
  put_latency(row, st.latency);
  return row;
}

} // namespace

compute_actor::behavior_type compute(compute_actor::stateful_pointer<compute_state> self,
                                     compute_config cfg) {
  for (uint32_t i = 0; i < std::max<uint32_t>(cfg.workers, 1); ++i)
    self->state.idle.push_back(self->spawn<caf::detached + caf::linked>(worker, cfg.impl));
  spdlog::info("compute: loader '{}' with {} workers", cfg.impl->name(), cfg.workers);
  return {
    [=](compute_atom, const std::string& key) -> caf::result<lookup_result> {
      auto& st = self->state;
      ++st.handled;
      if (st.queue.size() >= cfg.max_queue) {
        ++st.counts.overloaded;
        return make_error(errc::overloaded,
                          "compute queue is full (" + std::to_string(cfg.max_queue) + " waiting)");
      }
      auto rp = self->make_response_promise<lookup_result>();
      st.queue.push_back({key, rp, std::chrono::steady_clock::now()});
      dispatch(self, cfg);
      return rp;
    },
    [=](stats_atom) { return make_stats(self); },
  };
}

} // namespace ac
