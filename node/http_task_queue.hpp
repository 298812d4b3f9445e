// A cpp-httplib task queue with a thread per connection, so idle keep-alive connections cannot hold up a scrape.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>

#include <httplib.h>

namespace ac {

/// httplib runs each accepted connection as one task for as long as it stays open (requests
/// and the keep-alive wait in between). Its default pool has max(8, cores - 1) threads, so 8
/// idle connections made /metrics wait for a keep-alive timeout (5 s). Here every connection
/// gets a thread of its own, up to `max_threads` at once; only beyond that does a connection
/// wait for one to finish. Threads end with their connection, so an idle server holds none.
/// Called by httplib's accept thread (enqueue) and at the end of listen (shutdown).
class http_task_queue : public httplib::TaskQueue {
public:
  explicit http_task_queue(size_t max_threads);
  ~http_task_queue() override;

  void enqueue(std::function<void()> fn) override;

  /// Returns once every running and waiting task has finished.
  void shutdown() override;

private:
  /// Runs `fn`, then waiting tasks, until none waits; the thread then ends.
  void run(std::function<void()> fn);

  std::mutex mutex_;
  std::condition_variable all_done_;
  std::deque<std::function<void()>> waiting_;
  size_t running_ = 0; ///< threads alive
  size_t max_threads_; ///< metrics.http-max-connections
};

} // namespace ac
