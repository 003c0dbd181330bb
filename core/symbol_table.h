// symbol_table: the universe's symbol names and the dense ids the rest of
// triarb uses for them, with a lookup fast enough for the frame parser's hot
// path (one lookup per frame).
//
// The id of a symbol is its index in the list the table was built from.
// Lookup is exact and case-sensitive on the upper-case exchange name
// ("BNBUSDT"); the combined-stream name ("bnbusdt@bookTicker") is matched
// case-insensitively by stream_names_symbol().
//
//   symbol_table t({"BNBUSDT", "BTCUSDT", "LUNCUSDT"});
//   symbol_id id = t.find("LUNCUSDT");            // 2
//   t.find("DOGEUSDT") == kNoSymbol;              // not in the universe
//   symbol_table::stream_names_symbol("bnbusdt@bookTicker", "BNBUSDT");  // true
//
// Names are at most kMaxNameLength (20) bytes, the Binance limit; a longer
// name is rejected at construction and is simply never found by find().
//
// Implementation: open addressing with linear probing in a power-of-two table
// at most half full; each slot holds the name inline (no pointer chase), so a
// hit is one hash, usually one slot, three word compares. No allocation after
// construction.
//
// Thread safety: immutable after construction; any thread may call the const
// members concurrently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/quote.h"

namespace triarb {

class symbol_table {
 public:
  // Binance symbols are at most 20 characters.
  static constexpr std::size_t kMaxNameLength = 20;
  // "@bookTicker", the suffix of a combined-stream name.
  static constexpr std::string_view kStreamSuffix = "@bookTicker";

  symbol_table() = default;
  // Builds the table; the id of names[i] is i.
  // Throws std::invalid_argument (start-up only) for an empty name, a name
  // longer than kMaxNameLength, a character outside printable ASCII or a
  // quote or backslash, or a duplicate name.
  explicit symbol_table(std::span<const std::string> names);
  explicit symbol_table(std::span<const std::string_view> names);
  symbol_table(std::initializer_list<std::string_view> names);

  // The id of the symbol with exactly this name, or kNoSymbol.
  [[nodiscard]] symbol_id find(std::string_view name) const noexcept;
  // The same, reading kPaddedRead bytes from p whatever n is (no
  // variable-length copies: three word loads and masks).
  // REQUIRES: p[0, kPaddedRead) is readable, e.g. a name inside a
  // frame_buffer (which has kFramePadding spare bytes after the frame).
  static constexpr std::size_t kPaddedRead = 24;
  [[nodiscard]] symbol_id find_padded(const char* p, std::size_t n) const noexcept;

  // The name of a symbol. REQUIRES: id < size().
  [[nodiscard]] std::string_view name(symbol_id id) const noexcept;
  [[nodiscard]] std::size_t size() const noexcept { return names_.size(); }

  // True when stream is symbol + "@bookTicker", compared ASCII
  // case-insensitively ("bnbusdt@bookTicker" names "BNBUSDT").
  [[nodiscard]] static bool stream_names_symbol(std::string_view stream,
                                                std::string_view symbol) noexcept;

 private:
  struct slot {
    std::uint64_t words[3] = {0, 0, 0};  // the name's bytes, zero-padded, in memory order
    std::uint32_t length = 0;
    symbol_id id = kNoSymbol;
  };
  static_assert(sizeof(slot) == 32);
  static_assert(kMaxNameLength <= sizeof(slot::words));

  void build(std::span<const std::string_view> names);
  symbol_id probe(const std::uint64_t (&w)[3], std::size_t n) const noexcept;

  std::vector<slot> slots_;         // size is a power of two, at most half full
  std::uint64_t mask_ = 0;          // slots_.size() - 1
  std::vector<std::string> names_;  // by id
};

}  // namespace triarb
