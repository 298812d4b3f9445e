// Tests for the .npy reader: header versions, dtypes, byte order, Fortran order, refusals.
#include <catch2/catch.hpp>

#include <cstring>
#include <string>

#include "core/npy_reader.hpp"

using namespace ac;

namespace {

// A version-1.0 .npy file as numpy writes it: magic, header padded to 64 bytes, data.
std::string npy(const std::string& descr, bool fortran, const std::string& shape,
                const std::string& data, int major = 1) {
  std::string header = "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False")
                       + ", 'shape': " + shape + ", }";
  size_t prefix = major == 1 ? 10 : 12;
  while ((prefix + header.size() + 1) % 64 != 0)
    header += ' ';
  header += '\n';
  std::string out = "\x93NUMPY";
  out += static_cast<char>(major);
  out += '\0';
  auto n = header.size();
  out += static_cast<char>(n & 0xff);
  out += static_cast<char>((n >> 8) & 0xff);
  if (major != 1)
    out += std::string(2, '\0');
  return out + header + data;
}

template <class T>
std::string bytes_of(std::initializer_list<T> xs) {
  std::string out;
  for (T x : xs)
    out.append(reinterpret_cast<const char*>(&x), sizeof x);
  return out;
}

} // namespace

TEST_CASE("a float32 array is read as doubles with its shape") {
  npy_array a;
  std::string why;
  REQUIRE(
    parse_npy(npy("<f4", false, "(2, 2)", bytes_of<float>({1.5f, -2.f, 0.25f, 3.f})), a, why));
  CHECK(a.shape == std::vector<uint64_t>{2, 2});
  CHECK(a.values == std::vector<double>{1.5, -2, 0.25, 3});
}

TEST_CASE("version 2 headers, 1-d and 0-d shapes are read") {
  npy_array a;
  std::string why;
  REQUIRE(parse_npy(npy("<i8", false, "(3,)", bytes_of<int64_t>({-1, 0, 7}), 2), a, why));
  CHECK(a.shape == std::vector<uint64_t>{3});
  CHECK(a.values == std::vector<double>{-1, 0, 7});
  REQUIRE(parse_npy(npy("<f8", false, "()", bytes_of<double>({4.5})), a, why));
  CHECK(a.shape.empty());
  CHECK(a.values == std::vector<double>{4.5});
}

TEST_CASE("big-endian values are swapped and a Fortran-order file is read row-major") {
  npy_array a;
  std::string why;
  std::string be = {'\x3f', '\xc0', '\0', '\0'}; // 1.5f big-endian
  REQUIRE(parse_npy(npy(">f4", false, "(1,)", be), a, why));
  CHECK(a.values == std::vector<double>{1.5});
  // logical [[1, 2, 3], [4, 5, 6]] stored column by column
  REQUIRE(parse_npy(npy("<i4", true, "(2, 3)", bytes_of<int32_t>({1, 4, 2, 5, 3, 6})), a, why));
  CHECK(a.values == std::vector<double>{1, 2, 3, 4, 5, 6});
}

TEST_CASE("bool, uint8 and float16 elements are widened") {
  npy_array a;
  std::string why;
  REQUIRE(parse_npy(npy("|b1", false, "(2,)", std::string("\x01\x00", 2)), a, why));
  CHECK(a.values == std::vector<double>{1, 0});
  REQUIRE(parse_npy(npy("|u1", false, "(2,)", std::string("\xff\x07", 2)), a, why));
  CHECK(a.values == std::vector<double>{255, 7});
  REQUIRE(parse_npy(npy("<f2", false, "(2,)", bytes_of<uint16_t>({0x3c00, 0xc000})), a, why));
  CHECK(a.values == std::vector<double>{1, -2});
}

TEST_CASE("bad magic, truncated data and unsupported dtypes are refused with a reason") {
  npy_array a;
  std::string why;
  CHECK_FALSE(parse_npy("not a numpy file", a, why));
  CHECK(why.find("magic") != std::string::npos);
  CHECK_FALSE(parse_npy(npy("<f8", false, "(4,)", bytes_of<double>({1, 2})), a, why));
  CHECK(why.find("truncated") != std::string::npos);
  CHECK_FALSE(parse_npy(npy("<c16", false, "(1,)", std::string(16, '\0')), a, why));
  CHECK(why.find("unsupported dtype") != std::string::npos);
  CHECK_FALSE(parse_npy(npy("|O", false, "(1,)", std::string(8, '\0')), a, why));
}
