// Batch verdict: whether a failed get batch's error answers every requester or the batch is split.
#pragma once

#include <cstddef>

namespace ac {

/// What a client's batcher does when a whole batch (one get_many) fails.
enum class batch_failure {
  answer_all, ///< every requester gets the batch's error
  split,      ///< ask again key by key, so one key's error reaches only its requester
};

/// `shared_error`: the error is about the request, not one key (a transport error,
/// `unavailable`, `overloaded`; the caller classifies it). get_many refuses every key when one
/// is bad and fails the batch on one key's load error, so any other error is split, unless the
/// batch holds one key (or none): its error is already that key's own.
inline batch_failure on_batch_failure(size_t keys, bool shared_error) {
  return keys <= 1 || shared_error ? batch_failure::answer_all : batch_failure::split;
}

} // namespace ac
