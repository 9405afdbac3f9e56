#include "io/npy.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <string_view>

#include "core/errors.hpp"
#include "io/files.hpp"
#include "core/tensor.hpp"

namespace cnn {

namespace {

constexpr std::uint8_t kMagic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};

// The header as it appears in a message: printable ASCII kept, anything else as \xNN, long ones shortened.
std::string printable(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size() && i < 120; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '\n') {
      out += "\\n";
    } else if (c >= 32 && c < 127) {
      out += static_cast<char>(c);
    } else {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    }
  }
  if (s.size() > 120) out += "...";
  return out;
}

// "(2, 3)", "(5,)" or "()": the shape as Python writes a tuple.
std::string python_tuple(std::span<const std::size_t> shape) {
  std::string s = "(";
  for (std::size_t k = 0; k < shape.size(); ++k) {
    if (k > 0) s += ", ";
    s += std::to_string(shape[k]);
  }
  if (shape.size() == 1) s += ",";
  return s + ")";
}

// The header's value for one key: a string ('<f8'), a bool (False) or a tuple of counts ((2, 3)).
struct HeaderValue {
  enum class Kind { string, boolean, tuple } kind = Kind::string;
  std::string text;                 // string
  bool flag = false;                // boolean
  std::vector<std::size_t> counts;  // tuple
};

// A reader of the one kind of Python literal a .npy header holds: a dict of string keys whose values are
// strings, True/False, or tuples of non-negative integers. Everything else is refused.
class HeaderParser {
 public:
  HeaderParser(std::string_view text, const std::string& name) : s_(text), name_(name) {}

  // Returns the (key, value) pairs in order.
  std::vector<std::pair<std::string, HeaderValue>> dict() {
    std::vector<std::pair<std::string, HeaderValue>> entries;
    skip_space();
    expect('{', "a dict starting with '{'");
    skip_space();
    while (peek() != '}') {
      std::string key = string_literal("a quoted key or '}'");
      skip_space();
      expect(':', "':' after the key '" + key + "'");
      skip_space();
      entries.emplace_back(std::move(key), value());
      skip_space();
      if (peek() == ',') {
        ++at_;
        skip_space();
      } else if (peek() != '}') {
        fail("',' or '}' after the value of '" + entries.back().first + "'");
      }
    }
    ++at_;  // '}'
    skip_space();
    if (at_ != s_.size()) fail("only spaces and a newline after the dict's '}'");
    return entries;
  }

  [[noreturn]] void fail(const std::string& expected) const {
    throw io_error("parse_npy", name_ + ": malformed header: expected " + expected + " at character " +
                                    std::to_string(at_) + " of \"" + printable(s_) + "\"");
  }

 private:
  int peek() const { return at_ < s_.size() ? static_cast<unsigned char>(s_[at_]) : -1; }
  void skip_space() {
    while (at_ < s_.size() && (s_[at_] == ' ' || s_[at_] == '\t' || s_[at_] == '\n' || s_[at_] == '\r')) ++at_;
  }
  void expect(char c, const std::string& what) {
    if (peek() != static_cast<unsigned char>(c)) fail(what);
    ++at_;
  }
  bool take_word(std::string_view word) {
    if (s_.substr(at_, word.size()) != word) return false;
    at_ += word.size();
    return true;
  }
  std::string string_literal(const std::string& what) {
    const int quote = peek();
    if (quote != '\'' && quote != '"') fail(what);
    const std::size_t start = ++at_;
    while (at_ < s_.size() && s_[at_] != quote) {
      if (s_[at_] == '\\' || s_[at_] == '\n') fail("a plain string without escapes or line breaks");
      ++at_;
    }
    if (at_ >= s_.size()) fail("the closing quote of a string");
    return std::string(s_.substr(start, at_++ - start));
  }
  std::size_t count() {
    if (peek() < '0' || peek() > '9') fail("a non-negative integer");
    std::size_t v = 0;
    while (peek() >= '0' && peek() <= '9') {
      const auto digit = static_cast<std::size_t>(peek() - '0');
      if (v > (std::numeric_limits<std::size_t>::max() - digit) / 10) fail("a dimension that fits in 64 bits");
      v = v * 10 + digit;
      ++at_;
    }
    return v;
  }
  HeaderValue value() {
    HeaderValue v;
    if (peek() == '\'' || peek() == '"') {
      v.kind = HeaderValue::Kind::string;
      v.text = string_literal("a string");
    } else if (take_word("True")) {
      v.kind = HeaderValue::Kind::boolean;
      v.flag = true;
    } else if (take_word("False")) {
      v.kind = HeaderValue::Kind::boolean;
      v.flag = false;
    } else if (peek() == '(') {
      v.kind = HeaderValue::Kind::tuple;
      ++at_;
      skip_space();
      bool trailing_comma = false;
      while (peek() != ')') {
        if (v.counts.size() >= 64) fail("at most 64 dimensions");
        v.counts.push_back(count());
        skip_space();
        trailing_comma = false;
        if (peek() == ',') {
          ++at_;
          trailing_comma = true;
          skip_space();
        } else if (peek() != ')') {
          fail("',' or ')' in the tuple");
        }
      }
      // (3) is the number 3 in Python, not a tuple: a one-element tuple is written (3,).
      if (v.counts.size() == 1 && !trailing_comma) fail("',' after the only element of a tuple");
      ++at_;  // ')'
    } else {
      fail("a string, True, False or a tuple");
    }
    return v;
  }

