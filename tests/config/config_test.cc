// bot_config: defaults, loading, and the errors a user sees for bad values.
#include "config/config.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>

namespace triarb {
namespace {

std::string error_of(std::string_view toml) {
  try {
    (void)load_config_string(toml, "t.toml");
  } catch (const config_error& e) {
    return e.what();
  }
  return "";
}

TEST(Config, DefaultsAreValidAndDryRun) {
  const bot_config c = load_config_string("");
  EXPECT_TRUE(c.dry_run);
  EXPECT_EQ(c.symbols_per_connection, 200);
  EXPECT_EQ(c.fee, parse_fixed8("0.001").value);
  ASSERT_EQ(c.start_assets.size(), 1u);
  EXPECT_EQ(c.start_assets[0], "USDT");
}

TEST(Config, ReadsEveryKnob) {
  const bot_config c = load_config_string(R"(
dry_run = true
[exchange]
rest_url = "https://127.0.0.1:8443"
ws_url = "wss://127.0.0.1:8443"
ca_file = "ca.pem"
[strategy]
start_assets = ["USDT", "BTC"]
fee = 0.00075
fee_overrides = { BNBUSDT = "0.0005" }
min_profit = "0.0002"
budget = 250
budgets = { BTC = "0.01" }
max_leg_age_ms = 2500
[connections]
symbols_per_connection = 1024
[journal]
path = "j.jsonl"
fsync = "every_record"
[telemetry]
interval_ms = 500
metrics_address = "127.0.0.1:9100"
)");
  EXPECT_EQ(c.start_assets.size(), 2u);
  EXPECT_EQ(c.fee, parse_fixed8("0.00075").value);  // a TOML float read exactly
  EXPECT_EQ(c.fee_overrides.at("BNBUSDT"), parse_fixed8("0.0005").value);
  EXPECT_EQ(c.min_profit, parse_fixed8("0.0002").value);
  EXPECT_EQ(c.budget, fixed8::from_units(250));
  EXPECT_EQ(c.budgets.at("BTC"), parse_fixed8("0.01").value);
  EXPECT_EQ(c.max_leg_age_ms, 2500);
  EXPECT_EQ(c.symbols_per_connection, 1024);
  EXPECT_EQ(c.journal_fsync, journal_fsync_mode::every_record);
  EXPECT_EQ(c.telemetry_interval_ms, 500);
}

TEST(Config, RejectsMoreStreamsThanTheExchangeAllows) {
  const std::string e = error_of("[connections]\nsymbols_per_connection = 1025\n");
  EXPECT_NE(e.find("connections.symbols_per_connection = 1025"), std::string::npos) << e;
  EXPECT_NE(e.find("1 to 1024"), std::string::npos) << e;
}

TEST(Config, QuietThresholdIsOffOrBetween50msAndThePongDeadline) {
  EXPECT_EQ(load_config_string("[connections]\nquiet_ms = 0\n").quiet_ms, 0);
  EXPECT_EQ(load_config_string("[connections]\nquiet_ms = 750\n").quiet_ms, 750);
  EXPECT_EQ(bot_config{}.quiet_ms, 3000) << "on by default, far below max_leg_age";
  std::string e = error_of("[connections]\nquiet_ms = 20\n");
  EXPECT_NE(e.find("connections.quiet_ms = 20"), std::string::npos) << e;
  EXPECT_NE(e.find("0 (off) or 50 ms up to connections.pong_deadline_ms"), std::string::npos) << e;
  e = error_of("[connections]\npong_deadline_ms = 2000\nquiet_ms = 2500\n");
  EXPECT_NE(e.find("connections.quiet_ms = 2500"), std::string::npos) << e;
}

// The metrics address is parsed by the one function the metrics server uses
// (parse_loopback_address), so validation refuses exactly what the runtime
// would: before, "localhost:PORT" passed validation, then failed after the
// journal's genesis was written.
TEST(Config, MetricsAddressIsALoopbackIpAndADecimalPort) {
  for (const char* bad : {"localhost:9464", "127.0.0.1:9464abc", "127.0.0.1: 9464",
                          "127.0.0.1:", "127.0.0.1", "127.0.0.1:65536", "127.0.0.256:9464",
                          "10.0.0.1:9464", "[::2]:9464", "[::1]9464", "::1:9464"}) {
    EXPECT_NE(error_of(std::string("[telemetry]\nmetrics_address = \"") + bad + "\"\n")
                  .find("telemetry.metrics_address"),
              std::string::npos)
        << bad;
    EXPECT_FALSE(parse_loopback_address(bad).has_value()) << bad;
  }
  for (const char* good : {"127.0.0.1:9464", "127.1.2.3:1", "[::1]:9464", "127.0.0.1:0"}) {
    EXPECT_EQ(error_of(std::string("[telemetry]\nmetrics_address = \"") + good + "\"\n"), "")
        << good;
    EXPECT_TRUE(parse_loopback_address(good).has_value()) << good;
  }
  const auto a = parse_loopback_address("[::1]:9464");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->host, "::1");
  EXPECT_EQ(a->port, 9464);
}

// Every guard against a silent stall off at once -- no data-silence detector
// and legs usable for an hour -- is the configuration the no-staleness
// mutant exists to show failing: refused, saying why.
TEST(Config, RefusesTurningEveryStalenessGuardOff) {
  const std::string e = error_of(
      "[strategy]\nmax_leg_age_ms = 3600000\n[connections]\nquiet_ms = 0\n"
      "pong_deadline_ms = 600000\n");
  EXPECT_NE(e.find("connections.quiet_ms"), std::string::npos) << e;
  EXPECT_NE(e.find("max_leg_age_ms"), std::string::npos) << e;
  // Either guard alone is enough.
  EXPECT_EQ(error_of("[strategy]\nmax_leg_age_ms = 3600000\n[connections]\nquiet_ms = 3000\n"), "");
  EXPECT_EQ(error_of("[strategy]\nmax_leg_age_ms = 10000\n[connections]\nquiet_ms = 0\n"), "");
}

TEST(Config, RefusesLiveTrading) {
  const std::string e = error_of("dry_run = false\n");
  EXPECT_NE(e.find("live order placement is not built"), std::string::npos) << e;
}

TEST(Config, NamesKeyValueAndWhatIsAllowed) {
  EXPECT_NE(error_of("[strategy]\nfee = \"0.0000000001\"\n").find("too_many_fraction_digits"),
            std::string::npos);
  EXPECT_NE(error_of("[strategy]\nfee = \"-0.1\"\n").find("strategy.fee"), std::string::npos);
  EXPECT_NE(error_of("[strategy]\nfee = 1\n").find("a fee below 1"), std::string::npos);
  EXPECT_NE(error_of("[strategy]\nbudget = \"0\"\n").find("positive"), std::string::npos);
  EXPECT_NE(error_of("[strategy]\nstart_assets = []\n").find("non-empty"), std::string::npos);
  EXPECT_NE(error_of("[strategy]\nstart_assets = [\"usdt\"]\n").find("upper-case"),
            std::string::npos);
  EXPECT_NE(error_of("[exchange]\nws_url = \"ws://x\"\n").find("wss://"), std::string::npos);
  EXPECT_NE(error_of("[telemetry]\nmetrics_address = \"0.0.0.0:9100\"\n").find("loopback"),
            std::string::npos);
  EXPECT_NE(error_of("[journal]\nfsync = \"sometimes\"\n").find("every_record"), std::string::npos);
}

TEST(Config, UnknownKeysAndSectionsAreErrorsNotDefaults) {
  EXPECT_NE(error_of("[strategy]\nmin_proft = \"0.1\"\n").find("unknown key"), std::string::npos);
  EXPECT_NE(error_of("[strateg]\nfee = \"0.1\"\n").find("unknown section"), std::string::npos);
}

TEST(Config, SyntaxErrorNamesFileAndLine) {
  const std::string e = error_of("[strategy]\nfee = = 1\n");
  EXPECT_NE(e.find("t.toml:2:"), std::string::npos) << e;
}

TEST(Config, CanonicalTextLoadsBackToTheSameConfig) {
  bot_config c = load_config_string("[strategy]\nfee_overrides = { ETHBTC = \"0.0009\" }\n");
  c.journal_path = "dir with \"quotes\"/j.jsonl";
  const bot_config d = load_config_string(c.to_toml());
  EXPECT_EQ(d.to_toml(), c.to_toml());
  EXPECT_EQ(d.fee_overrides.at("ETHBTC"), parse_fixed8("0.0009").value);
}

// The journal's continuity covers what changes decisions and nothing else
// (issue 11, defect 5: a changed metrics address or telemetry interval made
// the next run refuse its own journal).
TEST(Config, DecisionTextHoldsTheDecisionKnobsOnly) {
  const bot_config base;
  const std::string text = base.decision_toml();
  // Operational knobs: the same decision text.
  for (auto change : std::vector<std::function<void(bot_config&)>>{
           [](bot_config& c) { c.metrics_address = "127.0.0.1:9999"; },
           [](bot_config& c) { c.telemetry_interval_ms = 5000; },
           [](bot_config& c) { c.ca_file = "/etc/other-ca.pem"; },
           [](bot_config& c) { c.symbols_per_connection = 100; },
           [](bot_config& c) { c.rotate_after_ms = 3'600'000; },
           [](bot_config& c) { c.reconnect_attempts_per_5min = 100; },
           [](bot_config& c) { c.journal_rotate_bytes = 1 << 20; },
           [](bot_config& c) { c.journal_checkpoint_ms = 500; },
           [](bot_config& c) { c.journal_fsync = journal_fsync_mode::every_record; }}) {
    bot_config c = base;
    change(c);
    EXPECT_EQ(c.decision_toml(), text) << c.to_toml();
    EXPECT_NE(c.to_toml(), base.to_toml());
  }
  // Decision knobs: a different text.
  for (auto change : std::vector<std::function<void(bot_config&)>>{
           [](bot_config& c) { c.fee = fixed8::from_raw(75'000); },
           [](bot_config& c) { c.fee_overrides["BTCUSDT"] = fixed8::from_raw(50'000); },
           [](bot_config& c) { c.min_profit = fixed8::from_raw(10'000); },
           [](bot_config& c) { c.budget = fixed8::from_units(500); },
           [](bot_config& c) { c.budgets["BTC"] = fixed8::from_units(1); },
           [](bot_config& c) {
             c.start_assets = {"USDT", "BTC"};
           },
           [](bot_config& c) { c.max_leg_age_ms = 2000; }, [](bot_config& c) { c.quiet_ms = 500; },
           [](bot_config& c) { c.pong_deadline_ms = 30'000; },
           [](bot_config& c) { c.ws_url = "wss://other.example:9443"; }}) {
    bot_config c = base;
    change(c);
    EXPECT_NE(c.decision_toml(), text) << c.decision_toml();
  }
  // It is a configuration itself: it loads, and says the same again.
  bot_config tuned = base;
  tuned.fee_overrides["BTCUSDT"] = fixed8::from_raw(50'000);
  tuned.budgets["BTC"] = fixed8::from_units(1);
  EXPECT_EQ(load_config_string(tuned.decision_toml()).decision_toml(), tuned.decision_toml());
}

}  // namespace
}  // namespace triarb

namespace triarb {
namespace {

TEST(Config, MapsNamedOverridesToIdsForTheEvaluator) {
  const universe u({{"BTCUSDT", "BTC", "USDT", {}},
                    {"ETHBTC", "ETH", "BTC", {}},
                    {"ETHUSDT", "ETH", "USDT", {}}});
  const bot_config c = load_config_string(R"(
[strategy]
fee = "0.001"
fee_overrides = { ETHBTC = "0.0005" }
budgets = { BTC = "0.02" }
max_leg_age_ms = 1500
min_profit = "0.0001"
)");
  const evaluator_config e = to_evaluator_config(c, u);
  EXPECT_EQ(e.fee_by_symbol.at(u.find_symbol("ETHBTC")), parse_fixed8("0.0005").value);
  EXPECT_EQ(e.fee_by_symbol.at(u.find_symbol("BTCUSDT")), parse_fixed8("0.001").value);
  EXPECT_EQ(e.budget_by_asset.at(*u.find_asset("BTC")), parse_fixed8("0.02").value);
  EXPECT_EQ(e.budget_by_asset.at(*u.find_asset("USDT")), fixed8::zero()) << "zero: the default";
  EXPECT_EQ(e.max_leg_age_ns, 1'500'000'000);
  EXPECT_EQ(e.min_profit, parse_fixed8("0.0001").value);
}

TEST(Config, OverrideForASymbolTheExchangeDoesNotTradeIsAnError) {
  const universe u({{"BTCUSDT", "BTC", "USDT", {}}});
  const bot_config c = load_config_string("[strategy]\nfee_overrides = { DOGEUSDT = \"0\" }\n");
  try {
    (void)to_evaluator_config(c, u);
    FAIL() << "expected config_error";
  } catch (const config_error& e) {
    EXPECT_NE(std::string(e.what()).find("strategy.fee_overrides.DOGEUSDT"), std::string::npos);
  }
}

TEST(Config, StartAssetsMapToIdsInOrderAndAnUntradedOneIsAnError) {
  const universe u({{"BTCUSDT", "BTC", "USDT", {}}, {"ETHBTC", "ETH", "BTC", {}}});
  bot_config c;
  c.start_assets = {"USDT", "BTC"};
  EXPECT_EQ(start_asset_ids(c, u),
            (std::vector<asset_id>{*u.find_asset("USDT"), *u.find_asset("BTC")}));
  c.start_assets = {"USDT", "DOGE"};
  try {
    (void)start_asset_ids(c, u);
    FAIL() << "expected config_error";
  } catch (const config_error& e) {
    EXPECT_NE(std::string(e.what()).find("start_assets: 'DOGE' is not traded"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace triarb
