// RapidCheck properties of frame_parser's fast path (core/internal/frame_shape.h)
// against its general, fully validating path (parse_validating), the oracle:
//   - every frame generated in the exchange's exact shape as a valid quote
//     (raw or combined, random symbols, update ids and prices with the edge
//     values: 0, 1, fixed8::max(), u = 2^64 - 1, empty sides, locked book,
//     quantities above fixed8::max() that are capped, leading and trailing
//     zeros, eight-digit fractions) is answered by the fast path -- 100 %,
//     so it cannot pass by declining -- with exactly the general path's quote;
//   - any frame of that shape (valid or not: crossed, zero price, bad
//     numbers, unknown names) is answered exactly when the general path makes
//     it a quote, and every single-byte change of it (replaced, inserted,
//     deleted) is either declined or answered with the general path's result;
//     parse() always equals parse_validating();
//   - the fast decimal reads a string's content exactly as
//     parse_unsigned_fixed8 / parse_qty_capped do (value, capping, refusal).
//
// Reproduce a failure: RC_PARAMS="reproduce=<string printed on failure>"
//   build/default/properties/frame_parser_properties --gtest_filter='FrameParserProps.<name>'
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/fixed8.h"
#include "core/frame_parser.h"
#include "core/internal/frame_shape.h"

