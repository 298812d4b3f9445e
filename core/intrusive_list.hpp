// A doubly linked list of entry handles whose links live in the entries (policy_nodes).
#pragma once

#include "core/policy_nodes.hpp"

namespace ac {

/// Front is the least recently used end. O(1) everything; the list only stores its ends.
class intrusive_list {
public:
  bool empty() const { return head_ == null_handle; }
  uint32_t front() const { return head_; }
  uint32_t back() const { return tail_; }
  uint64_t size() const { return size_; }

  void push_back(policy_nodes& n, uint32_t h) { link_between(n, h, tail_, null_handle); }

  void push_front(policy_nodes& n, uint32_t h) { link_between(n, h, null_handle, head_); }

  void remove(policy_nodes& n, uint32_t h) {
    auto& hk = n.hook(h);
    if (hk.prev != null_handle)
      n.hook(hk.prev).next = hk.next;
    else
      head_ = hk.next;
    if (hk.next != null_handle)
      n.hook(hk.next).prev = hk.prev;
    else
      tail_ = hk.prev;
    hk = policy_hook{};
    --size_;
  }

  void move_to_back(policy_nodes& n, uint32_t h) {
    if (h == tail_)
      return;
    remove(n, h);
    push_back(n, h);
  }

  /// The entry after `h` toward the most recent end, or null_handle.
  static uint32_t next(policy_nodes& n, uint32_t h) { return n.hook(h).next; }

  /// The entry at `from` moved to slot `to` (its hook already copied there): repoint neighbours.
  void relocate(policy_nodes& n, uint32_t from, uint32_t to) {
    auto& hk = n.hook(to);
    if (hk.prev != null_handle)
      n.hook(hk.prev).next = to;
    else if (head_ == from)
      head_ = to;
    if (hk.next != null_handle)
      n.hook(hk.next).prev = to;
    else if (tail_ == from)
      tail_ = to;
  }

private:
  /// Links `h` between the neighbours `prev` and `next` (null_handle: that end of the list).
  void link_between(policy_nodes& n, uint32_t h, uint32_t prev, uint32_t next) {
    auto& hk = n.hook(h);
    hk.prev = prev;
    hk.next = next;
    (prev != null_handle ? n.hook(prev).next : head_) = h;
    (next != null_handle ? n.hook(next).prev : tail_) = h;
    ++size_;
  }

  uint32_t head_ = null_handle;
  uint32_t tail_ = null_handle;
  uint64_t size_ = 0;
};

} // namespace ac
