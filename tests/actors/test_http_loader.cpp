// The http loader: a node computes misses by asking a real HTTP service (cpp-httplib), once per key.
#include <catch2/catch.hpp>

#include <atomic>
#include <future>
#include <thread>

#include <httplib.h>

#include "tests/support/node_fixture.hpp"

using namespace ac;
using namespace ac::test;
using namespace std::chrono_literals;

namespace {

/// The user's service: answers /f/{key} by the key's prefix, counting every request.
struct feature_service {
  httplib::Server server;
  std::thread thread;
  int port = 0;
  std::atomic<int> calls{0};
  std::atomic<int> failing_calls{0};

  feature_service() {
    server.Get(R"(/f/(.*))", [this](const httplib::Request& req, httplib::Response& res) {
      ++calls;
      auto key = req.matches[1].str();
      if (key.rfind("slow", 0) == 0) {
        std::this_thread::sleep_for(300ms);
        res.set_content("slow-value", "application/octet-stream");
      } else if (key.rfind("json", 0) == 0) {
        res.set_content("{\"k\":1}", "application/json");
      } else if (key.rfind("tensor", 0) == 0) {
        res.set_header("X-Tensor-Dtype", "float32");
        res.set_header("X-Tensor-Shape", "2,2");
        res.set_content(std::string(16, '\0'), "application/x-actorcache-tensor");
      } else if (key.rfind("missing", 0) == 0) {
        res.status = 404;
      } else if (key.rfind("fail", 0) == 0) {
        ++failing_calls;
        res.status = 503;
      } else {
        res.set_content("value-of-" + key, "application/octet-stream");
      }
    });
    port = server.bind_to_any_port("127.0.0.1");
    thread = std::thread([this] { server.listen_after_bind(); });
    // Bound already: connections queue until listen_after_bind accepts them.
  }
  ~feature_service() {
    server.stop();
    thread.join();
  }
};

} // namespace

TEST_CASE("The http loader turns the service's answers into values by Content-Type",
          "[loader][http]") {
  feature_service svc;
  REQUIRE(svc.port > 0);
  node_fixture f{[&](node_config& c) {
    c.loader_kind = "http";
    c.loader_url = "http://127.0.0.1:" + std::to_string(svc.port) + "/f/{key}";
  }};
  CHECK(f.get("plain") == "value-of-plain");
  CHECK(f.get("json-1") == "{\"k\":1}");
  CHECK(f.get("tensor-1").rfind("tensor float32 [2,2]", 0) == 0);
  CHECK(f.get("missing-1") == "<miss>");
  // Stored once loaded: the second read is an L1 hit, the service is not asked again.
  int before = svc.calls;
  CHECK(f.get("plain") == "value-of-plain");
  CHECK(svc.calls == before);
}

TEST_CASE("Concurrent misses of one key ask the service once", "[loader][http]") {
  feature_service svc;
  node_fixture f{[&](node_config& c) {
    c.loader_kind = "http";
    c.loader_url = "http://127.0.0.1:" + std::to_string(svc.port) + "/f/{key}";
  }};
  std::vector<std::future<std::string>> gets;
  for (int i = 0; i < 20; ++i)
    gets.push_back(std::async(std::launch::async, [&] {
      caf::scoped_actor me{f.sys};
      std::string out;
      me->request(f.node.front, 10s, get_atom::value, std::string{"slow-key"})
        .receive(
          [&](const lookup_result& r) { out = r.found ? node_fixture::value_of(r) : "<miss>"; },
          [&](caf::error& e) { out = describe(e); });
      return out;
    }));
  for (auto& g : gets)
    CHECK(g.get() == "slow-value");
  CHECK(svc.calls == 1);
}

TEST_CASE("A failing service's error reaches the caller after the retries, and nothing is cached",
          "[loader][http]") {
  feature_service svc;
  node_fixture f{[&](node_config& c) {
    c.loader_kind = "http";
    c.loader_url = "http://127.0.0.1:" + std::to_string(svc.port) + "/f/{key}";
    c.loader_retries = 2;
  }};
  auto first = f.get("fail-1");
  CHECK(first.find("compute_failed") != std::string::npos);
  CHECK(first.find("503") != std::string::npos);
  CHECK(svc.failing_calls == 3); // one try and two retries
  f.get("fail-1");
  CHECK(svc.failing_calls == 6); // not cached: asked again
}

TEST_CASE("A loader.url without {key} or not http:// is refused naming the option",
          "[loader][http]") {
  node_config c;
  c.loader_kind = "http";
  c.loader_url = "ftp://x/{key}";
  CHECK(c.validate().rfind("loader.url:", 0) == 0);
  c.loader_url = "http://127.0.0.1:1/nokey";
  CHECK(c.validate().rfind("loader.url:", 0) == 0);
  c.loader_url = "http://127.0.0.1:1/f/{key}";
  CHECK(c.validate().empty());
}
