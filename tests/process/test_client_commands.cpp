// Process tests of actorcache-client's commands against a real node: JSON, per-key mget, stdin and raw values, exists, ttl, scan, flush.
#include <catch2/catch.hpp>

#include <fstream>
#include <random>

#include "tests/support/tool_node.hpp"

namespace {

using namespace std::chrono_literals;
using namespace ac::test;

// A node for one test; a node that does not start fails the test.
struct client_fixture {
  tool_node t{"client-cmds"};
  std::string err_file = t.dir.path() + "/client.err";
  client_fixture() { REQUIRE(t.start()); }

  shell_result client(const std::string& args) { return run_shell(t.client(args), 30s, err_file); }
  std::string file(const std::string& name) const { return t.dir.path() + "/" + name; }

  /// Runs the client with `args` and checks its exit status and the whole of its stdout.
  void check_prints(const std::string& args, int rc, const std::string& out) {
    INFO("actorcache-client " << args);
    auto r = client(args);
    CHECK(r.rc == rc);
    CHECK(r.out == out);
  }

  /// Runs the client with `args` and checks it was refused (exit 2) with `says` on stderr.
  void check_refused(const std::string& args, const std::string& says) {
    INFO("actorcache-client " << args);
    auto r = client(args);
    CHECK(r.rc == 2);
    CHECK(has(r.err, says));
  }
};

} // namespace

TEST_CASE("get, put, mget and del print one JSON object with --json", "[tools][process][client]") {
  client_fixture f;
  f.check_prints("put k1 'hello' --json", 0,
                 "{\"key\":\"k1\",\"stored\":true,\"l1_only\":false,\"ttl\":0}\n");
  f.check_prints("get k1 --json", 0,
                 "{\"key\":\"k1\",\"found\":true,\"kind\":\"bytes\",\"value\":\"hello\"}\n");
  f.check_prints("get nothing --json", 1, "{\"key\":\"nothing\",\"found\":false}\n");
  f.check_prints(
    "mget k1 nothing --json", 0,
    "{\"results\":[{\"key\":\"k1\",\"found\":true,\"kind\":\"bytes\",\"value\":\"hello\"},"
    "{\"key\":\"nothing\",\"found\":false}]}\n");
  f.check_prints("del k1 --json", 0, "{\"key\":\"k1\",\"deleted\":true}\n");
}

TEST_CASE("an option the command does not take is refused with exit 2 and named",
          "[tools][process][client]") {
  client_fixture f;
  f.check_refused("put k v --raw", "--raw does not apply to 'put'");
  f.check_refused("get k --ttl=5", "--ttl does not apply to 'get'");
  f.check_refused("del k --yes", "--yes does not apply to 'del'");
  CHECK(f.client("get k").rc == 1); // nothing was stored or deleted by the refused commands
}

TEST_CASE(
  "mget answers each key on its own: values, misses, empty values, escaped newlines, a bad key's error",
  "[tools][process][client]") {
  client_fixture f;
  REQUIRE(run_shell("printf 'line1\\nline2' | " + f.t.client("put multi -"), 30s).rc == 0);
  REQUIRE(f.client("put empty ''").rc == 0);
  REQUIRE(f.client("put plain v").rc == 0);
  std::string long_key(600, 'x');
  auto r = f.client("mget plain multi absent empty " + long_key + " plain");
  CHECK(r.rc == 2);
  CHECK(r.out == "v\nline1\\nline2\n\n\"\"\n\nv\n");
  CHECK(has(r.err, "key_too_long"));
  auto j = f.client("mget empty absent --json");
  CHECK(j.out == "{\"results\":[{\"key\":\"empty\",\"found\":true,\"kind\":\"bytes\",\"value\":\"\"},"
                 "{\"key\":\"absent\",\"found\":false}]}\n");
}

TEST_CASE(
  "put reads 300 KiB of binary from standard input or a file and get --raw returns the exact bytes",
  "[tools][process][client]") {
  client_fixture f;
  std::string value(300 * 1024, '\0');
  std::mt19937 rng{7};
  for (auto& c : value)
    c = static_cast<char>(rng() & 0xFF);
  value[10] = '\n';
  value[11] = '\0';
  {
    std::ofstream out{f.file("value.bin"), std::ios::binary};
    out.write(value.data(), static_cast<std::streamsize>(value.size()));
  }
  auto put = f.client("put big - < " + f.file("value.bin"));
  CHECK(put.rc == 0);
  CHECK(put.out == "OK\n");
  auto get = f.client("get big --raw");
  CHECK(get.rc == 0);
  CHECK(get.out == value);
  CHECK(f.client("put fromfile --value-file=" + f.file("value.bin")).rc == 0);
  CHECK(f.client("get fromfile --raw").out == value);
  f.check_refused("put k --value-file=" + f.file("no-such-file"), "cannot read");
}

