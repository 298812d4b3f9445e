// The loader interface (what computes a missing value) and the built-in loaders.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "messages/entry_codec.hpp"

namespace ac {

/// What one load produced.
struct loader_outcome {
  enum class status {
    value,
    missing,
    failed,
    refused
  }; ///< refused: the key is not valid for this loader
  status what = status::missing;
  entry value;       ///< when what == value
  std::string error; ///< when what == failed or refused
};

/// Computes the value of a key. Users plug their own by implementing this and passing it to
/// the node's wiring (node/node_wiring). Called concurrently from `loader.workers` threads,
/// so implementations must be thread-safe; a thrown exception counts as a failed load.
class loader {
public:
  virtual ~loader() = default;
  virtual std::string_view name() const = 0;
  virtual loader_outcome load(const std::string& key) = 0;
};

struct loader_options {
  std::string kind = "none";         ///< none | synthetic | features | http
  std::chrono::milliseconds cost{0}; ///< synthetic: time one compute takes
  bool spin = false;                 ///< synthetic: burn CPU for `cost` instead of sleeping
  uint32_t value_size = 100;         ///< synthetic: bytes of each value
  std::string fail_prefix;           ///< synthetic: keys with this prefix fail (drills, tests)
  uint32_t ttl_seconds = 300;        ///< lifetime stamped into computed entries
  std::string node_id;               ///< stamped into computed entries as producedBy
  std::string url;                   ///< http: the service, a template with {key}
  std::chrono::milliseconds http_timeout{10000}; ///< http: bound of one attempt
  uint32_t http_retries = 2;                     ///< http: further attempts after errors or 5xx
};

/// The loader of `opts.kind`; nullptr for `none`. An unknown kind sets *error and returns nullptr.
std::shared_ptr<loader> make_loader(const loader_options& opts, std::string* error);

/// True when `kind` names a loader make_loader knows.
bool known_loader_kind(std::string_view kind);

} // namespace ac
