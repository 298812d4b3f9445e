// The client library's logger (see client_log.hpp).
#include "clients/cpp/client_log.hpp"

#include <mutex>

#include <spdlog/spdlog.h>

namespace ac {

std::shared_ptr<spdlog::logger> client_log() {
  static std::mutex made;
  if (auto existing = spdlog::get("actorcache"))
    return existing;
  std::lock_guard<std::mutex> guard{made};
  if (auto existing = spdlog::get("actorcache"))
    return existing;
  auto fallback = spdlog::default_logger();
  auto log = std::make_shared<spdlog::logger>("actorcache", fallback->sinks().begin(),
                                              fallback->sinks().end());
  log->set_level(fallback->level());
  spdlog::register_logger(log);
  return log;
}

} // namespace ac
