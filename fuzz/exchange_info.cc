// Fuzz target for load_exchange_info (core/universe.h), with a differential
// oracle: the same bytes are read by Boost.JSON (fuzz/json_oracle.h: a tree
// keeping duplicate keys, simdjson's DOM rules on depth and numbers written
// out) and the loader's documented rules are applied to that tree slowly:
//   - the document is an object whose (first) "symbols" member is an array;
//   - each entry is an object with a non-empty string "symbol", unique over
//     all entries whatever their status, and a non-empty string "status";
//   - an entry whose status is not "TRADING" is skipped and counted;
//   - a TRADING one whose symbol, baseAsset or quoteAsset is not 1 to 20
//     characters from '!' to '~' other than '"' and '\\' is skipped and
//     counted apart (read no further than those three strings);
//   - a TRADING one has non-empty strings "baseAsset" and "quoteAsset" that
//     differ, and an array "filters" of objects, each with a
//     non-empty string "filterType": PRICE_FILTER reads tickSize, LOT_SIZE minQty, maxQty and
//     stepSize, NOTIONAL and MIN_NOTIONAL minNotional (a later filter of the
//     same kind wins); other types are ignored; PRICE_FILTER and LOT_SIZE are
//     required;
//   - a filter value is a plain unsigned decimal with at most 8 decimals in
//     the fixed8 range (read digit by digit here); maxQty above it saturates;
//   - each filter makes sense as it is read: tickSize, stepSize and maxQty
//     positive, minQty at most maxQty (after saturation);
//   - a document over kMaxExchangeInfoBytes is refused whole;
//   - symbols are numbered in ascending order of name, assets likewise.
// The target aborts when the loader and the oracle disagree on acceptance,
// or, when both accept, on any symbol, asset, filter or the skipped count.
// A universe_error is the loader's refusal; any other exception is a finding.
//
//   build/fuzz/fuzz/fuzz_exchange_info -dict=fuzz/exchange_info.dict corpus/exchange_info
//   build/default/fuzz/fuzz_exchange_info corpus/exchange_info      # replay
#include <boost/json/src.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/universe.h"
#include "fuzz_support.h"
#include "json_oracle.h"

