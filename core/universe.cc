// universe.cc: the universe's dense ids and the exchangeInfo loader.
//
// The loader uses simdjson's DOM API: it runs once at start-up on a document
// of a few MB, and the DOM lets every error name its JSON path
// ("symbols[17].filters[2].stepSize") without re-reading the input.
#include "core/universe.h"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <utility>

#include "core/symbol_table.h"

namespace triarb {
namespace {

std::uint64_t pair_key(asset_id a, asset_id b) noexcept {
  const asset_id lo = std::min(a, b);
  const asset_id hi = std::max(a, b);
  return (static_cast<std::uint64_t>(lo) << 32) | hi;
}

// Quotes a value for an error message, shortened so a huge bad value does
// not flood the log.
std::string quote_value(std::string_view v) {
  constexpr std::size_t kMax = 40;
  std::string out = "\"";
  out.append(v.substr(0, kMax));
  if (v.size() > kMax) out.append("...");
  out.push_back('"');
  return out;
}

[[noreturn]] void fail(const std::string& where, const std::string& what) {
  throw universe_error(where + ": " + what);
}

// A symbol or asset name the rest of the bot can carry: the symbol table's
// rule (1 to kMaxNameLength printable ASCII characters, no space, quote or
// backslash: the frame parser trusts a found name to be an escape-free JSON
// string), applied to assets too (they make triangle names, journaled and
// printed). Empty when it can; else the name shown escaped (it may hold
// anything) and why.
std::string name_problem(std::string_view name) {
  bool ok = !name.empty() && name.size() <= symbol_table::kMaxNameLength;
  for (const char c : name) ok = ok && c > ' ' && c <= '~' && c != '"' && c != '\\';
  if (ok) return {};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string shown = "\"";
  for (const char ch : name.substr(0, 40)) {
    const auto c = static_cast<unsigned char>(ch);
    if (c > ' ' && c <= '~' && c != '"' && c != '\\') {
      shown += ch;
    } else {
      shown += "\\x";
      shown += kHex[c >> 4];
      shown += kHex[c & 0xF];
    }
  }
  shown += name.size() > 40 ? "\"..." : "\"";
  return shown + " (" + std::to_string(name.size()) + " bytes; a name is 1 to " +
         std::to_string(symbol_table::kMaxNameLength) +
         " printable ASCII characters without space, quote or backslash)";
}

std::string_view type_name(simdjson::dom::element_type t) noexcept {
  using simdjson::dom::element_type;
  switch (t) {
    case element_type::ARRAY:
      return "array";
    case element_type::OBJECT:
      return "object";
    case element_type::INT64:
    case element_type::UINT64:
    case element_type::DOUBLE:
      return "number";
    case element_type::STRING:
      return "string";
    case element_type::BOOL:
      return "bool";
    case element_type::NULL_VALUE:
      return "null";
  }
  return "unknown";
}

// simdjson says *that* a document is malformed, not where. This scan finds
// the byte: the first closing bracket that does not match, the first byte
// after the top-level value, or the end of input while a string, object or
// array is still open (a truncated download).
std::string locate_json_error(std::string_view s, simdjson::error_code ec) {
  std::vector<char> open;
  bool in_string = false;
  bool escaped = false;
  bool seen_value = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
        if (open.empty()) seen_value = true;
      }
      continue;
    }
    const bool space = c == ' ' || c == '\n' || c == '\r' || c == '\t';
    if (space) continue;
    if (seen_value && open.empty()) {
      return "byte " + std::to_string(i) + ": unexpected content after the document (" +
             simdjson::error_message(ec) + ")";
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      open.push_back(c);
    } else if (c == '}' || c == ']') {
      const char want = c == '}' ? '{' : '[';
      if (open.empty() || open.back() != want) {
        return "byte " + std::to_string(i) + ": unexpected '" + std::string(1, c) + "' (" +
               simdjson::error_message(ec) + ")";
      }
      open.pop_back();
      if (open.empty()) seen_value = true;
    } else if (open.empty()) {
      break;  // a top-level scalar: simdjson's own message says what is wrong
    }
  }
  if (in_string || !open.empty()) {
    return "byte " + std::to_string(s.size()) + ": truncated document (end of input with " +
           (in_string ? std::string("a string")
                      : std::to_string(open.size()) + " unclosed object/array") +
           " open; " + simdjson::error_message(ec) + ")";
  }
  return "document of " + std::to_string(s.size()) + " bytes: invalid JSON (" +
         simdjson::error_message(ec) + ")";
}

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