namespace triarb {
namespace {

constexpr std::int64_t kMaxRaw = std::numeric_limits<std::int64_t>::max();

const std::vector<std::string>& names() {
  static const std::vector<std::string> n = {"BNBUSDT", "BTCUSDT",      "LUNCUSDT",
                                             "ETHBTC",  "USDCUSDT",     "SHIBUSDT",
                                             "A",       "1000SATSUSDT", "ABCDEFGHIJKLMNOPQRST"};
  return n;
}

const symbol_table& universe() {
  static const symbol_table t(names());
  return t;
}

bool same(const frame_result& x, const frame_result& y) {
  return x.kind == y.kind && x.error == y.error && x.control == y.control && x.symbol == y.symbol &&
         x.update_id_known == y.update_id_known && x.failed_update_id == y.failed_update_id &&
         x.q.symbol == y.q.symbol && x.q.update_id == y.q.update_id && x.q.bid == y.q.bid &&
         x.q.bid_qty == y.q.bid_qty && x.q.ask == y.q.ask && x.q.ask_qty == y.q.ask_qty &&
         x.q.qty_capped == y.q.qty_capped;
}

// ---------------------------------------------------------------- generators

rc::Gen<std::string> gen_digits(int lo, int hi) {
  return rc::gen::mapcat(rc::gen::inRange(lo, hi + 1), [](int n) {
    return rc::gen::container<std::string>(static_cast<std::size_t>(n),
                                           rc::gen::inRange('0', static_cast<char>('9' + 1)));
  });
}

// A fixed8 raw value in [0, max], the edges hit on purpose.
rc::Gen<std::int64_t> gen_price_raw() {
  return rc::gen::oneOf(rc::gen::elementOf(std::vector<std::int64_t>{
                            0, 1, kMaxRaw, kMaxRaw - 1, fixed8::kScale, 2535190000, 896, 99999999}),
                        rc::gen::inRange<std::int64_t>(0, 100'000 * fixed8::kScale),
                        rc::gen::inRange<std::int64_t>(0, kMaxRaw));
}

// Its text in one of the forms an exchange may use: canonical ("25.3519"),
// Binance's eight fraction digits ("25.35190000"), with leading zeros, or
// with trailing zeros to a random fraction length.
rc::Gen<std::string> gen_price_text(std::int64_t raw) {
  return rc::gen::mapcat(
      rc::gen::tuple(rc::gen::inRange(0, 4), rc::gen::inRange(0, 12)),
      [raw](const std::tuple<int, int>& t) {
        const auto [form, extra] = t;
        const std::uint64_t ip = static_cast<std::uint64_t>(raw) / 100000000;
        const std::uint64_t fp = static_cast<std::uint64_t>(raw) % 100000000;
        char frac[9];
        std::snprintf(frac, sizeof frac, "%08llu", static_cast<unsigned long long>(fp));
        std::string s;
        if (form == 0) {
          s = to_string(fixed8::from_raw(raw));
        } else if (form == 1) {
          s = std::to_string(ip) + "." + frac;
        } else if (form == 2) {
          s = std::string(static_cast<std::size_t>(extra), '0') + to_string(fixed8::from_raw(raw));
        } else {
          std::string f = frac;
          std::size_t need = 8;
          while (need > 0 && f[need - 1] == '0') --need;
          const std::size_t len = std::max<std::size_t>(need, static_cast<std::size_t>(extra % 9));
          s = std::to_string(ip);
          if (len > 0) s += "." + f.substr(0, len);
        }
        return rc::gen::just(s);
      });
}

// A valid quantity text: any grammatical decimal, up to 30 integer digits
// (above fixed8::max() it is capped), 0-8 fraction digits.
rc::Gen<std::string> gen_qty_text() {
  return rc::gen::oneOf(
      rc::gen::elementOf(std::vector<std::string>{
          "0", "0.00000000", "31.21000000", "92233720368.54775807", "92233720368.54775808",
          "1000000000000.00", "123456789012345678901234567890", "99999999999999.99999999"}),
      rc::gen::map(rc::gen::tuple(gen_digits(1, 30), gen_digits(0, 8)),
                   [](const std::tuple<std::string, std::string>& t) {
                     const auto& [i, f] = t;
                     return f.empty() ? i : i + "." + f;
                   }));
}

struct frame_spec {
  std::size_t name = 0;
  bool combined = false;
  int stream_case = 0;  // 0 lower (the exchange's), 1 as the symbol, 2 upper-case suffix
  std::uint64_t u = 0;
  std::string b, bq, a, aq;
};

std::string render(const frame_spec& s, std::string_view name) {
  std::string f = "{\"u\":" + std::to_string(s.u) + ",\"s\":\"" + std::string(name) +
                  "\",\"b\":\"" + s.b + "\",\"B\":\"" + s.bq + "\",\"a\":\"" + s.a + "\",\"A\":\"" +
                  s.aq + "\"}";
  if (!s.combined) return f;
  std::string stream(name);
  if (s.stream_case == 0) {
    for (char& c : stream) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  }
  stream += s.stream_case == 2 ? "@BOOKTICKER" : "@bookTicker";
  return "{\"stream\":\"" + stream + "\",\"data\":" + f + "}";
}

// A frame in the exact shape that is a valid quote by construction: bid <=
// ask, a zero price only with a zero quantity.
rc::Gen<frame_spec> gen_valid_spec() {
  return rc::gen::mapcat(
      rc::gen::tuple(
          rc::gen::inRange<std::size_t>(0, names().size()), rc::gen::arbitrary<bool>(),
          rc::gen::inRange(0, 3),
          rc::gen::oneOf(rc::gen::elementOf(std::vector<std::uint64_t>{
                             0, 1, 400900217, std::numeric_limits<std::uint64_t>::max()}),
                         rc::gen::arbitrary<std::uint64_t>()),
          gen_price_raw(), gen_price_raw()),
      [](const std::tuple<std::size_t, bool, int, std::uint64_t, std::int64_t, std::int64_t>& t) {
        const auto [name, combined, stream_case, u, p1, p2] = t;
        const std::int64_t bid = std::min(p1, p2);
        const std::int64_t ask = std::max(p1, p2);
        auto qty_for = [](std::int64_t price) {
          return price == 0 ? rc::gen::elementOf(std::vector<std::string>{"0", "0.00000000"})
                            : gen_qty_text();
        };
        return rc::gen::map(
            rc::gen::tuple(gen_price_text(bid), qty_for(bid), gen_price_text(ask), qty_for(ask)),
            [=](const std::tuple<std::string, std::string, std::string, std::string>& v) {
              frame_spec s;
              s.name = name;
              s.combined = combined;
              s.stream_case = stream_case;
              s.u = u;
              std::tie(s.b, s.bq, s.a, s.aq) = v;
              return s;
            });
      });
}

// Decimal-looking text that may be anything: digits, '.', a sign, an
// exponent, a space, a backslash, long runs.
rc::Gen<std::string> gen_any_decimal() {
  return rc::gen::oneOf(gen_qty_text(), gen_digits(0, 25),
                        rc::gen::container<std::string>(rc::gen::elementOf(std::vector<char>{
                            '0', '1', '9', '.', '-', '+', 'e', 'E', ' ', '\\', 'x', '5'})));
}

struct checked {
  frame_result general;
  std::optional<frame_result> fast;
};

// Runs both paths on frame twice: in a buffer that held `behind` first (a
// longer original frame, so the padding after frame holds its hostile rest:
// quotes, digits, closing braces), and in a buffer of exactly frame's size
// plus kFramePadding (under ASan a read past the padding is a report).
checked check_paths(frame_parser& parser, std::string_view frame, std::string_view behind = {}) {
  frame_buffer buf;
  buf.assign(behind);
  buf.assign(frame);
  frame_buffer exact(frame.size());
  exact.assign(frame);
  checked c{parser.parse_validating(buf), parser.parse_fast(buf)};
  RC_ASSERT(same(parser.parse_validating(exact), c.general));
  if (c.fast.has_value()) {
    RC_ASSERT(c.fast->kind == frame_kind::quote);
    RC_ASSERT(same(*c.fast, c.general));
  }
  const std::optional<frame_result> fast_exact = parser.parse_fast(exact);
  RC_ASSERT(fast_exact.has_value() == c.fast.has_value());
  if (fast_exact.has_value()) RC_ASSERT(same(*fast_exact, c.general));
  RC_ASSERT(same(parser.parse(buf), c.general));
  RC_ASSERT(same(parser.parse(exact), c.general));
  return c;
}

// ---------------------------------------------------------------- properties

RC_GTEST_PROP(FrameParserProps, FastPathAnswersEveryCanonicalQuoteExactly, ()) {
  frame_parser parser(universe());
  const frame_spec s = *gen_valid_spec();
  const std::string frame = render(s, names()[s.name]);
  const checked c = check_paths(parser, frame);
  RC_ASSERT(c.general.kind == frame_kind::quote);
  RC_ASSERT(c.fast.has_value());  // 100 % of canonical quotes
  RC_TAG(s.combined ? "combined" : "raw");
  RC_CLASSIFY(c.general.q.qty_capped, "capped");
}

RC_GTEST_PROP(FrameParserProps, ExactShapeIsAnsweredIffItIsAQuote, ()) {
  frame_parser parser(universe());
  frame_spec s = *gen_valid_spec();
  // Any field may be replaced by any decimal-looking text, the name by one
  // outside the universe or a case variant.
  if (*rc::gen::arbitrary<bool>()) s.b = *gen_any_decimal();
  if (*rc::gen::arbitrary<bool>()) s.bq = *gen_any_decimal();
  if (*rc::gen::arbitrary<bool>()) s.a = *gen_any_decimal();
  if (*rc::gen::arbitrary<bool>()) s.aq = *gen_any_decimal();
  std::string name = names()[s.name];
  if (*rc::gen::inRange(0, 8) == 0) {
    name = *rc::gen::elementOf(
        std::vector<std::string>{"bnbusdt", "DOGEUSDT", "ABCDEFGHIJKLMNOPQRSTU", "", "BNBUSD"});
  }
  const checked c = check_paths(parser, render(s, name));
  RC_ASSERT(c.fast.has_value() == (c.general.kind == frame_kind::quote));
  RC_CLASSIFY(c.fast.has_value(), "answered");
}

// A single byte set, inserted or deleted, or the frame cut short; the whole
// original frame sits in the buffer behind the changed one.
RC_GTEST_PROP(FrameParserProps, SingleByteChangesAreDeclinedOrAgree, ()) {
  frame_parser parser(universe());
  const frame_spec s = *gen_valid_spec();
  const std::string original = render(s, names()[s.name]);
  std::string frame = original;
  const auto op = *rc::gen::inRange(0, 4);
  // An insert may go after the closing brace too (position size(); inRange
  // is half-open), and goes there one time in eight so that case is seen.
  const std::size_t at = op == 1 && *rc::gen::inRange(0, 8) == 0
                             ? frame.size()
                             : *rc::gen::inRange<std::size_t>(0, frame.size() + (op == 1 ? 1 : 0));
  const char c = *rc::gen::oneOf(
      rc::gen::elementOf(std::vector<char>{'"', '\\', ' ', '\n', '0', '9', '.', ',', '}', '{', ':',
                                           'e', '-', 'a', 'A', 'u', 's', '\0', '\x7f'}),
      rc::gen::arbitrary<char>());
  if (op == 0) {
    frame[at] = c;
  } else if (op == 1) {
    frame.insert(frame.begin() + static_cast<std::ptrdiff_t>(at), c);
  } else if (op == 2) {
    frame.erase(at, 1);
  } else {
    frame.resize(at);  // a prefix: the fast path must decline it
  }
  const checked r = check_paths(parser, frame, original);
  if (op == 3) RC_ASSERT(!r.fast.has_value());
  RC_CLASSIFY(r.fast.has_value(), "answered");
  RC_CLASSIFY(op == 1 && at == original.size(), "insert at the end");
}

RC_GTEST_PROP(FrameParserProps, FastDecimalReadsLikeFixed8, ()) {
  const std::string text = *gen_any_decimal();
  const bool qty = *rc::gen::arbitrary<bool>();
  const std::string content = text + "\"";
  const internal::decimal_kind kind =
      qty ? internal::decimal_kind::quantity : internal::decimal_kind::price;
  // Read twice: from a reused buffer whose padding holds digits (a longer
  // text was there first), and from one of exactly the content's size plus
  // kFramePadding (under ASan a read past the padding is a report).
  frame_buffer buf;
  buf.assign(content + std::string(100, '9') + "\"");
  buf.assign(content);
  frame_buffer exact(content.size());
  exact.assign(content);
  const char* const end = buf.data() + buf.size();
  fixed8 value;
  bool capped = false;
  const char* after = internal::parse_fast_decimal(buf.data(), end, kind, value, capped);
  fixed8 exact_value;
  bool exact_capped = false;
  const char* exact_after = internal::parse_fast_decimal(exact.data(), exact.data() + exact.size(),
                                                         kind, exact_value, exact_capped);
  RC_ASSERT((after == nullptr) == (exact_after == nullptr));
  if (after != nullptr) {
    RC_ASSERT(after - buf.data() == exact_after - exact.data());
    RC_ASSERT(value == exact_value);
    RC_ASSERT(capped == exact_capped);
  }
  const bool plain = text.find_first_of("\"\\") == std::string::npos;
  if (qty) {
    const qty_result want = parse_qty_capped(text);
    RC_ASSERT((after != nullptr) == (want.ok() && plain));
    if (after != nullptr) {
      RC_ASSERT(value == want.value);
      RC_ASSERT(capped == want.capped);
    }
  } else {
    const fixed8_result want = parse_unsigned_fixed8(text);
    RC_ASSERT((after != nullptr) == (want.ok() && plain));
    if (after != nullptr) {
      RC_ASSERT(value == want.value);
      RC_ASSERT(!capped);
    }
  }
  if (after != nullptr) RC_ASSERT(after == end);
}

}  // namespace
}  // namespace triarb