namespace {

using triarb::fuzz::jnode;
using big = boost::multiprecision::cpp_int;

struct want_symbol {
  std::string base, quote;
  big tick, min_qty, max_qty, step, min_notional;
};

struct expectation {
  bool accept = false;
  const char* why = "";                        // the rule that refused it (messages only)
  std::map<std::string, want_symbol> symbols;  // by name: ascending, as ids are
  std::size_t skipped = 0;
  std::size_t unsupported = 0;  // TRADING entries whose names the bot cannot carry
};

expectation refuse(const char* why) {
  expectation e;
  e.why = why;
  return e;
}

// A member that must be a non-empty string; nullptr if it is not.
const std::string* text_member(const jnode& obj, std::string_view key) {
  const jnode* v = obj.first(key);
  if (v == nullptr || !v->is(jnode::type::string) || v->text.empty()) return nullptr;
  return &v->text;
}

// The loader's name rule, written out: 1 to 20 bytes, each from '!' (0x21)
// to '~' (0x7E) and neither '"' nor '\\'.
bool carriable_name(const std::string& n) {
  if (n.empty() || n.size() > 20) return false;
  for (const char c : n) {
    const int v = static_cast<unsigned char>(c);
    if (v < 0x21 || v > 0x7E || c == '"' || c == '\\') return false;
  }
  return true;
}

// A filter value; false if missing or not a decimal in range.
bool decimal_member(const jnode& obj, std::string_view key, bool cap, big& out) {
  const std::string* s = text_member(obj, key);
  if (s == nullptr) return false;
  const triarb::fuzz::decimal_value d = triarb::fuzz::read_decimal(*s, cap);
  if (!d.ok) return false;
  out = d.raw;
  return true;
}

expectation oracle(const jnode& doc) {
  if (!doc.is(jnode::type::object)) return refuse("the document is not an object");
  const jnode* symbols = doc.first("symbols");
  if (symbols == nullptr || !symbols->is(jnode::type::array)) return refuse("no symbols array");
  expectation e;
  std::set<std::string> seen;
  for (const jnode& sym : symbols->elements) {
    if (!sym.is(jnode::type::object)) return refuse("an entry is not an object");
    const std::string* name = text_member(sym, "symbol");
    if (name == nullptr) return refuse("symbol");
    if (!seen.insert(*name).second) return refuse("a name listed twice");
    const std::string* status = text_member(sym, "status");
    if (status == nullptr) return refuse("status");
    if (*status != "TRADING") {
      ++e.skipped;
      continue;
    }
    want_symbol w;
    const std::string* base = text_member(sym, "baseAsset");
    if (base == nullptr) return refuse("baseAsset");
    const std::string* quote = text_member(sym, "quoteAsset");
    if (quote == nullptr) return refuse("quoteAsset");
    if (!carriable_name(*name) || !carriable_name(*base) || !carriable_name(*quote)) {
      ++e.unsupported;  // skipped, counted; the entry is not read further
      continue;
    }
    if (*base == *quote) return refuse("base == quote");
    w.base = *base;
    w.quote = *quote;
    const jnode* filters = sym.first("filters");
    if (filters == nullptr || !filters->is(jnode::type::array)) return refuse("filters");
    bool price = false;
    bool lot = false;
    for (const jnode& f : filters->elements) {
      if (!f.is(jnode::type::object)) return refuse("a filter is not an object");
      const std::string* type = text_member(f, "filterType");
      if (type == nullptr) return refuse("filterType");
      if (*type == "PRICE_FILTER") {
        if (!decimal_member(f, "tickSize", false, w.tick)) return refuse("tickSize");
        if (w.tick <= 0) return refuse("tickSize not positive");
        price = true;
      } else if (*type == "LOT_SIZE") {
        if (!decimal_member(f, "minQty", false, w.min_qty)) return refuse("minQty");
        if (!decimal_member(f, "maxQty", true, w.max_qty)) return refuse("maxQty");
        if (!decimal_member(f, "stepSize", false, w.step)) return refuse("stepSize");
        if (w.max_qty <= 0) return refuse("maxQty not positive");
        if (w.step <= 0) return refuse("stepSize not positive");
        if (w.min_qty > w.max_qty) return refuse("minQty above maxQty");
        lot = true;
      } else if (*type == "NOTIONAL" || *type == "MIN_NOTIONAL") {
        if (!decimal_member(f, "minNotional", false, w.min_notional)) return refuse("minNotional");
      }
    }
    if (!price) return refuse("no PRICE_FILTER");
    if (!lot) return refuse("no LOT_SIZE");
    e.symbols.emplace(*name, std::move(w));
  }
  if (e.symbols.size() >= triarb::kNoSymbol) return refuse("too many symbols");
  e.accept = true;
  return e;
}

void print(const char* who, std::string_view what) {
  std::fprintf(stderr, "%s: %.*s\n", who, static_cast<int>(what.size()), what.data());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  std::unique_ptr<jnode> doc;
  const triarb::fuzz::json_verdict v = triarb::fuzz::read_json(in, &doc);
  if (v == triarb::fuzz::json_verdict::undefined) return 0;
  const expectation want = in.size() > triarb::kMaxExchangeInfoBytes
                               ? refuse("over kMaxExchangeInfoBytes")
                           : v == triarb::fuzz::json_verdict::ok ? oracle(*doc)
                                                                 : refuse("not JSON (Boost.JSON)");

  triarb::universe got;
  bool accepted = false;
  std::string error;
  try {
    got = triarb::load_exchange_info(in);
    accepted = true;
  } catch (const triarb::universe_error& e) {
    error = e.what();
  }
  if (accepted != want.accept) {
    print("loader", accepted ? "accepted" : error);
    print("oracle", want.accept ? "accepts" : want.why);
    TRIARB_FUZZ_CHECK(false, "load_exchange_info and the Boost.JSON oracle disagree on acceptance");
  }
  if (!accepted) return 0;

  TRIARB_FUZZ_CHECK(got.skipped_not_trading() == want.skipped, "skipped_not_trading");
  TRIARB_FUZZ_CHECK(got.skipped_unsupported().count == want.unsupported, "skipped_unsupported");
  TRIARB_FUZZ_CHECK(got.symbols().size() == want.symbols.size(), "number of symbols");
  std::set<std::string> assets;
  for (const auto& [name, w] : want.symbols) {
    assets.insert(w.base);
    assets.insert(w.quote);
  }
  TRIARB_FUZZ_CHECK(got.assets().size() == assets.size(), "number of assets");
  std::size_t a = 0;
  for (const std::string& name : assets) {
    TRIARB_FUZZ_CHECK(got.assets()[a] == name, "assets in ascending order of name");
    ++a;
  }
  std::size_t id = 0;
  for (const auto& [name, w] : want.symbols) {
    const triarb::symbol_info& s = got.symbols()[id];
    if (s.name != name) {
      print("loader", s.name);
      print("oracle", name);
      TRIARB_FUZZ_CHECK(false, "symbol names, in ascending order");
    }
    TRIARB_FUZZ_CHECK(got.find_symbol(name) == id, "find_symbol");
    TRIARB_FUZZ_CHECK(got.assets()[s.base] == w.base, "baseAsset");
    TRIARB_FUZZ_CHECK(got.assets()[s.quote] == w.quote, "quoteAsset");
    TRIARB_FUZZ_CHECK(big(s.filters.tick_size.raw()) == w.tick, "tickSize");
    TRIARB_FUZZ_CHECK(big(s.filters.min_qty.raw()) == w.min_qty, "minQty");
    TRIARB_FUZZ_CHECK(big(s.filters.max_qty.raw()) == w.max_qty, "maxQty");
    TRIARB_FUZZ_CHECK(big(s.filters.step_size.raw()) == w.step, "stepSize");
    TRIARB_FUZZ_CHECK(big(s.filters.min_notional.raw()) == w.min_notional, "minNotional");
    ++id;
  }
  return 0;
}
