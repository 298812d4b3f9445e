// Idle blocking RESP connections of the synchronous client, per node address, lent to one call at a time.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "clients/cpp/resp_link.hpp"

namespace ac {

/// Each call borrows a connection of its own (a lease lives as long as the connection that
/// took it, so a get_or_compute keeps its connection while compute runs) and gives it back
/// when it is still in step. Thread-safe.
class resp_pool {
public:
  /// A borrowed connection; it goes back to the pool when the borrower is done, unless
  /// drop() was called (a failed command leaves the link out of step).
  class loan {
  public:
    loan(resp_pool* pool, std::string address, std::unique_ptr<resp_link> link, bool reused)
      : pool_(pool), address_(std::move(address)), link_(std::move(link)), reused_(reused) {}
    loan(loan&&) = default;
    loan& operator=(loan&&) = default;
    ~loan();

    resp_link& operator*() { return *link_; }
    resp_link* operator->() { return link_.get(); }
    const std::string& address() const { return address_; }
    void drop() { link_.reset(); }
    /// Whether the connection was idle in the pool (its node may have closed it meanwhile).
    bool reused() const { return reused_; }

  private:
    resp_pool* pool_;
    std::string address_;
    std::unique_ptr<resp_link> link_;
    bool reused_;
  };

  explicit resp_pool(std::chrono::milliseconds connect_timeout) : timeout_(connect_timeout) {}

  /// An idle connection to `address` (host:port), else (or with `fresh`) a new one; nullptr
  /// and `err` when it cannot be opened.
  std::unique_ptr<loan> borrow(const std::string& address, std::string& err, bool fresh = false);

private:
  void give_back(const std::string& address, std::unique_ptr<resp_link> link);

  std::chrono::milliseconds timeout_;
  std::mutex mtx_;
  std::map<std::string, std::vector<std::unique_ptr<resp_link>>> idle_;
};

} // namespace ac
