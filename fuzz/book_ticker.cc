// Fuzz target for parse_book_ticker (net/book_ticker.h: the REST bookTicker
// snapshot the bot seeds and re-seeds its book from), with a differential
// oracle: the same bytes are read by Boost.JSON (fuzz/json_oracle.h) and the
// documented rules are applied to that tree slowly:
//   - not JSON (by simdjson's DOM rules): rest_error;
//   - an array: one entry per element; anything else: the document is the
//     one entry;
//   - an entry is an object whose (first) members symbol, bidPrice, bidQty,
//     askPrice and askQty are strings; otherwise it is malformed (counted in
//     *bad, whatever its symbol);
//   - an entry for a symbol the table does not know is skipped, not counted;
//   - prices are exact unsigned decimals (at most 8 decimals, in the fixed8
//     range), quantities the same but saturating above it (qty_capped); a
//     price or quantity that is not one is malformed;
//   - a zero price with a non-zero quantity, or a crossed book (both prices
//     non-zero, ask below bid), is malformed, as the frame parser refuses it;
//   - every other entry is one quote, update_id 0, in document order.
// The target aborts when the parser and the oracle disagree on rest_error,
// on the bad count, or on any quote. Any other exception is a finding.
//
//   build/fuzz/fuzz/fuzz_book_ticker -dict=fuzz/book_ticker.dict corpus/book_ticker
//   build/default/fuzz/fuzz_book_ticker corpus/book_ticker       # replay
#include "net/book_ticker.h"

#include <boost/json/src.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/symbol_table.h"
#include "fuzz_support.h"
#include "json_oracle.h"

namespace {

using triarb::fuzz::jnode;
using big = boost::multiprecision::cpp_int;

struct want_quote {
  triarb::symbol_id symbol = triarb::kNoSymbol;
  big bid, bid_qty, ask, ask_qty;
  bool capped = false;
};

struct expectation {
  std::vector<want_quote> quotes;
  std::size_t bad = 0;
};

const triarb::symbol_table& symbols() {
  static const triarb::symbol_table t{"BNBUSDT",  "BTCUSDT", "LUNCUSDT", "ETHBTC",
                                      "USDCUSDT", "A",       "LUNCUSDC", "SHIBUSDT"};
  return t;
}

triarb::symbol_id lookup(const std::string& name) {
  for (triarb::symbol_id i = 0; i < symbols().size(); ++i) {
    if (symbols().name(i) == name) return i;
  }
  return triarb::kNoSymbol;
}

void entry(const jnode& e, expectation& out) {
  const char* const keys[] = {"symbol", "bidPrice", "bidQty", "askPrice", "askQty"};
  const std::string* text[5] = {};
  for (int k = 0; k < 5; ++k) {
    const jnode* v = e.is(jnode::type::object) ? e.first(keys[k]) : nullptr;
    if (v == nullptr || !v->is(jnode::type::string)) {
      ++out.bad;
      return;
    }
    text[k] = &v->text;
  }
  want_quote q;
  q.symbol = lookup(*text[0]);
  if (q.symbol == triarb::kNoSymbol) return;
  const triarb::fuzz::decimal_value bid = triarb::fuzz::read_decimal(*text[1], false);
  const triarb::fuzz::decimal_value bid_qty = triarb::fuzz::read_decimal(*text[2], true);
  const triarb::fuzz::decimal_value ask = triarb::fuzz::read_decimal(*text[3], false);
  const triarb::fuzz::decimal_value ask_qty = triarb::fuzz::read_decimal(*text[4], true);
  if (!bid.ok || !bid_qty.ok || !ask.ok || !ask_qty.ok) {
    ++out.bad;
    return;
  }
  if ((bid.raw == 0 && bid_qty.raw != 0) || (ask.raw == 0 && ask_qty.raw != 0) ||
      (bid.raw != 0 && ask.raw != 0 && ask.raw < bid.raw)) {
    ++out.bad;
    return;
  }
  q.bid = bid.raw;
  q.bid_qty = bid_qty.raw;
  q.ask = ask.raw;
  q.ask_qty = ask_qty.raw;
  q.capped = bid_qty.capped || ask_qty.capped;
  out.quotes.push_back(q);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  std::unique_ptr<jnode> doc;
  const triarb::fuzz::json_verdict v = triarb::fuzz::read_json(in, &doc);
  if (v == triarb::fuzz::json_verdict::undefined) return 0;

  std::vector<triarb::quote> got;
  std::size_t bad = 0;
  bool threw = false;
  try {
    got = triarb::parse_book_ticker(in, symbols(), &bad);
  } catch (const triarb::rest_error& e) {
    threw = true;
    if (v == triarb::fuzz::json_verdict::ok) std::fprintf(stderr, "parser: %s\n", e.what());
  }
  TRIARB_FUZZ_CHECK(threw == (v != triarb::fuzz::json_verdict::ok),
                    "parse_book_ticker and Boost.JSON disagree on whether it is JSON");
  if (threw) return 0;

  expectation want;
  if (doc->is(jnode::type::array)) {
    for (const jnode& e : doc->elements) entry(e, want);
  } else {
    entry(*doc, want);
  }
  if (bad != want.bad || got.size() != want.quotes.size()) {
    std::fprintf(stderr, "parser: %zu quotes, %zu bad\noracle: %zu quotes, %zu bad\n", got.size(),
                 bad, want.quotes.size(), want.bad);
    TRIARB_FUZZ_CHECK(false, "parse_book_ticker and the oracle disagree on quotes or bad entries");
  }
  for (std::size_t i = 0; i < got.size(); ++i) {
    const triarb::quote& q = got[i];
    const want_quote& w = want.quotes[i];
    TRIARB_FUZZ_CHECK(q.symbol == w.symbol, "symbol");
    TRIARB_FUZZ_CHECK(q.update_id == 0, "update_id of a REST quote");
    TRIARB_FUZZ_CHECK(big(q.bid.raw()) == w.bid, "bid");
    TRIARB_FUZZ_CHECK(big(q.bid_qty.raw()) == w.bid_qty, "bid qty");
    TRIARB_FUZZ_CHECK(big(q.ask.raw()) == w.ask, "ask");
    TRIARB_FUZZ_CHECK(big(q.ask_qty.raw()) == w.ask_qty, "ask qty");
    TRIARB_FUZZ_CHECK(q.qty_capped == w.capped, "qty_capped");
  }
  return 0;
}
