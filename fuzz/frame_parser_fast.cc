// Differential fuzz target for frame_parser's two paths: the shape-specialised
// fast path (parse_fast, core/internal/frame_shape.h) against the general,
// fully validating path (parse_validating). The oracle, on every input:
//   - where the fast path answers, its frame_result equals the general
//     path's in every field: kind, error, control, symbol, the quote's
//     symbol, update id, four values and qty_capped, and the failed-update
//     fields; and it answers only quotes;
//   - parse() equals parse_validating() (the fast path never changes what
//     the parser says);
//   - a frame built in the exchange's exact shape and not mutated is answered
//     by the fast path exactly when the general path makes it a quote (the
//     fast path cannot pass by declining everything).
// The general path itself is checked against Boost.JSON by fuzz/frame_parser.cc.
//
// Input: if the first byte is kBuiltMarker, the rest builds a frame in the
// exact shape (symbol, raw or combined, stream case, u and four decimals from
// edge values or digits) and then applies 0-4 byte mutations (set, insert,
// delete); otherwise the whole input is the frame, so corpus/frame_parser's
// files are seeds here too (fuzz/frame_parser_fast.seeds names that corpus:
// the replay, ci/fuzz.sh and ci/oss-fuzz-build.sh feed it).
//
// Every frame is parsed twice: from one reused 4 KB buffer (its padding holds
// stale bytes of earlier, longer frames: hostile content), and from a buffer
// of exactly the frame's size plus kFramePadding, so under ASan any read past
// the padding is a report, not a silent read of the reused buffer's slack.
//
// clang-format off
//   build/fuzz/fuzz/fuzz_frame_parser_fast -dict=fuzz/frame_parser_fast.dict corpus/frame_parser_fast corpus/frame_parser
//   build/default/fuzz/fuzz_frame_parser_fast corpus/frame_parser_fast corpus/frame_parser   # replay
// clang-format on
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include "core/frame_parser.h"
#include "fuzz_support.h"

