// Unit tests for frame_parser (docs/design.md, contract 1): both shapes, control messages,
// and every error class with its attribution and precedence.
#include "core/frame_parser.h"

#include <gtest/gtest.h>

#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace triarb {
namespace {

constexpr std::string_view kRaw =
    R"({"u":400900217,"s":"BNBUSDT","b":"25.35190000","B":"31.21000000","a":"25.36520000","A":"40.66000000"})";
constexpr std::string_view kCombined =
    R"({"stream":"bnbusdt@bookTicker","data":{"u":400900217,"s":"BNBUSDT","b":"25.35190000","B":"31.21000000","a":"25.36520000","A":"40.66000000"}})";
constexpr std::string_view kLunc =
    R"({"u":1,"s":"LUNCUSDT","b":"0.00009000","B":"1000000000000.00000000","a":"0.00009001","A":"25.00"})";

constexpr symbol_id kBnb = 0;
constexpr symbol_id kLuncId = 2;

class FrameParser : public ::testing::Test {
 protected:
  frame_result parse(std::string_view frame) {
    buf_.assign(frame);
    return parser_.parse(buf_);
  }
  // A raw BNBUSDT frame with the given field texts (already JSON-encoded).
  frame_result raw(std::string_view u, std::string_view b, std::string_view bq, std::string_view a,
                   std::string_view aq, std::string_view s = R"("BNBUSDT")") {
    std::string f = "{\"u\":" + std::string(u) + ",\"s\":" + std::string(s) +
                    ",\"b\":" + std::string(b) + ",\"B\":" + std::string(bq) +
                    ",\"a\":" + std::string(a) + ",\"A\":" + std::string(aq) + "}";
    return parse(f);
  }
  void expect_attributed(const frame_result& r, frame_errc ec, symbol_id id = kBnb) {
    EXPECT_EQ(r.kind, frame_kind::attributed_error)
        << to_string(r.kind) << " " << to_string(r.error);
    EXPECT_EQ(r.error, ec) << to_string(r.error);
    EXPECT_EQ(r.symbol, id);
  }
  void expect_unattributed(const frame_result& r, frame_errc ec) {
    EXPECT_EQ(r.kind, frame_kind::unattributed_error)
        << to_string(r.kind) << " " << to_string(r.error);
    EXPECT_EQ(r.error, ec) << to_string(r.error);
    EXPECT_EQ(r.symbol, kNoSymbol);
  }

