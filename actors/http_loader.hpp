// The http loader: computes a missing value by asking the user's service over HTTP (loader.kind=http).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "actors/loader.hpp"

namespace ac {

struct http_loader_options {
  std::string url; ///< template with {key}, e.g. http://127.0.0.1:8080/f/{key}
  std::chrono::milliseconds timeout{10000};     ///< connect + read bound of one attempt
  uint32_t retries = 2;                         ///< further attempts after a transport error or 5xx
  std::chrono::milliseconds backoff{50};        ///< ceiling of the first retry delay (full jitter)
  uint32_t breaker_failures = 5;                ///< consecutive failed loads that open the breaker
  std::chrono::milliseconds breaker_open{1000}; ///< how long it stays open before one probe
  uint32_t ttl_seconds = 300;
  std::string node_id;
};

/// Checks a url template (http://host[:port]/path with {key}); "" when it is usable.
std::string check_http_url(const std::string& url);

/// Content-Type decides the entry: application/octet-stream -> bytes, application/json ->
/// json, text/... -> text, application/x-actorcache-tensor with X-Tensor-Dtype and
/// X-Tensor-Shape headers -> tensor. 404 -> missing (nothing cached); other answers and
/// transport errors -> failed (every waiter gets the error; nothing cached).
std::shared_ptr<loader> make_http_loader(const http_loader_options& opts);

} // namespace ac
