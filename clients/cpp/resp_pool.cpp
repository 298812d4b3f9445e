// Idle blocking RESP connections of the synchronous client, per node address, lent to one call at a time.
#include "clients/cpp/resp_pool.hpp"

#include "core/host_port.hpp"

namespace ac {

namespace {

/// Idle connections kept per address; more are closed when given back.
constexpr size_t max_idle = 16;

} // namespace

resp_pool::loan::~loan() {
  if (link_ && pool_ != nullptr)
    pool_->give_back(address_, std::move(link_));
}

std::unique_ptr<resp_pool::loan> resp_pool::borrow(const std::string& address, std::string& err,
                                                   bool fresh) {
  if (!fresh) {
    std::lock_guard<std::mutex> guard{mtx_};
    auto& idle = idle_[address];
    if (!idle.empty()) {
      auto link = std::move(idle.back());
      idle.pop_back();
      return std::make_unique<loan>(this, address, std::move(link), true);
    }
  }
  auto hp = parse_host_port(address);
  if (!hp) {
    err = "bad RESP address '" + address + "'";
    return nullptr;
  }
  auto link = resp_link::open_blocking(hp->host, hp->port, timeout_, err);
  if (!link)
    return nullptr;
  return std::make_unique<loan>(this, address, std::move(link), false);
}

void resp_pool::give_back(const std::string& address, std::unique_ptr<resp_link> link) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto& idle = idle_[address];
  if (idle.size() < max_idle)
    idle.push_back(std::move(link));
}

} // namespace ac
