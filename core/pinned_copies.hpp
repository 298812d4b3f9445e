// Copies of large L1 values a reader pinned under the store's lock, made after unlocking.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ac {

/// Why: a reader that copies a 120 KB value out of a shard's store while holding its lock keeps
/// every other reader of that shard waiting. A value with a pin (store_lookup::pin) stays valid
/// unlocked, so its copy waits here until copy_all(), after the unlock; other values are copied
/// at once, while the lock still guards them. Destinations must stay where they are until then.
class pinned_copies {
public:
  /// Sets `dest` to `value` now when `pin` is null; else later, by copy_all().
  void assign(std::string& dest, std::string_view value, std::shared_ptr<const char> pin) {
    if (!pin) {
      dest.assign(value.data(), value.size());
      return;
    }
    later_.push_back({&dest, value, std::move(pin)});
  }

  /// Makes the deferred copies and drops their pins; call with the store unlocked.
  void copy_all() {
    for (auto& c : later_)
      c.dest->assign(c.value.data(), c.value.size());
    later_.clear();
  }

private:
  struct copy {
    std::string* dest;
    std::string_view value;
    std::shared_ptr<const char> pin;
  };
  std::vector<copy> later_;
};

} // namespace ac