namespace {

using triarb::frame_kind;
using triarb::frame_result;

constexpr std::uint8_t kBuiltMarker = 0xB1;

const triarb::symbol_table& universe() {
  static const triarb::symbol_table t{"BNBUSDT",  "BTCUSDT",  "LUNCUSDT",
                                      "ETHBTC",   "USDCUSDT", "LUNCUSDC",
                                      "SHIBUSDT", "A",        "ABCDEFGHIJKLMNOPQRST"};
  return t;
}

// Names the frame may carry: the universe's, and some that are not in it
// (a case variant, one too long, an empty one, a quote-bearing one).
constexpr std::string_view kNames[] = {"BNBUSDT",  "BTCUSDT",  "LUNCUSDT",
                                       "ETHBTC",   "USDCUSDT", "LUNCUSDC",
                                       "SHIBUSDT", "A",        "ABCDEFGHIJKLMNOPQRST",
                                       "bnbusdt",  "DOGEUSDT", "ABCDEFGHIJKLMNOPQRSTU",
                                       "",         "B\\\"X"};

constexpr std::string_view kDecimals[] = {"0",
                                          "0.00000000",
                                          "25.35190000",
                                          "0.00000896",
                                          "1",
                                          "9999999999.99999999",
                                          "10000000000",
                                          "92233720368.54775807",
                                          "92233720368.54775808",
                                          "92233720368.5477580",
                                          "99999999999999.99999999",
                                          "123456789012345678901234567890",
                                          "00000000000025.35190000",
                                          "5.",
                                          ".5",
                                          "1.123456789",
                                          "1e5",
                                          "-1",
                                          "+1",
                                          "1..2",
                                          "",
                                          "0.1"};

constexpr std::string_view kUpdateIds[] = {
    "0",  "1",   "400900217", "18446744073709551615", "18446744073709551616", "01",
    "-1", "1.0", "1e3",       "99999999999999999999"};

std::string decimal(triarb::fuzz::byte_consumer& in) {
  const auto choice = in.integral<std::uint8_t>();
  if (choice < 96) return std::string(kDecimals[choice % std::size(kDecimals)]);
  std::string s;
  const int int_digits = in.in_range<int>(0, 14);
  for (int i = 0; i < int_digits; ++i)
    s.push_back(static_cast<char>('0' + in.integral<std::uint8_t>() % 10));
  if (in.boolean()) {
    s.push_back('.');
    const int frac_digits = in.in_range<int>(0, 10);
    for (int i = 0; i < frac_digits; ++i) {
      s.push_back(static_cast<char>('0' + in.integral<std::uint8_t>() % 10));
    }
  }
  return s;
}

// Builds a frame in the exchange's exact shape. pristine: no mutation.
std::string build(triarb::fuzz::byte_consumer& in, bool& pristine) {
  const std::string_view name = kNames[in.integral<std::uint8_t>() % std::size(kNames)];
  const bool combined = in.boolean();
  const auto stream_case = in.integral<std::uint8_t>() % 3;  // lower, as is, upper suffix
  std::string u;
  if (in.boolean()) {
    u = std::to_string(in.integral<std::uint64_t>());
  } else {
    u = std::string(kUpdateIds[in.integral<std::uint8_t>() % std::size(kUpdateIds)]);
  }
  const std::string b = decimal(in);
  const std::string bq = decimal(in);
  const std::string a = decimal(in);
  const std::string aq = decimal(in);
  std::string f = "{\"u\":" + u + ",\"s\":\"" + std::string(name) + "\",\"b\":\"" + b +
                  "\",\"B\":\"" + bq + "\",\"a\":\"" + a + "\",\"A\":\"" + aq + "\"}";
  if (combined) {
    std::string stream(name);
    if (stream_case == 0) {
      for (char& c : stream) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    stream += stream_case == 2 ? "@BOOKTICKER" : "@bookTicker";
    f = "{\"stream\":\"" + stream + "\",\"data\":" + f + "}";
  }
  const int mutations = in.in_range<int>(0, 4);
  pristine = mutations == 0;
  for (int i = 0; i < mutations; ++i) {
    const auto op = in.integral<std::uint8_t>() % 3;
    const std::size_t at = in.integral<std::uint16_t>() % (f.size() + 1);
    const char c = static_cast<char>(in.integral<std::uint8_t>());
    if (op == 0 && at < f.size()) {
      f[at] = c;
    } else if (op == 1) {
      f.insert(f.begin() + static_cast<std::ptrdiff_t>(at), c);
    } else if (at < f.size()) {
      f.erase(at, 1);
    }
  }
  return f;
}

bool same(const frame_result& x, const frame_result& y) {
  return x.kind == y.kind && x.error == y.error && x.control == y.control && x.symbol == y.symbol &&
         x.update_id_known == y.update_id_known && x.failed_update_id == y.failed_update_id &&
         x.q.symbol == y.q.symbol && x.q.update_id == y.q.update_id && x.q.bid == y.q.bid &&
         x.q.bid_qty == y.q.bid_qty && x.q.ask == y.q.ask && x.q.ask_qty == y.q.ask_qty &&
         x.q.qty_capped == y.q.qty_capped;
}

void print(const char* who, const frame_result& r) {
  std::fprintf(stderr, "%s: %s %s symbol %u u %llu bid %lld/%lld ask %lld/%lld capped %d\n", who,
               std::string(to_string(r.kind)).c_str(), std::string(to_string(r.error)).c_str(),
               r.symbol, static_cast<unsigned long long>(r.q.update_id),
               static_cast<long long>(r.q.bid.raw()), static_cast<long long>(r.q.bid_qty.raw()),
               static_cast<long long>(r.q.ask.raw()), static_cast<long long>(r.q.ask_qty.raw()),
               r.q.qty_capped ? 1 : 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static triarb::frame_parser parser(universe());
  static triarb::frame_buffer buf;
  bool built = false;
  bool pristine = false;
  std::string frame;
  if (size > 0 && data[0] == kBuiltMarker) {
    triarb::fuzz::byte_consumer in(data + 1, size - 1);
    frame = build(in, pristine);
    built = true;
  } else {
    frame.assign(reinterpret_cast<const char*>(data), size);
  }
  buf.assign(frame);
  triarb::frame_buffer exact(frame.size());
  exact.assign(frame);
  const frame_result general = parser.parse_validating(buf);
  TRIARB_FUZZ_CHECK(same(parser.parse_validating(exact), general),
                    "the general path differs between two buffers holding the same frame");
  const std::optional<frame_result> fast = parser.parse_fast(buf);
  const std::optional<frame_result> fast_exact = parser.parse_fast(exact);
  TRIARB_FUZZ_CHECK(
      fast.has_value() == fast_exact.has_value() && (!fast.has_value() || same(*fast, *fast_exact)),
      "the fast path differs between two buffers holding the same frame");
  const frame_result whole = parser.parse(buf);
  if (fast.has_value() && !same(*fast, general)) {
    print("fast", *fast);
    print("general", general);
    TRIARB_FUZZ_CHECK(false, "the fast path answered differently from the general path");
  }
  TRIARB_FUZZ_CHECK(!fast.has_value() || fast->kind == frame_kind::quote,
                    "the fast path answered something other than a quote");
  TRIARB_FUZZ_CHECK(same(whole, general), "parse() differs from parse_validating()");
  TRIARB_FUZZ_CHECK(same(parser.parse(exact), general),
                    "parse() on the exact-size buffer differs from parse_validating()");
  if (built && pristine) {
    TRIARB_FUZZ_CHECK(fast.has_value() == (general.kind == frame_kind::quote),
                      "an exact-shape frame: the fast path must answer exactly its quotes");
  }
  return 0;
}
