// Unit tests for rate: exact quotients with a rounding direction, products,
// exact comparison and exact decimal formatting.
#include "core/rate.h"

#include <gtest/gtest.h>

#include <limits>

namespace triarb {
namespace {

constexpr std::uint64_t kTop = rate::kTopBit;

TEST(Rate, ZeroIsTheDefaultAndBelowEveryPositiveValue) {
  const rate z;
  EXPECT_TRUE(z.is_zero());
  EXPECT_LT(z, rate::from_parts(kTop, -10'000));
  EXPECT_EQ(rate_from_quotient(0, 7, rounding::up), z);
  EXPECT_EQ(mul(z, rate::one(), rounding::up), z);
}

TEST(Rate, ExactQuotientIsTheSameInBothDirections) {
  // 3/4 == 0.11b: mantissa 0xC000..., exponent -64.
  const rate d = rate_from_quotient(3, 4, rounding::down);
  const rate u = rate_from_quotient(3, 4, rounding::up);
  EXPECT_EQ(d, u);
  EXPECT_EQ(d.mantissa(), 0xC000'0000'0000'0000ULL);
  EXPECT_EQ(d.exponent(), -64);
  EXPECT_EQ(rate_from_quotient(1, 1, rounding::down), rate::one());
  EXPECT_EQ(rate_from_quotient(100'000'000, 100'000'000, rounding::up), rate::one());
}

TEST(Rate, InexactQuotientRoundsDownAndUpOneUlpApart) {
  // 1/3 = 0.010101...b: mantissa 0xAAAA...AA (down), ...AB (up), exponent -65.
  const rate d = rate_from_quotient(1, 3, rounding::down);
  const rate u = rate_from_quotient(1, 3, rounding::up);
  EXPECT_EQ(d.mantissa(), 0xAAAA'AAAA'AAAA'AAAAULL);
  EXPECT_EQ(u.mantissa(), 0xAAAA'AAAA'AAAA'AAABULL);
  EXPECT_EQ(d.exponent(), -65);
  EXPECT_EQ(u.exponent(), -65);
  EXPECT_LT(d, u);
}

TEST(Rate, RoundingUpAcrossAPowerOfTwoRenormalises) {
  // (2^64 - 1) / 2^64 * (1 + tiny) style: num = 2^65 - 1, den = 2: exact
  // value 2^64 - 0.5 needs 65 bits; up gives 2^64 exactly.
  const rate u = rate_from_quotient((u128{1} << 65) - 1, 2, rounding::up);
  EXPECT_EQ(u.mantissa(), kTop);
  EXPECT_EQ(u.exponent(), 1);
  const rate d = rate_from_quotient((u128{1} << 65) - 1, 2, rounding::down);
  EXPECT_EQ(d.mantissa(), ~std::uint64_t{0});
  EXPECT_EQ(d.exponent(), 0);
}

TEST(Rate, GeneralPathWithHugeDenominatorsMatchesTheFastPath) {
  // Same value, once with a 64-bit and once with a >64-bit denominator.
  const u128 k = u128{1} << 70;
  EXPECT_EQ(rate_from_quotient(7 * k, 3 * k, rounding::down),
            rate_from_quotient(7, 3, rounding::down));
  EXPECT_EQ(rate_from_quotient(7 * k, 3 * k, rounding::up), rate_from_quotient(7, 3, rounding::up));
  // Denominator with the top bit set and a numerator just below it.
  const u128 big = ~u128{0};
  const rate d = rate_from_quotient(big - 1, big, rounding::down);
  const rate u = rate_from_quotient(big - 1, big, rounding::up);
  EXPECT_EQ(d.mantissa(), ~std::uint64_t{0});
  EXPECT_EQ(d.exponent(), -64);
  EXPECT_EQ(u, rate::one());
}

TEST(Rate, ProductRoundsInTheRequestedDirection) {
  const rate third_down = rate_from_quotient(1, 3, rounding::down);
  const rate three = rate_from_quotient(3, 1, rounding::down);
  // (1/3 rounded down) * 3 < 1, and rounding up the product gives exactly 1
  // at most (it is 1 - 3 * 2^-66-ish, one ulp below 1 when rounded up).
  const rate pd = mul(third_down, three, rounding::down);
  const rate pu = mul(third_down, three, rounding::up);
  EXPECT_LT(pd, rate::one());
  EXPECT_LE(pu, rate::one());
  EXPECT_LE(pd, pu);
  // Exact products are the same in both directions.
  // 3/4 * (4/3 rounded up) exceeds 1 by less than an ulp: down gives 1, up
  // gives the next value above 1.
  const rate three_quarters = rate_from_quotient(3, 4, rounding::down);
  const rate four_thirds_up = rate_from_quotient(4, 3, rounding::up);
  EXPECT_EQ(mul(three_quarters, four_thirds_up, rounding::down), rate::one());
  EXPECT_EQ(mul(three_quarters, four_thirds_up, rounding::up), rate::from_parts(kTop + 1, -63));
  EXPECT_EQ(mul(rate::one(), three, rounding::down), three);
}

TEST(Rate, ComparisonIsExactAcrossExponents) {
  const rate a = rate_from_quotient(1'000'000'001, 1'000'000'000, rounding::down);
  const rate b = rate::one();
  const rate c = rate_from_quotient(999'999'999, 1'000'000'000, rounding::up);
  EXPECT_GT(a, b);
  EXPECT_LT(c, b);
  EXPECT_GT(rate_from_quotient(2, 1, rounding::down), rate_from_quotient(19, 10, rounding::up));
}

TEST(Rate, MicroPricedLegKeepsFullPrecision) {
  // Buying at 0.00000178 with a 0.001 fee: (1 - 0.001) / 0.00000178 base per
  // quote = 561235.955056179775... A fixed8 rate would be exact here, but its
  // inverse (selling back at 0.00000178) as fixed8 is 0.00000177 or 0.00000178
  // after the fee, a 0.5% error; a rate is within 2^-63.
  const rate buy = rate_from_quotient(99'900'000, 178, rounding::down);
  EXPECT_EQ(to_decimal_string(buy, 12), "561235.955056179775");
  const rate sell =
      rate_from_quotient(u128{178} * 99'900'000, u128{10'000'000'000'000'000}, rounding::down);
  EXPECT_EQ(to_decimal_string(sell, 16), "0.0000017782199999");
  const rate sell_up =
      rate_from_quotient(u128{178} * 99'900'000, u128{10'000'000'000'000'000}, rounding::up);
  EXPECT_EQ(to_decimal_string(sell_up, 16), "0.0000017782200000");
}

TEST(Rate, DecimalStringIsExactAndRoundedDown) {
  EXPECT_EQ(to_decimal_string(rate::one(), 3), "1.000");
  EXPECT_EQ(to_decimal_string(rate{}, 2), "0.00");
  EXPECT_EQ(to_decimal_string(rate_from_quotient(2, 3, rounding::up), 5), "0.66666");
  EXPECT_EQ(to_decimal_string(rate_from_quotient(1, 8, rounding::down), 3), "0.125");
  EXPECT_EQ(to_decimal_string(rate_from_quotient(1, 8, rounding::down), 2), "0.12");
  EXPECT_EQ(to_decimal_string(rate_from_quotient(u128{1} << 100, 1, rounding::down), 0),
            "1267650600228229401496703205376");
}

TEST(Rate, FromFixed8IsTheQuotientByTheScale) {
  EXPECT_EQ(rate_from_fixed8(fixed8::one(), rounding::down), rate::one());
  EXPECT_EQ(rate_from_fixed8(fixed8::zero(), rounding::up), rate{});
  EXPECT_EQ(rate_from_fixed8(fixed8::from_raw(178), rounding::down),
            rate_from_quotient(178, 100'000'000, rounding::down));
  // max() / 10^8 is not dyadic: down is below it, up is above it.
  EXPECT_EQ(to_decimal_string(rate_from_fixed8(fixed8::max(), rounding::down), 8),
            "92233720368.54775806");
  EXPECT_EQ(to_decimal_string(rate_from_fixed8(fixed8::max(), rounding::up), 8),
            "92233720368.54775807");
}

}  // namespace
}  // namespace triarb
