// How actorcache-client reads a value to store and prints one it found (see value_io.hpp).
#include "tools/client/value_io.hpp"

#include <cstdio>
#include <fstream>
#include <iterator>

#include <unistd.h>

#include "messages/entry_codec.hpp"

namespace ac {

std::optional<std::string> read_put_value(const std::optional<std::string>& arg,
                                          const std::string& value_file, std::string* why) {
  if (!value_file.empty()) {
    std::ifstream in{value_file, std::ios::binary};
    if (!in) {
      *why = "--value-file: cannot read '" + value_file + "'";
      return std::nullopt;
    }
    return std::string{std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
  }
  if (arg && *arg != "-")
    return arg;
  std::string value;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, stdin)) > 0)
    value.append(buf, n);
  if (std::ferror(stdin)) {
    *why = "cannot read the value from standard input";
    return std::nullopt;
  }
  return value;
}

std::optional<shown_value> show_value(const lookup_result& r, std::string* why) {
  if (r.source == static_cast<uint8_t>(tier::payload))
    return shown_value{r.value, r.value, "bytes"}; // read over RESP: the bare payload
  auto e = decode_entry(r.value, why);
  if (!e)
    return std::nullopt;
  return shown_value{e->data, render_value(*e), std::string{to_string(e->kind)}};
}

void add_value_fields(json& obj, const lookup_result& r, const shown_value* v) {
  obj["found"] = r.found && v != nullptr;
  if (r.found && v != nullptr) {
    obj["kind"] = json_text(v->kind);
    obj["value"] = json_text(v->text);
  }
}

bool stdout_is_tty() { return ::isatty(STDOUT_FILENO) == 1; }

} // namespace ac
