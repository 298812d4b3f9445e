// Waits on other nodes' actors, grouped by the actor waited on, so that its going down ends them all at once.
//
// Why: CAF 0.17 answers no request to a remote actor whose node died; the request waits out its
// own timeout, which may be longer than the caller's (docs/caf-0.17-notes.md, "request pending
// when remote dies"). So an actor that waits on another node monitors what it waits on and,
// when the down message comes, ends every wait on it itself: a coalescer's loads fenced to a
// key's new owner and its asks of a previous owner, a lease keeper's asks of a previous owner,
// a RESP session's forwarded reads and lease waits at a key's owner. A node the cluster declared
// down without its link dropping (frozen, cut off) is swept the same way (take_if). Each wait
// ends exactly once: by its answer (settle) or by the down (take), whichever comes first; the
// loser finds nothing.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

namespace ac {

/// `Target`: what is waited on (an actor address; hashable). `Wait`: what a wait's owner needs
/// back when it ends (a fallback to run, a reply slot).
template <class Target, class Wait>
class watch_list {
public:
  /// A new wait's ticket; `monitor`: `target` was not watched before, so the caller monitors it
  /// now (once per target: it stays watched, even with no wait left, until it goes down).
  struct ticket {
    uint64_t id;
    bool monitor;
  };

  ticket add(const Target& target, Wait wait) {
    auto [it, fresh] = waits_.try_emplace(target);
    it->second.emplace_hint(it->second.end(), ++last_id_, std::move(wait));
    ++size_;
    return {last_id_, fresh};
  }

  /// The wait's answer came: its Wait, or nothing when the target's down ended it already.
  std::optional<Wait> settle(const Target& target, uint64_t id) {
    auto it = waits_.find(target);
    if (it == waits_.end())
      return std::nullopt;
    auto w = it->second.find(id);
    if (w == it->second.end())
      return std::nullopt;
    auto out = std::move(w->second);
    it->second.erase(w);
    --size_;
    return out;
  }

  /// `target` went down: every wait on it, oldest first; it is no longer watched.
  std::vector<Wait> take(const Target& target) {
    std::vector<Wait> out;
    auto it = waits_.find(target);
    if (it == waits_.end())
      return out;
    out.reserve(it->second.size());
    for (auto& w : it->second)
      out.push_back(std::move(w.second));
    size_ -= it->second.size();
    waits_.erase(it);
    return out;
  }

  /// Every wait on a target for which `gone(target)` holds (the cluster declared its node down
  /// while the link to it still stands: a frozen or cut-off node sends no down message); those
  /// targets are no longer watched.
  template <class Gone>
  std::vector<Wait> take_if(Gone&& gone) {
    std::vector<Target> targets;
    for (auto& kv : waits_)
      if (gone(kv.first))
        targets.push_back(kv.first);
    std::vector<Wait> out;
    for (auto& t : targets)
      for (auto& w : take(t))
        out.push_back(std::move(w));
    return out;
  }

  /// Calls `f(target)` for each target watched (an actor that ends early stops monitoring them).
  template <class F>
  void for_each_target(F&& f) const {
    for (auto& kv : waits_)
      f(kv.first);
  }

  size_t waits() const { return size_; }           ///< waits not ended yet
  size_t targets() const { return waits_.size(); } ///< targets watched

private:
  /// Per target, its waits by ticket id: oldest first, and a storm's answers settle in log n.
  std::unordered_map<Target, std::map<uint64_t, Wait>> waits_;
  uint64_t last_id_ = 0;
  size_t size_ = 0;
};

} // namespace ac
