// config: every knob of the bot, with defaults, loaded from TOML and
// validated. A bad value is a config_error naming the key, the value and what
// is allowed; unknown keys are errors too (a typo must not silently become a
// default).
//
//   bot_config c = load_config_file("triarb.toml");    // throws config_error
//   bot_config d;                                       // all defaults
//
// Decimal knobs (fees, budgets, min_profit) are exact: write them as strings
// ("0.001") or as TOML numbers, which are read back through their shortest
// round-trip text, so 0.001 means exactly 0.001.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/evaluator.h"
#include "core/fixed8.h"
#include "core/trading_guard.h"
#include "core/universe.h"

namespace triarb {

class config_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The limit the old code learned from the gateway's HTTP 414 on long
// subscription URLs; the documented hard limit is kMaxStreamsPerConnection.
inline constexpr int kDefaultSymbolsPerConnection = 200;
inline constexpr int kMaxStreamsPerConnection = 1024;
// The exchange's documented limit on connection attempts: 300 per five
// minutes per IP (net/connect_budget.h); reconnect_attempts_per_5min is at most this.
inline constexpr int kMaxConnectsPer5Min = 300;

enum class journal_fsync_mode : std::uint8_t { every_record, interval, never };

// [execution] mode (docs/design.md, section 12): off (detection only), paper
// (no order leaves the process: the engine's paper transport fills each leg
// against the bot's own book after a seeded latency), sim (orders over TLS
// to the simulated exchange's order API; loopback only). "live" is refused.
enum class execution_mode : std::uint8_t { off, paper, sim };
[[nodiscard]] std::string_view to_string(execution_mode m) noexcept;  // "paper"

// [execution]: the knobs of core/execution_engine.h and its transports.
// Operational, like [guard]: not in decision_toml() (they change what is done
// with a decision, never what the evaluator decides; the fee rate legs are
// sized with is [strategy]'s fee, which is), so a chain continues when they
// change. The audit checks every order against its decision; only the full
// audit also checks legs 2 and 3 against the max_slippage_bps it is given.
struct execution_settings {
  execution_mode mode = execution_mode::off;
  // cycle (core/cycle.h): legs 2 and 3's price caps; the client order id prefix.
  std::uint32_t max_slippage_bps = 10;  // 0..5000
  std::string client_id_prefix = "tb";  // 1..13 of [A-Za-z0-9_-]
  // risk (core/risk_gate.h)
  fixed8 max_notional = fixed8::from_units(100);        // leg 1's spend, start-asset units
  std::map<std::string, fixed8> max_notional_by_asset;  // start asset -> limit
  std::uint32_t max_open_cycles = 4;                    // 1..1000
  std::uint32_t max_orders_per_10s = 50;                // 3..99 (the exchange allows 100)
  fixed8 max_residual_value = fixed8::from_units(100);  // in valuation_asset
  std::string valuation_asset = "USDT";                 // residuals valued in it
  // paper: the latency model (core/fill_model.h) and the starting balances
  // (the paper account; in sim the account is the exchange's, read at start).
  std::int64_t latency_ns = 1'000'000;  // 0..10 s
  std::int64_t jitter_ns = 0;           // 0..10 s, seeded
  std::uint64_t seed = 1;
  std::map<std::string, fixed8> balances;  // asset -> amount ([execution.balances])
  // sim: the API keys (net/api_keys.h: key_file when not empty, else the two
  // environment variables), recvWindow, how long an order's answer may take
  // before it is unknown, and how often the account is reconciled.
  std::string api_key_env = "TRIARB_API_KEY";
  std::string api_secret_env = "TRIARB_API_SECRET";
  std::string key_file;
  std::int64_t recv_window_ms = 5000;  // 1..60000 (the exchange's maximum)
  // An unknown order excuses a difference on its assets until its send
  // time + recv_window_ms + this; after that it is a mismatch and a halt
  // (core/execution_engine.h's unknown_grace_ms).
  std::int64_t unknown_grace_ms = 5000;       // 0..600000
  std::int64_t order_timeout_ms = 2000;       // 50..60000
  std::int64_t reconcile_interval_ms = 1000;  // 100..3600000
};

struct bot_config {
  // [exchange]
  std::string rest_url = "https://api.binance.com";
  std::string ws_url = "wss://stream.binance.com:9443";
  std::string ca_file;  // empty: the system trust store
  // [strategy]
  std::vector<std::string> start_assets{"USDT"};
  fixed8 fee = fixed8::from_raw(100'000);       // 0.001 taker
  std::map<std::string, fixed8> fee_overrides;  // symbol -> fee
  fixed8 min_profit = fixed8::zero();
  fixed8 budget = fixed8::from_units(1000);  // in start-asset units
  std::map<std::string, fixed8> budgets;     // start asset -> budget
  std::int64_t max_leg_age_ms = 10'000;
  // [connections]
  int symbols_per_connection = kDefaultSymbolsPerConnection;
  std::int64_t pong_deadline_ms = 60'000;  // silence past this is a dead connection
  // No data frame on a connection for this long: its symbols are invalid
  // until each gets a fresh frame (the connection stays open). A stall shows
  // here long before the pong deadline. 0: off; else 50 ms to pong_deadline_ms.
  std::int64_t quiet_ms = 3'000;
  std::int64_t rotate_after_ms = 23LL * 3600 * 1000;  // before the 24 h server limit
  int reconnect_attempts_per_5min = 300;
  // [journal]
  std::string journal_path = "triarb-journal.jsonl";
  journal_fsync_mode journal_fsync = journal_fsync_mode::interval;
  std::int64_t journal_fsync_interval_ms = 100;
  std::int64_t journal_rotate_bytes = 256LL * 1024 * 1024;
  std::int64_t journal_checkpoint_ms = 10'000;
  // [telemetry]
  std::int64_t telemetry_interval_ms = 1000;
  std::string metrics_address = "127.0.0.1:9464";  // empty: no metrics server
  // [guard] (core/trading_guard.h; docs/design.md, "Layer four"). Operational
  // knobs: not in decision_toml() (they move the trading state, never what
  // the evaluator decides), so changing them continues the journal's chain.
  // TOML in ms (repeat_window_ms, rate_window_ms), here in ns as the guard
  // takes them; start_ns is not a knob.
  guard_config guard;
  // A file whose existence halts trading: present at start-up, the bot
  // starts halted; created while running, it halts within ~100 ms; while it
  // exists, resume is refused. Empty: none.
  std::string halt_file;
  // The operator's bearer token for POST /halt and /resume on the metrics
  // server, read once at start-up (a regular file, not a symbolic link,
  // owned by the bot's user with no group or other bits, at most 4,096
  // bytes, holding a token of at least 16 bytes). Empty: the control
  // endpoints answer 404.
  std::string token_file;
  // [execution]
  execution_settings execution;
  // top level
  bool dry_run = true;  // live order placement is not built; false is refused

  // The configuration as canonical text, every knob.
  [[nodiscard]] std::string to_toml() const;
  // Only the knobs that change decisions, as canonical text: the exchange,
  // [strategy] (start assets, fees, budgets, min_profit, max_leg_age_ms) and
  // the staleness guards (pong_deadline_ms, quiet_ms). The journal's genesis
  // records this text and its hash, so a chain continues across restarts
  // that change only operational knobs (metrics address, telemetry, CA file,
  // rotation, budgets of the connection layer, the journal's own settings)
  // and refuses one that would change what the bot decides.
  [[nodiscard]] std::string decision_toml() const;
};

// Limits applied to the text before the TOML parser sees it (the parser
// recurses per dotted-key part and per nested value: 50,000 parts crashed
// it). A real configuration is a few hundred bytes, keys of at most three
// parts (strategy.fee_overrides.BNBUSDT) and one level of nesting.
inline constexpr std::size_t kMaxConfigBytes = 1024 * 1024;
inline constexpr std::size_t kMaxConfigKeyParts = 16;  // a.b.c: 3 (keys and table headers)
inline constexpr std::size_t kMaxConfigNesting = 16;   // arrays and inline tables, one in another

// The decimal knobs' ranges (validate() refuses values outside): they keep the
// evaluator's arithmetic inside fixed8 (1 + min_profit, and the sized amount
// against budget x (1 + min_profit)), so no value that loads overflows later.
// fee and fee_overrides: 0 to 0.99999999; budget and budgets: 0.00000001 to
// kMaxBudget; min_profit: 0 to kMaxMinProfit.
inline constexpr fixed8 kMaxMinProfit = fixed8::one();                    // a 100% cycle
inline constexpr fixed8 kMaxBudget = fixed8::from_units(10'000'000'000);  // start-asset units

// Throws config_error (with the file name) on a syntax error or a bad value,
// a text over the limits above (naming the limit, and the line), and a text
// with no setting at all (an empty or truncated file: `dry_run = true` is
// the configuration of every default). load_config_file refuses a directory
// and a file over kMaxConfigBytes before reading it.
[[nodiscard]] bot_config load_config_file(const std::string& path);
[[nodiscard]] bot_config load_config_string(std::string_view toml_text,
                                            std::string_view source_name = "config");
// Checks every range (the decimal knobs' too, for a configuration built in
// code) and the cross-field rules; load_* call it. Throws config_error.
void validate(const bot_config& c);

// With quiet_ms off, a stream that stops sending data while it answers pings
// leaves its legs usable for max_leg_age_ms; above this, validate() refuses
// the pair (every guard against a silent stall off at once).
inline constexpr std::int64_t kMaxLegAgeWithoutQuietMs = 60'000;

// A loopback "host:port": host an IPv4 literal in 127.0.0.0/8 or "[::1]",
// port 0 to 65535 in decimal digits only (0: any free port). The metrics
// server binds what this returns; validate() refuses what it refuses, so a
// configuration that passes never fails later at bind time.
struct loopback_endpoint {
  std::string host;  // "127.0.0.1" or "::1" (no brackets)
  std::uint16_t port = 0;
};
[[nodiscard]] std::optional<loopback_endpoint> parse_loopback_address(std::string_view hostport);

// The evaluator's view of the configuration for one universe: fees per
// symbol id, budgets per asset id, min_profit, max_leg_age. A fee override
// or budget naming a symbol or asset the universe does not trade is a
// config_error (a typo must not silently leave the default in place).
[[nodiscard]] evaluator_config to_evaluator_config(const bot_config& c, const universe& u);

// The connections a universe of `symbols` needs,
// ceil(symbols / symbols_per_connection), must all open within one window of
// the connect budget (reconnect_attempts_per_5min, at most the exchange's 300
// connection attempts per five minutes per IP): otherwise the start-up alone
// exhausts it and the rest of the symbols wait on HTTP 429s for five minutes
// and more. Throws config_error showing the arithmetic and the smallest
// setting that fits. Pure; run and record call it once the universe is known,
// before connecting.
void check_connection_plan(const bot_config& c, std::size_t symbols);

// The start assets' ids in this universe, in the configured order (run,
// replay and audit build their triangle index from them). An asset the
// universe does not trade is a config_error naming it.
[[nodiscard]] std::vector<asset_id> start_asset_ids(const bot_config& c, const universe& u);

}  // namespace triarb
