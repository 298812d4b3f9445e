// A thread per HTTP connection, bounded (see http_task_queue.hpp).
#include "node/http_task_queue.hpp"

#include <algorithm>
#include <thread>

namespace ac {

http_task_queue::http_task_queue(size_t max_threads)
  : max_threads_(std::max<size_t>(max_threads, 1)) {}

http_task_queue::~http_task_queue() { shutdown(); }

void http_task_queue::enqueue(std::function<void()> fn) {
  std::unique_lock<std::mutex> guard{mutex_};
  if (running_ >= max_threads_) {
    waiting_.push_back(std::move(fn));
    return;
  }
  ++running_;
  guard.unlock();
  // Detached: the thread ends with its connection; shutdown() waits on running_ instead.
  std::thread([this, fn = std::move(fn)]() mutable { run(std::move(fn)); }).detach();
}

void http_task_queue::run(std::function<void()> fn) {
  for (;;) {
    fn();
    std::lock_guard<std::mutex> guard{mutex_};
    if (waiting_.empty()) {
      // Last touch of *this: shutdown() cannot return before this unlock.
      if (--running_ == 0)
        all_done_.notify_all();
      return;
    }
    fn = std::move(waiting_.front());
    waiting_.pop_front();
  }
}

void http_task_queue::shutdown() {
  std::unique_lock<std::mutex> guard{mutex_};
  all_done_.wait(guard, [this] { return running_ == 0; });
}

} // namespace ac