  std::string_view s_;
  const std::string& name_;
  std::size_t at_ = 0;
};

std::uint64_t little_endian(std::span<const std::uint8_t> b, std::size_t at, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t k = 0; k < n; ++k) v |= std::uint64_t{b[at + k]} << (8 * k);
  return v;
}

}  // namespace

void save_npy(const std::string& path, std::span<const std::size_t> shape, std::span<const double> values) {
  const char* fn = "save_npy";
  std::size_t count = 1;
  for (const std::size_t d : shape) {
    if (d != 0 && count > std::numeric_limits<std::size_t>::max() / sizeof(double) / d)
      throw shape_error(fn, path + ": shape " + shape_str(shape) +
                                " is too large to count");
    count *= d;
  }
  if (count != values.size())
    throw shape_error(fn, path + ": shape " + shape_str(shape) +
                              " holds " + std::to_string(count) + " values, got " + std::to_string(values.size()));

  // The header, padded with spaces so that the data starts at a multiple of 64 bytes, ending in a newline.
  std::string header = "{'descr': '<f8', 'fortran_order': False, 'shape': " + python_tuple(shape) + ", }";
  std::size_t prefix = 10;  // magic, version, 2-byte length
  if (prefix + header.size() + 1 > 65535) prefix = 12;  // version 2.0: 4-byte length
  const std::size_t total = (prefix + header.size() + 1 + 63) / 64 * 64;
  header.append(total - prefix - header.size() - 1, ' ');
  header += '\n';

  std::vector<std::uint8_t> bytes(kMagic, kMagic + sizeof kMagic);
  bytes.push_back(prefix == 10 ? 1 : 2);
  bytes.push_back(0);
  const std::size_t hlen = header.size();
  for (std::size_t k = 0; k < prefix - 8; ++k) bytes.push_back(static_cast<std::uint8_t>(hlen >> (8 * k)));
  bytes.insert(bytes.end(), header.begin(), header.end());
  bytes.reserve(bytes.size() + values.size() * sizeof(double));
  for (const double v : values) {
    const auto u = std::bit_cast<std::uint64_t>(v);
    for (std::size_t k = 0; k < sizeof u; ++k) bytes.push_back(static_cast<std::uint8_t>(u >> (8 * k)));
  }

  write_file_atomically(path, fn, [&](std::ostream& out) {
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  });
}

