// json_oracle: the differential oracles' independent reading of a JSON
// document (fuzz/exchange_info.cc, fuzz/book_ticker.cc): Boost.JSON's SAX
// parser builds a plain tree that keeps every member, duplicates included,
// in order, with each number's exact source text; then the few rules by
// which simdjson's DOM parser (what core/universe.cc and net/rest_client.cc
// use) is stricter than RFC 8259 are applied, written out:
//   - depth: a scalar or an empty container is 1 deep, a container holding
//     values one more than its deepest value; simdjson's DOM parser refuses a
//     document deeper than kDomMaxDepth (1024: 1024 empty arrays, one in
//     another, parse; 1024 with a number inside do not);
//   - an integer (no '.', no exponent) must fit in int64 or uint64;
//   - a number with a fraction or an exponent must not round to infinity.
// Boost.JSON recurses per level: its own max_depth is capped just above the
// limit, so the oracle never overflows the stack (Boost's too_deep is the
// same verdict, "not JSON"). Boost refuses an exponent whose digits overflow
// its counter ("1e99999999999999999999"), which the grammar allows: such
// inputs are undefined for the oracle and skipped.
//
// The tree keeps decoded strings and keys (simdjson's DOM compares decoded
// keys in at_key and hands out decoded strings), so nothing here looks at
// escapes.
#pragma once

#include <boost/json/basic_parser_impl.hpp>
#include <boost/multiprecision/cpp_int.hpp>
#include <cerrno>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace triarb::fuzz {

inline constexpr int kDomMaxDepth = 1024;

struct jnode {
  enum class type { object, array, string, number, boolean, null } t = type::null;
  std::vector<std::string> keys;  // object keys, duplicates kept, in order
  std::vector<jnode> values;      // parallel to keys
  std::vector<jnode> elements;    // array elements
  std::string text;               // decoded string, or the number's exact source text

  // The first member named key (simdjson's DOM at_key), or nullptr.
  [[nodiscard]] const jnode* first(std::string_view key) const {
    for (std::size_t i = 0; i < keys.size(); ++i) {
      if (keys[i] == key) return &values[i];
    }
    return nullptr;
  }
  [[nodiscard]] bool is(type want) const noexcept { return t == want; }
};

namespace json_internal {

// Builds a jnode tree from Boost.JSON's SAX events.
struct tree_handler {
  static constexpr std::size_t max_array_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_object_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_string_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_key_size = static_cast<std::size_t>(-1);

  std::vector<jnode> stack;       // open containers
  std::vector<std::string> keys;  // pending key per open container
  std::unique_ptr<jnode> root;
  std::string buf;
  std::string number;

  void add(jnode n) {
    if (stack.empty()) {
      root = std::make_unique<jnode>(std::move(n));
    } else if (stack.back().t == jnode::type::object) {
      stack.back().keys.push_back(keys.back());
      stack.back().values.push_back(std::move(n));
    } else {
      stack.back().elements.push_back(std::move(n));
    }
  }
  bool open(jnode::type t) {
    jnode n;
    n.t = t;
    stack.push_back(std::move(n));
    keys.emplace_back();
    return true;
  }
  bool close() {
    jnode n = std::move(stack.back());
    stack.pop_back();
    keys.pop_back();
    add(std::move(n));
    return true;
  }
  bool on_document_begin(boost::json::error_code&) { return true; }
  bool on_document_end(boost::json::error_code&) { return true; }
  bool on_array_begin(boost::json::error_code&) { return open(jnode::type::array); }
  bool on_array_end(std::size_t, boost::json::error_code&) { return close(); }
  bool on_object_begin(boost::json::error_code&) { return open(jnode::type::object); }
  bool on_object_end(std::size_t, boost::json::error_code&) { return close(); }
  bool on_string_part(boost::json::string_view s, std::size_t, boost::json::error_code&) {
    buf.append(s.data(), s.size());
    return true;
  }
  bool on_string(boost::json::string_view s, std::size_t, boost::json::error_code&) {
    buf.append(s.data(), s.size());
    jnode n;
    n.t = jnode::type::string;
    n.text = std::move(buf);
    buf.clear();
    add(std::move(n));
    return true;
  }
  bool on_key_part(boost::json::string_view s, std::size_t, boost::json::error_code&) {
    buf.append(s.data(), s.size());
    return true;
  }
  bool on_key(boost::json::string_view s, std::size_t, boost::json::error_code&) {
    buf.append(s.data(), s.size());
    keys.back() = std::move(buf);
    buf.clear();
    return true;
  }
  bool on_number_part(boost::json::string_view s, boost::json::error_code&) {
    number.append(s.data(), s.size());
    return true;
  }
  bool finish_number(boost::json::string_view s) {
    number.append(s.data(), s.size());
    jnode n;
    n.t = jnode::type::number;
    n.text = std::move(number);
    number.clear();
    add(std::move(n));
    return true;
  }
  bool on_int64(std::int64_t, boost::json::string_view s, boost::json::error_code&) {
    return finish_number(s);
  }
  bool on_uint64(std::uint64_t, boost::json::string_view s, boost::json::error_code&) {
    return finish_number(s);
  }
  bool on_double(double, boost::json::string_view s, boost::json::error_code&) {
    return finish_number(s);
  }
  bool on_bool(bool, boost::json::error_code&) {
    jnode n;
    n.t = jnode::type::boolean;
    add(std::move(n));
    return true;
  }
  bool on_null(boost::json::error_code&) {
    add(jnode{});
    return true;
  }
  bool on_comment_part(boost::json::string_view, boost::json::error_code&) { return false; }
  bool on_comment(boost::json::string_view, boost::json::error_code&) { return false; }
};

// A scalar or an empty container is 1 deep.
inline int depth_of(const jnode& n) {
  int d = 0;
  for (const auto& v : n.values) d = std::max(d, depth_of(v));
  for (const auto& e : n.elements) d = std::max(d, depth_of(e));
  return d + 1;
}

// simdjson's number rules beyond the grammar (Boost checked the grammar).
inline bool number_in_range(const std::string& text) {
  const bool is_float = text.find_first_of(".eE") != std::string::npos;
  if (!is_float) {
    using big = boost::multiprecision::cpp_int;
    const bool negative = !text.empty() && text[0] == '-';
    big v = 0;
    for (std::size_t i = negative ? 1 : 0; i < text.size(); ++i) v = v * 10 + (text[i] - '0');
    if (negative) return v <= big(1) << 63;
    return v <= (big(1) << 64) - 1;
  }
  errno = 0;
  const double d = std::strtod(text.c_str(), nullptr);
  return !std::isinf(d);
}

inline bool numbers_in_range(const jnode& n) {
  if (n.t == jnode::type::number) return number_in_range(n.text);
  for (const auto& v : n.values) {
    if (!numbers_in_range(v)) return false;
  }
  for (const auto& e : n.elements) {
    if (!numbers_in_range(e)) return false;
  }
  return true;
}

}  // namespace json_internal

