// Unit tests for fixed8: worked examples of parsing (Binance widths, the LUNC
// quantity, every error cause, the range boundaries), rounding, steps and the
// canonical format. The exhaustive checks against exact references live in
// properties/fixed8_properties.cc and fuzz/fixed8.cc.
#include "core/fixed8.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

namespace triarb {
namespace {

constexpr std::int64_t kMaxRaw = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMinRaw = std::numeric_limits<std::int64_t>::min();

fixed8 raw(std::int64_t r) { return fixed8::from_raw(r); }

std::int64_t parsed_raw(std::string_view s) {
  const fixed8_result r = parse_fixed8(s);
  EXPECT_TRUE(r.ok()) << s << ": " << to_string(r.ec);
  return r.value.raw();
}

TEST(Fixed8Parse, ReadsBinanceWidthsExactly) {
  EXPECT_EQ(parsed_raw("25.35190000"), 2'535'190'000);
  EXPECT_EQ(parsed_raw("14655285543.00"), 1'465'528'554'300'000'000);
  EXPECT_EQ(parsed_raw("53055234842.0"), 5'305'523'484'200'000'000);
  EXPECT_EQ(parsed_raw("0.00000896"), 896);
  EXPECT_EQ(parsed_raw("0.00000001"), 1);
  EXPECT_EQ(parsed_raw("1"), 100'000'000);
  EXPECT_EQ(parsed_raw("1.5"), 150'000'000);
}

TEST(Fixed8Parse, UnsignedAgreesWithSignedOnNonNegativeInput) {
  for (const std::string_view s :
       {"25.35190000", "14655285543.00", "53055234842.0", "0.00000896", "0", "0000.10000000"}) {
    const fixed8_result u = parse_unsigned_fixed8(s);
    ASSERT_TRUE(u.ok()) << s;
    EXPECT_EQ(u.value, parse_fixed8(s).value) << s;
  }
}

TEST(Fixed8Parse, AcceptsLeadingZerosAndNegativeZero) {
  EXPECT_EQ(parsed_raw("0000000000000000000025.35190000"), 2'535'190'000);
  EXPECT_EQ(parsed_raw("-0"), 0);
  EXPECT_EQ(parsed_raw("-0.00000000"), 0);
  EXPECT_EQ(parsed_raw("00000000000000092233720368.54775807"), kMaxRaw);
}

TEST(Fixed8Parse, SignedAcceptsNegativeValues) {
  EXPECT_EQ(parsed_raw("-1.5"), -150'000'000);
  EXPECT_EQ(parsed_raw("-0.00000001"), -1);
}

TEST(Fixed8Parse, AcceptsTheRangeBoundariesAndRejectsOneBeyond) {
  EXPECT_EQ(parsed_raw("92233720368.54775807"), kMaxRaw);
  EXPECT_EQ(parsed_raw("-92233720368.54775808"), kMinRaw);
  EXPECT_EQ(parsed_raw("92233720368.54775806"), kMaxRaw - 1);
  EXPECT_EQ(parse_fixed8("92233720368.54775808").ec, fixed8_errc::overflow);
  EXPECT_EQ(parse_fixed8("-92233720368.54775809").ec, fixed8_errc::overflow);

  const fixed8_result umax = parse_unsigned_fixed8("92233720368.54775807");
  ASSERT_TRUE(umax.ok());
  EXPECT_EQ(umax.value, fixed8::max());
  EXPECT_EQ(parse_unsigned_fixed8("92233720368.54775808").ec, fixed8_errc::overflow);
  EXPECT_EQ(parse_unsigned_fixed8("92233720369").ec, fixed8_errc::overflow);
  EXPECT_EQ(parse_unsigned_fixed8("100000000000").ec, fixed8_errc::overflow);
}

TEST(Fixed8Parse, LuncQuantityOverflowsAsAPrice) {
  EXPECT_EQ(parse_unsigned_fixed8("1000000000000.00000000").ec, fixed8_errc::overflow);
  EXPECT_EQ(parse_fixed8("1000000000000.00000000").ec, fixed8_errc::overflow);
}

TEST(Fixed8ParseQtyCapped, LuncQuantityIsCappedNotAnError) {
  const qty_result q = parse_qty_capped("1000000000000.00000000");
  ASSERT_TRUE(q.ok()) << to_string(q.ec);
  EXPECT_TRUE(q.capped);
  EXPECT_EQ(q.value, fixed8::max());
}

TEST(Fixed8ParseQtyCapped, SaturatesExactlyAboveTheMaximum) {
  const qty_result at_max = parse_qty_capped("92233720368.54775807");
  ASSERT_TRUE(at_max.ok());
  EXPECT_FALSE(at_max.capped);
  EXPECT_EQ(at_max.value, fixed8::max());

  const qty_result above = parse_qty_capped("92233720368.54775808");
  ASSERT_TRUE(above.ok());
  EXPECT_TRUE(above.capped);
  EXPECT_EQ(above.value, fixed8::max());

  const qty_result huge = parse_qty_capped("123456789012345678901234567890");
  ASSERT_TRUE(huge.ok());
  EXPECT_TRUE(huge.capped);
}

TEST(Fixed8ParseQtyCapped, ReadsOrdinaryQuantitiesUncapped) {
  const qty_result q = parse_qty_capped("14655285543.00");
  ASSERT_TRUE(q.ok());
  EXPECT_FALSE(q.capped);
  EXPECT_EQ(q.value.raw(), 1'465'528'554'300'000'000);
}

TEST(Fixed8ParseQtyCapped, KeepsSyntaxErrorsAsErrorsEvenWhenHuge) {
  const qty_result neg = parse_qty_capped("-1000000000000");
  EXPECT_EQ(neg.ec, fixed8_errc::sign);
  EXPECT_FALSE(neg.capped);
  const qty_result digits = parse_qty_capped("1000000000000.000000000");
  EXPECT_EQ(digits.ec, fixed8_errc::too_many_fraction_digits);
  EXPECT_FALSE(digits.capped);
  const qty_result exp = parse_qty_capped("1e13");
  EXPECT_EQ(exp.ec, fixed8_errc::exponent);
  EXPECT_FALSE(exp.capped);
}

struct error_case {
  std::string_view input;
  fixed8_errc expected;
};

TEST(Fixed8Parse, ReportsEachErrorCause) {
  const error_case cases[] = {
      {"", fixed8_errc::empty},
      {"+1", fixed8_errc::sign},
      {"--1", fixed8_errc::sign},
      {"1-", fixed8_errc::sign},
      {"1.5+", fixed8_errc::sign},
      {"1e5", fixed8_errc::exponent},
      {"2.5E3", fixed8_errc::exponent},
      {"e", fixed8_errc::exponent},
      {" 1", fixed8_errc::bad_char},
      {"1 ", fixed8_errc::bad_char},
      {"0x10", fixed8_errc::bad_char},
      {"1,5", fixed8_errc::bad_char},
      {"1.2.3", fixed8_errc::bad_char},
      {"\"1\"", fixed8_errc::bad_char},
      {std::string_view("1\0", 2), fixed8_errc::bad_char},
      {"\xc3\xa9", fixed8_errc::bad_char},
      {".", fixed8_errc::missing_digits},
      {".5", fixed8_errc::missing_digits},
      {"5.", fixed8_errc::missing_digits},
      {"-", fixed8_errc::missing_digits},
      {"-.5", fixed8_errc::missing_digits},
      {"1.123456789", fixed8_errc::too_many_fraction_digits},
      {"0.000000000", fixed8_errc::too_many_fraction_digits},
      {"92233720368.54775808", fixed8_errc::overflow},
      {"99999999999999999999.99999999", fixed8_errc::overflow},
  };
  for (const error_case& c : cases) {
    const fixed8_result r = parse_fixed8(c.input);
    EXPECT_EQ(r.ec, c.expected) << '"' << c.input << "\" gave " << to_string(r.ec);
    EXPECT_FALSE(r.ok());
  }
}

TEST(Fixed8Parse, UnsignedRejectsAnySign) {
  for (const std::string_view s : {"-1", "-0", "+1", "-", "-92233720368.54775808"}) {
    EXPECT_EQ(parse_unsigned_fixed8(s).ec, fixed8_errc::sign) << s;
    EXPECT_EQ(parse_qty_capped(s).ec, fixed8_errc::sign) << s;
  }
}

TEST(Fixed8Parse, ReportsTheFirstBadCharacterBeforeLaterProblems) {
  // A syntax error wins over too many digits and over overflow.
  EXPECT_EQ(parse_fixed8("1.1234567890x").ec, fixed8_errc::bad_char);
  EXPECT_EQ(parse_fixed8("999999999999999e1").ec, fixed8_errc::exponent);
  EXPECT_EQ(parse_fixed8("1e+5").ec, fixed8_errc::exponent);
  EXPECT_EQ(parse_fixed8("1+e5").ec, fixed8_errc::sign);
}

TEST(Fixed8Errc, EveryCauseHasADistinctName) {
  EXPECT_EQ(to_string(fixed8_errc::ok), "ok");
  EXPECT_EQ(to_string(fixed8_errc::empty), "empty");
  EXPECT_EQ(to_string(fixed8_errc::sign), "sign");
  EXPECT_EQ(to_string(fixed8_errc::exponent), "exponent");
  EXPECT_EQ(to_string(fixed8_errc::bad_char), "bad_char");
  EXPECT_EQ(to_string(fixed8_errc::missing_digits), "missing_digits");
  EXPECT_EQ(to_string(fixed8_errc::too_many_fraction_digits), "too_many_fraction_digits");
  EXPECT_EQ(to_string(fixed8_errc::overflow), "overflow");
  EXPECT_EQ(to_string(fixed8_errc::division_by_zero), "division_by_zero");
}

TEST(Fixed8Format, PrintsTheCanonicalForm) {
  EXPECT_EQ(to_string(raw(2'535'190'000)), "25.3519");
  EXPECT_EQ(to_string(raw(1'465'528'554'300'000'000)), "14655285543");
  EXPECT_EQ(to_string(raw(896)), "0.00000896");
  EXPECT_EQ(to_string(raw(0)), "0");
  EXPECT_EQ(to_string(raw(1)), "0.00000001");
  EXPECT_EQ(to_string(raw(-150'000'000)), "-1.5");
  EXPECT_EQ(to_string(raw(-1)), "-0.00000001");
  EXPECT_EQ(to_string(fixed8::max()), "92233720368.54775807");
  EXPECT_EQ(to_string(fixed8::min()), "-92233720368.54775808");
  EXPECT_EQ(to_string(fixed8::min()).size(), fixed8::kMaxChars);
}

TEST(Fixed8Format, FormatToReturnsTheLengthItWrote) {
  char buf[fixed8::kMaxChars];
  const std::size_t n = format_to(raw(2'535'190'000), buf);
  EXPECT_EQ(std::string_view(buf, n), "25.3519");
}

TEST(Fixed8Format, RoundTripsTheExtremes) {
  for (const std::int64_t r : {kMinRaw, kMinRaw + 1, std::int64_t{-1}, std::int64_t{0},
                               std::int64_t{1}, kMaxRaw - 1, kMaxRaw}) {
    const fixed8_result back = parse_fixed8(to_string(raw(r)));
    ASSERT_TRUE(back.ok()) << r;
    EXPECT_EQ(back.value.raw(), r);
  }
}

TEST(Fixed8Mul, RoundsInTheRequestedDirection) {
  // 0.00000001 * 0.5 = 0.000000005: down gives 0, up gives 1 unit.
  const fixed8 unit = raw(1);
  const fixed8 half = raw(50'000'000);
  EXPECT_EQ(checked_mul(unit, half, rounding::down).value.raw(), 0);
  EXPECT_EQ(checked_mul(unit, half, rounding::up).value.raw(), 1);
  // Negative: -0.000000005 rounds down to -1 unit and up to 0.
  EXPECT_EQ(checked_mul(raw(-1), half, rounding::down).value.raw(), -1);
  EXPECT_EQ(checked_mul(raw(-1), half, rounding::up).value.raw(), 0);
  // Exact products do not move.
  const fixed8_result exact = checked_mul(raw(2'535'190'000), fixed8::from_units(2), rounding::up);
  ASSERT_TRUE(exact.ok());
  EXPECT_EQ(exact.value.raw(), 5'070'380'000);
}

TEST(Fixed8Mul, PriceTimesQuantityRoundsBothWays) {
  // 25.3519 * 0.00000896 = 0.000227153024 -> 0.00022715 / 0.00022716.
  const fixed8 price = raw(2'535'190'000);
  const fixed8 qty = raw(896);
  EXPECT_EQ(checked_mul(price, qty, rounding::down).value.raw(), 22'715);
  EXPECT_EQ(checked_mul(price, qty, rounding::up).value.raw(), 22'716);
}

TEST(Fixed8Mul, ReportsOverflowAndSaturates) {
  EXPECT_EQ(checked_mul(fixed8::max(), fixed8::from_units(2), rounding::down).ec,
            fixed8_errc::overflow);
  EXPECT_EQ(checked_mul(fixed8::min(), raw(-100'000'000), rounding::down).ec,
            fixed8_errc::overflow);
  const saturated s = saturating_mul(fixed8::max(), fixed8::from_units(-2), rounding::down);
  EXPECT_TRUE(s.saturated);
  EXPECT_EQ(s.value, fixed8::min());
  const saturated ok = saturating_mul(fixed8::max(), fixed8::one(), rounding::down);
  EXPECT_FALSE(ok.saturated);
  EXPECT_EQ(ok.value, fixed8::max());
}

TEST(Fixed8Div, RoundsInTheRequestedDirection) {
  // 1 / 3 = 0.333333333...
  EXPECT_EQ(checked_div(fixed8::one(), fixed8::from_units(3), rounding::down).value.raw(),
            33'333'333);
  EXPECT_EQ(checked_div(fixed8::one(), fixed8::from_units(3), rounding::up).value.raw(),
            33'333'334);
  // -1 / 3 = -0.333333333...
  EXPECT_EQ(checked_div(fixed8::one(), fixed8::from_units(-3), rounding::down).value.raw(),
            -33'333'334);
  EXPECT_EQ(checked_div(fixed8::one(), fixed8::from_units(-3), rounding::up).value.raw(),
            -33'333'333);
  // (1 - 0.001) / 0.00000178, the buy rate of a micro-priced leg.
  const fixed8_result rate = checked_div(raw(99'900'000), raw(178), rounding::down);
  ASSERT_TRUE(rate.ok());
  EXPECT_EQ(rate.value.raw(), 56'123'595'505'617);  // 561235.95505617...
}

TEST(Fixed8Div, ReportsDivisionByZeroAndOverflow) {
  EXPECT_EQ(checked_div(fixed8::one(), fixed8::zero(), rounding::down).ec,
            fixed8_errc::division_by_zero);
  EXPECT_EQ(checked_div(fixed8::max(), raw(1), rounding::down).ec, fixed8_errc::overflow);
  EXPECT_EQ(checked_div(fixed8::min(), raw(-100'000'000), rounding::down).ec,
            fixed8_errc::overflow);
  const fixed8_result ok = checked_div(fixed8::min(), fixed8::one(), rounding::up);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok.value, fixed8::min());
}

TEST(Fixed8AddSub, CheckedReportsOverflow) {
  EXPECT_EQ(checked_add(fixed8::max(), raw(1)).ec, fixed8_errc::overflow);
  EXPECT_EQ(checked_sub(fixed8::min(), raw(1)).ec, fixed8_errc::overflow);
  EXPECT_EQ(checked_sub(fixed8::zero(), fixed8::min()).ec, fixed8_errc::overflow);
  const fixed8_result ok = checked_add(fixed8::max(), raw(-1));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok.value.raw(), kMaxRaw - 1);
}

TEST(Fixed8AddSub, SaturatingClampsAndSaysSo) {
  const saturated up = saturating_add(fixed8::max(), raw(1));
  EXPECT_TRUE(up.saturated);
  EXPECT_EQ(up.value, fixed8::max());
  const saturated down = saturating_add(fixed8::min(), raw(-1));
  EXPECT_TRUE(down.saturated);
  EXPECT_EQ(down.value, fixed8::min());
  const saturated sub_up = saturating_sub(fixed8::max(), raw(-1));
  EXPECT_TRUE(sub_up.saturated);
  EXPECT_EQ(sub_up.value, fixed8::max());
  const saturated sub_down = saturating_sub(fixed8::min(), raw(1));
  EXPECT_TRUE(sub_down.saturated);
  EXPECT_EQ(sub_down.value, fixed8::min());
  const saturated plain = saturating_sub(fixed8::one(), raw(1));
  EXPECT_FALSE(plain.saturated);
  EXPECT_EQ(plain.value.raw(), 99'999'999);
}

TEST(Fixed8Step, FloorsAndCeilsToTheLotStep) {
  const fixed8 step = raw(1'000'000);  // stepSize 0.01
  EXPECT_EQ(floor_to_step(raw(2'535'190'000), step).raw(), 2'535'000'000);
  EXPECT_EQ(ceil_to_step(raw(2'535'190'000), step).raw(), 2'536'000'000);
  EXPECT_EQ(floor_to_step(raw(2'535'000'000), step).raw(), 2'535'000'000);
  EXPECT_EQ(ceil_to_step(raw(2'535'000'000), step).raw(), 2'535'000'000);
  EXPECT_EQ(floor_to_step(raw(999'999), step).raw(), 0);
  EXPECT_EQ(ceil_to_step(raw(1), step).raw(), 1'000'000);
}

TEST(Fixed8Step, NonPositiveStepOrQuantityReturnsTheQuantity) {
  EXPECT_EQ(floor_to_step(raw(12'345), fixed8::zero()).raw(), 12'345);
  EXPECT_EQ(ceil_to_step(raw(12'345), raw(-5)).raw(), 12'345);
  EXPECT_EQ(floor_to_step(fixed8::zero(), raw(7)).raw(), 0);
  EXPECT_EQ(ceil_to_step(raw(-3), raw(7)).raw(), -3);
}

TEST(Fixed8Step, CeilSaturatesToTheLargestRepresentableMultiple) {
  const fixed8 step = fixed8::one();
  const std::int64_t largest = kMaxRaw - kMaxRaw % fixed8::kScale;
  EXPECT_EQ(ceil_to_step(fixed8::max(), step).raw(), largest);
  EXPECT_EQ(floor_to_step(fixed8::max(), step).raw(), largest);
}

}  // namespace
}  // namespace triarb
