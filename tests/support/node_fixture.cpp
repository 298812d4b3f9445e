// Test helper: many concurrent lookups of one key from one event-based actor.
#include "tests/support/node_fixture.hpp"

namespace ac::test {

std::vector<std::string> concurrent_gets(caf::actor_system& sys, const front_actor& front,
                                         const std::string& key, size_t n,
                                         std::chrono::milliseconds timeout) {
  caf::scoped_actor self{sys};
  auto answers = std::make_shared<std::vector<std::string>>();
  auto client = self->spawn(
    [=](caf::event_based_actor* me, caf::actor reply_to) {
      for (size_t i = 0; i < n; ++i)
        me->request(front, timeout, get_atom::value, key)
          .then(
            [=](const lookup_result& r) {
              answers->push_back(r.found ? node_fixture::value_of(r) : "<miss>");
              if (answers->size() == n)
                me->send(reply_to, caf::ok_atom::value);
            },
            [=](caf::error& e) {
              answers->push_back("<error: " + describe(e) + ">");
              if (answers->size() == n)
                me->send(reply_to, caf::ok_atom::value);
            });
    },
    caf::actor{self});
  bool done = false;
  self->receive([&](caf::ok_atom) { done = true; },
                caf::after(timeout + std::chrono::seconds(5)) >> [] {});
  // On a timeout the client may still be writing: report that instead of reading its answers.
  return done ? *answers : std::vector<std::string>{"<timeout>"};
}

} // namespace ac::test