NpyArray parse_npy(std::span<const std::uint8_t> bytes, const std::string& name) {
  const char* fn = "parse_npy";
  if (bytes.size() < sizeof kMagic || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0)
    throw io_error(fn, name + ": not a .npy file (expected the magic bytes \\x93NUMPY, found \"" +
                           printable(std::string_view(reinterpret_cast<const char*>(bytes.data()),
                                                      std::min<std::size_t>(bytes.size(), 6))) +
                           "\")");
  if (bytes.size() < 8) throw io_error(fn, name + ": " + std::to_string(bytes.size()) + " bytes, cut short before the version");
  const unsigned major = bytes[6], minor = bytes[7];
  if ((major != 1 && major != 2 && major != 3) || minor != 0)
    throw io_error(fn, name + ": .npy format version " + std::to_string(major) + "." + std::to_string(minor) +
                           ", expected 1.0, 2.0 or 3.0");
  const std::size_t prefix = major == 1 ? 10 : 12;
  if (bytes.size() < prefix)
    throw io_error(fn, name + ": " + std::to_string(bytes.size()) + " bytes, too short for a version " +
                           std::to_string(major) + ".0 header length");
  const std::size_t hlen = little_endian(bytes, 8, prefix - 8);
  if (hlen > bytes.size() - prefix)
    throw io_error(fn, name + ": truncated in the header: it promises " + std::to_string(hlen) + " bytes, found " +
                           std::to_string(bytes.size() - prefix));
  const std::string_view text(reinterpret_cast<const char*>(bytes.data() + prefix), hlen);

  HeaderParser parser(text, name);
  std::optional<std::string> descr;
  std::optional<bool> fortran;
  std::optional<std::vector<std::size_t>> shape;
  for (auto& entry : parser.dict()) {
    const std::string& key = entry.first;  // (clang 14 cannot capture a structured binding in the lambda below)
    HeaderValue& v = entry.second;
    auto wrong = [&](const char* expected) {
      throw io_error(fn, name + ": header key '" + key + "' must be " + expected + ", found \"" + printable(text) +
                             "\"");
    };
    if (key == "descr") {
      if (descr) wrong("given once");
      if (v.kind != HeaderValue::Kind::string) wrong("a string such as '<f8'");
      descr = v.text;
    } else if (key == "fortran_order") {
      if (fortran) wrong("given once");
      if (v.kind != HeaderValue::Kind::boolean) wrong("True or False");
      fortran = v.flag;
    } else if (key == "shape") {
      if (shape) wrong("given once");
      if (v.kind != HeaderValue::Kind::tuple) wrong("a tuple of sizes such as (2, 3)");
      shape = std::move(v.counts);
    } else {
      throw io_error(fn, name + ": unexpected header key '" + key +
                             "'; expected only 'descr', 'fortran_order' and 'shape'");
    }
  }
  for (const auto& [missing, have] : {std::pair{"descr", descr.has_value()}, std::pair{"fortran_order", fortran.has_value()},
                                      std::pair{"shape", shape.has_value()}})
    if (!have)
      throw io_error(fn, name + ": the header has no '" + missing + "' key, found \"" + printable(text) + "\"");
  if (*fortran)
    throw io_error(fn, name + ": fortran_order is True; expected C order (fortran_order False), as numpy.save "
                              "writes a C-contiguous array");
  std::size_t item = 0;
  if (*descr == "<f8") {
    item = 8;
  } else if (*descr == "<f4") {
    item = 4;
  } else if (*descr == ">f8" || *descr == ">f4") {
    throw io_error(fn, name + ": dtype '" + *descr + "' is big-endian; expected little-endian '<f8' (float64) "
                              "or '<f4' (float32)");
  } else {
    throw io_error(fn, name + ": dtype '" + printable(*descr) + "' is not supported; expected '<f8' (float64) "
                              "or '<f4' (float32)");
  }

  std::size_t count = 1;
  for (const std::size_t d : *shape) {
    if (d != 0 && count > std::numeric_limits<std::size_t>::max() / item / d)
      throw io_error(fn, name + ": shape " + shape_str(*shape) + " is too large: its size overflows 64 bits");
    count *= d;
  }
  const std::size_t start = prefix + hlen, have = bytes.size() - start, want = count * item;
  if (have < want)
    throw io_error(fn, name + ": truncated: shape " + shape_str(*shape) + " of '" + *descr + "' needs " +
                           std::to_string(want) + " bytes of data, found " + std::to_string(have));
  if (have > want)
    throw io_error(fn, name + ": " + std::to_string(have - want) + " bytes after the " + std::to_string(want) +
                           " bytes of data that shape " + shape_str(*shape) + " of '" + *descr + "' needs");

  NpyArray a;
  a.shape = std::move(*shape);
  a.values.resize(count);
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t at = start + i * item;
    if (item == 8)
      a.values[i] = std::bit_cast<double>(little_endian(bytes, at, 8));
    else
      a.values[i] = std::bit_cast<float>(static_cast<std::uint32_t>(little_endian(bytes, at, 4)));
  }
  return a;
}

NpyArray load_npy(const std::string& path) {
  const char* fn = "load_npy";
  const std::vector<std::uint8_t> bytes = read_file(path, fn);
  return parse_npy(bytes, path);
}

std::string first_non_finite(std::span<const double> values, std::span<const std::size_t> shape) {
  const auto bad = std::find_if(values.begin(), values.end(), [](double v) { return !std::isfinite(v); });
  if (bad == values.end()) return "";
  std::size_t flat = static_cast<std::size_t>(bad - values.begin());
  std::ostringstream os;
  os << *bad << " at index " << flat;
  if (shape.size() > 1) {
    std::vector<std::size_t> at(shape.size());
    for (std::size_t k = shape.size(); k-- > 0;) {
      at[k] = shape[k] ? flat % shape[k] : 0;
      flat = shape[k] ? flat / shape[k] : 0;
    }
    os << " = (";
    for (std::size_t k = 0; k < at.size(); ++k) os << (k ? ", " : "") << at[k];
    os << ")";
  }
  return os.str();
}

}  // namespace cnn
