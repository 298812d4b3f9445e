// A client's connection to a node's fast lookup port: its batcher writes request frames, a reader thread hands the answers back.
#include "tools/common/fast_link.hpp"

#include <cerrno>

#include <sys/socket.h>
#include <unistd.h>

#include <caf/send.hpp>

#include "core/fast_frame.hpp"
#include "messages/lookup.hpp"

namespace ac {

namespace {

// An answer holds up to 256 values of at most cache.max-value-bytes each; anything longer
// than this is a broken stream, not an answer.
constexpr uint32_t max_answer_bytes = 1u << 30;

} // namespace

std::unique_ptr<fast_link> fast_link::open(const std::string& host, uint16_t port,
                                           caf::actor owner, std::chrono::milliseconds timeout,
                                           std::string& err) {
  int fd = tcp_connect(host, port, timeout, err);
  if (fd < 0)
    return nullptr;
  std::unique_ptr<fast_link> link{new fast_link(fd)};
  link->reader_ = std::thread([l = link.get(), owner = std::move(owner)] { l->read_answers(owner); });
  return link;
}

fast_link::~fast_link() {
  ::shutdown(fd_, SHUT_RDWR); // wakes the reader out of recv
  if (reader_.joinable())
    reader_.join();
  ::close(fd_);
}

send_buffer::status fast_link::send(uint64_t id, bool routed, uint64_t epoch,
                                    const std::vector<std::string>& keys) {
  fast::append_request(out_.out(), id, routed, epoch, keys);
  return out_.flush(fd_);
}

void fast_link::read_answers(caf::actor owner) {
  fast::frame_reader in{max_answer_bytes};
  constexpr size_t chunk = 64 * 1024;
  lookup_results results;
  fast::failure failed;
  for (;;) {
    auto n = ::recv(fd_, in.prepare(chunk), chunk, 0);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    in.commit(static_cast<size_t>(n));
    bool broken = false;
    while (auto body = in.next()) {
      fast::answer_head head;
      if (!fast::parse_answer(*body, head, results, failed)) {
        broken = true;
        break;
      }
      if (head.what == fast::answer_kind::results)
        caf::anon_send(owner, fast_answer_atom::value, head.id, std::move(results));
      else
        caf::anon_send(owner, fast_failed_atom::value, head.id, failed.code,
                       std::move(failed.reason));
    }
    if (broken || in.failed())
      break;
  }
  caf::anon_send(owner, fast_lost_atom::value);
}

} // namespace ac
