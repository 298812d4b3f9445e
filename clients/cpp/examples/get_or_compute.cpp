// Example program of the C++ client library: put, get, get_many, erase and a concurrent get_or_compute against a node.
//
// usage: actorcache-example-get-or-compute HOST:PORT [THREADS] [KEY]
//   HOST:PORT  a node's CAF port (node.port; any member of a cluster will do)
//   THREADS    callers of get_or_compute on one key at once (default 4)
//   KEY        that key (default: one of its own, new on every run)
// It includes only <actorcache/client.hpp> and links only actorcache_client, as a user would.
// Exit 0 when every call answered, 2 on a client_error (its reason on stderr).
#include <actorcache/client.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <iostream>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

namespace {

std::string shown(const std::optional<std::string>& v) { return v ? *v : "(miss)"; }

/// THREADS callers of get_or_compute on `key`, released together; prints how many computes
/// ran in this process and whether every caller got the same value.
void concurrent_get_or_compute(ac::client& cache, const std::string& key, int threads) {
  std::atomic<int> computes{0};
  std::mutex mtx;
  std::condition_variable go;
  bool released = false;
  std::set<std::string> values;
  std::vector<std::thread> callers;
  for (int i = 0; i < threads; ++i)
    callers.emplace_back([&] {
      {
        std::unique_lock<std::mutex> lock{mtx};
        go.wait(lock, [&] { return released; });
      }
      auto value = cache.get_or_compute(
        key,
        [&] {
          int n = ++computes;
          // Long enough for the other callers to queue behind this lease.
          std::this_thread::sleep_for(std::chrono::milliseconds(300));
          return "computed-" + std::to_string(n);
        },
        60);
      std::lock_guard<std::mutex> guard{mtx};
      values.insert(value);
    });
  {
    std::lock_guard<std::mutex> guard{mtx};
    released = true;
  }
  go.notify_all();
  for (auto& t : callers)
    t.join();
  std::cout << "get_or_compute threads=" << threads << " computes=" << computes.load()
            << " value=" << (values.empty() ? "(none)" : *values.begin())
            << " agree=" << (values.size() == 1 ? "yes" : "no") << std::endl;
}

int run(int argc, char** argv) {
  if (argc < 2 || argc > 4) {
    std::cerr << "usage: actorcache-example-get-or-compute HOST:PORT [THREADS] [KEY]\n";
    return 2;
  }
  int threads = argc > 2 ? std::stoi(argv[2]) : 4;
  std::string key =
    argc > 3 ? argv[3]
             : "example:computed:" + std::to_string(::getpid()) + ":"
                 + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
  ac::client cache{{argv[1]}, std::chrono::seconds(5)};

  cache.put("example:greeting", "hello", 60);
  std::cout << "put example:greeting" << std::endl;
  std::cout << "get example:greeting = " << shown(cache.get("example:greeting")) << std::endl;
  std::cout << "get example:nothing = " << shown(cache.get("example:nothing")) << std::endl;
  auto many = cache.get_many({"example:greeting", "example:nothing"});
  std::cout << "get_many = [" << shown(many.at(0)) << ", " << shown(many.at(1)) << "]" << std::endl;

  concurrent_get_or_compute(cache, key, threads);
  bool ran = false;
  auto again = cache.get_or_compute(key, [&] {
    ran = true;
    return std::string{"recomputed"};
  });
  std::cout << "get_or_compute again = " << again << (ran ? " (computed)" : " (cached)")
            << std::endl;

  std::cout << "erase example:greeting = " << (cache.erase("example:greeting") ? "true" : "false")
            << std::endl;
  std::cout << "get example:greeting = " << shown(cache.get("example:greeting")) << std::endl;
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const ac::client_error& e) {
    std::cerr << "actorcache-example-get-or-compute: " << e.code() << ": " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "actorcache-example-get-or-compute: " << e.what() << "\n";
    return 2;
  }
}