  symbol_table symbols_{"BNBUSDT", "BTCUSDT", "LUNCUSDT", "ETHBTC"};
  frame_parser parser_{symbols_};
  frame_buffer buf_;
};

fixed8 f8(std::string_view s) { return parse_unsigned_fixed8(s).value; }

TEST_F(FrameParser, ParsesRawShapeExactly) {
  const frame_result r = parse(kRaw);
  ASSERT_EQ(r.kind, frame_kind::quote) << to_string(r.error);
  EXPECT_EQ(r.error, frame_errc::ok);
  EXPECT_EQ(r.symbol, kBnb);
  EXPECT_EQ(r.q.symbol, kBnb);
  EXPECT_EQ(r.q.update_id, 400900217U);
  EXPECT_EQ(r.q.bid.raw(), 2535190000);
  EXPECT_EQ(r.q.bid_qty.raw(), 3121000000);
  EXPECT_EQ(r.q.ask.raw(), 2536520000);
  EXPECT_EQ(r.q.ask_qty.raw(), 4066000000);
  EXPECT_FALSE(r.q.qty_capped);
}

TEST_F(FrameParser, ParsesCombinedShapeLikeRaw) {
  const frame_result a = parse(kRaw);
  const frame_result b = parse(kCombined);
  ASSERT_EQ(b.kind, frame_kind::quote) << to_string(b.error);
  EXPECT_EQ(b.q.symbol, a.q.symbol);
  EXPECT_EQ(b.q.update_id, a.q.update_id);
  EXPECT_EQ(b.q.bid, a.q.bid);
  EXPECT_EQ(b.q.bid_qty, a.q.bid_qty);
  EXPECT_EQ(b.q.ask, a.q.ask);
  EXPECT_EQ(b.q.ask_qty, a.q.ask_qty);
}

TEST_F(FrameParser, FieldOrderAndWhiteSpaceDoNotMatter) {
  const frame_result r = parse(
      " {\n \"data\" : {\"A\":\"40.66\", \"a\":\"25.3652\",\"B\":\"31.21\",\"b\":\"25.3519\","
      "\"s\":\"BNBUSDT\",\"u\":400900217} ,\t\"stream\":\"BNBUSDT@BOOKTICKER\"}\r\n ");
  ASSERT_EQ(r.kind, frame_kind::quote) << to_string(r.error);
  EXPECT_EQ(r.q.bid, f8("25.3519"));
  EXPECT_EQ(r.q.ask_qty, f8("40.66"));
}

TEST_F(FrameParser, IgnoresUnknownExtraFields) {
  const frame_result r = parse(
      R"({"e":"bookTicker","u":7,"s":"BTCUSDT","b":"1","B":"2","a":"3","A":"4","T":1700000000000,"x":[{"y":null}]})");
  ASSERT_EQ(r.kind, frame_kind::quote) << to_string(r.error);
  EXPECT_EQ(r.q.symbol, 1U);
  EXPECT_EQ(r.q.ask, fixed8::from_units(3));
  const frame_result c = parse(
      R"({"stream":"btcusdt@bookTicker","extra":{"k":[1,2]},"data":{"u":7,"s":"BTCUSDT","b":"1","B":"2","a":"3","A":"4","E":5}})");
  ASSERT_EQ(c.kind, frame_kind::quote) << to_string(c.error);
}

TEST_F(FrameParser, LuncTwelveZeroQuantityIsCappedNotAnError) {
  const frame_result r = parse(kLunc);
  ASSERT_EQ(r.kind, frame_kind::quote) << to_string(r.error);
  EXPECT_EQ(r.symbol, kLuncId);
  EXPECT_TRUE(r.q.qty_capped);
  EXPECT_EQ(r.q.bid_qty, fixed8::max());
  EXPECT_EQ(r.q.bid, f8("0.00009"));
  EXPECT_EQ(r.q.ask, f8("0.00009001"));
  EXPECT_EQ(r.q.ask_qty, fixed8::from_units(25));
  const frame_result longer = raw("1", R"("0.00000001")", R"("123456789012345678901234567890")",
                                  R"("0.00000002")", R"("99999999999999.99999999")");
  ASSERT_EQ(longer.kind, frame_kind::quote) << to_string(longer.error);
  EXPECT_TRUE(longer.q.qty_capped);
  EXPECT_EQ(longer.q.ask_qty, fixed8::max());
}

TEST_F(FrameParser, EmptySideIsAValidQuote) {
  const frame_result r = raw("5", R"("0.00000000")", R"("0.00000000")", R"("1.5")", R"("2")");
  ASSERT_EQ(r.kind, frame_kind::quote) << to_string(r.error);
  EXPECT_TRUE(r.q.bid.is_zero());
  EXPECT_TRUE(r.q.bid_qty.is_zero());
  const frame_result both = raw("5", R"("0")", R"("0")", R"("0")", R"("0")");
  EXPECT_EQ(both.kind, frame_kind::quote);
  // A zero bid with any ask is not crossed; a locked book (bid == ask) is fine.
  EXPECT_EQ(raw("5", R"("2")", R"("1")", R"("2")", R"("1")").kind, frame_kind::quote);
}

TEST_F(FrameParser, ExtremeValuesAreExact) {
  const frame_result r = raw("18446744073709551615", R"("92233720368.54775807")", R"("0.00000001")",
                             R"("92233720368.54775807")", R"("92233720368.54775807")");
  ASSERT_EQ(r.kind, frame_kind::quote) << to_string(r.error);
  EXPECT_EQ(r.q.update_id, 18446744073709551615ULL);
  EXPECT_EQ(r.q.bid, fixed8::max());
  EXPECT_FALSE(r.q.qty_capped);  // exactly max is not capped
  EXPECT_EQ(r.q.bid_qty.raw(), 1);
}

TEST_F(FrameParser, RecognisesControlMessages) {
  const frame_result sub = parse(R"({"result":null,"id":1})");
  EXPECT_EQ(sub.kind, frame_kind::control);
  EXPECT_EQ(sub.control, control_kind::subscription_response);
  EXPECT_EQ(sub.error, frame_errc::ok);
  const frame_result bye = parse(R"({"e":"serverShutdown","E":1700000000000})");
  EXPECT_EQ(bye.kind, frame_kind::control);
  EXPECT_EQ(bye.control, control_kind::server_shutdown);
  expect_unattributed(parse(R"({"e":"somethingElse"})"), frame_errc::unknown_message);
  expect_unattributed(parse(R"({"error":{"code":2,"msg":"x"},"id":1})"),
                      frame_errc::unknown_message);
  expect_unattributed(parse("{}"), frame_errc::unknown_message);
}

TEST_F(FrameParser, NotJson) {
  for (const std::string_view bad :
       {"", "   ", "{", "[", "[1,2", "[{\"a\":1}", "[[1]", "{\"u\":1,", "nul", "{\"u\":tru}",
        "{\"u\":01}", "{\"u\":1.}", "]", "{\"a\":\"x\ty\"}", "{\"a\":\"\\q\"}", "{'u':1}",
        "{\"u\":1,}", "{\"a\":1 \"b\":2}"}) {
    expect_unattributed(parse(bad), frame_errc::not_json);
  }
}

TEST_F(FrameParser, StringFollowedByColonIsNotSkippedAsAKey) {
  // simdjson skips an unconsumed string followed by ':' as if it were a key.
  expect_unattributed(parse(R"({"u":1,"s":"BNBUSDT","b":"1","B":"1","a":"2","A":"1":{}})"),
                      frame_errc::not_json);
  expect_unattributed(parse(R"({"stream":"bnbusdt@bookTicker":1,"data":{}})"),
                      frame_errc::not_json);
  expect_unattributed(parse(R"({"x":"y":1})"), frame_errc::not_json);
  expect_unattributed(parse(R"("{u":1})"), frame_errc::trailing_content);
}

TEST_F(FrameParser, TopLevelScalarTokenRunsToASeparator) {
  expect_unattributed(parse("21-3,[]"), frame_errc::not_json);
  expect_unattributed(parse("1\"a\""), frame_errc::not_json);
  expect_unattributed(parse("\"a\"1"), frame_errc::trailing_content);
  expect_unattributed(parse("1 2"), frame_errc::trailing_content);
  expect_unattributed(parse("1{}"), frame_errc::trailing_content);
}

TEST_F(FrameParser, EveryTruncationOfAGoodFrameIsNotJson) {
  for (const std::string_view good : {kRaw, kCombined}) {
    for (std::size_t n = 0; n < good.size(); ++n) {
      const frame_result r = parse(good.substr(0, n));
      EXPECT_EQ(r.error, frame_errc::not_json) << good.substr(0, n);
      EXPECT_EQ(r.kind, frame_kind::unattributed_error);
    }
  }
}

TEST_F(FrameParser, NonUtf8IsNotJsonEvenInIgnoredPartsOrTrailingBytes) {
  std::string f(kRaw);
  f.insert(f.size() - 1, ",\"x\":\"\xff\"");
  expect_unattributed(parse(f), frame_errc::not_json);
  std::string t(kRaw);
  t += " \xc3";
  expect_unattributed(parse(t), frame_errc::not_json);
  // Valid UTF-8 in an ignored field is fine.
  std::string ok(kRaw);
  ok.insert(ok.size() - 1, ",\"x\":\"\xc3\xa9\"");
  EXPECT_EQ(parse(ok).kind, frame_kind::quote);
}

TEST_F(FrameParser, TrailingContent) {
  for (const std::string_view tail : {" x", "{}", "}", "]", " 1", ",", "\0"}) {
    std::string f(kRaw);
    f += std::string(tail.data(), tail == "\0" ? 1 : tail.size());
    expect_unattributed(parse(f), frame_errc::trailing_content);
  }
  expect_unattributed(parse("1 2"), frame_errc::trailing_content);
  // White space after the document is not trailing content.
  EXPECT_EQ(parse(std::string(kRaw) + " \n\t\r").kind, frame_kind::quote);
  // An unterminated string anywhere, even after the document, is not JSON.
  expect_unattributed(parse(std::string(kRaw) + " \"abc"), frame_errc::not_json);
}

TEST_F(FrameParser, NotObject) {
  for (const std::string_view f : {"[1,2]", "123", "\"BNBUSDT\"", "null", "true"}) {
    expect_unattributed(parse(f), frame_errc::not_object);
  }
  expect_unattributed(parse(R"({"stream":"bnbusdt@bookTicker","data":[1]})"),
                      frame_errc::not_object);
}

TEST_F(FrameParser, CombinedWrapperErrorsAreUnattributed) {
  const std::string body = std::string(kRaw);
  expect_unattributed(parse(R"({"stream":"bnbusdt@bookTicker"})"), frame_errc::missing_field);
  expect_unattributed(parse("{\"data\":" + body + "}"), frame_errc::missing_field);
  expect_unattributed(
      parse("{\"stream\":\"bnbusdt@bookTicker\",\"stream\":\"bnbusdt@bookTicker\",\"data\":" +
            body + "}"),
      frame_errc::duplicate_field);
  expect_unattributed(parse("{\"stream\":1,\"data\":" + body + "}"), frame_errc::wrong_type);
  expect_unattributed(parse("{\"stream\":\"bnbusdt\\u0040bookTicker\",\"data\":" + body + "}"),
                      frame_errc::escape_in_string);
  expect_unattributed(parse("{\"stream\":\"btcusdt@bookTicker\",\"data\":" + body + "}"),
                      frame_errc::stream_mismatch);
  expect_unattributed(parse("{\"stream\":\"bnbusdt@depth\",\"data\":" + body + "}"),
                      frame_errc::stream_mismatch);
}

TEST_F(FrameParser, SymbolErrorsAreUnattributed) {
  expect_unattributed(raw("1", R"("1")", R"("1")", R"("2")", R"("1")", R"("DOGEUSDT")"),
                      frame_errc::unknown_symbol);
  expect_unattributed(raw("1", R"("1")", R"("1")", R"("2")", R"("1")", "7"),
                      frame_errc::wrong_type);
  expect_unattributed(raw("1", R"("1")", R"("1")", R"("2")", R"("1")", R"("BNB\u0055SDT")"),
                      frame_errc::escape_in_string);
  expect_unattributed(parse(R"({"u":1,"b":"1","B":"1","a":"2","A":"1"})"),
                      frame_errc::missing_field);
  expect_unattributed(
      parse(R"({"u":1,"s":"BNBUSDT","s":"BNBUSDT","b":"1","B":"1","a":"2","A":"1"})"),
      frame_errc::duplicate_field);
  // An unknown symbol wins over every other body error: nothing tracked was lost.
  expect_unattributed(parse(R"({"u":-1,"s":"DOGEUSDT","b":"x"})"), frame_errc::unknown_symbol);
}

TEST_F(FrameParser, MisCasedSymbolOnTrackedStreamIsStreamMismatch) {
  // Rule 8: "s" is not in the universe, but the stream names BNBUSDT once
  // upper-cased, so a tracked update was lost: stream_mismatch, not
  // unknown_symbol (which would invalidate nothing and leave a stale leg).
  const auto combined = [&](std::string_view stream, std::string_view s, std::string_view u = "1") {
    return parse("{\"stream\":\"" + std::string(stream) + "\",\"data\":{\"u\":" + std::string(u) +
                 ",\"s\":\"" + std::string(s) +
                 "\",\"b\":\"1\",\"B\":\"1\",\"a\":\"2\",\"A\":\"1\"}}");
  };
  expect_unattributed(combined("bnbusdt@bookTicker", "bnbusdt"), frame_errc::stream_mismatch);
  expect_unattributed(combined("bnbusdt@bookTicker", "BnbUSDT"), frame_errc::stream_mismatch);
  expect_unattributed(combined("BNBUSDT@BOOKTICKER", "bnbUSDT"), frame_errc::stream_mismatch);
  // Before the body's field errors, as unknown_symbol would be.
  expect_unattributed(combined("bnbusdt@bookTicker", "bnbusdt", "-1"), frame_errc::stream_mismatch);
  // The stream names no known symbol either: unknown_symbol, whatever the case.
  expect_unattributed(combined("dogeusdt@bookTicker", "dogeusdt"), frame_errc::unknown_symbol);
  expect_unattributed(combined("dogeusdt@bookTicker", "DOGEUSDT"), frame_errc::unknown_symbol);
  // The exact name still parses.
  EXPECT_TRUE(combined("bnbusdt@bookTicker", "BNBUSDT").is_quote());
  // A raw frame has no stream to name the symbol: lookup is case-sensitive.
  expect_unattributed(raw("1", R"("1")", R"("1")", R"("2")", R"("1")", R"("bnbusdt")"),
                      frame_errc::unknown_symbol);
  expect_unattributed(raw("1", R"("1")", R"("1")", R"("2")", R"("1")", R"("BnbUSDT")"),
                      frame_errc::unknown_symbol);
}

TEST_F(FrameParser, FieldErrorsAreAttributedToTheSymbol) {
  expect_attributed(parse(R"({"u":1,"s":"BNBUSDT","b":"1","B":"1","a":"2"})"),
                    frame_errc::missing_field);
  expect_attributed(parse(R"({"u":1,"s":"BNBUSDT","b":"1","b":"1","B":"1","a":"2","A":"1"})"),
                    frame_errc::duplicate_field);
  expect_attributed(raw(R"("1")", R"("1")", R"("1")", R"("2")", R"("1")"), frame_errc::wrong_type);
  expect_attributed(raw("1", "1", R"("1")", R"("2")", R"("1")"), frame_errc::wrong_type);
  expect_attributed(raw("1", R"("1")", "null", R"("2")", R"("1")"), frame_errc::wrong_type);
  expect_attributed(raw("1", R"("1")", R"("1")", R"(["2"])", R"("1")"), frame_errc::wrong_type);
  expect_attributed(raw("1", R"("1")", R"("1")", R"("2")", R"({"q":1})"), frame_errc::wrong_type);
  expect_attributed(raw("1", R"("1\u002e5")", R"("1")", R"("2")", R"("1")"),
                    frame_errc::escape_in_string);
  expect_attributed(raw("1", R"("1")", R"("1\/")", R"("2")", R"("1")"),
                    frame_errc::escape_in_string);
  for (const std::string_view u : {"-1", "1.0", "1e3", "18446744073709551616", "1E0", "-0"}) {
    expect_attributed(raw(u, R"("1")", R"("1")", R"("2")", R"("1")"), frame_errc::bad_update_id);
  }
  for (const std::string_view b :
       {R"("1e3")", R"("1E3")", R"("")", R"(".5")", R"("5.")", R"("1.123456789")", R"("0x10")",
        R"(" 1")", R"("1,5")", R"("NaN")", R"("1.2.3")"}) {
    expect_attributed(raw("1", b, R"("1")", R"("2")", R"("1")"), frame_errc::bad_number);
  }
  expect_attributed(raw("1", R"("-1")", R"("1")", R"("2")", R"("1")"), frame_errc::negative_number);
  expect_attributed(raw("1", R"("+1")", R"("1")", R"("2")", R"("1")"), frame_errc::negative_number);
  expect_attributed(raw("1", R"("1")", R"("-0.5")", R"("2")", R"("1")"),
                    frame_errc::negative_number);
  expect_attributed(raw("1", R"("1")", R"("1")", R"("2")", R"("-1")"), frame_errc::negative_number);
  expect_attributed(raw("1", R"("1")", R"("1")", R"("92233720368.54775808")", R"("1")"),
                    frame_errc::price_overflow);
  expect_attributed(raw("1", R"("1000000000000")", R"("1")", R"("1000000000001")", R"("1")"),
                    frame_errc::price_overflow);
  expect_attributed(raw("1", R"("0")", R"("1")", R"("2")", R"("1")"), frame_errc::zero_price);
  expect_attributed(raw("1", R"("1")", R"("1")", R"("0.00000000")", R"("0.1")"),
                    frame_errc::zero_price);
  expect_attributed(raw("1", R"("2.00000001")", R"("1")", R"("2")", R"("1")"),
                    frame_errc::crossed_book);
  // The combined shape attributes body errors the same way.
  expect_attributed(
      parse(
          R"({"stream":"bnbusdt@bookTicker","data":{"u":1,"s":"BNBUSDT","b":"3","B":"1","a":"2","A":"1"}})"),
      frame_errc::crossed_book);
}

TEST_F(FrameParser, PrecedenceFollowsTheHeader) {
  // Duplicate before missing; then field order u, b, B, a, A; number errors
  // before zero_price before crossed_book.
  expect_attributed(parse(R"({"s":"BNBUSDT","b":"1","b":"1"})"), frame_errc::duplicate_field);
  expect_attributed(raw("-1", "1", R"("1")", R"("2")", R"("1")"), frame_errc::bad_update_id);
  expect_attributed(raw("1", R"("x")", "1", R"("2")", R"("1")"), frame_errc::bad_number);
  expect_attributed(raw("1", R"("0")", R"("1")", R"("-2")", R"("1")"), frame_errc::negative_number);
  expect_attributed(raw("1", R"("0")", R"("1")", R"("0")", R"("1")"), frame_errc::zero_price);
  // Structure before semantics: bad JSON in an ignored field beats everything.
  expect_unattributed(parse(R"({"u":1,"s":"BNBUSDT","b":"3","B":"1","a":"2","A":"1","x":[1,]})"),
                      frame_errc::not_json);
  // Trailing content beats body errors.
  expect_unattributed(parse(R"({"u":1,"s":"BNBUSDT","b":"3","B":"1","a":"2","A":"1"} 1)"),
                      frame_errc::trailing_content);
  // A key written with an escape is an unknown field, so "s" is missing.
  expect_unattributed(parse(R"({"u":1,"\u0073":"BNBUSDT","b":"1","B":"1","a":"2","A":"1"})"),
                      frame_errc::missing_field);
  // Stream mismatch is checked before the symbol is looked up.
  expect_unattributed(
      parse(
          R"({"stream":"bnbusdt@bookTicker","data":{"u":1,"s":"DOGEUSDT","b":"1","B":"1","a":"2","A":"1"}})"),
      frame_errc::stream_mismatch);
}

TEST_F(FrameParser, NestingDeeperThanTheLimitIsNotJson) {
  std::string deep(kRaw);
  std::string inner = "1";
  for (int i = 0; i < frame_parser::kMaxDepth - 1; ++i) inner = "[" + inner + "]";
  deep.insert(deep.size() - 1, ",\"x\":" + inner);  // depth exactly kMaxDepth
  EXPECT_EQ(parse(deep).kind, frame_kind::quote);
  std::string deeper(kRaw);
  deeper.insert(deeper.size() - 1, ",\"x\":[" + inner + "]");
  expect_unattributed(parse(deeper), frame_errc::not_json);
}

TEST_F(FrameParser, ResultOutlivesTheBuffer) {
  frame_result r = parse(kLunc);
  buf_.assign(std::string(200, 'x'));  // overwrite the frame
  EXPECT_EQ(r.q.ask, f8("0.00009001"));
  EXPECT_EQ(r.symbol, kLuncId);
  // The parser is reusable frame after frame.
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(parse(kCombined).kind, frame_kind::quote);
    EXPECT_EQ(parse("garbage").kind, frame_kind::unattributed_error);
  }
}

// ---------------------------------------------------------------- the two paths

// Every field of two results (frame_result has no operator==).
void expect_same(const frame_result& x, const frame_result& y) {
  EXPECT_EQ(x.kind, y.kind);
  EXPECT_EQ(x.error, y.error);
  EXPECT_EQ(x.control, y.control);
  EXPECT_EQ(x.symbol, y.symbol);
  EXPECT_EQ(x.update_id_known, y.update_id_known);
  EXPECT_EQ(x.failed_update_id, y.failed_update_id);
  EXPECT_EQ(x.q.symbol, y.q.symbol);
  EXPECT_EQ(x.q.update_id, y.q.update_id);
  EXPECT_EQ(x.q.bid, y.q.bid);
  EXPECT_EQ(x.q.bid_qty, y.q.bid_qty);
  EXPECT_EQ(x.q.ask, y.q.ask);
  EXPECT_EQ(x.q.ask_qty, y.q.ask_qty);
  EXPECT_EQ(x.q.qty_capped, y.q.qty_capped);
}

class FrameParserPaths : public FrameParser {
 protected:
  // The fast path's answer (or nullopt), after checking that parse() is the
  // general path's result either way.
  // Also run on a buffer of exactly the frame's size plus kFramePadding, so
  // under ASan a read past the padding is a report (buf_ is 4 KB: a read a
  // little past the padding would land in its own slack, unseen).
  std::optional<frame_result> fast(std::string_view frame) {
    buf_.assign(frame);
    const frame_result general = parser_.parse_validating(buf_);
    expect_same(parser_.parse(buf_), general);
    std::optional<frame_result> r = parser_.parse_fast(buf_);
    if (r.has_value()) expect_same(*r, general);
    frame_buffer exact(frame.size());
    exact.assign(frame);
    expect_same(parser_.parse(exact), general);
    const std::optional<frame_result> e = parser_.parse_fast(exact);
    EXPECT_EQ(e.has_value(), r.has_value()) << frame;
    if (e.has_value()) expect_same(*e, general);
    return r;
  }
};

TEST_F(FrameParserPaths, FastPathAnswersTheExchangesTwoShapes) {
  for (const std::string_view f : {kRaw, kCombined, kLunc}) {
    const std::optional<frame_result> r = fast(f);
    ASSERT_TRUE(r.has_value()) << f;
    EXPECT_EQ(r->kind, frame_kind::quote);
  }
  EXPECT_EQ(fast(kCombined)->q.bid.raw(), 2535190000);
  const std::optional<frame_result> lunc = fast(kLunc);
  EXPECT_EQ(lunc->symbol, kLuncId);
  EXPECT_TRUE(lunc->q.qty_capped);
  EXPECT_EQ(lunc->q.bid_qty, fixed8::max());
  // Edge values the exchange may send in the same shape.
  EXPECT_TRUE(
      fast(
          R"({"u":18446744073709551615,"s":"BNBUSDT","b":"0","B":"0","a":"92233720368.54775807","A":"00000000000000000001.5"})")
          .has_value());
  EXPECT_TRUE(
      fast(
          R"({"stream":"BNBUSDT@BOOKTICKER","data":{"u":0,"s":"BNBUSDT","b":"1.5","B":"1","a":"1.5","A":"1"}})")
          .has_value());
}

TEST_F(FrameParserPaths, FastPathDeclinesEveryDeviationAndEveryError) {
  const std::string_view declined[] = {
      // other order, white space, an extra field, an escape, trailing bytes
      R"({"s":"BNBUSDT","u":1,"b":"1","B":"1","a":"2","A":"1"})",
      R"({"u":1, "s":"BNBUSDT","b":"1","B":"1","a":"2","A":"1"})",
      R"({"u":1,"s":"BNBUSDT","b":"1","B":"1","a":"2","A":"1"} )",
      R"({"e":"bookTicker","u":1,"s":"BNBUSDT","b":"1","B":"1","a":"2","A":"1"})",
      R"({"u":1,"s":"BNBUSDT","b":"1","B":"1","a":"2","A":"1","T":5})",
      R"({"u":1,"s":"BNB\u0055SDT","b":"1","B":"1","a":"2","A":"1"})",
      R"({"data":{"u":1,"s":"BNBUSDT","b":"1","B":"1","a":"2","A":"1"},"stream":"bnbusdt@bookTicker"})",
      // errors: every one is the general path's to report
      R"({"u":1,"s":"BNBUSDT","b":"3","B":"1","a":"2","A":"1"})",   // crossed_book
      R"({"u":1,"s":"BNBUSDT","b":"0","B":"1","a":"2","A":"1"})",   // zero_price
      R"({"u":01,"s":"BNBUSDT","b":"1","B":"1","a":"2","A":"1"})",  // not_json
      R"({"u":18446744073709551616,"s":"BNBUSDT","b":"1","B":"1","a":"2","A":"1"})",  // bad_update_id
      R"({"u":1,"s":"BNBUSDT","b":"1.123456789","B":"1","a":"2","A":"1"})",           // bad_number
      R"({"u":1,"s":"BNBUSDT","b":"92233720368.54775808","B":"1","a":"92233720369","A":"1"})",
      R"({"u":1,"s":"DOGEUSDT","b":"1","B":"1","a":"2","A":"1"})",  // unknown_symbol
      R"({"stream":"btcusdt@bookTicker","data":{"u":1,"s":"BNBUSDT","b":"1","B":"1","a":"2","A":"1"}})",
      R"({"stream":"bnbusdt@bookTicker","data":{"u":1,"s":"bnbusdt","b":"1","B":"1","a":"2","A":"1"}})",
      R"({"u":1,"s":"BNBUSDT","b":"1","B":"1","a":"2","A":"1")",  // truncated
      "",
  };
  for (const std::string_view f : declined) EXPECT_FALSE(fast(f).has_value()) << f;
}

// Every prefix of a long frame, with the whole frame still in the buffer
// behind it (the padding holds the rest of the frame: quotes, digits, the
// closing braces), and again in a buffer of exactly the prefix's size: the
// fast path declines every one (no prefix is a frame), and parse() is the
// general path's answer.
TEST(FrameParserPrefixes, EveryPrefixOfALongFrameIsDeclinedByTheFastPath) {
  const symbol_table symbols{"BNBUSDT", "A", "ABCDEFGHIJKLMNOPQRST"};
  frame_parser parser(symbols);
  const std::string_view frames[] = {
      // a 20-byte name, a 20-digit u, a capped quantity, 10-digit integer parts
      R"({"stream":"abcdefghijklmnopqrst@bookTicker","data":{"u":18446744073709551615,"s":"ABCDEFGHIJKLMNOPQRST","b":"1234567890.12345678","B":"1000000000000.00000000","a":"9999999999.99999999","A":"1234567890"}})",
      // raw, an 8-digit u and 8-digit quantities
      R"({"u":12345678,"s":"BNBUSDT","b":"25.35190000","B":"12345678","a":"25.36520000","A":"87654321"})",
      // a short combined frame
      R"({"stream":"a@bookTicker","data":{"u":1,"s":"A","b":"1","B":"1","a":"2","A":"1"}})",
  };
  for (const std::string_view frame : frames) {
    frame_buffer whole;
    whole.assign(frame);
    ASSERT_TRUE(parser.parse_fast(whole).has_value()) << frame;  // the whole frame is a quote
    for (std::size_t n = 0; n < frame.size(); ++n) {
      const std::string_view prefix = frame.substr(0, n);
      frame_buffer behind;
      behind.assign(frame);  // the rest of the frame stays behind the prefix
      behind.clear();
      behind.commit(n);
      frame_buffer exact(n);
      exact.assign(prefix);
      for (const frame_buffer* b : {&behind, &exact}) {
        ASSERT_EQ(b->view(), prefix);
        const frame_result general = parser.parse_validating(*b);
        EXPECT_NE(general.kind, frame_kind::quote) << prefix;
        EXPECT_FALSE(parser.parse_fast(*b).has_value())
            << "prefix of " << n << " bytes: " << prefix;
        expect_same(parser.parse(*b), general);
      }
    }
  }
}

TEST(FrameBuffer, PrepareCommitGrowsAndKeepsContent) {
  frame_buffer b(8);
  EXPECT_EQ(b.size(), 0U);
  std::span<char> room = b.prepare(5);
  ASSERT_GE(room.size(), 5U);
  std::memcpy(room.data(), "{\"u\":", 5);
  b.commit(5);
  room = b.prepare(100);  // forces growth
  ASSERT_GE(room.size(), 100U);
  std::memcpy(room.data(), "1}", 2);
  b.commit(2);
  EXPECT_EQ(b.view(), "{\"u\":1}");
  EXPECT_GE(b.capacity(), 105U);
  b.clear();
  EXPECT_EQ(b.size(), 0U);
}

}  // namespace
}  // namespace triarb
