// The dashboard in a real browser: headless Chromium loads /dashboard of a 3-node cluster and draws members and charts.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <regex>

#include "tests/support/child_process.hpp"
#include "tests/support/node_process.hpp"

using namespace ac::test;
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

/// Debian's chromium, or the one $AC_CHROMIUM names.
std::string chromium_path() {
  auto named = env_or("AC_CHROMIUM", "");
  if (!named.empty())
    return named;
  for (const char* name : {"chromium", "chromium-browser", "google-chrome"})
    if (executable_exists(name))
      return name;
  return {};
}

/// Where the screenshot and the rendered DOM stay after the run: $AC_ARTIFACT_DIR, else
/// <build>/test-artifacts.
std::string artifact_dir() {
  auto dir = env_or("AC_ARTIFACT_DIR", program_path("..") + "/test-artifacts");
  std::filesystem::create_directories(dir);
  return dir;
}

/// Headless Chromium on `url`: the JS runs (virtual time, so its 2 s polls pass quickly), then
/// `mode` acts: --dump-dom prints the DOM, --screenshot=FILE writes a PNG.
tool_result run_chromium(const std::string& chromium, const std::string& profile,
                         const std::string& url, const std::string& mode, const std::string& log) {
  return run_tool(
    {chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
     "--no-first-run", "--disable-extensions", "--user-data-dir=" + profile,
     "--window-size=1400,1900", "--virtual-time-budget=5000", mode, url},
    90s, log);
}

size_t count_matches(const std::string& text, const std::regex& re) {
  return static_cast<size_t>(
    std::distance(std::sregex_iterator(text.begin(), text.end(), re), std::sregex_iterator()));
}

} // namespace

// Long on purpose: one browser session in order (cluster up, page loaded, each element checked).
TEST_CASE("Headless Chromium renders the dashboard's member list and charts for a 3-node cluster",
          "[browser][dashboard]") {
  auto chromium = chromium_path();
  if (chromium.empty())
    FAIL(
      "chromium not found: the browser test needs Debian's chromium (scripts/install-deps.sh "
      "installs it), or AC_CHROMIUM=/path/to/chrome");
  REQUIRE(executable_exists("curl"));
  temp_dir dir{"ac-dashboard"};
  auto mport = free_port();
  std::vector<std::string> common{"--loader.kind=synthetic", "--metrics.dashboard-interval=500ms"};
  auto with = [&](std::vector<std::string> extra) {
    extra.insert(extra.end(), common.begin(), common.end());
    return extra;
  };
  node_process n1{"dash-1", with({"--metrics.http-port=" + std::to_string(mport)}), dir.path()};
  REQUIRE(n1.start());
  auto seeds = n1.seed_option();
  node_process n2{"dash-2", with({seeds}), dir.path()};
  node_process n3{"dash-3", with({seeds}), dir.path()};
  REQUIRE(n2.start());
  REQUIRE(n3.start());
  // Traffic for the charts: hits, misses and computes on every node.
  auto load = n1.client({"load", "--clients=4", "--window=8", "--requests=20000", "--keys=3000",
                         "--get-ratio=0.9", "--json"},
                        120s);
  REQUIRE(load.exit_code == 0);

  // The node's own view first: three alive members, each reachable with a few chart points.
  auto base = "http://127.0.0.1:" + std::to_string(mport);
  json doc;
  bool ready = wait_until(
    [&] {
      auto r = run_tool({"curl", "-sf", "--max-time", "5", base + "/dashboard.json"}, 10s);
      if (r.exit_code != 0)
        return false;
      doc = json::parse(r.out, nullptr, false);
      if (doc.is_discarded() || doc["members"].size() != 3 || doc["nodes"].size() != 3)
        return false;
      for (auto& m : doc["members"])
        if (m["state"] != "alive")
          return false;
      for (auto& n : doc["nodes"])
        if (!n["reachable"].get<bool>() || n["series"]["t_ms"].size() < 3)
          return false;
      return true;
    },
    60s);
  INFO(doc.dump(1));
  REQUIRE(ready);

  auto dom_path = artifact_dir() + "/dashboard-dom.html";
  auto shot_path = artifact_dir() + "/dashboard.png";
  std::string dom;
  // The page polls and renders in JS: wait until the DOM Chromium dumps has it all.
  static const std::regex member_row{
    R"re(<tr class="member" data-id="dash-\d" data-state="alive")re"};
  static const std::regex chart{R"re(<svg class="chart"[^>]*data-points="([3-9]|\d\d+)")re"};
  static const std::regex line{R"re(<polyline points="[0-9.]+,[0-9.]+ [0-9.]+,[0-9.]+)re"};
  bool rendered = wait_until(
    [&] {
      auto r = run_chromium(chromium, dir.path() + "/profile", base + "/dashboard", "--dump-dom",
                            dir.path() + "/chromium.log");
      dom = r.out;
      return r.exit_code == 0 && count_matches(dom, member_row) == 3
             && count_matches(dom, chart) == 9 && count_matches(dom, line) >= 12;
    },
    120s);
  std::ofstream{dom_path} << dom;
  INFO("DOM saved to " << dom_path << "; chromium log: " << dir.path() + "/chromium.log");
  if (!rendered)
    dir.keep();
  REQUIRE(rendered);
  // (The DOM holds the script's text too: match rendered markup, not words of the source.)
  CHECK(count_matches(dom, std::regex{R"re(data-breaker="disabled")re"})
        == 3); // no Redis: L2 is off
  CHECK(count_matches(dom, std::regex{R"re(<ul class="hot-keys">)re"}) == 3);
  CHECK(count_matches(dom, std::regex{R"re(<ul class="recommendations">)re"}) == 3);
  CHECK(count_matches(dom, std::regex{R"re(data-memory="[0-9.]+")re"}) == 3);
  CHECK(dom.find(R"(id="status" class="error")") == std::string::npos);

  std::filesystem::remove(shot_path);
  auto shot = run_chromium(chromium, dir.path() + "/profile", base + "/dashboard",
                           "--screenshot=" + shot_path, dir.path() + "/chromium.log");
  CHECK(shot.exit_code == 0);
  REQUIRE(std::filesystem::exists(shot_path));
  CHECK(std::filesystem::file_size(shot_path) > 10000);
  WARN("dashboard screenshot: " << shot_path);

  CHECK(n3.terminate() == std::optional<int>{0});
  CHECK(n2.terminate() == std::optional<int>{0});
  CHECK(n1.terminate() == std::optional<int>{0});
}
