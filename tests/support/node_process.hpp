// node_process.hpp: header-only helpers to run actorcache-node processes and drive the client and console tools.
//
// node_process owns one actorcache-node child (port 0 + --node.port-file, so ports are always
// ephemeral) and stops it by PID: SIGTERM, SIGKILL, SIGSTOP/SIGCONT. run_tool() runs one
// command with a deadline and captures its stdout and exit code; it is thread-safe, so several
// tools can run at once (std::async). Every process ends by PID: a tool that overruns its
// deadline is SIGKILLed, a node left running is SIGKILLed by its destructor.
#pragma once

#include <poll.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/child_process.hpp"

namespace ac::test {

/// The environment variable `var`, else `fallback`.
inline std::string env_or(const char* var, const std::string& fallback) {
  const char* value = std::getenv(var);
  return value != nullptr ? std::string{value} : fallback;
}

/// The path of a built program: $AC_BIN_DIR/name, else the AC_BIN_DIR the tests were built with.
inline std::string program_path(const std::string& name) {
#ifdef AC_BIN_DIR
  return env_or("AC_BIN_DIR", AC_BIN_DIR) + "/" + name;
#else
  return env_or("AC_BIN_DIR", "bin") + "/" + name;
#endif
}

/// The programs of `names` that are not there, space-separated ("" when all are): an
/// actorcache-* name is looked up among the built programs (program_path), any other on PATH.
/// Tests REQUIRE it empty: a missing program is a setup failure, never a quiet skip.
inline std::string missing_programs(const std::vector<std::string>& names) {
  std::string missing;
  for (auto& name : names) {
    auto path = name.rfind("actorcache-", 0) == 0 ? program_path(name) : name;
    if (!executable_exists(path))
      missing += (missing.empty() ? "" : " ") + name;
  }
  return missing;
}

/// What a finished tool printed and how it ended.
struct tool_result {
  int exit_code = -1;     ///< 128 + signal when a signal ended it; -1 when it could not start
  bool timed_out = false; ///< overran its deadline and was SIGKILLed
  std::string out;        ///< everything it wrote to stdout
  std::chrono::milliseconds elapsed{0};
};

/// Runs `argv` (argv[0] a path or a name in PATH) with stdout captured and stderr appended to
/// `stderr_file` (or discarded when empty). SIGKILLs it once `timeout` has passed.
/// Long on purpose: fork, pipes, the bounded wait and the kill, in the order they happen.
inline tool_result run_tool(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                            const std::string& stderr_file = "") {
  tool_result r;
  auto start = std::chrono::steady_clock::now();
  int fds[2];
  if (argv.empty() || ::pipe2(fds, O_CLOEXEC) != 0)
    return r;
  std::vector<std::string> args = argv;
  std::vector<char*> cargs;
  for (auto& a : args)
    cargs.push_back(a.data());
  cargs.push_back(nullptr);
  std::string err_path = stderr_file.empty() ? "/dev/null" : stderr_file;
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return r;
  }
  if (pid == 0) {
    // Child: only async-signal-safe calls until exec. The forking thread waits for us, so
    // PR_SET_PDEATHSIG (which fires when that thread ends) only fires if the test dies.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent)
      ::_exit(127);
    ::dup2(fds[1], STDOUT_FILENO);
    int efd = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (efd >= 0)
      ::dup2(efd, STDERR_FILENO);
    ::execvp(cargs[0], cargs.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  auto deadline = start + timeout;
  bool open = true;
  while (open) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      r.timed_out = true;
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    int n = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left.count(), 100)));
    if (n < 0 && errno != EINTR)
      break;
    if (n <= 0)
      continue;
    char buf[8192];
    ssize_t got = ::read(fds[0], buf, sizeof buf);
    if (got > 0)
      r.out.append(buf, static_cast<size_t>(got));
    else if (got == 0 || errno != EINTR)
      open = false;
  }
  ::close(fds[0]);
  if (r.timed_out)
    ::kill(pid, SIGKILL);
  // stdout closed: the tool is exiting; bound the wait all the same.
  int status = 0;
  for (;;) {
    pid_t w = ::waitpid(pid, &status, r.timed_out ? 0 : WNOHANG);
    if (w == pid)
      break;
    if (w < 0 && errno != EINTR) {
      status = -1;
      break;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      r.timed_out = true;
      ::kill(pid, SIGKILL);
      continue;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  r.exit_code = status == -1          ? -1
                : WIFEXITED(status)   ? WEXITSTATUS(status)
                : WIFSIGNALED(status) ? 128 + WTERMSIG(status)
                                      : -1;
  r.elapsed =
    std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  return r;
}

/// A fresh directory under the temp dir, removed (with everything in it) by the destructor
/// unless keep() was called.
class temp_dir {
public:
  explicit temp_dir(const std::string& stem = "ac-cluster-test") {
    std::string tmpl = (std::filesystem::temp_directory_path() / (stem + ".XXXXXX")).string();
    if (::mkdtemp(tmpl.data()) == nullptr)
      throw std::runtime_error("mkdtemp failed for " + tmpl);
    path_ = tmpl;
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  ~temp_dir() {
    std::error_code ec;
    if (!keep_)
      std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  /// Leaves the directory behind (`yes`), e.g. so a failed test's logs stay for a post-mortem.
  void keep(bool yes = true) { keep_ = yes; }
  bool kept() const { return keep_; }

private:
  std::string path_;
  bool keep_ = false;
};

/// Where a node runs: by default on this machine's loopback; on a test host of netns.hpp, in
/// that host's namespace, bound to `bind` and reached by the test at `reach`.
struct node_placement {
  std::vector<std::string> prefix; ///< argv before the program, e.g. {"ip", "netns", "exec", NS}
  std::string bind = "127.0.0.1";  ///< --node.host
  std::string reach = "127.0.0.1"; ///< the IPv4 address the test (and address()) connects to
};

/// One actorcache-node process named `id`, listening on 127.0.0.1 (or where `placement` says)
/// on an ephemeral port. Not thread-safe: drive it from the test thread.
class node_process {
public:
  /// Does not start the node; `dir` holds its log and port file; `args` are extra options.
  node_process(std::string id, std::vector<std::string> args, std::string dir,
               node_placement placement = {})
    : id_(std::move(id)), args_(std::move(args)), dir_(std::move(dir)),
      placement_(std::move(placement)) {}

  node_process(const node_process&) = delete;
  node_process& operator=(const node_process&) = delete;

  ~node_process() { kill(); }

  /// Starts the node (again, after it exited) and waits until it has written its port file
  /// and accepts connections; `port` 0 picks a free one, a restart may pass the old port.
  /// False when it exits or is not ready within `timeout`.
  bool start(uint16_t port = 0, std::chrono::milliseconds timeout = std::chrono::seconds(15)) {
    kill();
    std::error_code ec;
    std::filesystem::remove(port_file(), ec);
    std::filesystem::remove(resp_port_file(), ec);
    std::vector<std::string> all = placement_.prefix;
    all.push_back(program_path("actorcache-node"));
    for (auto a : {"--node.id=" + id_, "--node.host=" + placement_.bind,
                   "--node.port=" + std::to_string(port), "--node.port-file=" + port_file(),
                   std::string{"--resp.port=0"}, "--resp.port-file=" + resp_port_file()})
      all.push_back(std::move(a));
    all.insert(all.end(), args_.begin(), args_.end());
    auto program = all.front();
    all.erase(all.begin());
    process_ = std::make_unique<child_process>(program, all, log_file());
    port_ = 0;
    bool ready = wait_until(
      [&] {
        if (!process_->alive())
          return true;
        std::ifstream f{port_file()};
        unsigned p = 0;
        if (f >> p && p > 0 && p < 65536)
          port_ = static_cast<uint16_t>(p);
        return port_ != 0 && wait_for_tcp(placement_.reach, port_, std::chrono::milliseconds(0));
      },
      timeout);
    return ready && process_->alive() && port_ != 0;
  }

  const std::string& id() const { return id_; }
  uint16_t port() const { return port_; }
  /// "127.0.0.1:PORT" (the placement's reach address), as seeds and --node name it.
  std::string address() const { return placement_.reach + ":" + std::to_string(port_); }
  /// The option that makes another node join the cluster through this one (its seed).
  std::string seed_option() const { return "--cluster.seeds=[\"" + address() + "\"]"; }
  /// Where the test connects to it: 127.0.0.1, or its test host's address.
  const std::string& reach() const { return placement_.reach; }
  /// The process id, or -1 when not running.
  pid_t pid() const { return process_ ? process_->pid() : -1; }
  bool alive() { return process_ && process_->alive(); }
  std::string log_file() const { return dir_ + "/" + id_ + ".log"; }
  std::string port_file() const { return dir_ + "/" + id_ + ".port"; }
  std::string resp_port_file() const { return dir_ + "/" + id_ + ".rport"; }
  /// The node's RESP port (waits up to 5 s for the node to write it); 0 when it has none.
  uint16_t resp_port() const {
    unsigned p = 0;
    wait_until(
      [&] {
        std::ifstream f{resp_port_file()};
        return static_cast<bool>(f >> p) && p > 0 && p < 65536;
      },
      std::chrono::seconds(5));
    return static_cast<uint16_t>(p);
  }

  /// SIGTERM, then wait up to `timeout` for the exit; its exit code, or nullopt if it still runs.
  std::optional<int> terminate(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    if (!process_)
      return std::nullopt;
    process_->send_signal(SIGCONT); // a frozen node could not act on SIGTERM
    process_->terminate();
    return process_->wait_exit(timeout);
  }
  /// kill -9 and reap.
  void kill() {
    if (process_)
      process_->kill();
  }
  /// SIGSTOP: the node freezes; its sockets stay open.
  bool freeze() { return process_ && process_->send_signal(SIGSTOP); }
  /// SIGCONT: it runs again.
  bool thaw() { return process_ && process_->send_signal(SIGCONT); }
  /// Any other signal (SIGHUP: reload).
  bool send_signal(int sig) { return process_ && process_->send_signal(sig); }

  /// Runs actorcache-client with --node=<this node> and `args`.
  tool_result client(const std::vector<std::string>& args,
                     std::chrono::milliseconds timeout = std::chrono::seconds(10)) const {
    return tool("actorcache-client", args, timeout);
  }
  /// Runs actorcache-console with --node=<this node> and `args`.
  tool_result console(const std::vector<std::string>& args,
                      std::chrono::milliseconds timeout = std::chrono::seconds(10)) const {
    return tool("actorcache-console", args, timeout);
  }

private:
  tool_result tool(const std::string& program, const std::vector<std::string>& args,
                   std::chrono::milliseconds timeout) const {
    std::vector<std::string> argv{program_path(program), "--node=" + address()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_tool(argv, timeout, dir_ + "/tools.err");
  }

  std::string id_;
  std::vector<std::string> args_;
  std::string dir_;
  node_placement placement_;
  uint16_t port_ = 0;
  std::unique_ptr<child_process> process_;
};

} // namespace ac::test