// Where a value is in the document; formatted only when there is an error,
// so the happy path builds no strings.
struct json_path {
  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  std::size_t sym = kNone;     // symbols[sym]
  std::size_t filter = kNone;  // .filters[filter]
  std::string_view key;        // .key

  [[nodiscard]] json_path with(std::string_view k) const noexcept {
    json_path p = *this;
    p.key = k;
    return p;
  }
  [[nodiscard]] std::string str() const {
    std::string out;
    if (sym != kNone) out = "symbols[" + std::to_string(sym) + "]";
    if (filter != kNone) out += ".filters[" + std::to_string(filter) + "]";
    if (!key.empty()) {
      if (!out.empty()) out += '.';
      out += key;
    }
    return out.empty() ? "(document)" : out;
  }
};

[[noreturn]] void fail(const json_path& where, const std::string& what) { fail(where.str(), what); }

// Path-carrying accessors: each throws universe_error naming the path.
object as_object(element e, const json_path& path) {
  object o;
  if (e.get_object().get(o) != simdjson::SUCCESS) {
    fail(path, "expected object, got " + std::string(type_name(e.type())));
  }
  return o;
}

array as_array(element e, const json_path& path) {
  array a;
  if (e.get_array().get(a) != simdjson::SUCCESS) {
    fail(path, "expected array, got " + std::string(type_name(e.type())));
  }
  return a;
}

element field(object o, const json_path& path) {
  element e;
  if (o.at_key(path.key).get(e) != simdjson::SUCCESS) fail(path, "missing");
  return e;
}

std::string_view string_field(object o, const json_path& path) {
  const element e = field(o, path);
  std::string_view v;
  if (e.get_string().get(v) != simdjson::SUCCESS) {
    fail(path, "expected string, got " + std::string(type_name(e.type())));
  }
  if (v.empty()) fail(path, "empty string");
  return v;
}

// A decimal filter value ("0.00001000"). maxQty alone may exceed the fixed8
// range: it saturates to fixed8::max() (the cap is far above any size the
// bot trades), like a quantity in a frame. Any other value out of range is an
// error, as is anything that is not a plain unsigned decimal.
fixed8 decimal_field(object o, const json_path& path, bool cap) {
  const std::string_view v = string_field(o, path);
  if (cap) {
    const qty_result q = parse_qty_capped(v);
    if (!q.ok()) fail(path, std::string(to_string(q.ec)) + " in " + quote_value(v));
    return q.value;
  }
  const fixed8_result r = parse_unsigned_fixed8(v);
  if (!r.ok()) fail(path, std::string(to_string(r.ec)) + " in " + quote_value(v));
  return r.value;
}

// A filter value that parsed but makes no sense: the document is refused,
// naming the place, the symbol, the filter and the value.
[[noreturn]] void nonsense(const json_path& where, std::string_view symbol, std::string_view value,
                           const std::string& what) {
  fail(where, quote_value(value) + " for " + quote_value(symbol) + ": " + what);
}

std::string_view raw_field(object o, std::string_view key) {
  std::string_view v;  // read before: present and a string
  if (o.at_key(key).get(v) != simdjson::SUCCESS) return {};
  return v;
}

[[noreturn]] void too_big(std::string_view size) {
  throw universe_error(std::string(size) + " bytes; an exchangeInfo document is at most " +
                       std::to_string(kMaxExchangeInfoBytes) + " bytes (kMaxExchangeInfoBytes)");
}

}  // namespace

universe::universe(std::vector<symbol_spec> specs, std::size_t skipped_not_trading,
                   unsupported_names unsupported)
    : skipped_not_trading_(skipped_not_trading), unsupported_(std::move(unsupported)) {
  std::sort(specs.begin(), specs.end(),
            [](const symbol_spec& a, const symbol_spec& b) { return a.name < b.name; });
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const symbol_spec& s = specs[i];
    if (s.name.empty() || s.base.empty() || s.quote.empty()) {
      throw universe_error("symbol " + quote_value(s.name) + ": empty name, base or quote");
    }
    if (i > 0 && specs[i - 1].name == s.name) {
      throw universe_error("symbol " + quote_value(s.name) + ": duplicate name");
    }
    if (s.base == s.quote) {
      throw universe_error("symbol " + quote_value(s.name) + ": base and quote are both " +
                           quote_value(s.base));
    }
  }
  if (specs.size() >= kNoSymbol) throw universe_error("too many symbols");

  std::set<std::string_view> names;
  for (const symbol_spec& s : specs) {
    names.insert(s.base);
    names.insert(s.quote);
  }
  assets_.assign(names.begin(), names.end());
  asset_by_name_.reserve(assets_.size());
  for (std::size_t a = 0; a < assets_.size(); ++a) {
    asset_by_name_.emplace(assets_[a], static_cast<asset_id>(a));
  }

  symbols_.reserve(specs.size());
  symbol_by_name_.reserve(specs.size());
  symbol_by_pair_.reserve(specs.size());
  for (symbol_spec& s : specs) {
    const auto id = static_cast<symbol_id>(symbols_.size());
    symbol_info info;
    info.base = asset_by_name_.at(s.base);
    info.quote = asset_by_name_.at(s.quote);
    info.filters = s.filters;
    info.name = std::move(s.name);
    symbol_by_name_.emplace(info.name, id);
    // Ascending ids, so emplace keeps the lower id when both directions exist.
    symbol_by_pair_.emplace(pair_key(info.base, info.quote), id);
    symbols_.push_back(std::move(info));
  }
}