enum class json_verdict { ok, not_json, undefined };

// Reads `in` as simdjson's DOM parser would accept it; on ok, *root is the
// whole document.
inline json_verdict read_json(std::string_view in, std::unique_ptr<jnode>* root) {
  boost::json::parse_options opt;
  opt.max_depth = kDomMaxDepth + 8;  // see the file comment: Boost recurses
  boost::json::basic_parser<json_internal::tree_handler> p(opt);
  boost::json::error_code ec;
  const std::size_t used = p.write_some(false, in.data(), in.size(), ec);
  if (ec == boost::json::error::exponent_overflow) return json_verdict::undefined;
  if (ec || !p.done()) return json_verdict::not_json;
  for (std::size_t i = used; i < in.size(); ++i) {
    const char c = in[i];
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return json_verdict::not_json;
  }
  std::unique_ptr<jnode>& doc = p.handler().root;
  if (!doc) return json_verdict::not_json;
  if (json_internal::depth_of(*doc) > kDomMaxDepth) return json_verdict::not_json;
  if (!json_internal::numbers_in_range(*doc)) return json_verdict::not_json;
  *root = std::move(doc);
  return json_verdict::ok;
}

// A fixed8 decimal string read digit by digit, independently of
// core/fixed8: digit+ ['.' digit{1,8}], nothing else (no sign, no spaces, no
// exponent), in raw units of 10^-8. Above INT64_MAX raw units: capped to it
// when `cap`, refused otherwise.
struct decimal_value {
  bool ok = false;
  bool capped = false;
  boost::multiprecision::cpp_int raw;
};

inline decimal_value read_decimal(std::string_view s, bool cap) {
  decimal_value out;
  const std::size_t dot = s.find('.');
  const std::string_view whole = s.substr(0, dot);
  const std::string_view frac =
      dot == std::string_view::npos ? std::string_view{} : s.substr(dot + 1);
  auto digits = [](std::string_view d) {
    for (const char c : d) {
      if (c < '0' || c > '9') return false;
    }
    return !d.empty();
  };
  if (!digits(whole)) return out;
  if (dot != std::string_view::npos && (!digits(frac) || frac.size() > 8)) return out;
  boost::multiprecision::cpp_int v = 0;
  for (const char c : whole) v = v * 10 + (c - '0');
  for (std::size_t k = 0; k < 8; ++k) v = v * 10 + (k < frac.size() ? frac[k] - '0' : 0);
  const boost::multiprecision::cpp_int max(INT64_MAX);
  if (v > max) {
    if (!cap) return out;
    out.capped = true;
    v = max;
  }
  out.ok = true;
  out.raw = v;
  return out;
}

}  // namespace triarb::fuzz
