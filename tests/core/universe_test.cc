// Unit tests for universe: loading exchangeInfo documents (hand-written,
// tests/data/exchange_info/small.json and generated ones), dense deterministic ids, lookups, and
// an error that names the place for every kind of bad input.
#include "core/universe.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "sim/universe_gen.h"

namespace triarb {
namespace {

using ::testing::HasSubstr;

fixed8 f8(std::string_view s) {
  const fixed8_result r = parse_fixed8(s);
  EXPECT_TRUE(r.ok()) << s;
  return r.value;
}

// One symbol object with the fields a loader must read and the noise a real
// document carries around them. `notional` picks NOTIONAL or MIN_NOTIONAL.
std::string sym(std::string_view name, std::string_view base, std::string_view quote,
                std::string_view status = "TRADING", std::string_view tick = "0.01000000",
                std::string_view step = "0.00001000", std::string_view max_qty = "9000.00000000",
                std::string_view notional = "NOTIONAL") {
  std::string s = R"({"symbol":")" + std::string(name) + R"(","status":")" + std::string(status) +
                  R"(","baseAsset":")" + std::string(base) +
                  R"(","baseAssetPrecision":8,"quoteAsset":")" + std::string(quote) +
                  R"(","quotePrecision":8,"orderTypes":["LIMIT","MARKET"],"icebergAllowed":true,)"
                  R"("filters":[{"filterType":"PRICE_FILTER","minPrice":"0.01000000",)"
                  R"("maxPrice":"1000000.00000000","tickSize":")" +
                  std::string(tick) + R"("},{"filterType":"LOT_SIZE","minQty":")" +
                  std::string(step) + R"(","maxQty":")" + std::string(max_qty) +
                  R"(","stepSize":")" + std::string(step) +
                  R"("},{"filterType":"MARKET_LOT_SIZE","minQty":"0.00000000",)"
                  R"("maxQty":"77.00000000","stepSize":"0.00000000"},{"filterType":")" +
                  std::string(notional) +
                  R"(","minNotional":"5.00000000","avgPriceMins":5}],)"
                  R"("permissions":[],"permissionSets":[["SPOT","MARGIN"]]})";
  return s;
}

std::string doc(const std::vector<std::string>& symbols) {
  std::string d = R"({"timezone":"UTC","serverTime":1732268400000,"rateLimits":[{"rateLimitType":)"
                  R"("REQUEST_WEIGHT","interval":"MINUTE","intervalNum":1,"limit":6000}],)"
                  R"("exchangeFilters":[],"symbols":[)";
  for (std::size_t i = 0; i < symbols.size(); ++i) {
    if (i > 0) d += ',';
    d += symbols[i];
  }
  return d + "]}";
}

