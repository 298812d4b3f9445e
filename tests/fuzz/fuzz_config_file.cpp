// fuzz_config_file.cpp: libFuzzer target: check_config_file never crashes on any file and names the line of what it refuses.
#include "node/config_file_check.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <caf/actor_system_config.hpp>
#include <caf/atom.hpp>
#include <caf/timespan.hpp>

namespace {

/// CAF's built-in options (scheduler, middleman, openssl, ...) plus one option of every type
/// the node declares, under the node's group names.
struct fuzz_config : caf::actor_system_config {
  std::string s = "x";
  uint16_t u16 = 0;
  uint32_t u32 = 0;
  uint64_t u64 = 0;
  int32_t i32 = 0;
  bool b = false;
  double d = 0;
  caf::timespan t{0};
  caf::atom_value a = caf::atom("lru");
  std::vector<std::string> list;
  fuzz_config() {
    opt_group{custom_options_, "node"}
      .add(s, "host", "")
      .add(u16, "port", "")
      .add(u64, "max-inflight", "");
    opt_group{custom_options_, "cache"}
      .add(u32, "shards", "")
      .add(t, "default-ttl", "")
      .add(a, "policy", "");
    opt_group{custom_options_, "redis"}
      .add(b, "enabled", "")
      .add(i32, "db", "")
      .add(s, "password", "");
    opt_group{custom_options_, "cluster"}.add(list, "seeds", "");
    opt_group{custom_options_, "sizing"}.add(d, "cpu-target", "");
  }
  const caf::config_option_set& options() const { return custom_options_; }
};

using ac::fuzz::check;

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static fuzz_config cfg;
  // $TMPDIR lets scripts/fuzz.sh keep the scratch file in its own folder.
  static const std::string path = [] {
    const char* dir = std::getenv("TMPDIR");
    return std::string(dir != nullptr && *dir != 0 ? dir : "/tmp") + "/ac-fuzz-config."
           + std::to_string(::getpid()) + ".ini";
  }();
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr)
    return 0;
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  auto msg = ac::check_config_file(cfg.options(), path);
  // A refusal names the file and a line number that exists.
  if (!msg.empty()) {
    check(msg.rfind(path + ":", 0) == 0);
    auto line = std::stoul(msg.substr(path.size() + 1));
    size_t lines = 1;
    for (size_t i = 0; i < size; ++i)
      lines += data[i] == '\n';
    check(line >= 1 && line <= lines);
  }
  return 0;
}
