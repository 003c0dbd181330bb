// universe_gen.cc: the seeded exchangeInfo generator. Integer arithmetic
// only (values in 10^-12 USD, prices as fixed8 raw), so a seed gives the same
// document everywhere.
#include "sim/universe_gen.h"

#include <algorithm>
#include <array>
#include <set>
#include <stdexcept>
#include <string_view>
#include <utility>

#include "core/int128.h"
#include "sim/rng.h"

namespace triarb::sim {
namespace {

constexpr std::uint64_t kPicoPerUsd = 1'000'000'000'000ULL;  // usd_pico of 1 USD
constexpr std::int64_t kScale = fixed8::kScale;
constexpr std::int64_t kMinPriceRaw = 178;  // 0.00000178 (DOGEBTC): >= 178 ticks
constexpr std::int64_t kMaxPriceRaw = 10'000'000'000LL * kScale;  // 10^10
constexpr std::int64_t kMicroMaxQtyRaw = 92'233'720'368LL * kScale;
constexpr std::uint64_t kMicroUsdPico = 1'000'000'000ULL;  // below 0.001 USD is micro

// Named base assets with rough real values (10^-12 USD). The micro-priced
// ones are the coins whose top-of-book quantities have twelve digits.
struct named_asset {
  std::string_view name;
  std::uint64_t usd_pico;
};
constexpr std::array kNamedAlts = {
    named_asset{"ADA", 900'000'000'000},
    named_asset{"LINK", 18'000'000'000'000},
    named_asset{"DOT", 6'500'000'000'000},
    named_asset{"LTC", 95'000'000'000'000},
    named_asset{"LUNC", 90'000'000},
    named_asset{"SHIB", 14'500'000},
    named_asset{"AVAX", 35'000'000'000'000},
    named_asset{"PEPE", 9'800'000},
    named_asset{"POL", 450'000'000'000},
    named_asset{"ATOM", 6'800'000'000'000},
    named_asset{"UNI", 11'000'000'000'000},
    named_asset{"XLM", 400'000'000'000},
    named_asset{"BCH", 420'000'000'000'000},
    named_asset{"ETC", 26'000'000'000'000},
    named_asset{"BTTC", 2'100'000},
    named_asset{"FIL", 5'000'000'000'000},
    named_asset{"APT", 11'000'000'000'000},
    named_asset{"ARB", 750'000'000'000},
    named_asset{"OP", 1'900'000'000'000},
    named_asset{"NEAR", 5'200'000'000'000},
    named_asset{"FLOKI", 180'000'000},
    named_asset{"ICP", 10'000'000'000'000},
    named_asset{"INJ", 24'000'000'000'000},
    named_asset{"SUI", 3'400'000'000'000},
    named_asset{"XEC", 33'000'000},
    named_asset{"SEI", 450'000'000'000},
    named_asset{"TIA", 5'300'000'000'000},
    named_asset{"AAVE", 310'000'000'000'000},
    named_asset{"BONK", 35'000'000},
    named_asset{"MKR", 1'600'000'000'000'000},
    named_asset{"RUNE", 5'000'000'000'000},
    named_asset{"FTM", 900'000'000'000},
    named_asset{"WIN", 85'000'000},
    named_asset{"SAND", 550'000'000'000},
    named_asset{"MANA", 500'000'000'000},
    named_asset{"AXS", 6'000'000'000'000},
    named_asset{"GALA", 35'000'000'000},
    named_asset{"CHZ", 90'000'000'000},
    named_asset{"ENJ", 250'000'000'000},
    named_asset{"ALGO", 350'000'000'000},
    named_asset{"VET", 45'000'000'000},
    named_asset{"HBAR", 280'000'000'000},
    named_asset{"EGLD", 33'000'000'000'000},
    named_asset{"XTZ", 1'200'000'000'000},
    named_asset{"THETA", 1'800'000'000'000},
    named_asset{"FET", 1'400'000'000'000},
    named_asset{"RENDER", 7'000'000'000'000},
    named_asset{"GRT", 240'000'000'000},
    named_asset{"CRV", 900'000'000'000},
    named_asset{"COMP", 80'000'000'000'000},
    named_asset{"SNX", 2'500'000'000'000},
    named_asset{"YFI", 8'200'000'000'000'000},
    named_asset{"ZEC", 55'000'000'000'000},
    named_asset{"DASH", 40'000'000'000'000},
    named_asset{"NEO", 17'000'000'000'000},
    named_asset{"IOTA", 300'000'000'000},
    named_asset{"KAVA", 450'000'000'000},
    named_asset{"ZIL", 22'000'000'000},
    named_asset{"ONE", 25'000'000'000},
    named_asset{"HOT", 2'500'000'000},
    named_asset{"NOT", 7'200'000'000},
    named_asset{"LUNA", 450'000'000'000},
    named_asset{"WLD", 2'300'000'000'000},
    named_asset{"JUP", 1'000'000'000'000},
    named_asset{"PENDLE", 5'000'000'000'000},
    named_asset{"PAXG", 2'650'000'000'000'000},
    named_asset{"WBTC", 90'000'000'000'000'000},
};

// 10^(k/16) * 1000, k = 0..15: mantissas for log-uniform values.
constexpr std::array<std::uint64_t, 16> kMantissa = {
    1000, 1155, 1334, 1540, 1778, 2054, 2371, 2738, 3162, 3652, 4217, 4870, 5623, 6494, 7499, 8660};

constexpr std::uint64_t pow10u(int k) noexcept {
  std::uint64_t r = 1;
  for (int i = 0; i < k; ++i) r *= 10;
  return r;
}

int decimal_digits(std::uint64_t v) noexcept {
  int d = 1;
  while (v >= 10) {
    v /= 10;
    ++d;
  }
  return d;
}

struct asset_rec {
  std::string name;
  std::uint64_t usd_pico = 0;
  int quote_rank = -1;           // index in the quote plan, -1 for a base-only asset
  std::uint64_t popularity = 0;  // lower is listed against more quotes
  bool dead = false;             // only in BREAK symbols
};

struct symbol_rec {
  generated_symbol g;
  bool trading = true;
  fixed8 max_price;
  int width = 8;
  bool legacy_notional = false;
};

// value(base) / value(quote) as fixed8 raw, rounded to nearest.
std::int64_t price_raw(std::uint64_t base_pico, std::uint64_t quote_pico) noexcept {
  const u128 num = static_cast<u128>(base_pico) * static_cast<u128>(kScale);
  const u128 q = (num + quote_pico / 2) / quote_pico;
  return q > static_cast<u128>(kMaxPriceRaw) ? kMaxPriceRaw + 1 : static_cast<std::int64_t>(q);
}

// Fills a symbol's filters from its price and its assets' values, like the
// real exchange: ~10^6 ticks per price, a step worth 0.1..1 USD, a maxQty
// worth ~10^8..10^9 USD (micro coins: the famous 92233720368), a minNotional
// of ~5 USD in the quote.
void set_filters(generated_symbol& g, std::int64_t raw_price, std::uint64_t base_pico,
                 std::uint64_t quote_pico) {
  const int tick_exp = std::clamp(
      decimal_digits(static_cast<std::uint64_t>(std::max<std::int64_t>(raw_price, 1))) - 7, 0, 8);
  const auto tick = static_cast<std::int64_t>(pow10u(tick_exp));
  std::int64_t fair = (raw_price + tick / 2) / tick * tick;
  if (fair < tick) fair = tick;
  g.tick_size = fixed8::from_raw(tick);
  g.fair_price = fixed8::from_raw(fair);

  // Step: the smallest 10^k (k in -8..0) with 10^k * value >= 0.1 USD.
  int step_raw_exp = 0;  // step raw = 10^step_raw_exp, i.e. 10^(step_raw_exp - 8)
  while (step_raw_exp < 8 && static_cast<u128>(pow10u(step_raw_exp)) * base_pico <
                                 static_cast<u128>(kPicoPerUsd) * 10'000'000) {
    ++step_raw_exp;
  }
  g.is_micro = base_pico < kMicroUsdPico;
  if (g.is_micro) step_raw_exp = 8;
  g.step_size = fixed8::from_raw(static_cast<std::int64_t>(pow10u(step_raw_exp)));
  g.min_qty = g.step_size;

  if (g.is_micro) {
    g.max_qty = fixed8::from_raw(kMicroMaxQtyRaw);
  } else {
    int m = 0;  // maxQty = 9 * 10^m with 10^m * value >= 10^8 USD
    while (m < 9 && static_cast<u128>(pow10u(m)) * base_pico <
                        static_cast<u128>(kPicoPerUsd) * 100'000'000) {
      ++m;
    }
    g.max_qty = fixed8::from_raw(static_cast<std::int64_t>(9 * pow10u(m)) * kScale);
  }

  // 5 USD in the quote asset, rounded up to two significant digits.
  const u128 five = static_cast<u128>(5) * kPicoPerUsd * static_cast<u128>(kScale);
  auto n = static_cast<std::uint64_t>((five + quote_pico - 1) / quote_pico);
  n = std::max<std::uint64_t>(n, 1);
  const int digits = decimal_digits(n);
  if (digits > 2) {
    const std::uint64_t unit = pow10u(digits - 2);
    n = (n + unit - 1) / unit * unit;
  }
  g.min_notional = fixed8::from_raw(static_cast<std::int64_t>(n));
}

// The decimal text of a non-negative value with `width` fractional digits,
// or 8 when the value is not exact at that width: "1.00", "0.00001000".
std::string decimal(fixed8 v, int width) {
  const std::int64_t raw = v.raw();
  if (raw % static_cast<std::int64_t>(pow10u(8 - width)) != 0) width = 8;
  std::string frac = std::to_string(raw % kScale);
  frac.insert(0, 8 - frac.size(), '0');
  std::string out = std::to_string(raw / kScale);
  out.push_back('.');
  out.append(frac, 0, static_cast<std::size_t>(width));
  return out;
}

void append_symbol_json(std::string& out, const symbol_rec& s) {
  const generated_symbol& g = s.g;
  const int w = s.width;
  out += R"({"symbol":")";
  out += g.name;
  out += R"(","status":")";
  out += s.trading ? "TRADING" : "BREAK";
  out += R"(","baseAsset":")";
  out += g.base;
  out += R"(","baseAssetPrecision":8,"quoteAsset":")";
  out += g.quote;
  out += R"(","quotePrecision":8,"quoteAssetPrecision":8,"baseCommissionPrecision":8,)"
         R"("quoteCommissionPrecision":8,"orderTypes":["LIMIT","LIMIT_MAKER","MARKET",)"
         R"("STOP_LOSS","STOP_LOSS_LIMIT","TAKE_PROFIT","TAKE_PROFIT_LIMIT"],)"
         R"("icebergAllowed":true,"ocoAllowed":true,"otoAllowed":true,)"
         R"("quoteOrderQtyMarketAllowed":true,"allowTrailingStop":true,)"
         R"("cancelReplaceAllowed":true,"isSpotTradingAllowed":)";
  out += s.trading ? "true" : "false";
  out += R"(,"isMarginTradingAllowed":false,"filters":[{"filterType":"PRICE_FILTER","minPrice":")";
  out += decimal(g.tick_size, w);
  out += R"(","maxPrice":")";
  out += decimal(s.max_price, w);
  out += R"(","tickSize":")";
  out += decimal(g.tick_size, w);
  out += R"("},{"filterType":"LOT_SIZE","minQty":")";
  out += decimal(g.min_qty, w);
  out += R"(","maxQty":")";
  out += decimal(g.max_qty, w);
  out += R"(","stepSize":")";
  out += decimal(g.step_size, w);
  // MARKET_LOT_SIZE has the same field names as LOT_SIZE: a loader that
  // matches on field names instead of filterType would take these.
  out += R"("},{"filterType":"ICEBERG_PARTS","limit":10},{"filterType":"MARKET_LOT_SIZE",)"
         R"("minQty":"0.00000000","maxQty":")";
  out += decimal(fixed8::from_raw(g.max_qty.raw() / 10 / kScale * kScale), w);
  out += R"(","stepSize":"0.00000000"},{"filterType":"TRAILING_DELTA",)"
         R"("minTrailingAboveDelta":10,"maxTrailingAboveDelta":2000,)"
         R"("minTrailingBelowDelta":10,"maxTrailingBelowDelta":2000},)"
         R"({"filterType":"PERCENT_PRICE_BY_SIDE","bidMultiplierUp":"5",)"
         R"("bidMultiplierDown":"0.2","askMultiplierUp":"5","askMultiplierDown":"0.2",)"
         R"("avgPriceMins":5},)";
  if (s.legacy_notional) {
    out += R"({"filterType":"MIN_NOTIONAL","minNotional":")";
    out += decimal(g.min_notional, w);
    out += R"(","applyToMarket":true,"avgPriceMins":5},)";
  } else {
    out += R"({"filterType":"NOTIONAL","minNotional":")";
    out += decimal(g.min_notional, w);
    out += R"(","applyMinToMarket":true,"maxNotional":"9000000.00000000",)"
           R"("applyMaxToMarket":false,"avgPriceMins":5},)";
  }
  out += R"({"filterType":"MAX_NUM_ORDERS","maxNumOrders":200},)"
         R"({"filterType":"MAX_NUM_ALGO_ORDERS","maxNumAlgoOrders":5}],)"
         R"("permissions":[],"permissionSets":[["SPOT","MARGIN","TRD_GRP_004"]],)"
         R"("defaultSelfTradePreventionMode":"EXPIRE_MAKER",)"
         R"("allowedSelfTradePreventionModes":["EXPIRE_TAKER","EXPIRE_MAKER","EXPIRE_BOTH"]})";
}

std::string random_ticker(sim_rng& rng) {
  const auto len = static_cast<std::size_t>(3 + rng.below(3));
  std::string s(len, 'A');
  for (char& c : s) c = static_cast<char>('A' + rng.below(26));
  return s;
}

std::uint64_t random_usd_pico(sim_rng& rng) {
  // Log-uniform within a decade of [0.01, 1000) USD, the decades weighted
  // 1:2:3:3:1 (most alts trade between 0.1 and 100 USD).
  constexpr std::array<int, 10> kDecade = {0, 1, 1, 2, 2, 2, 3, 3, 3, 4};
  const int decade = kDecade[rng.below(kDecade.size())];  // 10^(decade - 2) USD
  const std::uint64_t mant = kMantissa[rng.below(kMantissa.size())] * (1000 + rng.below(150));
  // mant is ~10^6 * m (m in [1, 11.5)); value = m * 10^(decade - 2) USD.
  return mant * pow10u(decade) * (kPicoPerUsd / 100) / 1'000'000;
}

}  // namespace

std::vector<quote_asset_plan> default_quote_plan() {
  constexpr std::uint64_t k = kPicoPerUsd;
  return {
      {"TRY", 29'000'000'000, 206},
      {"BRL", 180'000'000'000, 25},
      {"JPY", 6'600'000'000, 20},
      {"ARS", 980'000'000, 14},
      {"MXN", 49'000'000'000, 12},
      {"PLN", 250'000'000'000, 12},
      {"ZAR", 55'000'000'000, 10},
      {"RON", 210'000'000'000, 10},
      {"UAH", 24'000'000'000, 9},
      {"CZK", 42'000'000'000, 8},
      {"COP", 230'000'000, 8},
      {"IDR", 63'000'000, 7},
      {"USDT", k, 376},
      {"FDUSD", k, 93},
      {"USDC", k, 80},
      {"TUSD", k, 6},
      {"DAI", k, 8},
      {"USDP", k, 4},
      {"EUR", 1'080'000'000'000, 34},
      {"AEUR", 1'080'000'000'000, 5},
      {"BTC", 90'000 * k, 272},
      {"ETH", 3'000 * k, 61},
      {"BNB", 600 * k, 50},
      {"XRP", 2'200'000'000'000, 6},
      {"SOL", 150 * k, 5},
      {"TRX", 250'000'000'000, 6},
      {"DOGE", 160'200'000'000, 4},
  };
}

generated_universe generate_universe(const universe_gen_params& p, std::uint64_t seed) {
  sim_rng rng(seed);
  const std::vector<quote_asset_plan> plan = p.quotes.empty() ? default_quote_plan() : p.quotes;

  // Assets: quote assets (ranked), named alts, random alts, dead assets.
  std::vector<asset_rec> assets;
  std::set<std::string> used;
  // Among quote assets, the majors are listed against most quotes (BTCTRY
  // before USDPTRY); the others follow in plan order.
  constexpr std::array<std::string_view, 8> kMajors = {"USDT", "BTC",   "ETH", "BNB",
                                                       "USDC", "FDUSD", "SOL", "XRP"};
  for (std::size_t i = 0; i < plan.size(); ++i) {
    const std::string& name = plan[i].name;
    const bool ticker =
        !name.empty() && name.size() <= 20 && std::all_of(name.begin(), name.end(), [](char c) {
          return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        });
    if (!ticker) {
      std::string shown;  // the name as hex: it may hold anything
      for (const char c : name) {
        static constexpr char kHex[] = "0123456789abcdef";
        shown += kHex[static_cast<unsigned char>(c) >> 4];
        shown += kHex[static_cast<unsigned char>(c) & 0xF];
      }
      throw std::invalid_argument("universe_gen: quote plan entry " + std::to_string(i) + " (hex " +
                                  shown +
                                  ") is not a ticker: 1 to 20 upper-case letters and digits");
    }
    if (plan[i].usd_pico == 0 || !used.insert(plan[i].name).second) {
      throw std::invalid_argument("universe_gen: bad quote plan entry " + plan[i].name);
    }
    const auto major = std::find(kMajors.begin(), kMajors.end(), plan[i].name);
    const std::uint64_t pop = major != kMajors.end()
                                  ? static_cast<std::uint64_t>(major - kMajors.begin())
                                  : kMajors.size() + i;
    assets.push_back({plan[i].name, plan[i].usd_pico, static_cast<int>(i), pop, false});
  }
  const std::size_t n_named = std::min(p.alt_assets, kNamedAlts.size());
  for (std::size_t i = 0; i < n_named; ++i) {
    if (!used.insert(std::string(kNamedAlts[i].name)).second) continue;
    assets.push_back({std::string(kNamedAlts[i].name), kNamedAlts[i].usd_pico, -1, 0, false});
  }
  while (assets.size() < plan.size() + p.alt_assets + p.dead_assets) {
    std::string name = random_ticker(rng);
    if (!used.insert(name).second) continue;
    const bool dead = assets.size() >= plan.size() + p.alt_assets;
    assets.push_back({std::move(name), random_usd_pico(rng), -1, 0, dead});
  }
  // Popularity: quote assets first (by rank), then named alts in list order,
  // then random alts; a per-quote noise term below varies the selection.
  for (std::size_t i = plan.size(); i < assets.size(); ++i) assets[i].popularity = i * 4;

  std::vector<symbol_rec> syms;
  std::set<std::string> names;
  std::set<std::pair<std::size_t, std::size_t>> pairs;  // (min, max) asset index
  const auto add_symbol = [&](std::size_t b, std::size_t q, bool trading) -> bool {
    const asset_rec& base = assets[b];
    const asset_rec& quote = assets[q];
    const std::int64_t raw = price_raw(base.usd_pico, quote.usd_pico);
    if (trading && (raw < kMinPriceRaw || raw > kMaxPriceRaw)) return false;
    if (raw > kMaxPriceRaw) return false;
    const auto key = std::minmax(b, q);
    if (pairs.count(key) != 0) return false;
    std::string name = base.name + quote.name;
    if (names.count(name) != 0) return false;
    symbol_rec s;
    s.trading = trading;
    s.g.name = name;
    s.g.base = base.name;
    s.g.quote = quote.name;
    set_filters(s.g, raw, base.usd_pico, quote.usd_pico);
    std::int64_t mp = kScale;  // maxPrice: a power of ten >= 1000 * price
    while (mp < 1'000'000'000LL * kScale && mp / 1000 < s.g.fair_price.raw()) mp *= 10;
    s.max_price = fixed8::from_raw(mp);
    const std::uint64_t r = rng.below(100);
    s.width = r < p.width8_percent ? 8 : r < p.width8_percent + p.width2_percent ? 2 : 1;
    // Quantities are written with the step's decimals at this width.
    const std::string step_text = decimal(s.g.step_size, s.width);
    s.g.qty_decimals = static_cast<int>(step_text.size() - step_text.find('.') - 1);
    s.legacy_notional = rng.below(100) < p.min_notional_legacy_percent;
    names.insert(std::move(name));
    pairs.insert(key);
    syms.push_back(std::move(s));
    return true;
  };

  for (std::size_t q = 0; q < plan.size(); ++q) {
    // Candidates: every live asset ranked after q as a quote (or base-only).
    std::vector<std::pair<std::uint64_t, std::size_t>> cand;
    for (std::size_t b = 0; b < assets.size(); ++b) {
      const asset_rec& a = assets[b];
      if (b == q || a.dead) continue;
      if (a.quote_rank >= 0 && a.quote_rank <= static_cast<int>(q)) continue;
      const std::uint64_t noise = a.quote_rank >= 0 ? 0 : rng.below(600);
      cand.emplace_back(a.popularity + noise, b);
    }
    std::sort(cand.begin(), cand.end());  // (key, index): a total order
    std::size_t made = 0;
    for (const auto& [key, b] : cand) {
      if (made == plan[q].symbols) break;
      if (add_symbol(b, q, true)) ++made;
    }
  }

  // BREAK symbols: delisted pairs, some on assets that no longer trade.
  std::size_t breaks = 0;
  for (std::size_t attempt = 0; breaks < p.break_symbols && attempt < p.break_symbols * 50;
       ++attempt) {
    const std::size_t q = rng.below(plan.size());
    const std::size_t b = plan.size() + rng.below(assets.size() - plan.size());
    if (add_symbol(b, q, false)) ++breaks;
  }

  // The document lists symbols in no particular order (the real one: by
  // listing date); the loader sorts by name.
  std::vector<std::size_t> order(syms.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng.below(i)]);

  generated_universe g;
  g.break_symbols = breaks;
  std::string& out = g.exchange_info_json;
  out.reserve(syms.size() * 1700 + 1024);
  out += R"({"timezone":"UTC","serverTime":)";
  out += std::to_string(1'732'000'000'000ULL + seed % 100'000'000ULL);
  out += R"(,"rateLimits":[{"rateLimitType":"REQUEST_WEIGHT","interval":"MINUTE",)"
         R"("intervalNum":1,"limit":6000},{"rateLimitType":"ORDERS","interval":"SECOND",)"
         R"("intervalNum":10,"limit":100},{"rateLimitType":"ORDERS","interval":"DAY",)"
         R"("intervalNum":1,"limit":200000},{"rateLimitType":"RAW_REQUESTS",)"
         R"("interval":"MINUTE","intervalNum":5,"limit":61000}],"exchangeFilters":[],"symbols":[)";
  for (std::size_t i = 0; i < order.size(); ++i) {
    if (i > 0) out.push_back(',');
    append_symbol_json(out, syms[order[i]]);
  }
  out += "]}";

  std::set<std::string> live_assets;
  for (symbol_rec& s : syms) {
    if (!s.trading) continue;
    live_assets.insert(s.g.base);
    live_assets.insert(s.g.quote);
    g.symbols.push_back(std::move(s.g));
  }
  std::sort(g.symbols.begin(), g.symbols.end(),
            [](const generated_symbol& a, const generated_symbol& b) { return a.name < b.name; });
  for (const asset_rec& a : assets) {
    if (live_assets.count(a.name) != 0) g.assets.push_back({a.name, a.usd_pico});
  }
  std::sort(g.assets.begin(), g.assets.end(),
            [](const generated_asset& a, const generated_asset& b) { return a.name < b.name; });
  return g;
}

std::string generate_exchange_info(const universe_gen_params& p, std::uint64_t seed) {
  return generate_universe(p, seed).exchange_info_json;
}

std::vector<fixed8> reference_prices(const generated_universe& g) {
  std::vector<fixed8> out;
  out.reserve(g.symbols.size());
  for (const generated_symbol& s : g.symbols) out.push_back(s.fair_price);
  return out;
}

}  // namespace triarb::sim