// The message of the universe_error that loading `json` throws ("" if none).
std::string load_error(const std::string& json) {
  try {
    (void)load_exchange_info(json);
  } catch (const universe_error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no universe_error for: " << json.substr(0, 200);
  return "";
}

// A hand-written document: BREAK symbols, widths of 8, 2 and 1 decimals next
// to each other, NOTIONAL and MIN_NOTIONAL, a decoy MARKET_LOT_SIZE, extra
// fields everywhere, symbols not in name order.
const std::string& mixed_doc() {
  static const std::string d = doc({
      sym("LUNCUSDT", "LUNC", "USDT", "TRADING", "0.00000001", "1.00", "92233720368.00"),
      sym("ETHBTC", "ETH", "BTC", "TRADING", "0.00001000", "0.0001", "100000.0", "MIN_NOTIONAL"),
      sym("BCCBTC", "BCC", "BTC", "BREAK"),
      sym("BTCUSDT", "BTC", "USDT"),
      sym("ETHUSDT", "ETH", "USDT", "TRADING", "0.01", "0.0001", "9000.0"),
      sym("VENBNB", "VEN", "BNB", "BREAK"),
  });
  return d;
}

TEST(Universe, KeepsOnlyTradingSymbolsAndCountsTheRest) {
  const universe u = load_exchange_info(mixed_doc());
  ASSERT_EQ(u.symbols().size(), 4u);
  EXPECT_EQ(u.skipped_not_trading(), 2u);
  EXPECT_EQ(u.find_symbol("BCCBTC"), kNoSymbol);
  EXPECT_FALSE(u.find_asset("BCC").has_value());  // only in a BREAK symbol
  EXPECT_FALSE(u.find_asset("BNB").has_value());
}

TEST(Universe, NumbersSymbolsAndAssetsByName) {
  const universe u = load_exchange_info(mixed_doc());
  std::vector<std::string> names;
  for (const symbol_info& s : u.symbols()) names.push_back(s.name);
  EXPECT_EQ(names, (std::vector<std::string>{"BTCUSDT", "ETHBTC", "ETHUSDT", "LUNCUSDT"}));
  const std::vector<std::string> assets(u.assets().begin(), u.assets().end());
  EXPECT_EQ(assets, (std::vector<std::string>{"BTC", "ETH", "LUNC", "USDT"}));
  for (symbol_id i = 0; i < u.symbols().size(); ++i) EXPECT_EQ(u.find_symbol(names[i]), i);
  const symbol_info& ethbtc = u.symbol(1);
  EXPECT_EQ(u.assets()[ethbtc.base], "ETH");
  EXPECT_EQ(u.assets()[ethbtc.quote], "BTC");
}

TEST(Universe, ReadsFiltersOfMixedWidthsAndBothNotionalKinds) {
  const universe u = load_exchange_info(mixed_doc());
  const symbol_filters& lunc = u.symbol(u.find_symbol("LUNCUSDT")).filters;
  EXPECT_EQ(lunc.tick_size, fixed8::from_raw(1));
  EXPECT_EQ(lunc.step_size, fixed8::one());
  EXPECT_EQ(lunc.min_qty, fixed8::one());
  EXPECT_EQ(lunc.max_qty, f8("92233720368"));
  EXPECT_EQ(lunc.min_notional, f8("5"));
  const symbol_filters& ethbtc = u.symbol(u.find_symbol("ETHBTC")).filters;
  EXPECT_EQ(ethbtc.tick_size, f8("0.00001"));
  EXPECT_EQ(ethbtc.step_size, f8("0.0001"));
  EXPECT_EQ(ethbtc.max_qty, f8("100000"));  // LOT_SIZE, not the MARKET_LOT_SIZE decoy (77)
  EXPECT_EQ(ethbtc.min_notional, f8("5"));  // from MIN_NOTIONAL
  const symbol_filters& ethusdt = u.symbol(u.find_symbol("ETHUSDT")).filters;
  EXPECT_EQ(ethusdt.tick_size, f8("0.01"));
  EXPECT_EQ(ethusdt.max_qty, f8("9000"));
}

TEST(Universe, IdsAndFingerprintDoNotDependOnDocumentOrder) {
  const universe a = load_exchange_info(doc(
      {sym("BTCUSDT", "BTC", "USDT"), sym("ETHBTC", "ETH", "BTC"), sym("ETHUSDT", "ETH", "USDT")}));
  const universe b = load_exchange_info(doc(
      {sym("ETHUSDT", "ETH", "USDT"), sym("ETHBTC", "ETH", "BTC"), sym("BTCUSDT", "BTC", "USDT")}));
  ASSERT_EQ(a.symbols().size(), b.symbols().size());
  for (std::size_t i = 0; i < a.symbols().size(); ++i) {
    EXPECT_EQ(a.symbols()[i].name, b.symbols()[i].name);
    EXPECT_EQ(a.symbols()[i].base, b.symbols()[i].base);
  }
  EXPECT_EQ(a.fingerprint(), b.fingerprint());
}

TEST(Universe, FingerprintChangesWithAFilter) {
  const universe a = load_exchange_info(doc({sym("BTCUSDT", "BTC", "USDT")}));
  const universe b =
      load_exchange_info(doc({sym("BTCUSDT", "BTC", "USDT", "TRADING", "0.10000000")}));
  EXPECT_NE(a.fingerprint(), b.fingerprint());
}

TEST(Universe, SymbolBetweenWorksInEitherDirectionAndPrefersTheLowerId) {
  const universe u = load_exchange_info(
      doc({sym("BTCUSDT", "BTC", "USDT"), sym("USDTBTC", "USDT", "BTC"),  // both directions
           sym("ETHBTC", "ETH", "BTC")}));
  const asset_id btc = *u.find_asset("BTC");
  const asset_id usdt = *u.find_asset("USDT");
  const asset_id eth = *u.find_asset("ETH");
  EXPECT_EQ(u.symbol_between(btc, usdt), u.find_symbol("BTCUSDT"));
  EXPECT_EQ(u.symbol_between(usdt, btc), u.find_symbol("BTCUSDT"));  // lower id of the two
  EXPECT_EQ(u.symbol_between(eth, btc), u.find_symbol("ETHBTC"));
  EXPECT_EQ(u.symbol_between(btc, eth), u.find_symbol("ETHBTC"));
  EXPECT_EQ(u.symbol_between(eth, usdt), kNoSymbol);
  EXPECT_EQ(u.find_symbol("NOPE"), kNoSymbol);
}

TEST(Universe, MaxQtyAboveFixed8MaxSaturatesButOtherFiltersDoNot) {
  const universe u = load_exchange_info(doc({sym("LUNCUSDT", "LUNC", "USDT", "TRADING",
                                                 "0.00000001", "1.00", "1000000000000.00000000")}));
  EXPECT_EQ(u.symbol(0).filters.max_qty, fixed8::max());
  const std::string e =
      load_error(doc({sym("LUNCUSDT", "LUNC", "USDT", "TRADING", "100000000000.00000000")}));
  EXPECT_THAT(e, HasSubstr("symbols[0].filters[0].tickSize"));
  EXPECT_THAT(e, HasSubstr("overflow"));
}

TEST(Universe, ConstructsFromSpecsAndRejectsInconsistentOnes) {
  const universe u({{"ETHBTC", "ETH", "BTC", {}}, {"BTCUSDT", "BTC", "USDT", {}}}, 3);
  EXPECT_EQ(u.symbol(0).name, "BTCUSDT");
  EXPECT_EQ(u.skipped_not_trading(), 3u);
  EXPECT_THROW(universe({{"X", "A", "B", {}}, {"X", "C", "D", {}}}), universe_error);
  EXPECT_THROW(universe({{"AA", "A", "A", {}}}), universe_error);
  EXPECT_THROW(universe({{"", "A", "B", {}}}), universe_error);
}

TEST(UniverseErrors, TruncatedDocumentNamesTheByte) {
  const std::string& full = mixed_doc();
  for (const std::size_t cut : {full.size() / 3, full.size() / 2, full.size() - 1}) {
    const std::string e = load_error(full.substr(0, cut));
    EXPECT_THAT(e, HasSubstr("truncated")) << e;
    EXPECT_THAT(e, HasSubstr("byte " + std::to_string(cut))) << e;
  }
  EXPECT_THAT(load_error(""), HasSubstr("exchangeInfo"));
}

TEST(UniverseErrors, MismatchedBracketNamesTheByte) {
  const std::string bad = R"({"symbols":[{"symbol":"A"}}})";
  EXPECT_THAT(load_error(bad), HasSubstr("byte 26: unexpected '}'"));
}

TEST(UniverseErrors, MissingFieldsNameThePath) {
  std::string s = sym("ETHBTC", "ETH", "BTC");
  s.replace(s.find(R"("baseAsset")"), 11, R"("baseAssex")");
  EXPECT_THAT(load_error(doc({sym("BTCUSDT", "BTC", "USDT"), s})),
              HasSubstr("symbols[1].baseAsset: missing"));
  EXPECT_THAT(load_error(R"({"timezone":"UTC"})"), HasSubstr("symbols: missing"));

  std::string no_lot = sym("ETHBTC", "ETH", "BTC");
  no_lot.replace(no_lot.find(R"("LOT_SIZE")"), 10, R"("LOT_SIZF")");
  EXPECT_THAT(load_error(doc({no_lot})),
              HasSubstr("symbols[0].filters: no LOT_SIZE for \"ETHBTC\""));

  std::string no_step = sym("ETHBTC", "ETH", "BTC");
  no_step.replace(no_step.find(R"("stepSize")"), 10, R"("stepSizf")");
  EXPECT_THAT(load_error(doc({no_step})), HasSubstr("symbols[0].filters[1].stepSize: missing"));
}

TEST(UniverseErrors, BadDecimalsNameThePathAndTheValue) {
  EXPECT_THAT(load_error(doc({sym("ETHBTC", "ETH", "BTC", "TRADING", "0.01", "0.0x1")})),
              HasSubstr("symbols[0].filters[1].minQty: bad_char in \"0.0x1\""));
  EXPECT_THAT(load_error(doc({sym("ETHBTC", "ETH", "BTC", "TRADING", "1e-8")})),
              HasSubstr("symbols[0].filters[0].tickSize: exponent in \"1e-8\""));
  EXPECT_THAT(load_error(doc({sym("ETHBTC", "ETH", "BTC", "TRADING", "-0.01")})),
              HasSubstr("tickSize: sign"));
  EXPECT_THAT(load_error(doc({sym("ETHBTC", "ETH", "BTC", "TRADING", "0.000000001")})),
              HasSubstr("too_many_fraction_digits in \"0.000000001\""));
  EXPECT_THAT(load_error(doc({sym("A", "B", "C"),
                              sym("ETHBTC", "ETH", "BTC", "TRADING", "0.01", "0.01", "")})),
              HasSubstr("symbols[1].filters[1].maxQty: empty string"));
}

TEST(UniverseErrors, WrongTypesNameThePath) {
  std::string s = sym("ETHBTC", "ETH", "BTC");
  s.replace(s.find(R"("TRADING")"), 9, "1");
  EXPECT_THAT(load_error(doc({s})), HasSubstr("symbols[0].status: expected string, got number"));
  EXPECT_THAT(load_error(R"({"symbols":{}})"), HasSubstr("symbols: expected array, got object"));
  EXPECT_THAT(load_error(R"([1,2])"), HasSubstr("(document): expected object, got array"));
  EXPECT_THAT(load_error(R"({"symbols":[3]})"),
              HasSubstr("symbols[0]: expected object, got number"));
  std::string f = sym("ETHBTC", "ETH", "BTC");
  const std::size_t at = f.find(R"("tickSize":")");
  f.replace(at, 23, R"("tickSize":0.01)");
  EXPECT_THAT(load_error(doc({f})),
              HasSubstr("symbols[0].filters[0].tickSize: expected string, got number"));
  std::string filters = sym("ETHBTC", "ETH", "BTC");
  filters.replace(filters.find(R"("filters":[)"), 11, R"("filters":7,"x":[)");
  EXPECT_THAT(load_error(doc({filters})),
              HasSubstr("symbols[0].filters: expected array, got number"));
}

TEST(UniverseErrors, DuplicateSymbolNamesNameBothPlaces) {
  const std::string e = load_error(doc({sym("BTCUSDT", "BTC", "USDT"), sym("ETHBTC", "ETH", "BTC"),
                                        sym("BTCUSDT", "BTC", "USDT", "BREAK")}));
  EXPECT_THAT(e,
              HasSubstr("symbols[2].symbol: duplicate symbol \"BTCUSDT\" (first at symbols[0])"));
}

// Hostile input: a TRADING symbol or asset named with a newline, a quote, a
// space, ESC or 21 characters loaded, then the symbol table refused it with
// std::invalid_argument naming no path (exit 3 with a bare message), and an
// asset name reached triangle names, journals and terminals as is. The bot
// cannot carry such a name (the exchange may list one: a non-ASCII ticker),
// so the symbol is skipped, counted, and the first one named with its path;
// the rest of the document loads.
TEST(Universe, NamesThatAreNotPrintableTickersAreSkippedCountedAndNamed) {
  const std::string ok = sym("ETHBTC", "ETH", "BTC");
  for (const std::string bad :
       {std::string("ETH\\nBTC"), std::string("ETH BTC"), std::string("ETH\\\"BTC"),
        std::string("ETH\\u001bBTC"), std::string(21, 'A'), std::string("\xe5\xb8\x81USDT")}) {
    for (const auto& [where, entry] :
         {std::pair<std::string, std::string>{"symbols[1].symbol: ", sym(bad, "XRP", "BTC")},
          {"symbols[1].baseAsset: ", sym("XRPBTC", bad, "BTC")},
          {"symbols[1].quoteAsset: ", sym("XRPBTC", "XRP", bad)}}) {
      const universe u = load_exchange_info(doc({ok, entry, sym("XRPETH", "XRP", "ETH")}));
      EXPECT_EQ(u.symbols().size(), 2U) << bad;
      EXPECT_EQ(u.skipped_unsupported().count, 1U) << bad;
      EXPECT_THAT(u.skipped_unsupported().first, HasSubstr(where)) << bad;
      EXPECT_EQ(u.skipped_unsupported().first.find_first_of("\n\x1b"), std::string::npos);
    }
  }
  const universe u = load_exchange_info(doc({ok, sym("X\\nY", "XRP", "BTC")}));
  EXPECT_THAT(u.skipped_unsupported().first,
              HasSubstr("symbols[1].symbol: \"X\\x0aY\" (3 bytes; a name is 1 to 20 printable "
                        "ASCII characters without space, quote or backslash)"));
  EXPECT_EQ(
      load_exchange_info(doc({ok, sym("X Y", "XRP", "BTC", "BREAK")})).skipped_unsupported().count,
      0U)
      << "a BREAK symbol is not read";
}

TEST(UniverseErrors, BaseEqualToQuoteIsRejected) {
  EXPECT_THAT(load_error(doc({sym("BTCBTC", "BTC", "BTC")})),
              HasSubstr("symbols[0]: baseAsset and quoteAsset are both \"BTC\""));
}

TEST(UniverseErrors, FileErrorsNameTheFile) {
  try {
    (void)load_exchange_info_file("/nonexistent/exchange_info.json");
    FAIL() << "no error";
  } catch (const universe_error& e) {
    EXPECT_THAT(std::string(e.what()), HasSubstr("/nonexistent/exchange_info.json: cannot open"));
  }
}

// Filter values that make no sense refuse the document (the loader's rule for
// any inconsistent input): a stepSize of 0 let every leg be sized without
// rounding to a step (the review's replay: 428 opportunities became 684).
TEST(UniverseErrors, NonsenseFiltersNameTheSymbolTheFilterAndTheValue) {
  struct probe {
    std::string json, message;
  };
  for (const probe& p : std::vector<probe>{
           {doc({sym("ETHBTC", "ETH", "BTC", "TRADING", "0.01", "0")}),
            "symbols[0].filters[1].stepSize: \"0\" for \"ETHBTC\": LOT_SIZE stepSize must be "
            "positive"},
           {doc({sym("BTCUSDT", "BTC", "USDT"),
                 sym("ETHBTC", "ETH", "BTC", "TRADING", "0.00000000")}),
            "symbols[1].filters[0].tickSize: \"0.00000000\" for \"ETHBTC\": PRICE_FILTER "
            "tickSize must be positive"},
           {doc({sym("ETHBTC", "ETH", "BTC", "TRADING", "0.01", "0.01", "0")}),
            "symbols[0].filters[1].maxQty: \"0\" for \"ETHBTC\": LOT_SIZE maxQty must be "
            "positive"},
           {doc({sym("ETHBTC", "ETH", "BTC", "TRADING", "0.01", "10.5", "10.4")}),
            "symbols[0].filters[1].minQty: \"10.5\" for \"ETHBTC\": LOT_SIZE minQty above "
            "maxQty \"10.4\""}}) {
    EXPECT_THAT(load_error(p.json), HasSubstr(p.message));
  }
  std::string neg = sym("ETHBTC", "ETH", "BTC");
  neg.replace(neg.find(R"("minNotional":"5.00000000")"), 26, R"("minNotional":"-5")");
  EXPECT_THAT(load_error(doc({neg})), HasSubstr("symbols[0].filters[3].minNotional: sign"));
  // minQty equal to maxQty is a (tiny) market, not nonsense.
  EXPECT_NO_THROW(
      (void)load_exchange_info(doc({sym("ETHBTC", "ETH", "BTC", "TRADING", "0.01", "1", "1")})));
  // A symbol that is not TRADING is not read, so its filters cannot refuse the document.
  EXPECT_NO_THROW((void)load_exchange_info(
      doc({sym("ETHBTC", "ETH", "BTC"), sym("XBTC", "X", "BTC", "BREAK", "0", "0")})));
}

TEST(UniverseErrors, AFileOverKMaxExchangeInfoBytesOrADirectoryIsRefusedBeforeReading) {
  static_assert(kMaxExchangeInfoBytes == 64U << 20);
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(::testing::TempDir()) / "universe_limits";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string big = (dir / "big.json").string();
  std::ofstream(big) << mixed_doc();
  fs::resize_file(big, kMaxExchangeInfoBytes + 1);  // sparse: never read
  const auto error_of = [](const std::string& path) {
    try {
      (void)load_exchange_info_file(path);
    } catch (const universe_error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_THAT(error_of(big), HasSubstr(big + ": 67108865 bytes; an exchangeInfo document is at "
                                             "most 67108864 bytes (kMaxExchangeInfoBytes)"));
  EXPECT_THAT(error_of(dir.string()), HasSubstr(dir.string() + ": a directory"));
  fs::remove_all(dir);
}

TEST(Universe, LoadsTheCorpusFile) {
  const universe u =
      load_exchange_info_file(TRIARB_SOURCE_DIR "/tests/data/exchange_info/small.json");
  EXPECT_EQ(u.symbols().size(), 9u);
  EXPECT_EQ(u.skipped_not_trading(), 2u);
  EXPECT_EQ(u.assets().size(), 6u);  // BNB BTC ETH LUNC USDC USDT
  const symbol_filters& lunc = u.symbol(u.find_symbol("LUNCUSDT")).filters;
  EXPECT_EQ(lunc.tick_size, fixed8::from_raw(1));
  EXPECT_EQ(lunc.max_qty, f8("92233720368"));
  EXPECT_EQ(u.symbol(u.find_symbol("BNBBTC")).filters.min_notional, f8("0.0001"));  // MIN_NOTIONAL
}

TEST(GeneratedUniverse, LoadsWithTheRealQuoteMixAndMatchesTheGeneratorsRecord) {
  const sim::generated_universe g = sim::generate_universe({}, 42);
  const universe u = load_exchange_info(g.exchange_info_json);
  ASSERT_EQ(u.symbols().size(), g.symbols.size());
  EXPECT_GE(u.symbols().size(), 1250u);
  EXPECT_LE(u.symbols().size(), 1400u);
  EXPECT_GE(u.assets().size(), 370u);
  EXPECT_LE(u.assets().size(), 410u);
  EXPECT_EQ(u.skipped_not_trading(), g.break_symbols);
  EXPECT_GT(g.break_symbols, 100u);
  ASSERT_EQ(u.assets().size(), g.assets.size());
  for (std::size_t a = 0; a < g.assets.size(); ++a) EXPECT_EQ(u.assets()[a], g.assets[a].name);

  std::map<std::string, std::size_t> per_quote;
  for (std::size_t i = 0; i < g.symbols.size(); ++i) {
    const sim::generated_symbol& gs = g.symbols[i];
    const symbol_info& s = u.symbol(static_cast<symbol_id>(i));
    ASSERT_EQ(s.name, gs.name);
    EXPECT_EQ(u.assets()[s.base], gs.base);
    EXPECT_EQ(u.assets()[s.quote], gs.quote);
    EXPECT_EQ(s.filters.tick_size, gs.tick_size) << gs.name;
    EXPECT_EQ(s.filters.step_size, gs.step_size) << gs.name;
    EXPECT_EQ(s.filters.max_qty, gs.max_qty) << gs.name;
    EXPECT_EQ(s.filters.min_notional, gs.min_notional) << gs.name;
    EXPECT_EQ(gs.fair_price.raw() % gs.tick_size.raw(), 0) << gs.name;
    ++per_quote[gs.quote];
  }
  for (const sim::quote_asset_plan& q : sim::default_quote_plan()) {
    EXPECT_EQ(per_quote[q.name], q.symbols) << q.name;
  }
}

TEST(GeneratedUniverse, HasMicroCoinsAndRealisticPriceRange) {
  const sim::generated_universe g = sim::generate_universe({}, 42);
  const auto find = [&](std::string_view n) -> const sim::generated_symbol& {
    const auto it = std::find_if(g.symbols.begin(), g.symbols.end(),
                                 [&](const sim::generated_symbol& s) { return s.name == n; });
    EXPECT_NE(it, g.symbols.end()) << n;
    return *it;
  };
  const sim::generated_symbol& lunc = find("LUNCUSDT");
  EXPECT_TRUE(lunc.is_micro);
  EXPECT_EQ(lunc.fair_price, f8("0.00009"));
  EXPECT_EQ(lunc.tick_size, fixed8::from_raw(1));
  EXPECT_EQ(lunc.step_size, fixed8::one());
  EXPECT_EQ(lunc.max_qty, f8("92233720368"));
  EXPECT_EQ(find("DOGEBTC").fair_price, f8("0.00000178"));
  EXPECT_EQ(find("BTCUSDT").fair_price, f8("90000"));
  EXPECT_NE(g.exchange_info_json.find(R"("stepSize":"1.00")"), std::string::npos);
  EXPECT_NE(g.exchange_info_json.find(R"("maxQty":"92233720368.00")"), std::string::npos);
  EXPECT_NE(g.exchange_info_json.find(R"("tickSize":"0.00000001")"), std::string::npos);
  EXPECT_NE(g.exchange_info_json.find(R"(.0")"), std::string::npos);  // 1-decimal strings
  fixed8 lo = fixed8::max();
  for (const sim::generated_symbol& s : g.symbols) lo = std::min(lo, s.fair_price);
  EXPECT_EQ(lo, f8("0.00000178"));
}

TEST(GeneratedUniverse, QuoteMixHoldsForOtherSeeds) {
  for (std::uint64_t seed = 1; seed <= 8; ++seed) {
    const sim::generated_universe g = sim::generate_universe({}, seed);
    std::map<std::string, std::size_t> per_quote;
    for (const sim::generated_symbol& s : g.symbols) ++per_quote[s.quote];
    for (const sim::quote_asset_plan& q : sim::default_quote_plan()) {
      EXPECT_EQ(per_quote[q.name], q.symbols) << q.name << " seed " << seed;
    }
  }
}

TEST(GeneratedUniverse, IsDeterministicForASeed) {
  EXPECT_EQ(sim::generate_exchange_info({}, 7), sim::generate_exchange_info({}, 7));
  EXPECT_NE(sim::generate_exchange_info({}, 7), sim::generate_exchange_info({}, 8));
  const universe a = load_exchange_info(sim::generate_exchange_info({}, 7));
  const universe b = load_exchange_info(sim::generate_exchange_info({}, 7));
  EXPECT_EQ(a.fingerprint(), b.fingerprint());
}

}  // namespace
}  // namespace triarb