TEST_CASE("exists and ttl tell a key's presence and time left", "[tools][process][client]") {
  client_fixture f;
  REQUIRE(f.client("put short v --ttl=100").rc == 0);
  f.check_prints("exists short", 0, "1\n");
  f.check_prints("exists absent", 1, "0\n");
  auto t = f.client("ttl short");
  CHECK(t.rc == 0);
  CHECK((t.out == "1.7min\n" || t.out == "1.6min\n"));
  auto tj = f.client("ttl short --json");
  CHECK(has(tj.out, "\"exists\":true"));
  auto ms = json_int(tj.out, "ttl_ms");
  CHECK(ms > 95000);
  CHECK(ms <= 101000); // TTLs are kept in whole seconds: PTTL may read up to 1 s over
  f.check_prints("ttl absent", 1, "absent\n");
}

TEST_CASE(
  "scan lists the node's keys matching a glob, escaped, bounded by --limit with a cursor to go on",
  "[tools][process][client]") {
  client_fixture f;
  for (int i = 0; i < 5; ++i)
    REQUIRE(f.client("put user:" + std::to_string(i) + " v").rc == 0);
  REQUIRE(f.client("put other:1 v").rc == 0);
  REQUIRE(f.client("put \"$(printf 'user:\\033[31mred')\" v").rc == 0);
  auto all = f.client("scan 'user:*'");
  CHECK(all.rc == 0);
  for (int i = 0; i < 5; ++i)
    CHECK(has(all.out, "user:" + std::to_string(i) + "\n"));
  CHECK(has(all.out, "user:\\x1b[31mred\n"));
  CHECK_FALSE(has(all.out, "\x1b"));
  CHECK_FALSE(has(all.out, "other:1"));
  auto j = f.client("scan 'other:*' --json");
  CHECK(j.out == "{\"cursor\":0,\"keys\":[\"other:1\"]}\n");
  // A page of two, then the rest from the cursor: together every key, none lost.
  auto page = f.client("scan 'user:*' --limit=2 --json");
  CHECK(page.rc == 0);
  auto cursor = json_int(page.out, "cursor");
  size_t found = 0;
  for (size_t at = 0; (at = page.out.find("\"user:", at)) != std::string::npos; ++at)
    ++found;
  CHECK(found >= 2);
  if (cursor > 0) {
    auto rest = f.client("scan 'user:*' --cursor=" + std::to_string(cursor) + " --json");
    for (size_t at = 0; (at = rest.out.find("\"user:", at)) != std::string::npos; ++at)
      ++found;
    CHECK(found == 6);
  } else {
    CHECK(found == 6);
  }
  CHECK(f.client("scan --limit=0").rc == 2);
}

TEST_CASE("flush refuses without --yes and drops the node's L1 with it",
          "[tools][process][client]") {
  client_fixture f;
  REQUIRE(f.client("put a 1").rc == 0);
  REQUIRE(f.client("put b 2").rc == 0);
  f.check_refused("flush", "--yes");
  CHECK(f.client("get a").rc == 0);
  auto done = f.client("flush --yes");
  CHECK(done.rc == 0);
  CHECK(has(done.out, "flushed 2 entries"));
  CHECK(f.client("get a").rc == 1);
  CHECK(f.client("get b").rc == 1);
  auto j = f.client("flush --yes --all --json");
  CHECK(j.rc == 0);
  CHECK(has(j.out, "\"flushed\":0"));
}

TEST_CASE("get escapes a value's escape codes on a terminal and prints it as is into a pipe",
          "[tools][process][client]") {
  client_fixture f;
  if (!executable_exists("/usr/bin/script"))
    FAIL("util-linux's script(1) is needed to give the client a terminal");
  REQUIRE(f.client("put painted \"$(printf 'x\\033[2Jy')\"").rc == 0);
  auto pipe = f.client("get painted");
  CHECK(pipe.out == "x\x1b[2Jy\n");
  // script(1) runs the client on a pseudo-terminal and copies what it printed.
  auto tty = run_shell("/usr/bin/script -qec '" + f.t.client("get painted") + "' /dev/null", 30s);
  CHECK(tty.rc == 0);
  CHECK(has(tty.out, "x\\x1b[2Jy"));
  CHECK_FALSE(has(tty.out, "\x1b[2J"));
}
