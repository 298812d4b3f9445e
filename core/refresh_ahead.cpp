// Refresh-ahead bookkeeping (see refresh_ahead.hpp): the due test, in-flight marks, granted TTLs of hot keys.
#include "core/refresh_ahead.hpp"

#include <algorithm>

namespace ac {

namespace {

// Debian's abseil has its own absl::string_view: heterogeneous lookups take that one.
absl::string_view as_absl(std::string_view s) { return {s.data(), s.size()}; }

} // namespace

refresh_ahead::refresh_ahead(refresh_ahead_options opts)
  : opts_(opts), max_granted_ms_(std::max<int64_t>(opts.default_ttl.count(), 0)) {}

std::chrono::milliseconds refresh_ahead::granted(std::string_view key) const {
  auto it = granted_ms_.find(as_absl(key));
  return std::chrono::milliseconds{it != granted_ms_.end() ? it->second
                                                           : opts_.default_ttl.count()};
}

bool refresh_ahead::start(std::string_view key, int64_t ttl_left_ms, bool hot, double fraction,
                          time_point now) {
  if (!hot || !may_be_due(ttl_left_ms, fraction))
    return false;
  // A value put with a TTL longer than the default, unseen since: what is left is a lower bound.
  auto granted_ms = std::max<int64_t>(granted(key).count(), ttl_left_ms);
  if (ttl_left_ms > due_within(granted_ms, fraction))
    return false;
  if (auto it = in_flight_.find(as_absl(key)); it != in_flight_.end()) {
    if (it->second > now)
      return false; // this lifetime's refresh started already (running, or failed: not retried)
    in_flight_.erase(it);
  }
  if (in_flight_.size() >= opts_.capacity) {
    absl::erase_if(in_flight_, [now](const auto& kv) { return kv.second <= now; });
    if (in_flight_.size() >= opts_.capacity) {
      ++refused_;
      return false;
    }
  }
  in_flight_.emplace(std::string{key}, now + std::chrono::milliseconds{ttl_left_ms});
  return true;
}

void refresh_ahead::filled(std::string_view key, std::chrono::milliseconds ttl, bool hot) {
  if (!in_flight_.empty())
    if (auto it = in_flight_.find(as_absl(key)); it != in_flight_.end())
      in_flight_.erase(it);
  if (!hot) {
    // Only hot keys are refreshed; a key that cooled down gives its place back.
    if (auto it = granted_ms_.find(as_absl(key)); it != granted_ms_.end())
      granted_ms_.erase(it);
    return;
  }
  auto ms = ttl.count() > 0 ? ttl.count() : opts_.default_ttl.count();
  auto it = granted_ms_.find(as_absl(key));
  if (it == granted_ms_.end()) {
    if (opts_.capacity == 0)
      return;
    if (granted_ms_.size() >= opts_.capacity)
      granted_ms_.erase(granted_ms_.begin()); // any one: it falls back to default_ttl
    it = granted_ms_.emplace(std::string{key}, ms).first;
  }
  it->second = ms;
  max_granted_ms_ = std::max(max_granted_ms_, ms);
}

void refresh_ahead::forget(std::string_view key) {
  if (auto it = in_flight_.find(as_absl(key)); it != in_flight_.end())
    in_flight_.erase(it);
  if (auto it = granted_ms_.find(as_absl(key)); it != granted_ms_.end())
    granted_ms_.erase(it);
}

void refresh_ahead::clear() {
  in_flight_.clear();
  granted_ms_.clear();
  refused_ = 0;
  max_granted_ms_ = std::max<int64_t>(opts_.default_ttl.count(), 0);
}

} // namespace ac
