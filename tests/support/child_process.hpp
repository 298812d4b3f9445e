// child_process.hpp: header-only helpers for tests that start real processes and talk to them on loopback.
//
// Contract: every process started here is owned by one child_process object and is killed (SIGKILL
// and reaped) by its destructor at the latest; on Linux the child also dies with the test binary
// (PR_SET_PDEATHSIG), so a crashed test leaves no stray server behind. Not thread-safe.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace ac::test {

/// Polls `pred` every `interval` until it is true or `timeout` passed; returns its last value.
/// The one wait for a condition of the process tests: a predicate that runs a tool (a process)
/// takes a longer interval, so polling does not take the cores the nodes need.
inline bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout,
                       std::chrono::milliseconds interval = std::chrono::milliseconds(5)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (pred())
      return true;
    if (std::chrono::steady_clock::now() + interval >= deadline)
      return pred();
    std::this_thread::sleep_for(interval); // pacing of the poll, not a wait in itself
  }
}

/// A TCP port on 127.0.0.1 that was free a moment ago (bind to port 0, read it, close).
inline uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    throw std::runtime_error("free_port: socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0
      || ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("free_port: bind failed");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

/// True once something accepts TCP connections on `host` (an IPv4 address) and `port` (polled
/// until `timeout`). A non-blocking connect bounded by 200 ms, so an unreachable host (a cut-off
/// test namespace) costs one poll, not the kernel's SYN retries.
inline bool wait_for_tcp(const std::string& host, uint16_t port,
                         std::chrono::milliseconds timeout) {
  return wait_until(
    [&host, port] {
      int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      if (fd < 0)
        return false;
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_port = htons(port);
      bool ok = ::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) == 1;
      if (ok && ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ok = false;
        if (errno == EINPROGRESS) {
          pollfd p{fd, POLLOUT, 0};
          int err = 0;
          socklen_t len = sizeof err;
          ok = ::poll(&p, 1, 200) == 1 && ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0
               && err == 0;
        }
      }
      ::close(fd);
      return ok;
    },
    timeout);
}

/// True once something accepts TCP connections on 127.0.0.1:port (polled until `timeout`).
inline bool wait_for_port(uint16_t port, std::chrono::milliseconds timeout) {
  return wait_for_tcp("127.0.0.1", port, timeout);
}

/// True when `program` names an executable file, directly or via PATH.
inline bool executable_exists(const std::string& program) {
  if (program.find('/') != std::string::npos)
    return ::access(program.c_str(), X_OK) == 0;
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos)
      end = dirs.size();
    std::string dir = dirs.substr(start, end - start);
    if (!dir.empty() && ::access((dir + "/" + program).c_str(), X_OK) == 0)
      return true;
    start = end + 1;
  }
  return false;
}

/// One child process: started in the constructor, killed by the destructor if still alive.
class child_process {
public:
  /// Starts `program` (a path, or a name looked up in PATH) with `args`; stdout and stderr go to
  /// `log_file` (appended). Throws std::runtime_error when fork fails; an exec failure shows up
  /// as exit code 127.
  child_process(const std::string& program, const std::vector<std::string>& args,
                const std::string& log_file) {
    std::vector<std::string> all{program};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : all)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ < 0)
      throw std::runtime_error("fork failed for " + program);
    if (pid_ == 0) {
      // Child: only async-signal-safe calls until exec.
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent)
        ::_exit(127);
      int fd = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (fd >= 0) {
        ::dup2(fd, STDOUT_FILENO);
        ::dup2(fd, STDERR_FILENO);
        ::close(fd);
      }
      ::execvp(argv[0], argv.data());
      ::_exit(127);
    }
  }

  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  ~child_process() { kill(); }

  /// The process id, or -1 once it has been reaped.
  pid_t pid() const { return exited_ ? -1 : pid_; }

  /// True while the process has not exited (reaps it if it just did).
  bool alive() { return !poll_exit().has_value(); }

  /// Waits up to `timeout` for the process to exit; its exit code (128 + signal number when a
  /// signal ended it), or nullopt if it still runs.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout) {
    wait_until([this] { return poll_exit().has_value(); }, timeout);
    return poll_exit();
  }

  /// Sends `sig` (e.g. SIGSTOP/SIGCONT) if the process is alive; true when delivered.
  bool send_signal(int sig) { return alive() && ::kill(pid_, sig) == 0; }

  /// Asks the process to exit (SIGTERM); does not wait.
  void terminate() { send_signal(SIGTERM); }

  /// SIGKILL and reap; idempotent. Works on stopped processes too.
  void kill() {
    if (exited_)
      return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {}
    record(status);
  }

private:
  std::optional<int> poll_exit() {
    if (exited_)
      return exit_code_;
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_)
      record(status);
    else if (r < 0 && errno == ECHILD)
      record(0); // reaped elsewhere; treat as exited
    return exited_ ? std::optional<int>(exit_code_) : std::nullopt;
  }

  void record(int status) {
    exited_ = true;
    exit_code_ = WIFEXITED(status)     ? WEXITSTATUS(status)
                 : WIFSIGNALED(status) ? 128 + WTERMSIG(status)
                                       : -1;
  }

  pid_t pid_ = -1;
  bool exited_ = false;
  int exit_code_ = -1;
};

} // namespace ac::test
