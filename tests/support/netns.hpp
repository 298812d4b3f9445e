// netns.hpp: test hosts on this machine: network namespaces on one bridge, one IPv4 address each (root only).
//
// netns_hosts builds, with names unique to the test process (pid-based), one bridge in the root
// namespace with the address .254 (so the test process itself reaches every host) and N
// namespaces, each with `lo` up and one veth pair whose outer end is plugged into the bridge and
// whose inner end has the address .(i+1) of a /24 in 10.213.0.0/16 (the third byte from the pid,
// moved on when a route for it exists already). Programs run inside a host through
// `ip netns exec`, which execs in place: the child's PID is the program's, so child_process and
// node_process still stop it by PID. cut(i) sets the bridge side of host i's veth down (the host
// loses every peer, Redis included, as a cable pulled out would), heal(i) sets it up again. The
// destructor deletes the namespaces and the bridge; the constructor first removes leftovers of its
// own names and of earlier test processes that died without cleaning up.
//
// Tests that need it call skip_unless_netns() first: when namespaces cannot be made here (not
// root, no `ip`), it prints why and exits 77, which ctest (SKIP_RETURN_CODE 77) shows as skipped.
// Not thread-safe: drive it from the test thread.
#pragma once

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/support/node_process.hpp"

namespace ac::test {

/// Runs `ip ARGS...` with a 10 s bound; its result (exit code 0 = done).
inline tool_result run_ip(const std::vector<std::string>& args) {
  std::vector<std::string> argv{"ip"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_tool(argv, std::chrono::seconds(10));
}

class netns_hosts {
public:
  /// "" when this process can build test hosts here, else why not.
  static std::string unavailable_reason() {
    if (::geteuid() != 0)
      return "network namespaces need root (run the netns tests as root, as CI does)";
    if (!executable_exists("ip"))
      return "the 'ip' program (iproute2) is not installed";
    std::string probe = "acprobe" + std::to_string(::getpid());
    auto made = run_ip({"netns", "add", probe});
    run_ip({"netns", "del", probe});
    if (made.exit_code != 0)
      return "'ip netns add' failed here (a container without CAP_SYS_ADMIN?)";
    return {};
  }

  /// Builds `n` hosts (n <= 250); throws std::runtime_error naming the step that failed.
  explicit netns_hosts(int n) : tag_(std::to_string(::getpid())) {
    if (n < 1 || n > 250)
      throw std::runtime_error("netns_hosts: between 1 and 250 hosts");
    remove_leftovers();
    subnet_ = "10.213." + std::to_string(pick_third_byte()) + ".";
    try {
      step({"link", "add", bridge(), "type", "bridge"});
      step({"addr", "add", bridge_address() + "/24", "dev", bridge()});
      step({"link", "set", bridge(), "up"});
      for (int i = 0; i < n; ++i) {
        names_.push_back("ac" + tag_ + "ns" + std::to_string(i));
        step({"netns", "add", names_.back()});
        step({"link", "add", outer(i), "type", "veth", "peer", "name", inner(i)});
        step({"link", "set", inner(i), "netns", names_.back()});
        step({"link", "set", outer(i), "master", bridge(), "up"});
        step({"-n", names_.back(), "addr", "add", address(i) + "/24", "dev", inner(i)});
        step({"-n", names_.back(), "link", "set", inner(i), "up"});
        step({"-n", names_.back(), "link", "set", "lo", "up"});
      }
    } catch (...) {
      teardown();
      throw;
    }
  }

  netns_hosts(const netns_hosts&) = delete;
  netns_hosts& operator=(const netns_hosts&) = delete;

  ~netns_hosts() { teardown(); }

  int size() const { return static_cast<int>(names_.size()); }
  /// The namespace of host i.
  const std::string& name(int i) const { return names_.at(static_cast<size_t>(i)); }
  /// The IPv4 address of host i, e.g. "10.213.77.3" for i = 2.
  std::string address(int i) const { return subnet_ + std::to_string(i + 1); }
  /// The root namespace's address on the bridge: where servers of the test process listen.
  std::string bridge_address() const { return subnet_ + "254"; }

  /// `argv` run inside host i: {"ip", "netns", "exec", NAME, argv...}.
  std::vector<std::string> in_host(int i, std::vector<std::string> argv) const {
    std::vector<std::string> all{"ip", "netns", "exec", name(i)};
    all.insert(all.end(), argv.begin(), argv.end());
    return all;
  }

  /// How node_process runs a node in host i, bound to `bind` (an address or 0.0.0.0).
  node_placement placement(int i, const std::string& bind) const {
    return node_placement{{"ip", "netns", "exec", name(i)}, bind, address(i)};
  }

  /// Starts `program args...` inside host i, output appended to `log_file`.
  std::unique_ptr<child_process> start_in(int i, const std::string& program,
                                          const std::vector<std::string>& args,
                                          const std::string& log_file) const {
    auto all = in_host(i, {program});
    all.insert(all.end(), args.begin(), args.end());
    std::vector<std::string> rest(all.begin() + 1, all.end());
    return std::make_unique<child_process>(all.front(), rest, log_file);
  }

  /// Cuts host i off the bridge (its veth's bridge end down): no peer, no Redis, no test process.
  bool cut(int i) { return run_ip({"link", "set", outer(i), "down"}).exit_code == 0; }
  /// Plugs host i back in.
  bool heal(int i) { return run_ip({"link", "set", outer(i), "up"}).exit_code == 0; }

private:
  std::string bridge() const { return "acbr" + tag_; }
  std::string outer(int i) const { return "ac" + tag_ + "h" + std::to_string(i); }
  std::string inner(int i) const { return "ac" + tag_ + "n" + std::to_string(i); }

  void step(const std::vector<std::string>& args) {
    auto r = run_ip(args);
    if (r.exit_code != 0) {
      std::string cmd = "ip";
      for (auto& a : args)
        cmd += " " + a;
      throw std::runtime_error("netns_hosts: '" + cmd + "' failed (exit "
                               + std::to_string(r.exit_code) + ")");
    }
  }

  /// The third byte of the subnet: from the pid, moved on while the root namespace already has
  /// a route into that /24 (another test process, or the machine's own network).
  int pick_third_byte() const {
    int start = static_cast<int>(::getpid() % 250);
    for (int k = 0; k < 250; ++k) {
      int x = 1 + (start + k) % 250;
      auto r = run_ip({"-4", "route", "show", "to", "match", "10.213." + std::to_string(x) + ".1"});
      if (r.exit_code == 0
          && r.out.find("10.213." + std::to_string(x) + ".0/24") == std::string::npos)
        return x;
    }
    throw std::runtime_error("netns_hosts: no free /24 in 10.213.0.0/16");
  }

  /// Deletes namespaces and bridges named like ours whose owner process is gone (or is us: a
  /// pid reused after a crash). Other live test processes' hosts are left alone.
  void remove_leftovers() const {
    auto owner_gone = [this](const std::string& digits) {
      if (digits.empty() || digits.size() > 9)
        return false;
      if (digits == tag_)
        return true;
      return ::kill(static_cast<pid_t>(std::stol(digits)), 0) != 0 && errno == ESRCH;
    };
    auto leading_digits = [](const std::string& s, size_t from) {
      size_t end = from;
      while (end < s.size() && s[end] >= '0' && s[end] <= '9')
        ++end;
      return s.substr(from, end - from);
    };
    auto nets = run_ip({"netns", "list"});
    for (size_t pos = 0; pos < nets.out.size();) {
      auto eol = nets.out.find('\n', pos);
      auto line = nets.out.substr(pos, eol == std::string::npos ? std::string::npos : eol - pos);
      pos = eol == std::string::npos ? nets.out.size() : eol + 1;
      auto ns = line.substr(0, line.find(' '));
      if (ns.rfind("ac", 0) != 0)
        continue;
      auto digits = leading_digits(ns, 2);
      if (ns.compare(2 + digits.size(), 2, "ns") == 0 && owner_gone(digits))
        run_ip({"netns", "del", ns});
    }
    auto links = run_ip({"-o", "link", "show", "type", "bridge"});
    for (size_t pos = 0; (pos = links.out.find(": acbr", pos)) != std::string::npos;) {
      auto digits = leading_digits(links.out, pos + 6);
      pos += 6;
      if (owner_gone(digits))
        run_ip({"link", "del", "acbr" + digits});
    }
  }

  void teardown() {
    for (size_t i = 0; i < names_.size(); ++i) {
      run_ip({"netns", "del", names_[i]}); // deletes its veth end, and with it the bridge end
      run_ip({"link", "del", outer(static_cast<int>(i))}); // a pair never moved (failed build)
    }
    names_.clear();
    run_ip({"link", "del", bridge()});
  }

  std::string tag_;
  std::string subnet_;
  std::vector<std::string> names_;
};

/// Exits 77 (ctest: skipped, never passed) with the reason when test hosts cannot be made here.
inline void skip_unless_netns() {
  auto why = netns_hosts::unavailable_reason();
  if (why.empty())
    return;
  std::printf("SKIPPED: %s\n", why.c_str());
  std::fflush(stdout);
  std::_Exit(77);
}

} // namespace ac::test
