// The JSON the programs write (the tools' --json documents, the node's dashboard): nlohmann-json.
//
// docs/interface.md's --json fields are a contract; these helpers keep what the documents looked
// like before nlohmann: fields in the order they were added, counters kept as doubles printed as
// the integers they are, and keys or values of any bytes written as valid UTF-8.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace ac {

/// A JSON document whose objects keep the order their fields were added in.
using json = nlohmann::ordered_json;

/// A JSON number for `x`: integral values as integers (3, not 3.0), others in the shortest form
/// that reads back exactly; NaN and infinities as null (JSON has neither).
json json_number(double x);

/// `bytes` as a JSON string: valid UTF-8 as it is, every other byte as its Latin-1 character
/// (core/utf8.hpp), so no key or value can make a document invalid or throw.
json json_text(std::string_view bytes);

/// One line of compact JSON. A string that was not made valid by json_text is repaired, not
/// thrown on (U+FFFD): a document is always written.
std::string dump_json(const json& j);

} // namespace ac
