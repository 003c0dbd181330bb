// bot_config: defaults, loading, and the errors a user sees for bad values.
#include "config/config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "config/execution_plan.h"
#include "core/telemetry.h"
#include "core/triangle_index.h"

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
  const bot_config c = load_config_string("dry_run = true\n");
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

TEST(Config, GuardDefaultsAreTheGuardsOwn) {
  const bot_config c = load_config_string("dry_run = true\n");
  const guard_config g;
  EXPECT_EQ(c.guard.repeat_reports, g.repeat_reports);
  EXPECT_EQ(c.guard.repeat_window_ns, g.repeat_window_ns);
  EXPECT_EQ(c.guard.rate_window_ns, g.rate_window_ns);
  EXPECT_EQ(c.guard.rate_factor, g.rate_factor);
  EXPECT_EQ(c.guard.rate_floor, g.rate_floor);
  EXPECT_EQ(c.guard.rate_warmup_windows, g.rate_warmup_windows);
  EXPECT_EQ(c.guard.feed_invalid_max_permille, g.feed_invalid_max_permille);
  EXPECT_EQ(c.guard.feed_resume_permille, g.feed_resume_permille);
  EXPECT_EQ(c.guard.feed_resume_permille, 250u);
  EXPECT_EQ(c.guard.feed_auto_resume, g.feed_auto_resume);
  EXPECT_TRUE(c.halt_file.empty());
  EXPECT_TRUE(c.token_file.empty());
}

TEST(Config, ReadsTheGuardTable) {
  const bot_config c = load_config_string(R"(
[guard]
repeat_reports = 7
repeat_window_ms = 2500
rate_window_ms = 200
rate_factor = 4
rate_floor = 50
rate_warmup_windows = 3
feed_invalid_max_permille = 250
feed_resume_permille = 100
feed_auto_resume = false
halt_file = "/tmp/x.halt"
token_file = "/tmp/x.token"
)");
  EXPECT_EQ(c.guard.repeat_reports, 7u);
  EXPECT_EQ(c.guard.repeat_window_ns, 2'500'000'000);
  EXPECT_EQ(c.guard.rate_window_ns, 200'000'000);
  EXPECT_EQ(c.guard.rate_factor, 4u);
  EXPECT_EQ(c.guard.rate_floor, 50u);
  EXPECT_EQ(c.guard.rate_warmup_windows, 3u);
  EXPECT_EQ(c.guard.feed_invalid_max_permille, 250u);
  EXPECT_EQ(c.guard.feed_resume_permille, 100u);
  EXPECT_FALSE(c.guard.feed_auto_resume);
  EXPECT_EQ(c.halt_file, "/tmp/x.halt");
  EXPECT_EQ(c.token_file, "/tmp/x.token");
  // The canonical text carries it, and loads back to the same.
  EXPECT_EQ(load_config_string(c.to_toml()).to_toml(), c.to_toml());
}

TEST(Config, GuardValuesOutOfRangeNameTheKey) {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"repeat_reports = 1", "guard.repeat_reports = 1: an integer from 2 to"},
      {"repeat_window_ms = 0", "guard.repeat_window_ms = 0: an integer from 1 to"},
      {"rate_window_ms = -5", "guard.rate_window_ms = -5: an integer from 1 to"},
      {"rate_factor = 0", "guard.rate_factor = 0: an integer from 1 to"},
      {"rate_floor = 0", "guard.rate_floor = 0: an integer from 1 to"},
      {"rate_warmup_windows = 0", "guard.rate_warmup_windows = 0: an integer from 1 to"},
      {"feed_invalid_max_permille = 1001",
       "guard.feed_invalid_max_permille = 1001: an integer from 1 to 1000"},
      {"feed_invalid_max_permille = 0",
       "guard.feed_invalid_max_permille = 0: an integer from 1 to 1000"},
      {"feed_resume_permille = 1000",
       "guard.feed_resume_permille = 1000: an integer from 0 to 999"},
      {"feed_auto_resume = 1", "guard.feed_auto_resume = 1: true or false"},
      {"halt_file = 3", "guard.halt_file = 3: a string"},
      {"rate_factr = 3", "guard.rate_factr = 3: unknown key"},
  };
  for (const auto& [line, want] : bad) {
    const std::string e = error_of("[guard]\n" + line + "\n");
    EXPECT_NE(e.find("t.toml: " + want), std::string::npos) << line << " -> " << e;
  }
}

