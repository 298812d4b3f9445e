// The RESP request reader over hiredis: whole, split and byte-by-byte input, inline commands, and the limits.
#include <catch2/catch.hpp>

#include "net/resp_reader.hpp"

using ac::resp::request_reader;

namespace {

using status = request_reader::status;

/// Feeds `bytes` one byte at a time and collects every command.
std::vector<std::vector<std::string>> byte_by_byte(const std::string& bytes, std::string& err,
                                                   bool& failed) {
  request_reader r;
  std::vector<std::vector<std::string>> out;
  failed = false;
  for (char c : bytes) {
    r.feed(&c, 1);
    std::vector<std::string> argv;
    for (;;) {
      auto s = r.next(argv, err);
      if (s == status::ready)
        out.push_back(argv);
      else {
        failed = s == status::error;
        break;
      }
    }
    if (failed)
      break;
  }
  return out;
}

} // namespace

TEST_CASE("A pipelined batch of requests reads the same whole or byte by byte", "[resp]") {
  std::string bytes = "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\n"
                      + std::string("a\0\r\nb", 5) + "\r\n";
  std::string err;
  bool failed = false;
  auto cmds = byte_by_byte(bytes, err, failed);
  CHECK_FALSE(failed);
  REQUIRE(cmds.size() == 2);
  CHECK(cmds[0] == std::vector<std::string>{"GET", "k"});
  CHECK(cmds[1][2] == std::string("a\0\r\nb", 5));
  request_reader whole;
  whole.feed(bytes.data(), bytes.size());
  std::vector<std::string> argv;
  REQUIRE(whole.next(argv, err) == status::ready);
  CHECK(argv == cmds[0]);
  REQUIRE(whole.next(argv, err) == status::ready);
  CHECK(argv == cmds[1]);
  CHECK(whole.next(argv, err) == status::incomplete);
  CHECK(whole.buffered() == 0);
}

TEST_CASE("Inline commands are split on whitespace and may follow RESP ones", "[resp]") {
  std::string err;
  bool failed = false;
  auto cmds = byte_by_byte("PING\r\n  SET  a   b \n*1\r\n$4\r\nPING\r\n\r\nQUIT\r\n", err, failed);
  CHECK_FALSE(failed);
  REQUIRE(cmds.size() == 4);
  CHECK(cmds[0] == std::vector<std::string>{"PING"});
  CHECK(cmds[1] == std::vector<std::string>{"SET", "a", "b"});
  CHECK(cmds[2] == std::vector<std::string>{"PING"});
  CHECK(cmds[3] == std::vector<std::string>{"QUIT"});
}

TEST_CASE("What a request cannot be is a protocol error", "[resp]") {
  for (std::string bad : {"*1\r\n:1\r\n", "*1\r\n$-1\r\n", "*1\r\n*1\r\n$1\r\na\r\n",
                          "*1\r\n+OK\r\n", "*1\r\n$x\r\n"}) {
    request_reader r;
    r.feed(bad.data(), bad.size());
    std::vector<std::string> argv;
    std::string err;
    INFO(bad);
    CHECK(r.next(argv, err) == status::error);
    CHECK(err.rfind("ERR Protocol error", 0) == 0);
  }
}

TEST_CASE("Declared sizes over the limits are refused before their bytes arrive", "[resp]") {
  ac::resp::reader_limits lim;
  lim.max_bulk_bytes = 1000;
  lim.max_args = 10;
  lim.max_inline_bytes = 100;
  std::vector<std::string> argv;
  std::string err;
  {
    request_reader r{lim};
    std::string s = "*1\r\n$1001\r\n";
    r.feed(s.data(), s.size());
    CHECK(r.next(argv, err) == status::error);
    CHECK(err == "ERR Protocol error: invalid bulk length");
  }
  {
    request_reader r{lim};
    std::string s = "*11\r\n";
    r.feed(s.data(), s.size());
    CHECK(r.next(argv, err) == status::error);
  }
  {
    request_reader r{lim};
    std::string s(101, 'a');
    r.feed(s.data(), s.size());
    CHECK(r.next(argv, err) == status::error);
    CHECK(err == "ERR Protocol error: too big inline request");
  }
  {
    request_reader r{lim};
    std::string s = "*1\r\n$1000\r\n" + std::string(10, 'x');
    r.feed(s.data(), s.size());
    CHECK(r.next(argv, err) == status::incomplete); // within the limit: it waits for the rest
  }
}

TEST_CASE("One request's arguments together are bounded, not only each one", "[resp]") {
  ac::resp::reader_limits lim;
  lim.max_bulk_bytes = 1000;
  lim.max_args = 100;
  lim.max_request_bytes = 4000;
  request_reader r{lim};
  std::vector<std::string> argv;
  std::string err;
  // MSET of 1000-byte values: each bulk is within its limit, five of them are not.
  std::string s = "*11\r\n$4\r\nMSET\r\n";
  for (int i = 0; i < 5; ++i)
    s += "$1\r\nk\r\n$1000\r\n" + std::string(1000, 'v') + "\r\n";
  r.feed(s.data(), s.size());
  CHECK(r.next(argv, err) == status::error);
  CHECK(err == "ERR Protocol error: request too large");
  // The bound is per request: the same bytes as three requests are fine.
  request_reader fine{lim};
  std::string three;
  for (int i = 0; i < 3; ++i)
    three += "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1000\r\n" + std::string(1000, 'v') + "\r\n";
  fine.feed(three.data(), three.size());
  for (int i = 0; i < 3; ++i)
    CHECK(fine.next(argv, err) == status::ready);
}

TEST_CASE("A connection not yet authenticated may send AUTH-sized requests only", "[resp]") {
  request_reader r{ac::resp::unauthenticated_limits};
  std::vector<std::string> argv;
  std::string err;
  std::string auth = "*2\r\n$4\r\nAUTH\r\n$6\r\nsecret\r\n";
  r.feed(auth.data(), auth.size());
  REQUIRE(r.next(argv, err) == status::ready);
  std::string big = "*20001\r\n$4\r\nMSET\r\n";
  r.feed(big.data(), big.size());
  CHECK(r.next(argv, err) == status::error);
  request_reader bulk{ac::resp::unauthenticated_limits};
  std::string huge = "*2\r\n$4\r\nAUTH\r\n$8388608\r\n";
  bulk.feed(huge.data(), huge.size());
  CHECK(bulk.next(argv, err) == status::error);
  CHECK(err == "ERR Protocol error: invalid bulk length");
  // Authenticated, the same connection gets its full limits.
  request_reader later{ac::resp::unauthenticated_limits};
  later.set_limits(ac::resp::reader_limits{});
  std::string mset = "*21\r\n$4\r\nMSET\r\n";
  for (int i = 0; i < 10; ++i)
    mset += "$1\r\nk\r\n$1\r\nv\r\n";
  later.feed(mset.data(), mset.size());
  CHECK(later.next(argv, err) == status::ready);
}

TEST_CASE("Thousands of blank lines are skipped without nesting a call per line", "[resp]") {
  request_reader r;
  std::vector<std::string> argv;
  std::string err;
  std::string s;
  for (int i = 0; i < 30000; ++i)
    s += i % 3 == 0 ? "\r\n" : i % 3 == 1 ? "  \n" : "*0\r\n";
  s += "PING\r\n";
  r.feed(s.data(), s.size());
  REQUIRE(r.next(argv, err) == status::ready);
  CHECK(argv == std::vector<std::string>{"PING"});
}
