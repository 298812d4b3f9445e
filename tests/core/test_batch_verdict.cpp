// The batcher's verdict on a failed batch: answer every requester, or split key by key.
#include <catch2/catch.hpp>

#include "core/batch_verdict.hpp"

using ac::batch_failure;
using ac::on_batch_failure;

TEST_CASE("A failed batch of several keys is split when the error may be one key's", "[batch]") {
  CHECK(on_batch_failure(2, false) == batch_failure::split);
  CHECK(on_batch_failure(100, false) == batch_failure::split);
}

TEST_CASE("An error about the whole request answers every requester", "[batch]") {
  CHECK(on_batch_failure(2, true) == batch_failure::answer_all);
  CHECK(on_batch_failure(100, true) == batch_failure::answer_all);
}

TEST_CASE("A batch of one key is never split: its error is that key's own", "[batch]") {
  CHECK(on_batch_failure(1, false) == batch_failure::answer_all);
  CHECK(on_batch_failure(1, true) == batch_failure::answer_all);
}

TEST_CASE("An empty batch has nobody to split for", "[batch]") {
  CHECK(on_batch_failure(0, false) == batch_failure::answer_all);
}