symbol_id universe::find_symbol(std::string_view name) const noexcept {
  const auto it = symbol_by_name_.find(name);
  return it == symbol_by_name_.end() ? kNoSymbol : it->second;
}

std::optional<asset_id> universe::find_asset(std::string_view name) const noexcept {
  const auto it = asset_by_name_.find(name);
  if (it == asset_by_name_.end()) return std::nullopt;
  return it->second;
}

symbol_id universe::symbol_between(asset_id a, asset_id b) const noexcept {
  const auto it = symbol_by_pair_.find(pair_key(a, b));
  return it == symbol_by_pair_.end() ? kNoSymbol : it->second;
}

std::uint64_t universe::fingerprint() const noexcept {
  // FNV-1a, 64-bit, over every symbol's name, asset names and filter raw
  // values, with separators so ("AB","C") and ("A","BC") differ.
  std::uint64_t h = 14695981039346656037ULL;
  const auto byte = [&h](unsigned char c) {
    h ^= c;
    h *= 1099511628211ULL;
  };
  const auto str = [&](std::string_view s) {
    for (const char c : s) byte(static_cast<unsigned char>(c));
    byte(0);
  };
  const auto num = [&](fixed8 v) {
    auto u = static_cast<std::uint64_t>(v.raw());
    for (int i = 0; i < 8; ++i) {
      byte(static_cast<unsigned char>(u & 0xff));
      u >>= 8;
    }
  };
  for (const symbol_info& s : symbols_) {
    str(s.name);
    str(assets_[s.base]);
    str(assets_[s.quote]);
    num(s.filters.tick_size);
    num(s.filters.min_qty);
    num(s.filters.max_qty);
    num(s.filters.step_size);
    num(s.filters.min_notional);
  }
  return h;
}

