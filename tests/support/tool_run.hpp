// tool_run.hpp: what process tests share to drive the built tools through the shell: paths, file reads, bounded command runs.
//
// program_path() and temp_dir come from node_process.hpp; this header adds the source folder,
// slurp(), run_shell() and reading (json_int) and checking (check_json_counts) a tool's JSON. run_shell() puts every command under `timeout -s KILL`, so a hung
// tool fails its own check instead of hanging the test binary. For argv-style runs without a
// shell, use run_tool() from node_process.hpp.
#pragma once

#include <sys/wait.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string>
#include <system_error>

#include "tests/support/node_process.hpp"

namespace ac::test {

/// The source tree: $AC_SOURCE_DIR, else the AC_SOURCE_DIR the tests were built with.
inline std::string source_dir() {
#ifdef AC_SOURCE_DIR
  return env_or("AC_SOURCE_DIR", AC_SOURCE_DIR);
#else
  return env_or("AC_SOURCE_DIR", ".");
#endif
}

/// The whole of a file from byte `from` on; empty when it cannot be read.
inline std::string slurp(const std::string& path, std::streamoff from = 0) {
  std::ifstream in{path, std::ios::binary};
  if (from > 0)
    in.seekg(from);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Waits until `file` (a node's log) contains `text`, for at most `timeout`.
inline bool wait_for_text(const std::string& file, const std::string& text,
                          std::chrono::milliseconds timeout) {
  return wait_until([&] { return slurp(file).find(text) != std::string::npos; }, timeout);
}

/// True when `text` contains `part` (a tool's output, a log).
inline bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

/// What a finished shell command printed and how it ended.
struct shell_result {
  int rc = -1;     ///< its exit status; 137 when the timeout killed it; -1 when it did not exit
  std::string out; ///< its stdout
  std::string err; ///< what this run wrote to stderr (empty when stderr was discarded)
  std::chrono::milliseconds elapsed{0};
};

/// Runs the shell command line `cmd` under `timeout -s KILL timeout`, capturing stdout. stderr
/// goes to `stderr_file` (truncated, or appended to when `append`, so one file can collect a
/// whole test's) and is read back into err; an empty `stderr_file` discards it.
inline shell_result run_shell(const std::string& cmd, std::chrono::seconds timeout,
                              const std::string& stderr_file = "", bool append = false) {
  shell_result r;
  std::string redirect = stderr_file.empty() ? " 2>/dev/null"
                         : append            ? " 2>>" + stderr_file
                                             : " 2>" + stderr_file;
  // When appending, only the bytes past the current end are this run's.
  std::streamoff from = 0;
  if (append) {
    std::error_code ec;
    auto size = std::filesystem::file_size(stderr_file, ec);
    from = ec ? 0 : static_cast<std::streamoff>(size);
  }
  auto t0 = std::chrono::steady_clock::now();
  FILE* p = ::popen(
    ("timeout -s KILL " + std::to_string(timeout.count()) + " " + cmd + redirect).c_str(), "r");
  if (p == nullptr)
    return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0)
    r.out.append(buf, n);
  int status = ::pclose(p);
  r.elapsed =
    std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
  r.rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (!stderr_file.empty())
    r.err = slurp(stderr_file, from);
  return r;
}

/// The integer after `"key":` in a tool's JSON output (the first one after `"after":` when
/// given), or -1 when there is none.
inline long long json_int(const std::string& json, const std::string& key,
                          const std::string& after = "") {
  auto from = after.empty() ? 0 : json.find("\"" + after + "\":");
  if (from == std::string::npos)
    return -1;
  auto at = json.find("\"" + key + "\":", from);
  if (at == std::string::npos)
    return -1;
  return std::atoll(json.c_str() + at + key.size() + 3);
}

/// Checks the integers of a tool's JSON output (json_int): each key of `expected` has its value.
inline void check_json_counts(const std::string& json,
                              std::initializer_list<std::pair<const char*, long long>> expected) {
  for (auto& [key, value] : expected) {
    INFO("\"" << key << "\" in " << json);
    CHECK(json_int(json, key) == value);
  }
}

} // namespace ac::test
