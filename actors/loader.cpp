// The built-in loaders: synthetic (cost + size, for tests and benchmarks) and features.
#include "actors/loader.hpp"
#include "core/ttl_clock.hpp"

#include <thread>

#include "actors/http_loader.hpp"
#include "core/features.hpp"
#include "core/key_normalization.hpp"

namespace ac {

namespace {

/// Takes `cost` per key and returns `value_size` bytes derived from the key, so any node
/// computes the same value for the same key.
class synthetic_loader final : public loader {
public:
  explicit synthetic_loader(loader_options opts) : opts_(std::move(opts)) {}

  std::string_view name() const override { return "synthetic"; }

  loader_outcome load(const std::string& key) override {
    auto start = std::chrono::steady_clock::now();
    if (opts_.spin) {
      while (std::chrono::steady_clock::now() - start < opts_.cost) {}
    } else if (opts_.cost.count() > 0) {
      std::this_thread::sleep_for(opts_.cost);
    }
    loader_outcome out;
    if (!opts_.fail_prefix.empty()
        && key.compare(0, opts_.fail_prefix.size(), opts_.fail_prefix) == 0) {
      out.what = loader_outcome::status::failed;
      out.error = "synthetic loader refuses keys starting with '" + opts_.fail_prefix + "'";
      return out;
    }
    std::string value(opts_.value_size, '\0');
    auto h = key_hash(key);
    for (auto& c : value) {
      h = h * 6364136223846793005ull + 1442695040888963407ull;
      c = static_cast<char>('a' + (h >> 59) % 26);
    }
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now()
                                                                    - start);
    out.what = loader_outcome::status::value;
    out.value = make_bytes_entry(std::move(value), opts_.ttl_seconds, unix_ms(), opts_.node_id);
    out.value.compute_micros = static_cast<uint32_t>(us.count());
    return out;
  }

private:
  loader_options opts_;
};

/// The original workload: a key `feat:<seed>:<rows>x<cols>` names a market-data array; the
/// value is its fused feature vector as a float32 tensor with its shape.
class features_loader final : public loader {
public:
  explicit features_loader(loader_options opts) : opts_(std::move(opts)) {}

  std::string_view name() const override { return "features"; }

  loader_outcome load(const std::string& key) override {
    loader_outcome out;
    auto spec = parse_features_key(key);
    if (!spec) {
      // Keys outside feat: are the users' own (put, never computed): a plain miss. A feat: key
      // that does not parse or is too large is a caller's mistake: say which, rather than a
      // miss that looks like "not computed yet".
      if (key.rfind("feat:", 0) != 0) {
        out.what = loader_outcome::status::missing;
        return out;
      }
      out.what = loader_outcome::status::refused;
      out.error = features_key_error(key);
      return out;
    }
    auto start = std::chrono::steady_clock::now();
    auto features = compute_features(spec->seed, spec->rows, spec->cols);
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now()
                                                                    - start);
    out.what = loader_outcome::status::value;
    out.value = make_tensor_entry(features, {spec->cols, features_per_column}, opts_.ttl_seconds,
                                  unix_ms(), opts_.node_id, static_cast<uint32_t>(us.count()));
    return out;
  }

private:
  loader_options opts_;
};

} // namespace

bool known_loader_kind(std::string_view kind) {
  return kind == "none" || kind == "synthetic" || kind == "features" || kind == "http";
}

std::shared_ptr<loader> make_loader(const loader_options& opts, std::string* error) {
  if (opts.kind == "synthetic")
    return std::make_shared<synthetic_loader>(opts);
  if (opts.kind == "features")
    return std::make_shared<features_loader>(opts);
  if (opts.kind == "http") {
    http_loader_options ho;
    ho.url = opts.url;
    ho.timeout = opts.http_timeout;
    ho.retries = opts.http_retries;
    ho.ttl_seconds = opts.ttl_seconds;
    ho.node_id = opts.node_id;
    return make_http_loader(ho);
  }
  if (opts.kind != "none" && error)
    *error = "unknown loader.kind '" + opts.kind + "' (none, synthetic, features, http)";
  return nullptr;
}

} // namespace ac
