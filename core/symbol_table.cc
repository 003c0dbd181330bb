// symbol_table construction and lookup. See symbol_table.h for the contract.
#include "core/symbol_table.h"

#include <bit>
#include <cstring>
#include <stdexcept>

namespace triarb {
namespace {

// Loads up to 8 bytes little-endian-agnostically into a zero-extended word.
inline std::uint64_t load_partial(const char* p, std::size_t n) noexcept {
  std::uint64_t w = 0;
  std::memcpy(&w, p, n);
  return w;
}

// A cheap mix of the three zero-padded words of a name and its length,
// multiplied by odd constants and folded. Good enough for ~1,400 short,
// mostly upper-case ASCII names in a half-empty table.
inline std::uint64_t hash_words(const std::uint64_t (&w)[3], std::size_t n) noexcept {
  std::uint64_t h = (w[0] * 0x9E3779B97F4A7C15ULL) ^ (w[1] * 0xC2B2AE3D27D4EB4FULL) ^
                    (w[2] * 0x165667B19E3779F9ULL) ^ n;
  h ^= h >> 29;
  h *= 0xBF58476D1CE4E5B9ULL;
  h ^= h >> 32;
  return h;
}

// The words of a name of n <= 24 bytes, zero-padded, copying only n bytes.
inline void words_of(const char* p, std::size_t n, std::uint64_t (&w)[3]) noexcept {
  for (std::size_t k = 0; k < 3; ++k) {
    const std::size_t from = 8 * k;
    w[k] = n > from ? load_partial(p + from, n - from < 8 ? n - from : 8) : 0;
  }
}

// Bytes [0, valid) of a word loaded from memory, the rest zero. valid <= 8.
inline std::uint64_t keep_bytes(std::uint64_t word, std::size_t valid) noexcept {
  if (valid >= 8) return word;
  if (valid == 0) return 0;
  // Memory order is little-endian on every target triarb supports (x86-64,
  // aarch64 little-endian); checked below.
  return word & ((std::uint64_t{1} << (8 * valid)) - 1);
}
static_assert(std::endian::native == std::endian::little, "keep_bytes assumes little-endian");

inline char ascii_lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::vector<std::string_view> views_of(std::span<const std::string> names) {
  return {names.begin(), names.end()};
}

}  // namespace

symbol_table::symbol_table(std::span<const std::string> names) {
  const std::vector<std::string_view> v = views_of(names);
  build(v);
}

symbol_table::symbol_table(std::span<const std::string_view> names) { build(names); }

symbol_table::symbol_table(std::initializer_list<std::string_view> names) {
  build(std::span<const std::string_view>(names.begin(), names.size()));
}

void symbol_table::build(std::span<const std::string_view> names) {
  std::size_t cap = std::bit_ceil(names.size() * 2 + 2);
  slots_.assign(cap, slot{});
  mask_ = cap - 1;
  names_.clear();
  names_.reserve(names.size());
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::string_view n = names[i];
    if (n.empty() || n.size() > kMaxNameLength) {
      throw std::invalid_argument("symbol_table: bad symbol name length: '" + std::string(n) + "'");
    }
    for (const char c : n) {
      // The parser trusts a found name to be a valid, escape-free JSON string.
      if (c <= ' ' || c > '~' || c == '"' || c == '\\') {
        throw std::invalid_argument(
            "symbol_table: symbol name must be printable ASCII without "
            "quote or backslash: '" +
            std::string(n) + "'");
      }
    }
    if (find(n) != kNoSymbol) {
      throw std::invalid_argument("symbol_table: duplicate symbol '" + std::string(n) + "'");
    }
    std::uint64_t w[3];
    words_of(n.data(), n.size(), w);
    std::uint64_t pos = hash_words(w, n.size()) & mask_;
    while (slots_[pos].id != kNoSymbol) pos = (pos + 1) & mask_;
    slot& s = slots_[pos];
    for (std::size_t k = 0; k < 3; ++k) s.words[k] = w[k];
    s.length = static_cast<std::uint32_t>(n.size());
    s.id = static_cast<symbol_id>(i);
    names_.emplace_back(n);
  }
}

symbol_id symbol_table::probe(const std::uint64_t (&w)[3], std::size_t n) const noexcept {
  std::uint64_t pos = hash_words(w, n) & mask_;
  for (;;) {
    const slot& s = slots_[pos];
    if (s.id == kNoSymbol) return kNoSymbol;
    if (s.length == n && s.words[0] == w[0] && s.words[1] == w[1] && s.words[2] == w[2]) {
      return s.id;
    }
    pos = (pos + 1) & mask_;
  }
}

symbol_id symbol_table::find(std::string_view name) const noexcept {
  const std::size_t n = name.size();
  if (n == 0 || n > kMaxNameLength || slots_.empty()) return kNoSymbol;
  std::uint64_t w[3];
  words_of(name.data(), n, w);
  return probe(w, n);
}

symbol_id symbol_table::find_padded(const char* p, std::size_t n) const noexcept {
  if (n == 0 || n > kMaxNameLength || slots_.empty()) return kNoSymbol;
  std::uint64_t w[3];
  for (std::size_t k = 0; k < 3; ++k) {
    std::uint64_t word;
    std::memcpy(&word, p + 8 * k, 8);
    const std::size_t from = 8 * k;
    w[k] = keep_bytes(word, n > from ? n - from : 0);
  }
  return probe(w, n);
}

std::string_view symbol_table::name(symbol_id id) const noexcept { return names_[id]; }

bool symbol_table::stream_names_symbol(std::string_view stream, std::string_view symbol) noexcept {
  if (stream.size() != symbol.size() + kStreamSuffix.size()) return false;
  for (std::size_t i = 0; i < symbol.size(); ++i) {
    if (ascii_lower(stream[i]) != ascii_lower(symbol[i])) return false;
  }
  for (std::size_t i = 0; i < kStreamSuffix.size(); ++i) {
    if (ascii_lower(stream[symbol.size() + i]) != ascii_lower(kStreamSuffix[i])) return false;
  }
  return true;
}

}  // namespace triarb
