// Leases: single flight for computations that run in the callers (see lease_table.hpp).
#include "core/lease_table.hpp"

#include <algorithm>

namespace ac {

std::string lease_table::new_token() { return prefix_ + "-" + std::to_string(++counter_); }

void lease_table::index_deadline(const std::string& key, const state& s) {
  deadlines_.emplace(s.deadline_ms, key);
}

void lease_table::unindex_deadline(const std::string& key, const state& s) {
  auto [first, last] = deadlines_.equal_range(s.deadline_ms);
  for (auto i = first; i != last; ++i)
    if (i->second == key) {
      deadlines_.erase(i);
      return;
    }
}

lease_table::asked lease_table::ask(const std::string& key, const caller& c, int64_t now_ms,
                                    std::string& token) {
  auto it = keys_.find(key);
  if (it == keys_.end()) {
    state s;
    s.token = new_token();
    s.holder = c.holder;
    s.deadline_ms = now_ms + c.lease_ms;
    token = s.token;
    index_deadline(key, s);
    keys_.emplace(key, std::move(s));
    return asked::granted;
  }
  auto& s = it->second;
  if (s.waiters.size() >= limits_.max_waiters_per_key || waiting_ >= limits_.max_waiters)
    return asked::overloaded;
  s.waiters.push_back(c);
  ++waiting_;
  if (c.wait_until_ms > 0)
    wait_deadlines_.emplace(c.wait_until_ms, std::make_pair(key, c.waiter));
  return asked::waiting;
}

bool lease_table::begin_fill(const std::string& key, const std::string& token) {
  auto it = keys_.find(key);
  if (it == keys_.end() || it->second.token != token || it->second.filling)
    return false;
  unindex_deadline(key, it->second);
  it->second.filling = true;
  return true;
}

void lease_table::fill_failed(const std::string& key, const std::string& token, int64_t now_ms) {
  auto it = keys_.find(key);
  if (it == keys_.end() || it->second.token != token || !it->second.filling)
    return;
  auto& s = it->second;
  s.filling = false;
  if (s.holder_gone)
    s.deadline_ms = std::min(s.deadline_ms, now_ms); // nobody is left to fill it: pass it on
  index_deadline(key, s);
}

bool lease_table::holds(const std::string& key, const std::string& token) const {
  auto it = keys_.find(key);
  return it != keys_.end() && it->second.token == token;
}

bool lease_table::fill(const std::string& key, const std::string& token,
                       std::vector<uint64_t>& waiters) {
  auto it = keys_.find(key);
  if (it == keys_.end() || it->second.token != token)
    return false;
  for (auto& w : it->second.waiters)
    waiters.push_back(w.waiter);
  waiting_ -= it->second.waiters.size();
  if (!it->second.filling)
    unindex_deadline(key, it->second);
  keys_.erase(it);
  return true;
}

void lease_table::pass_on(std::unordered_map<std::string, state>::iterator it, int64_t now_ms,
                          std::vector<grant>& grants) {
  auto& s = it->second;
  unindex_deadline(it->first, s);
  if (s.waiters.empty()) {
    keys_.erase(it);
    return;
  }
  auto next = s.waiters.front();
  s.waiters.erase(s.waiters.begin());
  --waiting_;
  s.token = new_token();
  s.holder = next.holder;
  s.holder_gone = false;
  s.deadline_ms = now_ms + next.lease_ms;
  index_deadline(it->first, s);
  grants.push_back(grant{it->first, next.waiter, s.token});
}

bool lease_table::abandon(const std::string& key, const std::string& token, int64_t now_ms,
                          std::vector<grant>& grants) {
  auto it = keys_.find(key);
  if (it == keys_.end() || it->second.token != token || it->second.filling)
    return false;
  pass_on(it, now_ms, grants); // the next holder gets its full lease time from now
  return true;
}

void lease_table::expire(int64_t now_ms, std::vector<grant>& grants,
                         std::vector<uint64_t>& dropped) {
  while (!wait_deadlines_.empty() && wait_deadlines_.begin()->first <= now_ms) {
    auto& [key, waiter] = wait_deadlines_.begin()->second;
    if (cancel(key, waiter))
      dropped.push_back(waiter);
    wait_deadlines_.erase(wait_deadlines_.begin());
  }
  while (!deadlines_.empty() && deadlines_.begin()->first <= now_ms) {
    auto key = deadlines_.begin()->second;
    auto it = keys_.find(key);
    if (it == keys_.end()) {
      deadlines_.erase(deadlines_.begin());
      continue;
    }
    pass_on(it, now_ms, grants);
  }
}

void lease_table::holder_gone(uint64_t holder, int64_t now_ms, std::vector<grant>& grants,
                              std::vector<uint64_t>& dropped) {
  std::vector<std::string> held;
  for (auto& [key, s] : keys_) {
    // stable_partition, not remove_if: the removed callers must stay readable to be reported.
    auto gone = std::stable_partition(s.waiters.begin(), s.waiters.end(),
                                      [&](const caller& c) { return c.holder != holder; });
    for (auto i = gone; i != s.waiters.end(); ++i)
      dropped.push_back(i->waiter);
    waiting_ -= static_cast<size_t>(s.waiters.end() - gone);
    s.waiters.erase(gone, s.waiters.end());
    if (s.holder == holder && s.filling)
      s.holder_gone = true; // its fill is under way: it completes, or fill_failed passes it on
    else if (s.holder == holder)
      held.push_back(key);
  }
  for (auto& key : held)
    if (auto it = keys_.find(key); it != keys_.end())
      pass_on(it, now_ms, grants);
}

bool lease_table::cancel(const std::string& key, uint64_t waiter) {
  auto it = keys_.find(key);
  if (it == keys_.end())
    return false;
  auto& w = it->second.waiters;
  auto i = std::find_if(w.begin(), w.end(), [&](const caller& c) { return c.waiter == waiter; });
  if (i == w.end())
    return false;
  w.erase(i);
  --waiting_;
  return true;
}

std::string token_node(const std::string& token) {
  auto colon = token.rfind(':');
  return colon == std::string::npos ? std::string{} : token.substr(0, colon);
}

int64_t lease_table::next_deadline() const {
  return deadlines_.empty() ? -1 : deadlines_.begin()->first;
}

} // namespace ac