// Hysteresis: feed health recovers at or below feed_resume_permille, half of
// feed_invalid_max_permille unless given, and always below it.
TEST(Config, FeedResumeDefaultsToHalfTheThresholdAndMustBeBelowIt) {
  EXPECT_EQ(
      load_config_string("[guard]\nfeed_invalid_max_permille = 300\n").guard.feed_resume_permille,
      150u);
  EXPECT_EQ(
      load_config_string("[guard]\nfeed_invalid_max_permille = 1\n").guard.feed_resume_permille,
      0u);
  const std::string e =
      error_of("[guard]\nfeed_invalid_max_permille = 300\nfeed_resume_permille = 300\n");
  EXPECT_NE(e.find("t.toml: guard.feed_resume_permille must be below feed_invalid_max_permille "
                   "(300) (got 300)"),
            std::string::npos)
      << e;
}

TEST(Config, AControlTokenNeedsTheMetricsServer) {
  const std::string e =
      error_of("[guard]\ntoken_file = \"/tmp/t\"\n[telemetry]\nmetrics_address = \"\"\n");
  EXPECT_NE(e.find("t.toml: guard.token_file = \"/tmp/t\": the control endpoints are served by "
                   "the metrics server"),
            std::string::npos)
      << e;
}

TEST(Config, AGuardBuiltInCodeIsValidatedByTheGuardsRules) {
  bot_config c;
  c.guard.repeat_reports = 1;
  try {
    validate(c);
    ADD_FAILURE() << "repeat_reports 1 was accepted";
  } catch (const config_error& e) {
    EXPECT_NE(std::string(e.what()).find("repeat_reports"), std::string::npos) << e.what();
  }
  c.guard = guard_config{};
  c.guard.feed_invalid_max_permille = 0;
  EXPECT_THROW(validate(c), config_error);
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

// Found by fuzz/config.cc (corpus/config/regression-crash-b23fa12e8b15): a
// string holding a control character (a multi-line rest_url, "\u0001" in a
// path) loaded, but to_toml() wrote it raw, and its own canonical text did
// not load ("unescaped control characters other than TAB").
TEST(Config, CanonicalTextEscapesControlCharacters) {
  const bot_config c = load_config_string(
      "[exchange]\nca_file = \"a\\u0001b\\fc\\u007fd\\te\\u0080\"\n"
      "[journal]\npath = \"\"\"line one\nline two\\\\\"\"\"\n"
      "[strategy]\nfee_overrides = { ETHBTC = \"0.0009\" }\n");
  ASSERT_EQ(c.ca_file,
            "a\x01"
            "b\fc\x7f"
            "d\te\xc2\x80");
  ASSERT_EQ(c.journal_path, "line one\nline two\\");
  try {
    const bot_config d = load_config_string(c.to_toml());
    EXPECT_EQ(d.to_toml(), c.to_toml());
    EXPECT_EQ(d.ca_file, c.ca_file);
    EXPECT_EQ(d.journal_path, c.journal_path);
    EXPECT_NE(c.to_toml().find(R"(path = "line one\nline two\\")"), std::string::npos)
        << c.to_toml();
    EXPECT_NE(c.to_toml().find(R"(ca_file = "a\u0001b\fc\u007Fd)"), std::string::npos)
        << c.to_toml();
  } catch (const config_error& e) {
    ADD_FAILURE() << e.what() << "\n" << c.to_toml();
  }
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
           [](bot_config& c) { c.journal_fsync = journal_fsync_mode::every_record; },
           // [guard]: it moves the trading state, never what is decided.
           [](bot_config& c) { c.guard.rate_factor = 5; },
           [](bot_config& c) { c.guard.repeat_reports = 3; },
           [](bot_config& c) { c.guard.feed_auto_resume = false; },
           [](bot_config& c) { c.halt_file = "/run/triarb.halt"; },
           [](bot_config& c) { c.token_file = "/etc/triarb/token"; },
           // [execution]: what is done with a decision, never what is decided.
           [](bot_config& c) {
             c.execution.mode = execution_mode::paper;
             c.execution.balances["USDT"] = fixed8::from_units(10'000);
           },
           [](bot_config& c) { c.execution.max_slippage_bps = 25; },
           [](bot_config& c) { c.execution.max_notional = fixed8::from_units(5); },
           [](bot_config& c) { c.execution.latency_ns = 7; }}) {
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

// Hostile input: limits applied before the TOML parser sees the bytes (the
// parser recurses per dotted-key part: 50,000 parts crashed the binary).
namespace triarb {
namespace {

std::string dotted(std::size_t parts) {
  std::string k = "a";
  for (std::size_t i = 1; i < parts; ++i) k += ".a";
  return k;
}

TEST(ConfigLimits, DottedKeysAndTableHeadersHaveAtMostKMaxConfigKeyParts) {
  static_assert(kMaxConfigKeyParts == 16);
  // At the limit the scanner lets it through (the key is then unknown).
  EXPECT_NE(error_of("[" + dotted(16) + "]\nx = 1\n").find("unknown section"), std::string::npos);
  for (const std::string& text :
       {"dry_run = true\n\n[" + dotted(17) + "]\n", "dry_run = true\n\n" + dotted(17) + " = 1\n",
        "dry_run = true\n\nx = { " + dotted(17) + " = 1 }\n",
        "dry_run = true\n\n[strategy . \"q\" . " + dotted(15) + "]\n",
        "dry_run = true\n\n[[" + dotted(50'000) + "]]\n"}) {
    const std::string e = error_of(text);
    EXPECT_NE(e.find("t.toml:3:"), std::string::npos) << e.substr(0, 300);
    EXPECT_NE(e.find("more than 16 parts"), std::string::npos) << e.substr(0, 300);
    EXPECT_NE(e.find("kMaxConfigKeyParts"), std::string::npos) << e.substr(0, 300);
  }
}

TEST(ConfigLimits, ArraysAndInlineTablesNestAtMostKMaxConfigNestingDeep) {
  static_assert(kMaxConfigNesting == 16);
  const auto nested = [](std::size_t depth, char open, char close, std::string_view inner) {
    return "x = " + std::string(depth, open) + std::string(inner) + std::string(depth, close) +
           "\n";
  };
  EXPECT_NE(error_of(nested(16, '[', ']', "1")).find("t.toml: x = [...]: a section"),
            std::string::npos);
  std::string tables = "x = ";
  for (int i = 0; i < 17; ++i) tables += "{ a = ";
  tables += "1" + std::string(17, '}') + "\n";
  for (const std::string& text :
       {"\n" + nested(17, '[', ']', "1"), "\n" + nested(100'000, '[', ']', ""), "\n" + tables}) {
    const std::string e = error_of(text);
    EXPECT_NE(e.find("t.toml:2:"), std::string::npos) << e.substr(0, 300);
    EXPECT_NE(e.find("nested more than 16 deep"), std::string::npos) << e.substr(0, 300);
    EXPECT_NE(e.find("kMaxConfigNesting"), std::string::npos) << e.substr(0, 300);
  }
}

// Dots and brackets in comments and strings of every kind are not structure.
TEST(ConfigLimits, CommentsAndStringsDoNotCountTowardsTheLimits) {
  const std::string many = dotted(40) + std::string(40, '[') + std::string(40, '{');
  const bot_config c = load_config_string(
      "# " + many + "\n[journal]  # " + many + "\npath = \"" + many + "\\\" " + many +
      "\"\n[exchange]\nca_file = '''\n" + many + "\n" + many + "'''''\nrest_url = \"\"\"https://x" +
      many + "\"\"\"\nws_url = 'wss://" + many + "'\n");
  EXPECT_EQ(c.journal_path, many + "\" " + many);
  EXPECT_EQ(c.ca_file, many + "\n" + many + "''");
  EXPECT_EQ(c.rest_url, "https://x" + many);
}

TEST(ConfigLimits, TextOverKMaxConfigBytesIsRefused) {
  static_assert(kMaxConfigBytes == 1024 * 1024);
  std::string text = "dry_run = true\n#";
  text.resize(kMaxConfigBytes, 'x');
  EXPECT_TRUE(load_config_string(text).dry_run);
  text += 'x';
  const std::string e = error_of(text);
  EXPECT_NE(e.find("t.toml: 1048577 bytes"), std::string::npos) << e;
  EXPECT_NE(e.find("at most 1048576 bytes (kMaxConfigBytes)"), std::string::npos) << e;
}

std::string file_error_of(const std::string& path) {
  try {
    (void)load_config_file(path);
  } catch (const config_error& e) {
    return e.what();
  }
  return "";
}

TEST(ConfigLimits, AFileOverTheLimitOrADirectoryIsRefusedBeforeReading) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(::testing::TempDir()) / "config_limits";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string big = (dir / "big.toml").string();
  std::ofstream(big) << "dry_run = true\n";
  fs::resize_file(big, kMaxConfigBytes + 1);  // sparse: never read
  std::string e = file_error_of(big);
  EXPECT_NE(e.find(big + ": 1048577 bytes"), std::string::npos) << e;
  EXPECT_NE(e.find("kMaxConfigBytes"), std::string::npos) << e;
  e = file_error_of(dir.string());
  EXPECT_NE(e.find(dir.string() + ": a directory"), std::string::npos) << e;
  e = file_error_of((dir / "missing.toml").string());
  EXPECT_NE(e.find("cannot open"), std::string::npos) << e;
  fs::remove_all(dir);
}

// An empty file (or one of comments only) is a truncated or wrong file far
// more often than a wish for every default: it says so.
TEST(ConfigLimits, AnEmptyConfigurationIsRefused) {
  // A file cut after a table header holds no setting either (review finding:
  // "[strategy]\n" alone loaded as every default).
  for (const char* text :
       {"", "\n\n", "# nothing here\n", "[strategy]\n", "[exchange]\n[journal]\n# cut here\n"}) {
    const std::string e = error_of(text);
    EXPECT_NE(e.find("t.toml: no setting"), std::string::npos) << e;
    EXPECT_NE(e.find("dry_run = true"), std::string::npos) << e;
  }
  EXPECT_NO_THROW((void)load_config_string("[strategy]\nbudgets = {}\n")) << "a setting: none";
}

// Every decimal knob has a range that keeps the evaluator's arithmetic
// (1 + min_profit, budget x (1 + min_profit)) inside fixed8: a value out of
// it is a config_error naming key, value and range, never a later overflow.
TEST(ConfigLimits, DecimalKnobsAreRangeChecked) {
  const std::string huge = "\"92233720368.54775807\"";
  struct probe {
    std::string text, key, range;
  };
  for (const probe& p : std::vector<probe>{
           {"min_profit = " + huge, "strategy.min_profit = 92233720368.54775807", "0 to 1"},
           {"min_profit = \"1.00000001\"", "strategy.min_profit = 1.00000001", "0 to 1"},
           {"budget = " + huge, "strategy.budget = 92233720368.54775807",
            "0.00000001 to 10000000000"},
           {"budgets = { BTC = " + huge + " }", "strategy.budgets.BTC = 92233720368.54775807",
            "0.00000001 to 10000000000"},
           {"fee = " + huge, "strategy.fee = 92233720368.54775807", "0 to 0.99999999"},
           {"fee_overrides = { BTCUSDT = \"1\" }", "strategy.fee_overrides.BTCUSDT = 1",
            "0 to 0.99999999"}}) {
    const std::string e = error_of("[strategy]\n" + p.text + "\n");
    EXPECT_NE(e.find(p.key), std::string::npos) << e;
    EXPECT_NE(e.find(p.range), std::string::npos) << e;
  }
  // The same check for a configuration built in code (replay's flags).
  bot_config c;
  c.min_profit = fixed8::max();
  EXPECT_THROW(validate(c), config_error);
  // At the top of every range the evaluator accepts the configuration.
  const bot_config top = load_config_string(
      "[strategy]\nmin_profit = \"1\"\nbudget = \"10000000000\"\nfee = \"0.99999999\"\n");
  EXPECT_EQ(top.min_profit, kMaxMinProfit);
  EXPECT_EQ(top.budget, kMaxBudget);
  const universe u({{"BTCUSDT", "BTC", "USDT", {}}});
  const triangle_index idx = triangle_index::build(u, start_asset_ids(top, u));
  telemetry tel;
  EXPECT_NO_THROW(evaluator(u, idx, to_evaluator_config(top, u), tel));
}

TEST(ConnectionPlan, TheConnectionsTheUniverseNeedsMustFitTheConnectBudget) {
  bot_config c;  // 200 per connection, 300 attempts per 5 minutes
  EXPECT_NO_THROW(check_connection_plan(c, 1351));
  EXPECT_NO_THROW(check_connection_plan(c, 0));
  const auto error = [](const bot_config& cfg, std::size_t symbols) {
    try {
      check_connection_plan(cfg, symbols);
    } catch (const config_error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  c.symbols_per_connection = 1;
  EXPECT_NO_THROW(check_connection_plan(c, 300));
  std::string e = error(c, 1351);
  EXPECT_NE(e.find("1351 symbols / symbols_per_connection 1 = 1351 connections"), std::string::npos)
      << e;
  EXPECT_NE(e.find("reconnect_attempts_per_5min 300 allows 300"), std::string::npos) << e;
  EXPECT_NE(e.find("symbols_per_connection of at least 5"), std::string::npos) << e;
  EXPECT_NE(error(c, 301).find("= 301 connections"), std::string::npos);

  c = bot_config{};
  c.reconnect_attempts_per_5min = 1;
  EXPECT_NO_THROW(check_connection_plan(c, 200));
  e = error(c, 1351);
  EXPECT_NE(e.find("1351 symbols / symbols_per_connection 200 = 7 connections"), std::string::npos)
      << e;
  EXPECT_NE(e.find("reconnect_attempts_per_5min 1 allows 1"), std::string::npos) << e;
  EXPECT_NE(e.find("reconnect_attempts_per_5min of at least 7"), std::string::npos) << e;

  // More symbols than 1024 streams x 300 connections: no setting fits.
  c = bot_config{};
  c.symbols_per_connection = kMaxStreamsPerConnection;
  e = error(c, 400'000);
  EXPECT_NE(e.find("400000 symbols / symbols_per_connection 1024 = 391 connections"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("307200"), std::string::npos) << e;
}

}  // namespace
}  // namespace triarb

namespace triarb {
namespace {

TEST(ConfigExecution, OffByDefault) {
  const bot_config c = load_config_string("dry_run = true\n");
  EXPECT_EQ(c.execution.mode, execution_mode::off);
  EXPECT_EQ(c.execution.max_slippage_bps, 10u);
  EXPECT_EQ(c.execution.client_id_prefix, "tb");
  EXPECT_TRUE(c.execution.balances.empty());
}

TEST(ConfigExecution, ReadsEveryKnob) {
  const bot_config c = load_config_string(R"(
[exchange]
rest_url = "https://127.0.0.1:8443"
[execution]
mode = "sim"
max_slippage_bps = 30
client_id_prefix = "p1-x"
max_notional = "250"
max_notional_by_asset = { BTC = "0.01" }
max_open_cycles = 7
max_orders_per_10s = 60
max_residual_value = "12.5"
valuation_asset = "BTC"
latency_ns = 2000000
jitter_ns = 300000
seed = 42
api_key_env = "K"
api_secret_env = "S"
key_file = "keys.txt"
recv_window_ms = 3000
unknown_grace_ms = 7000
order_timeout_ms = 800
reconcile_interval_ms = 250
[execution.balances]
USDT = "10000"
BTC = 0.5
)");
  const execution_settings& e = c.execution;
  EXPECT_EQ(e.mode, execution_mode::sim);
  EXPECT_EQ(e.max_slippage_bps, 30u);
  EXPECT_EQ(e.client_id_prefix, "p1-x");
  EXPECT_EQ(e.max_notional, fixed8::from_units(250));
  EXPECT_EQ(e.max_notional_by_asset.at("BTC"), fixed8::from_raw(1'000'000));
  EXPECT_EQ(e.max_open_cycles, 7u);
  EXPECT_EQ(e.max_orders_per_10s, 60u);
  EXPECT_EQ(e.max_residual_value, fixed8::from_raw(1'250'000'000));
  EXPECT_EQ(e.valuation_asset, "BTC");
  EXPECT_EQ(e.latency_ns, 2'000'000);
  EXPECT_EQ(e.jitter_ns, 300'000);
  EXPECT_EQ(e.seed, 42u);
  EXPECT_EQ(e.balances.at("USDT"), fixed8::from_units(10'000));
  EXPECT_EQ(e.balances.at("BTC"), fixed8::from_raw(50'000'000));
  EXPECT_EQ(e.api_key_env, "K");
  EXPECT_EQ(e.api_secret_env, "S");
  EXPECT_EQ(e.key_file, "keys.txt");
  EXPECT_EQ(e.recv_window_ms, 3000);
  EXPECT_EQ(e.unknown_grace_ms, 7000);
  EXPECT_EQ(e.order_timeout_ms, 800);
  EXPECT_EQ(e.reconcile_interval_ms, 250);
  // The canonical text prints them all and loads back to the same.
  const bot_config again = load_config_string(c.to_toml());
  EXPECT_EQ(again.to_toml(), c.to_toml());
  EXPECT_EQ(again.execution.balances, e.balances);
  EXPECT_EQ(again.execution.mode, execution_mode::sim);
}

TEST(ConfigExecution, LiveIsRefusedAndOtherModesAreErrors) {
  const std::string live = error_of("[execution]\nmode = \"live\"\n");
  EXPECT_NE(live.find("execution.mode = \"live\""), std::string::npos) << live;
  EXPECT_NE(live.find("live order placement on a real exchange is not built"), std::string::npos)
      << live;
  const std::string other = error_of("[execution]\nmode = \"real\"\n");
  EXPECT_NE(other.find("execution.mode = \"real\": \"off\", \"paper\" or \"sim\""),
            std::string::npos)
      << other;
  EXPECT_NE(error_of("[execution]\nmode = 1\n").find("execution.mode = 1: a string"),
            std::string::npos);
}

TEST(ConfigExecution, ValuesOutOfRangeNameTheKnob) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"max_slippage_bps = 5001", "execution.max_slippage_bps = 5001: an integer from 0 to 5000"},
      {"max_open_cycles = 0", "execution.max_open_cycles = 0: an integer from 1 to 1000"},
      {"max_orders_per_10s = 100", "execution.max_orders_per_10s = 100: an integer from 3 to 99"},
      {"latency_ns = -1", "execution.latency_ns = -1"},
      {"recv_window_ms = 60001", "execution.recv_window_ms = 60001"},
      {"unknown_grace_ms = 600001",
       "execution.unknown_grace_ms = 600001: an integer from 0 to 600000"},
      {"unknown_grace_ms = -1", "execution.unknown_grace_ms = -1"},
      {"order_timeout_ms = 10", "execution.order_timeout_ms = 10"},
      {"reconcile_interval_ms = 99", "execution.reconcile_interval_ms = 99"},
      {"client_id_prefix = \"has space\"", "execution.client_id_prefix = \"has space\": 1 to 13"},
      {"client_id_prefix = \"abcdefghijklmn\"", "execution.client_id_prefix"},
      {"max_notional = \"0\"", "execution.max_notional = 0: a positive amount"},
      {"max_residual_value = \"-1\"", "execution.max_residual_value"},
      {"valuation_asset = \"usdt\"", "execution.valuation_asset = \"usdt\""},
      {"balances = { usdt = \"1\" }", "execution.balances.usdt"},
      {"colour = 1", "execution.colour = 1: unknown key"},
  };
  for (const auto& [line, want] : cases) {
    const std::string e = error_of("[execution]\n" + line + "\n");
    EXPECT_NE(e.find(want), std::string::npos) << line << " -> " << e;
  }
}

TEST(ConfigExecution, CrossFieldRules) {
  // Paper fills against starting balances: none is an error naming the table.
  const std::string none = error_of("[execution]\nmode = \"paper\"\n");
  EXPECT_NE(none.find("execution.balances = {}: paper mode fills against starting balances"),
            std::string::npos)
      << none;
  EXPECT_EQ(error_of("[execution]\nmode = \"paper\"\n[execution.balances]\nUSDT = \"10000\"\n"),
            "");
  // Sim sends orders to a loopback exchange only.
  const std::string remote = error_of("[execution]\nmode = \"sim\"\n");
  EXPECT_NE(remote.find("exchange.rest_url = https://api.binance.com: execution.mode = \"sim\""),
            std::string::npos)
      << remote;
  for (const char* url : {"https://127.0.0.1:1", "https://localhost:8443/x", "https://[::1]:9"}) {
    EXPECT_EQ(error_of(std::string("[exchange]\nrest_url = \"") + url +
                       "\"\n[execution]\nmode = \"sim\"\n"),
              "")
        << url;
  }
  EXPECT_NE(error_of("[exchange]\nrest_url = \"https://127.0.0.1.evil.com\"\n[execution]\nmode = "
                     "\"sim\"\n"),
            "");
  // One fee rate for the engine and its ledger.
  const std::string fees = error_of(
      "[strategy]\nfee_overrides = { BTCUSDT = \"0.0005\" }\n[execution]\nmode = "
      "\"paper\"\nbalances = { USDT = \"1\" }\n");
  EXPECT_NE(fees.find("strategy.fee_overrides"), std::string::npos) << fees;
  // Built in code: validate() says the same.
  bot_config c;
  c.execution.max_orders_per_10s = 100;
  try {
    validate(c);
    ADD_FAILURE() << "validated";
  } catch (const config_error& e) {
    EXPECT_NE(std::string(e.what()).find("execution.max_orders_per_10s = 100"), std::string::npos)
        << e.what();
  }
}

TEST(ConfigExecution, MapsToTheEnginesConfigurationForAUniverse) {
  const universe u({{"BTCUSDT", "BTC", "USDT", {}},
                    {"ETHBTC", "ETH", "BTC", {}},
                    {"ETHUSDT", "ETH", "USDT", {}}});
  bot_config c = load_config_string(R"(
[strategy]
fee = "0.00075"
[execution]
mode = "paper"
max_slippage_bps = 20
max_notional = "50"
max_notional_by_asset = { BTC = "0.002" }
max_open_cycles = 2
max_orders_per_10s = 30
max_residual_value = "5"
recv_window_ms = 3000
unknown_grace_ms = 0
[execution.balances]
USDT = "1000"
ETH = "0"
)");
  const execution_plan p = to_execution_plan(c, u);
  EXPECT_EQ(p.engine.cycle.fee_rate, fixed8::from_raw(75'000));
  EXPECT_EQ(p.engine.cycle.max_slippage_bps, 20u);
  EXPECT_EQ(p.engine.risk.max_notional, fixed8::from_units(50));
  ASSERT_EQ(p.engine.risk.max_notional_by_asset.size(), u.assets().size());
  EXPECT_EQ(p.engine.risk.max_notional_by_asset[*u.find_asset("BTC")], fixed8::from_raw(200'000));
  EXPECT_EQ(p.engine.risk.max_open_cycles, 2u);
  EXPECT_EQ(p.engine.risk.max_orders_per_10s, 30u);
  EXPECT_EQ(p.engine.risk.max_residual_value, fixed8::from_units(5));
  EXPECT_EQ(p.engine.recv_window_ms, 3000);
  EXPECT_EQ(p.engine.unknown_grace_ms, 0);  // mapped (the engine's default is 5000)
  EXPECT_EQ(p.valuation, *u.find_asset("USDT"));
  ASSERT_EQ(p.start.size(), 2u);  // ETH before USDT: the table's order
  EXPECT_EQ(p.start[0].asset, *u.find_asset("ETH"));
  EXPECT_EQ(p.start[1].balance, fixed8::from_units(1000));
  // An asset the exchange does not trade names its key.
  c.execution.balances["DOGE"] = fixed8::one();
  try {
    (void)to_execution_plan(c, u);
    ADD_FAILURE() << "mapped";
  } catch (const config_error& e) {
    EXPECT_NE(std::string(e.what()).find("execution.balances.DOGE = 1"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace triarb
