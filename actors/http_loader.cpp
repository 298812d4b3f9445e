// The http loader (see http_loader.hpp): cpp-httplib's client, retries with backoff, the breaker.
#include "actors/http_loader.hpp"
#include "core/ttl_clock.hpp"

#include <mutex>
#include <random>
#include <thread>

#include <httplib.h>
#include <spdlog/spdlog.h>

#include "core/backoff.hpp"
#include "core/circuit_breaker.hpp"
#include "core/shape_list.hpp"

namespace ac {

namespace {

/// Splits http://host[:port]/path into the client's base and the path template.
bool split_url(const std::string& url, std::string& base, std::string& path) {
  const std::string scheme = "http://";
  if (url.rfind(scheme, 0) != 0)
    return false;
  auto slash = url.find('/', scheme.size());
  base = url.substr(0, slash);
  path = slash == std::string::npos ? "/" : url.substr(slash);
  return base.size() > scheme.size();
}

std::string percent_encode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == ':') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

class http_loader final : public loader {
public:
  explicit http_loader(http_loader_options opts)
    : opts_(std::move(opts)),
      breaker_(breaker_options{opts_.breaker_failures, opts_.breaker_open}) {
    split_url(opts_.url, base_, path_);
  }

  std::string_view name() const override { return "http"; }

  loader_outcome load(const std::string& key) override {
    {
      std::lock_guard<std::mutex> guard{mutex_};
      if (!breaker_.allow(std::chrono::steady_clock::now()))
        return failed("the loader's service is failing (breaker open): " + opts_.url);
    }
    auto path = path_;
    if (auto at = path.find("{key}"); at != std::string::npos)
      path.replace(at, 5, percent_encode(key));
    // One client per call: the workers run loads in parallel and httplib's client is not
    // meant to be shared between threads; keep-alive would only help one worker anyway.
    httplib::Client cli(base_);
    auto secs = opts_.timeout.count() / 1000, usecs = (opts_.timeout.count() % 1000) * 1000;
    cli.set_connection_timeout(secs, usecs);
    cli.set_read_timeout(secs, usecs);
    backoff delays{backoff_options{opts_.backoff, opts_.backoff * 20, 2.0}, std::random_device{}()};
    std::string last_error;
    for (uint32_t attempt = 0; attempt <= opts_.retries; ++attempt) {
      if (attempt > 0)
        std::this_thread::sleep_for(delays.next());
      auto res = cli.Get(path);
      if (!res) {
        last_error = "cannot reach " + base_ + ": " + httplib::to_string(res.error());
        continue; // transport errors are worth another try
      }
      if (res->status >= 500) {
        last_error = base_ + path + " answered " + std::to_string(res->status);
        continue;
      }
      record(true);
      if (res->status == 404)
        return loader_outcome{loader_outcome::status::missing, {}, {}};
      if (res->status != 200)
        return failed(base_ + path + " answered " + std::to_string(res->status));
      return decode(*res);
    }
    record(false);
    return failed(last_error);
  }

private:
  void record(bool ok) {
    std::lock_guard<std::mutex> guard{mutex_};
    auto now = std::chrono::steady_clock::now();
    if (ok)
      breaker_.on_success(now);
    else
      breaker_.on_failure(now);
  }

  static loader_outcome failed(std::string why) {
    return loader_outcome{loader_outcome::status::failed, {}, std::move(why)};
  }

  loader_outcome decode(const httplib::Response& res) {
    entry e;
    auto type = res.get_header_value("Content-Type");
    e.data = res.body;
    if (type.rfind("application/x-actorcache-tensor", 0) == 0) {
      auto dtype = parse_dtype(res.get_header_value("X-Tensor-Dtype"));
      if (!dtype)
        return failed("tensor answer without a known X-Tensor-Dtype");
      e.kind = value_kind::tensor;
      e.dtype = *dtype;
      auto shape = res.get_header_value("X-Tensor-Shape");
      auto dims = parse_shape_list(shape);
      if (!dims)
        return failed("tensor answer with a bad X-Tensor-Shape '" + shape + "'");
      e.shape = std::move(*dims);
    } else if (type.rfind("application/json", 0) == 0) {
      e.kind = value_kind::json;
    } else if (type.rfind("text/", 0) == 0) {
      e.kind = value_kind::text;
    } else {
      e.kind = value_kind::bytes;
    }
    e.ttl_seconds = opts_.ttl_seconds;
    e.created_at_ms = unix_ms();
    e.produced_by = opts_.node_id;
    std::string why;
    if (!validate_entry(e, &why))
      return failed("the service's answer is not a valid value: " + why);
    return loader_outcome{loader_outcome::status::value, std::move(e), {}};
  }

  http_loader_options opts_;
  std::string base_, path_;
  std::mutex mutex_; // guards the breaker: workers load in parallel
  circuit_breaker breaker_;
};

} // namespace

std::string check_http_url(const std::string& url) {
  std::string base, path;
  if (!split_url(url, base, path))
    return "must be http://host[:port]/path (got '" + url + "')";
  if (path.find("{key}") == std::string::npos)
    return "must contain {key} (got '" + url + "')";
  return {};
}

std::shared_ptr<loader> make_http_loader(const http_loader_options& opts) {
  return std::make_shared<http_loader>(opts);
}

} // namespace ac
