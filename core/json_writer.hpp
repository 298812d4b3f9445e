// A minimal streaming JSON writer for the tools' --json output (pure: no JSON library on Debian 12 here).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ac {

/// Appends `s` to `out` as a quoted JSON string. Control characters become \uXXXX escapes;
/// bytes that are not valid UTF-8 are written as \u00XX (their Latin-1 reading), so the
/// output is always valid UTF-8 JSON whatever bytes a key or value holds.
void append_json_string(std::string& out, std::string_view s);

/// A JSON number for `x`: integral values as integers ("3", not "3.0"), others in the
/// shortest form that reads back exactly; NaN and infinities as null (JSON has neither).
std::string json_number(double x);

/// Builds one JSON document in memory. Callers nest begin_*/end_* correctly and call key()
/// before every value inside an object; the writer inserts commas. Not thread-safe.
class json_writer {
public:
  json_writer& begin_object();
  json_writer& end_object();
  json_writer& begin_array();
  json_writer& end_array();
  json_writer& key(std::string_view k);
  json_writer& value(std::string_view s);
  json_writer& value(const char* s) { return value(std::string_view{s}); }
  json_writer& value(const std::string& s) { return value(std::string_view{s}); }
  json_writer& value(double x);
  json_writer& value(int64_t x);
  json_writer& value(uint64_t x);
  json_writer& value(int x) { return value(static_cast<int64_t>(x)); }
  json_writer& value(unsigned x) { return value(static_cast<uint64_t>(x)); }
  json_writer& value(bool x);
  json_writer& null();

  /// Shorthand for key(k).value(v).
  template <class T>
  json_writer& field(std::string_view k, const T& v) {
    key(k);
    return value(v);
  }

  const std::string& str() const { return out_; }

private:
  void before_value();

  std::string out_;
  std::vector<bool> has_items_;  // one per open container: whether a comma is due
  bool after_key_ = false;
};

} // namespace ac
