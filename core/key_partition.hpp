// Scatter and gather for multi-key requests: keys grouped by where they go, answers put back in key order.
//
// The client's get_many (by owner node), MGET on the RESP edge (by shard or owner node) and the
// front's get_many (by shard) each split one request into parts and wait for every part. The
// bookkeeping is the same and has no I/O in it, so it lives here once: `partition` builds the
// parts, `gather` collects their answers (or the first error) and says when the whole is done.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <utility>
#include <vector>

namespace ac {

/// The keys of one request bound for one destination: their positions in the request.
template <class Dest>
struct key_part {
  Dest dest;
  std::vector<size_t> index;
};

/// Groups positions 0..n-1 by `route(i)` (an std::optional<Dest>; nullopt: the key has no
/// destination, and the whole request fails: nullopt is returned). Parts come in the order of
/// Dest (std::less), positions within a part in request order. `Dest` must be ordered.
template <class Dest, class Route>
std::optional<std::vector<key_part<Dest>>> partition(size_t n, Route route) {
  std::map<Dest, std::vector<size_t>> by_dest;
  for (size_t i = 0; i < n; ++i) {
    std::optional<Dest> d = route(i);
    if (!d)
      return std::nullopt;
    by_dest[*d].push_back(i);
  }
  std::vector<key_part<Dest>> parts;
  parts.reserve(by_dest.size());
  for (auto& [d, index] : by_dest)
    parts.push_back(key_part<Dest>{d, std::move(index)});
  return parts;
}

/// The elements of `all` at `part.index`, in that order (the keys one part sends).
template <class T, class Dest>
std::vector<T> pick(const std::vector<T>& all, const key_part<Dest>& part) {
  std::vector<T> out;
  out.reserve(part.index.size());
  for (auto i : part.index)
    out.push_back(all[i]);
  return out;
}

/// The answers of a request's parts, put back in key order. The first error fails the whole;
/// later answers are then ignored. Not thread-safe (one actor owns it).
template <class Result, class Error>
class gather {
public:
  /// `n` keys in `parts` parts; `prefilled` answers (e.g. hits found before scattering) may
  /// already sit at positions no part names.
  gather(size_t n, size_t parts, std::vector<Result> prefilled = {})
    : results_(std::move(prefilled)), remaining_(parts) {
    results_.resize(n);
  }

  /// One part answered: `values[j]` is the answer for position `index[j]`. False (nothing
  /// placed, counted as an error) when the sizes differ: the answer cannot be matched up.
  bool place(const std::vector<size_t>& index, std::vector<Result>& values, Error wrong_length) {
    if (values.size() != index.size()) {
      fail(std::move(wrong_length));
      return false;
    }
    if (!error_)
      for (size_t j = 0; j < index.size(); ++j)
        results_[index[j]] = std::move(values[j]);
    part_done();
    return true;
  }

  /// One part failed; the first failure is the request's.
  void fail(Error err) {
    if (!error_)
      error_ = std::move(err);
    part_done();
  }

  /// Every part answered or failed.
  bool done() const { return remaining_ == 0; }
  /// For callers that answer at the first error rather than after the last part: true exactly
  /// once, at the first error or when every part is in without one; the caller answers then.
  bool answer_now() {
    if (answered_ || !(done() || error_))
      return false;
    answered_ = true;
    return true;
  }
  /// The request's error, once done (nullopt: it succeeded).
  const std::optional<Error>& error() const { return error_; }
  /// The answers in key order, once done without an error.
  std::vector<Result>& results() { return results_; }

private:
  void part_done() {
    if (remaining_ > 0)
      --remaining_;
  }

  std::vector<Result> results_;
  size_t remaining_;
  std::optional<Error> error_;
  bool answered_ = false;
};

} // namespace ac
