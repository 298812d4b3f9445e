// What the console's commands share: failing with a message, frames repeated until Ctrl-C.
#include "tools/console/console_common.hpp"

#include <atomic>
#include <csignal>
#include <iostream>
#include <thread>

#include <unistd.h>

namespace ac::console {
namespace {

std::atomic<bool> interrupted{false};

extern "C" void on_sigint(int) { interrupted = true; }

// Sleeps `seconds` in short steps so Ctrl-C ends the wait at once; false when interrupted.
bool pause_for(double seconds) {
  auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < until) {
    if (interrupted)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return !interrupted;
}

} // namespace

int fail(const std::string& what) {
  std::cerr << "actorcache-console: " << what << "\n";
  return 2;
}

int repeat(double watch, uint32_t count, bool json, const std::function<int()>& frame) {
  if (watch <= 0)
    return frame();
  bool redraw = !json && ::isatty(STDOUT_FILENO) == 1;
  std::signal(SIGINT, on_sigint);
  std::signal(SIGTERM, on_sigint);
  int rc = 0;
  for (uint32_t n = 1;; ++n) {
    if (redraw)
      std::cout << "\033[H\033[2J";
    else if (n > 1 && !json)
      std::cout << "\n";
    rc = frame();
    std::cout << std::flush;
    if ((count > 0 && n >= count) || !pause_for(watch))
      break;
  }
  return interrupted ? 0 : rc;
}

} // namespace ac::console
