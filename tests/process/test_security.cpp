// Process tests of the node's defences: mutual TLS, bad TLS files, junk bytes on its port, oversized input.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <poll.h>

#include <chrono>
#include <memory>
#include <random>

#include "tests/support/raw_socket.hpp"
#include "tests/support/tool_run.hpp"

namespace {

using namespace std::chrono_literals;
using namespace ac::test;

/// Runs a shell command line, bounded by `timeout`; its stderr lands in `dir` and in err.
shell_result run(const temp_dir& dir, const std::string& cmd, std::chrono::seconds timeout = 20s) {
  return ac::test::run_shell(cmd, timeout, dir.path() + "/stderr.txt");
}

/// The programs the tests need (and openssl, for `tls`), missing ones named ("" when all are there).
std::string missing_tools(bool tls) {
  std::vector<std::string> names{"actorcache-node", "actorcache-client", "actorcache-console"};
  if (tls)
    names.push_back("openssl");
  return ac::test::missing_programs(names);
}

/// The dev PKI from tools/gen-dev-certs.sh plus a rogue CA and a client certificate it signed;
/// fails the test where the programs or openssl are missing, or a certificate was not made.
struct test_pki {
  temp_dir dir{"ac-security-test"};
  std::string c; // folder of the cluster's certificates
  test_pki() {
    REQUIRE(missing_tools(true).empty());
    c = dir.path() + "/certs";
    auto gen = run(dir, "bash " + ac::test::source_dir() + "/tools/gen-dev-certs.sh " + c, 60s);
    auto rogue = run(dir, "sh -c 'cd " + dir.path() +
                            " && openssl req -x509 -newkey rsa:2048 -nodes -keyout rca.key -out rca.pem"
                            " -days 2 -subj /CN=rogue-ca"
                            " && openssl req -newkey rsa:2048 -nodes -keyout r.key -out r.csr -subj /CN=rogue"
                            " && openssl x509 -req -in r.csr -CA rca.pem -CAkey rca.key -CAcreateserial"
                            " -out r.pem -days 2' >/dev/null",
                     60s);
    REQUIRE(gen.rc == 0);
    REQUIRE(rogue.rc == 0);
  }
  std::string client_tls() const {
    return "--tls.enabled --tls.ca-file=" + c + "/ca.pem --tls.cert-file=" + c
           + "/client.pem --tls.key-file=" + c + "/client-key.pem";
  }
  std::string rogue_tls() const {
    return "--tls.enabled --tls.ca-file=" + c + "/ca.pem --tls.cert-file=" + dir.path()
           + "/r.pem --tls.key-file=" + dir.path() + "/r.key";
  }
  std::vector<std::string> node_tls() const {
    return {"--tls.enabled", "--tls.ca-file=" + c + "/ca.pem", "--tls.cert-file=" + c + "/node.pem",
            "--tls.key-file=" + c + "/node-key.pem"};
  }
};

/// One node on a free port with extra options; killed by PID at the end of the test.
struct node_proc {
  temp_dir dir{"ac-security-test"};
  uint16_t port = ac::test::free_port();
  std::unique_ptr<child_process> proc;
  std::string addr = "--node=127.0.0.1:" + std::to_string(port);

  explicit node_proc(std::vector<std::string> extra) {
    std::vector<std::string> args{"--node.host=127.0.0.1", "--node.port=" + std::to_string(port),
                                  "--node.id=sec-" + std::to_string(port)};
    args.insert(args.end(), extra.begin(), extra.end());
    proc = std::make_unique<child_process>(program_path("actorcache-node"), args, log());
  }
  ~node_proc() { proc.reset(); } // SIGKILL by PID before the log folder goes
  std::string log() const { return dir.path() + "/node.log"; }
  bool listening() { return ac::test::wait_for_port(port, 10s) && proc->alive(); }
  shell_result client(const std::string& args, std::chrono::seconds timeout = 20s) {
    return run(dir, program_path("actorcache-client") + " " + addr + " " + args, timeout);
  }
  shell_result console(const std::string& args, std::chrono::seconds timeout = 20s) {
    return run(dir, program_path("actorcache-console") + " " + addr + " " + args, timeout);
  }
};

/// The test PKI and a node serving mutual TLS with it, listening.
struct mutual_tls_node {
  test_pki pki;
  node_proc node{pki.node_tls()};
  mutual_tls_node() { REQUIRE(node.listening()); }
};

} // namespace

TEST_CASE_METHOD(
  mutual_tls_node,
  "a mutual TLS node serves clients of its CA and refuses rogue and plaintext clients",
  "[security][tls][process]") {
  auto put = node.client(pki.client_tls() + " put tk tv");
  CHECK(put.rc == 0);
  CHECK(put.out == "OK\n");
  auto get = node.client(pki.client_tls() + " get tk");
  CHECK(get.rc == 0);
  CHECK(get.out == "tv\n");

  // A rogue-CA certificate and a plaintext client: refused with exit 2 well inside the
  // client's own --timeout (no hang), and the node stays up.
  auto rogue = node.client(pki.rogue_tls() + " --timeout=3s get tk");
  CHECK(rogue.rc == 2);
  CHECK(rogue.out.empty());
  CHECK(rogue.elapsed < 10s);
  auto plain = node.client("--timeout=3s get tk");
  CHECK(plain.rc == 2);
  CHECK(plain.out.empty());
  CHECK(plain.elapsed < 10s);
  CHECK(node.proc->alive());

  // The console speaks TLS as well; the node still serves the good client afterwards.
  auto stats = node.console(pki.client_tls() + " stats --json");
  CHECK(stats.rc == 0);
  CHECK(stats.out.rfind("{\"node\":{\"id\":", 0) == 0);
  auto members = node.console(pki.client_tls() + " members --json");
  CHECK(members.rc == 0);
  CHECK(members.out.find("\"state\":\"alive\"") != std::string::npos);
  CHECK(node.console("--timeout=3s stats --json").rc == 2);
  CHECK(node.client(pki.client_tls() + " get tk").out == "tv\n");
}