universe load_exchange_info(std::string_view json) {
  if (json.size() > kMaxExchangeInfoBytes) too_big(std::to_string(json.size()));
  const simdjson::padded_string padded(json);
  simdjson::dom::parser parser;
  element root;
  if (const auto ec = parser.parse(padded).get(root); ec != simdjson::SUCCESS) {
    throw universe_error("exchangeInfo: " + locate_json_error(json, ec));
  }
  const object top = as_object(root, json_path{});
  const array symbols =
      as_array(field(top, json_path{}.with("symbols")), json_path{}.with("symbols"));

  std::vector<symbol_spec> specs;
  specs.reserve(symbols.size());
  std::size_t skipped = 0;
  unsupported_names unsupported;
  // Every listed name, TRADING or not, must be unique: a document naming one
  // symbol twice is inconsistent whichever entry we would keep.
  std::unordered_map<std::string_view, std::size_t> seen;
  seen.reserve(symbols.size());

  json_path path;
  path.sym = 0;
  for (const element sym_el : symbols) {
    path.filter = json_path::kNone;
    const object sym = as_object(sym_el, path);
    const std::string_view name = string_field(sym, path.with("symbol"));
    if (const auto [it, fresh] = seen.emplace(name, path.sym); !fresh) {
      fail(path.with("symbol"), "duplicate symbol " + quote_value(name) + " (first at symbols[" +
                                    std::to_string(it->second) + "])");
    }
    const std::string_view status = string_field(sym, path.with("status"));
    if (status != "TRADING") {
      ++skipped;
      ++path.sym;
      continue;
    }
    symbol_spec spec;
    spec.name = std::string(name);
    spec.base = std::string(string_field(sym, path.with("baseAsset")));
    spec.quote = std::string(string_field(sym, path.with("quoteAsset")));
    // A TRADING symbol the bot cannot carry (its name or an asset's): not
    // read further, skipped and counted, the first one named, as the
    // exchange may list one (a non-ASCII ticker) and the rest of the
    // universe is still sound.
    std::string problem;
    for (const auto& [key, value] : {std::pair<const char*, std::string_view>{"symbol", name},
                                     {"baseAsset", spec.base},
                                     {"quoteAsset", spec.quote}}) {
      if (problem.empty()) {
        const std::string p = name_problem(value);
        if (!p.empty()) problem = path.with(key).str() + ": " + p;
      }
    }
    if (!problem.empty()) {
      if (unsupported.count++ == 0) unsupported.first = problem;
      ++path.sym;
      continue;
    }
    if (spec.base == spec.quote) {
      fail(path, "baseAsset and quoteAsset are both " + quote_value(spec.base));
    }

    bool have_price = false;
    bool have_lot = false;
    const json_path filters_path = path.with("filters");
    const array filters = as_array(field(sym, filters_path), filters_path);
    json_path fpath = path;
    fpath.filter = 0;
    for (const element f_el : filters) {
      const object f = as_object(f_el, fpath);
      const std::string_view type = string_field(f, fpath.with("filterType"));
      if (type == "PRICE_FILTER") {
        spec.filters.tick_size = decimal_field(f, fpath.with("tickSize"), false);
        if (!spec.filters.tick_size.is_positive()) {
          nonsense(fpath.with("tickSize"), name, raw_field(f, "tickSize"),
                   "PRICE_FILTER tickSize must be positive");
        }
        have_price = true;
      } else if (type == "LOT_SIZE") {
        spec.filters.min_qty = decimal_field(f, fpath.with("minQty"), false);
        spec.filters.max_qty = decimal_field(f, fpath.with("maxQty"), true);
        spec.filters.step_size = decimal_field(f, fpath.with("stepSize"), false);
        if (!spec.filters.max_qty.is_positive()) {
          nonsense(fpath.with("maxQty"), name, raw_field(f, "maxQty"),
                   "LOT_SIZE maxQty must be positive");
        }
        if (!spec.filters.step_size.is_positive()) {
          nonsense(fpath.with("stepSize"), name, raw_field(f, "stepSize"),
                   "LOT_SIZE stepSize must be positive");
        }
        if (spec.filters.min_qty > spec.filters.max_qty) {
          nonsense(fpath.with("minQty"), name, raw_field(f, "minQty"),
                   "LOT_SIZE minQty above maxQty " + quote_value(raw_field(f, "maxQty")));
        }
        have_lot = true;
      } else if (type == "NOTIONAL" || type == "MIN_NOTIONAL") {
        spec.filters.min_notional = decimal_field(f, fpath.with("minNotional"), false);
      }
      ++fpath.filter;
    }
    // A TRADING symbol without these would be sized and priced blindly.
    if (!have_price) fail(filters_path, "no PRICE_FILTER for " + quote_value(name));
    if (!have_lot) fail(filters_path, "no LOT_SIZE for " + quote_value(name));
    specs.push_back(std::move(spec));
    ++path.sym;
  }
  return universe(std::move(specs), skipped, std::move(unsupported));
}

universe load_exchange_info_file(const std::string& path) {
  namespace fs = std::filesystem;
  std::string text;
  try {
    std::error_code ec;
    const fs::file_status st = fs::status(path, ec);
    if (fs::is_directory(st)) throw universe_error("a directory, not an exchangeInfo document");
    if (fs::is_regular_file(st)) {
      const std::uintmax_t size = fs::file_size(path, ec);
      if (!ec && size > kMaxExchangeInfoBytes) too_big(std::to_string(size));
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) throw universe_error("cannot open");
    // Bounded whatever the file is (one that grew since, a pipe, a device).
    std::array<char, 1 << 16> chunk;
    while (in) {
      in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
      text.append(chunk.data(), static_cast<std::size_t>(in.gcount()));
      if (text.size() > kMaxExchangeInfoBytes) {
        too_big("more than " + std::to_string(kMaxExchangeInfoBytes));
      }
    }
    if (in.bad()) throw universe_error("read error");
  } catch (const universe_error& e) {
    throw universe_error(path + ": " + e.what());
  }
  try {
    return load_exchange_info(text);
  } catch (const universe_error& e) {
    throw universe_error(path + ": " + e.what());
  }
}

}  // namespace triarb