TEST_CASE(
  "a TLS client with a missing key file or a CA but no certificate exits 2 without connecting",
  "[security][tls][process]") {
  test_pki pki;
  temp_dir d{"ac-security-test"};
  auto port = std::to_string(ac::test::free_port());
  auto missing = run(d, program_path("actorcache-client") + " --node=127.0.0.1:" + port
                          + " --tls.enabled --tls.ca-file=" + pki.c + "/ca.pem --tls.cert-file="
                          + pki.c + "/client.pem --tls.key-file=" + d.path() + "/nope.pem get k");
  CHECK(missing.rc == 2);
  CHECK(missing.err.find(d.path() + "/nope.pem") != std::string::npos);
  auto no_cert = run(d, program_path("actorcache-client") + " --node=127.0.0.1:" + port
                          + " --tls.enabled --tls.ca-file=" + pki.c + "/ca.pem get k");
  CHECK(no_cert.rc == 2);
  CHECK(no_cert.err.find("cert-file") != std::string::npos);
}

TEST_CASE("a node with tls.enabled and an unusable key file exits 2 naming the option",
          "[security][tls][process]") {
  test_pki pki;
  // Tests may run as root, for whom mode 000 is still readable: "unreadable" is a path that
  // does not exist, a folder, and a file that holds no key.
  std::string garbage = pki.dir.path() + "/garbage-key.pem";
  std::ofstream{garbage} << "this is not a PEM key\n";
  for (const auto& key : {pki.dir.path() + "/no-such-key.pem", pki.dir.path(), garbage}) {
    CAPTURE(key);
    auto args = pki.node_tls();
    args.back() = "--tls.key-file=" + key;
    node_proc node{args};
    auto rc = node.proc->wait_exit(15s);
    REQUIRE(rc.has_value());
    CHECK(*rc == 2);
    auto log = slurp(node.log());
    CAPTURE(log);
    CHECK(log.find("key-file") != std::string::npos);
    CHECK(log.find(key) != std::string::npos);
  }
}

TEST_CASE("junk bytes on a node's port drop that connection and the node keeps serving",
          "[security][process]") {
  REQUIRE(missing_tools(false).empty());
  node_proc node{{}};
  REQUIRE(node.listening());
  CHECK(node.client("put before-junk v1").rc == 0);
  // 200 KB of random bytes, twice, plus a valid-looking but truncated start: each connection
  // is closed by the node, which keeps answering on new connections.
  // The first byte is no BASP operation: random bytes that happen to start a valid-looking
  // header claiming a payload of gigabytes leave the node (rightly) waiting for that payload,
  // which failed this test once in CI.
  for (int round = 0; round < 2; ++round)
    CHECK(junk_gets_dropped(node.port, "\xff" + random_bytes(200 * 1024), 10s));
  CHECK(node.proc->alive());
  CHECK(node.client("put after-junk v2").out == "OK\n");
  CHECK(node.client("get after-junk").out == "v2\n");
  CHECK(node.client("get before-junk").out == "v1\n");
  CHECK(node.proc->alive());
}

TEST_CASE_METHOD(mutual_tls_node,
                 "junk bytes on a TLS node's port drop that connection and the node keeps serving",
                 "[security][tls][process]") {
  CHECK(junk_gets_dropped(node.port, random_bytes(200 * 1024), 10s));
  CHECK(node.proc->alive());
  CHECK(node.client(pki.client_tls() + " put after-junk v").out == "OK\n");
  CHECK(node.client(pki.client_tls() + " get after-junk").out == "v\n");
}

TEST_CASE("oversized values and keys are refused with exit 2 and nothing is stored",
          "[security][process]") {
  REQUIRE(missing_tools(false).empty());
  node_proc node{
    {"--cache.max-value-bytes=1000", "--cache.max-key-bytes=64", "--metrics.interval=100ms"}};
  REQUIRE(node.listening());
  auto big_value = node.client("put big " + std::string(5000, 'x'));
  CHECK(big_value.rc == 2);
  CHECK(big_value.out.empty());
  CHECK_FALSE(big_value.err.empty());
  CHECK(node.client("get big").rc == 1);
  auto long_key = std::string(65, 'k');
  auto big_key = node.client("put " + long_key + " v");
  CHECK(big_key.rc == 2);
  CHECK(big_key.out.empty());
  CHECK(node.client("get " + long_key).rc == 2);
  CHECK(node.client("put " + std::string(64, 'k') + " v").rc == 0); // the limits are inclusive
  // Exactly that one entry is in L1 (the metrics actor reports every 100 ms).
  long long entries = -1;
  ac::test::wait_until(
    [&] {
      entries = json_int(node.console("stats --json").out, "entries");
      return entries >= 1;
    },
    10s);
  CHECK(entries == 1);
  CHECK(node.proc->alive());
}
