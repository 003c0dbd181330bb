// config: TOML loading and validation. See config.h.
#include "config/config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "config/execution_plan.h"

namespace triarb {
namespace {

[[noreturn]] void fail(std::string_view source, std::string_view key, std::string_view value,
                       std::string_view allowed) {
  std::ostringstream os;
  os << source << ": " << key << " = " << value << ": " << allowed;
  throw config_error(os.str());
}

std::string describe(const toml::node& n) {
  std::ostringstream os;
  if (n.is_string()) {
    os << '"' << n.as_string()->get() << '"';
  } else {
    n.visit([&](const auto& v) {
      if constexpr (toml::is_table<decltype(v)>) {
        os << "{...}";
      } else if constexpr (toml::is_array<decltype(v)>) {
        os << "[...]";
      } else {
        os << v;
      }
    });
  }
  return os.str();
}

fixed8 read_decimal(std::string_view src, const std::string& key, const toml::node& n,
                    bool allow_negative = false) {
  std::string text;
  if (n.is_string()) {
    text = n.as_string()->get();
  } else if (n.is_integer()) {
    text = std::to_string(n.as_integer()->get());
  } else if (n.is_floating_point()) {
    // The shortest text that reads back as the same double: the literal the
    // user wrote, for any literal of up to 15 significant digits.
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, n.as_floating_point()->get());
    text.assign(buf, r.ptr);
    if (text.find_first_of("eE") != std::string::npos) {
      fail(src, key, describe(n),
           "a decimal without exponent (write it as a string, e.g. \"0.001\")");
    }
  } else {
    fail(src, key, describe(n), "a decimal number, e.g. \"0.001\"");
  }
  const fixed8_result r = allow_negative ? parse_fixed8(text) : parse_unsigned_fixed8(text);
  if (!r.ok()) {
    fail(src, key, describe(n),
         std::string("a ") + (allow_negative ? "" : "non-negative ") +
             "decimal with at most 8 fractional digits (" + std::string(to_string(r.ec)) + ")");
  }
  return r.value;
}

std::int64_t read_int(std::string_view src, const std::string& key, const toml::node& n,
                      std::int64_t lo, std::int64_t hi) {
  if (!n.is_integer()) fail(src, key, describe(n), "an integer");
  const std::int64_t v = n.as_integer()->get();
  if (v < lo || v > hi) {
    fail(src, key, describe(n),
         "an integer from " + std::to_string(lo) + " to " + std::to_string(hi));
  }
  return v;
}

std::string read_string(std::string_view src, const std::string& key, const toml::node& n) {
  if (!n.is_string()) fail(src, key, describe(n), "a string");
  return n.as_string()->get();
}

bool read_bool(std::string_view src, const std::string& key, const toml::node& n) {
  if (!n.is_boolean()) fail(src, key, describe(n), "true or false");
  return n.as_boolean()->get();
}

bool is_asset_name(std::string_view s) {
  if (s.empty() || s.size() > 20) return false;
  for (char c : s) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return false;
  }
  return true;
}

std::map<std::string, fixed8> read_decimal_table(std::string_view src, const std::string& key,
                                                 const toml::node& n) {
  if (!n.is_table()) fail(src, key, describe(n), "a table of NAME = \"decimal\"");
  std::map<std::string, fixed8> out;
  for (auto&& [k, v] : *n.as_table()) {
    const std::string name(k.str());
    if (!is_asset_name(name)) {
      fail(src, key + "." + name, describe(v), "keys are upper-case symbol or asset names");
    }
    out[name] = read_decimal(src, key + "." + name, v);
  }
  return out;
}

// [guard]: the ranges trading_guard.h's validate() accepts (it runs too, in
// validate_in, for a configuration built in code), upper bounds far above use.
void apply_guard(bot_config& c, std::string_view src, const std::string& key,
                 const std::string& full, const toml::node& v) {
  guard_config& g = c.guard;
  constexpr std::int64_t kMaxWindowMs = 86'400'000;  // a day
  constexpr std::int64_t kMaxCount = 1'000'000'000;
  if (key == "repeat_reports") {
    g.repeat_reports = static_cast<std::uint32_t>(read_int(src, full, v, 2, 1'000'000));
  } else if (key == "repeat_window_ms") {
    g.repeat_window_ns = read_int(src, full, v, 1, kMaxWindowMs) * 1'000'000;
  } else if (key == "rate_window_ms") {
    g.rate_window_ns = read_int(src, full, v, 1, kMaxWindowMs) * 1'000'000;
  } else if (key == "rate_factor") {
    g.rate_factor = static_cast<std::uint64_t>(read_int(src, full, v, 1, kMaxCount));
  } else if (key == "rate_floor") {
    g.rate_floor = static_cast<std::uint64_t>(read_int(src, full, v, 1, kMaxCount));
  } else if (key == "rate_warmup_windows") {
    g.rate_warmup_windows = static_cast<std::uint64_t>(read_int(src, full, v, 1, kMaxCount));
  } else if (key == "feed_invalid_max_permille") {
    g.feed_invalid_max_permille = static_cast<std::uint32_t>(read_int(src, full, v, 1, 1000));
  } else if (key == "feed_resume_permille") {
    g.feed_resume_permille = static_cast<std::uint32_t>(read_int(src, full, v, 0, 999));
  } else if (key == "feed_auto_resume") {
    g.feed_auto_resume = read_bool(src, full, v);
  } else if (key == "halt_file") {
    c.halt_file = read_string(src, full, v);
  } else if (key == "token_file") {
    c.token_file = read_string(src, full, v);
  } else {
    fail(src, full, describe(v),
         "unknown key (allowed: repeat_reports, repeat_window_ms, rate_window_ms, rate_factor, "
         "rate_floor, rate_warmup_windows, feed_invalid_max_permille, feed_resume_permille, "
         "feed_auto_resume, "
         "halt_file, token_file)");
  }
}

// [execution] (config.h, execution_settings). Ranges here; the cross-field
// rules (mode sim needs a loopback exchange, paper needs balances) in validate.
void apply_execution(bot_config& c, std::string_view src, const std::string& key,
                     const std::string& full, const toml::node& v) {
  execution_settings& e = c.execution;
  constexpr std::int64_t kMaxLatencyNs = 10'000'000'000;  // 10 s
  if (key == "mode") {
    const std::string m = read_string(src, full, v);
    if (m == "off") {
      e.mode = execution_mode::off;
    } else if (m == "paper") {
      e.mode = execution_mode::paper;
    } else if (m == "sim") {
      e.mode = execution_mode::sim;
    } else if (m == "live") {
      fail(src, full, describe(v),
           "live order placement on a real exchange is not built; use \"off\", \"paper\" "
           "(filled against the bot's own book, no order leaves the process) or \"sim\" (the "
           "simulated exchange's order API on loopback)");
    } else {
      fail(src, full, describe(v), "\"off\", \"paper\" or \"sim\"");
    }
  } else if (key == "max_slippage_bps") {
    e.max_slippage_bps = static_cast<std::uint32_t>(read_int(src, full, v, 0, kMaxSlippageBps));
  } else if (key == "client_id_prefix") {
    e.client_id_prefix = read_string(src, full, v);
  } else if (key == "max_notional") {
    e.max_notional = read_decimal(src, full, v);
  } else if (key == "max_notional_by_asset") {
    e.max_notional_by_asset = read_decimal_table(src, full, v);
  } else if (key == "max_open_cycles") {
    e.max_open_cycles = static_cast<std::uint32_t>(read_int(src, full, v, 1, 1000));
  } else if (key == "max_orders_per_10s") {
    e.max_orders_per_10s = static_cast<std::uint32_t>(read_int(src, full, v, 3, 99));
  } else if (key == "max_residual_value") {
    e.max_residual_value = read_decimal(src, full, v);
  } else if (key == "valuation_asset") {
    e.valuation_asset = read_string(src, full, v);
  } else if (key == "latency_ns") {
    e.latency_ns = read_int(src, full, v, 0, kMaxLatencyNs);
  } else if (key == "jitter_ns") {
    e.jitter_ns = read_int(src, full, v, 0, kMaxLatencyNs);
  } else if (key == "seed") {
    e.seed = static_cast<std::uint64_t>(
        read_int(src, full, v, 0, std::numeric_limits<std::int64_t>::max()));
  } else if (key == "balances") {
    e.balances = read_decimal_table(src, full, v);
  } else if (key == "api_key_env") {
    e.api_key_env = read_string(src, full, v);
  } else if (key == "api_secret_env") {
    e.api_secret_env = read_string(src, full, v);
  } else if (key == "key_file") {
    e.key_file = read_string(src, full, v);
  } else if (key == "recv_window_ms") {
    e.recv_window_ms = read_int(src, full, v, 1, 60'000);
  } else if (key == "unknown_grace_ms") {
    e.unknown_grace_ms = read_int(src, full, v, 0, 600'000);
  } else if (key == "order_timeout_ms") {
    e.order_timeout_ms = read_int(src, full, v, 50, 60'000);
  } else if (key == "reconcile_interval_ms") {
    e.reconcile_interval_ms = read_int(src, full, v, 100, 3'600'000);
  } else {
    fail(src, full, describe(v),
         "unknown key (allowed: mode, max_slippage_bps, client_id_prefix, max_notional, "
         "max_notional_by_asset, max_open_cycles, max_orders_per_10s, max_residual_value, "
         "valuation_asset, latency_ns, jitter_ns, seed, balances, api_key_env, api_secret_env, "
         "key_file, recv_window_ms, unknown_grace_ms, order_timeout_ms, "
         "reconcile_interval_ms)");
  }
}

void apply(bot_config& c, std::string_view src, const toml::table& root) {
  for (auto&& [section_key, section] : root) {
    const std::string sec(section_key.str());
    if (sec == "dry_run") {
      c.dry_run = read_bool(src, sec, section);
      continue;
    }
    if (!section.is_table()) {
      fail(src, sec, describe(section),
           "a section [exchange], [strategy], [connections], [journal], [telemetry], [guard], "
           "[execution] or dry_run");
    }
    for (auto&& [k, v] : *section.as_table()) {
      const std::string key(k.str());
      const std::string full = sec + "." + key;
      if (sec == "exchange") {
        if (key == "rest_url")
          c.rest_url = read_string(src, full, v);
        else if (key == "ws_url")
          c.ws_url = read_string(src, full, v);
        else if (key == "ca_file")
          c.ca_file = read_string(src, full, v);
        else
          fail(src, full, describe(v), "unknown key (allowed: rest_url, ws_url, ca_file)");
      } else if (sec == "strategy") {
        if (key == "start_assets") {
          if (!v.is_array() || v.as_array()->empty()) {
            fail(src, full, describe(v), "a non-empty array of asset names, e.g. [\"USDT\"]");
          }
          c.start_assets.clear();
          for (const toml::node& e : *v.as_array()) {
            const std::string a = read_string(src, full, e);
            if (!is_asset_name(a)) fail(src, full, describe(e), "upper-case asset names");
            c.start_assets.push_back(a);
          }
        } else if (key == "fee")
          c.fee = read_decimal(src, full, v);
        else if (key == "fee_overrides")
          c.fee_overrides = read_decimal_table(src, full, v);
        else if (key == "min_profit")
          c.min_profit = read_decimal(src, full, v);
        else if (key == "budget")
          c.budget = read_decimal(src, full, v);
        else if (key == "budgets")
          c.budgets = read_decimal_table(src, full, v);
        else if (key == "max_leg_age_ms")
          c.max_leg_age_ms = read_int(src, full, v, 1, 86'400'000);
        else {
          fail(src, full, describe(v),
               "unknown key (allowed: start_assets, fee, fee_overrides, min_profit, budget, "
               "budgets, max_leg_age_ms)");
        }
      } else if (sec == "connections") {
        if (key == "symbols_per_connection") {
          c.symbols_per_connection =
              static_cast<int>(read_int(src, full, v, 1, kMaxStreamsPerConnection));
        } else if (key == "pong_deadline_ms") {
          c.pong_deadline_ms = read_int(src, full, v, 1000, 600'000);
        } else if (key == "quiet_ms") {
          c.quiet_ms = read_int(src, full, v, 0, 600'000);
        } else if (key == "rotate_after_ms") {
          c.rotate_after_ms = read_int(src, full, v, 1000, 24LL * 3600 * 1000 - 60'000);
        } else if (key == "reconnect_attempts_per_5min") {
          c.reconnect_attempts_per_5min =
              static_cast<int>(read_int(src, full, v, 1, kMaxConnectsPer5Min));
        } else {
          fail(src, full, describe(v),
               "unknown key (allowed: symbols_per_connection, pong_deadline_ms, quiet_ms, "
               "rotate_after_ms, reconnect_attempts_per_5min)");
        }
      } else if (sec == "journal") {
        if (key == "path")
          c.journal_path = read_string(src, full, v);
        else if (key == "fsync") {
          const std::string p = read_string(src, full, v);
          if (p == "every_record")
            c.journal_fsync = journal_fsync_mode::every_record;
          else if (p == "interval")
            c.journal_fsync = journal_fsync_mode::interval;
          else if (p == "never")
            c.journal_fsync = journal_fsync_mode::never;
          else
            fail(src, full, describe(v), "\"every_record\", \"interval\" or \"never\"");
        } else if (key == "fsync_interval_ms") {
          c.journal_fsync_interval_ms = read_int(src, full, v, 1, 60'000);
        } else if (key == "rotate_bytes") {
          c.journal_rotate_bytes = read_int(src, full, v, 4096, 1LL << 40);
        } else if (key == "checkpoint_ms") {
          c.journal_checkpoint_ms = read_int(src, full, v, 100, 3'600'000);
        } else {
          fail(src, full, describe(v),
               "unknown key (allowed: path, fsync, fsync_interval_ms, rotate_bytes, "
               "checkpoint_ms)");
        }
      } else if (sec == "guard") {
        apply_guard(c, src, key, full, v);
      } else if (sec == "execution") {
        apply_execution(c, src, key, full, v);
      } else if (sec == "telemetry") {
        if (key == "interval_ms")
          c.telemetry_interval_ms = read_int(src, full, v, 100, 3'600'000);
        else if (key == "metrics_address")
          c.metrics_address = read_string(src, full, v);
        else
          fail(src, full, describe(v), "unknown key (allowed: interval_ms, metrics_address)");
      } else {
        fail(src, sec, "[...]",
             "unknown section (allowed: [exchange], [strategy], [connections], [journal], "
             "[telemetry], [guard], [execution], and dry_run)");
      }
    }
  }
  // guard.feed_resume_permille, when not given, is half of a given
  // feed_invalid_max_permille (the guard's own default, 250, is half of 500).
  if (const toml::table* g = root["guard"].as_table(); g != nullptr &&
                                                       g->contains("feed_invalid_max_permille") &&
                                                       !g->contains("feed_resume_permille")) {
    c.guard.feed_resume_permille = c.guard.feed_invalid_max_permille / 2;
  }
}

[[noreturn]] void too_big(std::string_view source, std::string_view size) {
  std::ostringstream os;
  os << source << ": " << size << " bytes; a configuration is at most " << kMaxConfigBytes
     << " bytes (kMaxConfigBytes)";
  throw config_error(os.str());
}

bool is_bare_key_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

// The structural limits (config.h), checked on the text before the TOML
// parser sees it. A conservative scan, not a TOML parser: outside comments
// and strings (basic, literal, and both multi-line kinds, escapes included),
// a run of bare or quoted parts joined by dots (spaces around a dot allowed)
// counts as a dotted key or table header, and every '[' or '{' opens one
// level until its ']' or '}'. A value such as 1.5 or a date is a run of at
// most two parts, and a table header's own brackets are two levels, far
// below the limits.
void check_text_limits(std::string_view t, std::string_view src) {
  std::size_t line = 1;
  std::size_t line_start = 0;
  std::size_t depth = 0;
  std::size_t parts = 0;  // of the current dotted run; 0: none
  const auto where = [&](std::size_t at) {
    std::ostringstream os;
    os << src << ":" << line << ":" << at - line_start + 1 << ": ";
    return os.str();
  };
  const auto newline = [&](std::size_t at) {
    ++line;
    line_start = at + 1;
  };
  // Skips the string starting at i (its opening quote); returns the index
  // after it. An unterminated single-line string ends before its newline
  // (the parser reports it).
  const auto skip_string = [&](std::size_t i) {
    const char q = t[i];
    const bool basic = q == '"';
    const bool multi = t.substr(i, 3) == std::string(3, q);
    i += multi ? 3 : 1;
    while (i < t.size()) {
      const char c = t[i];
      if (basic && c == '\\') {
        if (i + 1 < t.size() && t[i + 1] == '\n') newline(i + 1);
        i += 2;
      } else if (c == '\n') {
        if (!multi) return i;
        newline(i);
        ++i;
      } else if (c != q) {
        ++i;
      } else if (!multi) {
        return i + 1;
      } else if (t.substr(i, 3) == std::string(3, q)) {
        i += 3;
        for (int extra = 0; extra < 2 && i < t.size() && t[i] == q; ++extra) ++i;  // """a"""""
        return i;
      } else {
        ++i;
      }
    }
    return i;
  };
  std::size_t i = 0;
  while (i < t.size()) {
    const char c = t[i];
    if (c == '"' || c == '\'') {
      parts = std::max<std::size_t>(parts, 1);
      i = skip_string(i);
      continue;
    }
    if (c == '#') {
      while (i < t.size() && t[i] != '\n') ++i;
      continue;
    }
    if (c == '.') {
      parts = std::max<std::size_t>(parts, 1) + 1;
      if (parts > kMaxConfigKeyParts) {
        throw config_error(where(i) + "a dotted key or table header of more than " +
                           std::to_string(kMaxConfigKeyParts) +
                           " parts (the limit, kMaxConfigKeyParts; the deepest key a "
                           "configuration has is strategy.fee_overrides.SYMBOL)");
      }
    } else if (is_bare_key_char(c)) {
      parts = std::max<std::size_t>(parts, 1);
    } else if (c != ' ' && c != '\t') {
      parts = 0;
      if (c == '\n') newline(i);
      if (c == '[' || c == '{') {
        if (++depth > kMaxConfigNesting) {
          throw config_error(where(i) + "arrays or inline tables nested more than " +
                             std::to_string(kMaxConfigNesting) +
                             " deep (the limit, kMaxConfigNesting; a configuration needs one "
                             "level)");
        }
      } else if ((c == ']' || c == '}') && depth > 0) {
        --depth;
      }
    }
    ++i;
  }
}

// Digits only, value <= max; nullopt otherwise (empty, sign, space, suffix).
std::optional<std::uint32_t> parse_decimal(std::string_view s, std::uint32_t max) {
  if (s.empty() || s.size() > 5) return std::nullopt;
  std::uint32_t v = 0;
  for (char ch : s) {
    if (ch < '0' || ch > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint32_t>(ch - '0');
  }
  if (v > max) return std::nullopt;
  return v;
}

bool is_loopback_ipv4(std::string_view host) {
  int parts = 0;
  std::uint32_t first = 0;
  while (true) {
    const auto dot = host.find('.');
    const std::string_view part = host.substr(0, dot);
    // No leading zero: inet_pton (the bind) refuses "127.0.0.01".
    if (part.size() > 3 || (part.size() > 1 && part[0] == '0')) return false;
    const auto v = parse_decimal(part, 255);
    if (!v) return false;
    if (parts == 0) first = *v;
    ++parts;
    if (dot == std::string_view::npos) break;
    host.remove_prefix(dot + 1);
  }
  return parts == 4 && first == 127;
}

}  // namespace

std::optional<loopback_endpoint> parse_loopback_address(std::string_view hostport) {
  const auto colon = hostport.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  const std::string_view host = hostport.substr(0, colon);
  const auto port = parse_decimal(hostport.substr(colon + 1), 65535);
  if (!port) return std::nullopt;
  if (host == "[::1]") return loopback_endpoint{"::1", static_cast<std::uint16_t>(*port)};
  if (!is_loopback_ipv4(host)) return std::nullopt;
  return loopback_endpoint{std::string(host), static_cast<std::uint16_t>(*port)};
}

namespace {

std::string quoted_value(std::string_view v) { return "\"" + std::string(v) + "\""; }

// The decimal knobs' ranges (config.h).
void validate_decimals(const bot_config& c, std::string_view src) {
  const auto fee_ok = [](fixed8 f) { return !f.is_negative() && f < fixed8::one(); };
  const std::string fee_range = "a fee below 1, from 0 to 0.99999999 (a fraction of each leg)";
  if (!fee_ok(c.fee)) fail(src, "strategy.fee", to_string(c.fee), fee_range);
  for (const auto& [sym, f] : c.fee_overrides) {
    if (!fee_ok(f)) fail(src, "strategy.fee_overrides." + sym, to_string(f), fee_range);
  }
  if (c.min_profit.is_negative() || c.min_profit > kMaxMinProfit) {
    fail(src, "strategy.min_profit", to_string(c.min_profit),
         "a fraction from 0 to " + to_string(kMaxMinProfit) +
             " (kMaxMinProfit; 0.0005 reports cycles returning more than 1.0005)");
  }
  const std::string budget_range = "a positive amount of the start asset, from 0.00000001 to " +
                                   to_string(kMaxBudget) + " (kMaxBudget)";
  const auto budget_ok = [](fixed8 b) { return b.is_positive() && b <= kMaxBudget; };
  if (!budget_ok(c.budget)) fail(src, "strategy.budget", to_string(c.budget), budget_range);
  for (const auto& [asset, b] : c.budgets) {
    if (!budget_ok(b)) fail(src, "strategy.budgets." + asset, to_string(b), budget_range);
  }
}

// The host of an https:// URL is loopback (127.0.0.0/8, [::1], localhost):
// the order client's own rule (net/order_client.h), said here at load time.
bool is_loopback_https(std::string_view url) {
  if (!url.starts_with("https://")) return false;
  std::string_view rest = url.substr(8);
  rest = rest.substr(0, rest.find('/'));
  std::string_view host = rest;
  if (host.starts_with("[")) {
    host = host.substr(0, host.find(']') + 1);
    return host == "[::1]";
  }
  host = host.substr(0, host.find(':'));
  std::string lower;
  for (const char ch : host) lower += static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
  return lower == "localhost" || is_loopback_ipv4(host);
}

void validate_execution(const bot_config& c, std::string_view src) {
  const execution_settings& e = c.execution;
  const auto range = [&](std::string_view key, std::int64_t v, std::int64_t lo, std::int64_t hi) {
    if (v < lo || v > hi) {
      fail(src, "execution." + std::string(key), std::to_string(v),
           "an integer from " + std::to_string(lo) + " to " + std::to_string(hi));
    }
  };
  range("max_slippage_bps", e.max_slippage_bps, 0, kMaxSlippageBps);
  range("max_open_cycles", e.max_open_cycles, 1, 1000);
  range("max_orders_per_10s", e.max_orders_per_10s, 3, 99);
  range("latency_ns", e.latency_ns, 0, 10'000'000'000);
  range("jitter_ns", e.jitter_ns, 0, 10'000'000'000);
  range("recv_window_ms", e.recv_window_ms, 1, 60'000);
  range("unknown_grace_ms", e.unknown_grace_ms, 0, 600'000);
  range("order_timeout_ms", e.order_timeout_ms, 50, 60'000);
  range("reconcile_interval_ms", e.reconcile_interval_ms, 100, 3'600'000);
  const bool prefix_ok =
      !e.client_id_prefix.empty() && e.client_id_prefix.size() <= kMaxClientOrderIdPrefix &&
      std::all_of(e.client_id_prefix.begin(), e.client_id_prefix.end(), [](char ch) {
        return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
               ch == '_' || ch == '-';
      });
  if (!prefix_ok) {
    fail(src, "execution.client_id_prefix", quoted_value(e.client_id_prefix),
         "1 to " + std::to_string(kMaxClientOrderIdPrefix) +
             " characters of A-Z, a-z, 0-9, _ and - (the cycle and leg follow it in each "
             "newClientOrderId)");
  }
  const std::string notional_range = "a positive amount of the start asset, from 0.00000001 to " +
                                     to_string(kMaxBudget) + " (kMaxBudget)";
  const auto notional_ok = [](fixed8 b) { return b.is_positive() && b <= kMaxBudget; };
  if (!notional_ok(e.max_notional)) {
    fail(src, "execution.max_notional", to_string(e.max_notional), notional_range);
  }
  for (const auto& [asset, b] : e.max_notional_by_asset) {
    if (!notional_ok(b)) {
      fail(src, "execution.max_notional_by_asset." + asset, to_string(b), notional_range);
    }
  }
  if (e.max_residual_value.is_negative()) {
    fail(src, "execution.max_residual_value", to_string(e.max_residual_value),
         "a non-negative amount of execution.valuation_asset");
  }
  if (!is_asset_name(e.valuation_asset)) {
    fail(src, "execution.valuation_asset", quoted_value(e.valuation_asset),
         "an upper-case asset name, e.g. \"USDT\"");
  }
  for (const auto& [asset, b] : e.balances) {
    if (!is_asset_name(asset) || b.is_negative()) {
      fail(src, "execution.balances." + asset, to_string(b),
           "upper-case asset names, each a non-negative amount");
    }
  }
  if (e.mode == execution_mode::paper && e.balances.empty()) {
    fail(src, "execution.balances", "{}",
         "paper mode fills against starting balances: give at least one, e.g. "
         "[execution.balances] USDT = \"10000\"");
  }
  if (e.mode != execution_mode::off && !c.fee_overrides.empty()) {
    fail(src, "strategy.fee_overrides", "{...}",
         "empty while execution.mode is \"" + std::string(to_string(e.mode)) +
             "\": the execution engine and its ledger charge one fee rate, strategy.fee");
  }
  if (e.mode == execution_mode::sim) {
    if (!is_loopback_https(c.rest_url)) {
      fail(src, "exchange.rest_url", c.rest_url,
           "execution.mode = \"sim\" sends orders to the simulated exchange only: an https:// "
           "URL on a loopback host (127.0.0.0/8, [::1], localhost); live order placement on a "
           "real exchange is not built");
    }
    if (e.key_file.empty() && (e.api_key_env.empty() || e.api_secret_env.empty())) {
      fail(src, e.api_key_env.empty() ? "execution.api_key_env" : "execution.api_secret_env",
           "\"\"", "the environment variable holding the key (or set execution.key_file)");
    }
  }
}

void validate_in(const bot_config& c, std::string_view src) {
  if (!c.dry_run) {
    fail(src, "dry_run", "false",
         "live order placement is not built in this version; only dry_run = true is allowed");
  }
  if (c.symbols_per_connection < 1 || c.symbols_per_connection > kMaxStreamsPerConnection) {
    fail(src, "connections.symbols_per_connection", std::to_string(c.symbols_per_connection),
         "1 to 1024 streams per connection (the exchange's documented limit)");
  }
  if (c.quiet_ms != 0 && (c.quiet_ms < 50 || c.quiet_ms > c.pong_deadline_ms)) {
    fail(src, "connections.quiet_ms", std::to_string(c.quiet_ms),
         "0 (off) or 50 ms up to connections.pong_deadline_ms (" +
             std::to_string(c.pong_deadline_ms) + ")");
  }
  if (c.reconnect_attempts_per_5min < 1 || c.reconnect_attempts_per_5min > kMaxConnectsPer5Min) {
    fail(src, "connections.reconnect_attempts_per_5min",
         std::to_string(c.reconnect_attempts_per_5min),
         "1 to 300 (the exchange's limit per IP, kMaxConnectsPer5Min)");
  }
  validate_decimals(c, src);
  if (!c.ws_url.starts_with("wss://")) {
    fail(src, "exchange.ws_url", c.ws_url, "a wss:// URL (TLS is required)");
  }
  if (!c.rest_url.starts_with("https://")) {
    fail(src, "exchange.rest_url", c.rest_url, "an https:// URL (TLS is required)");
  }
  if (!c.metrics_address.empty() && !parse_loopback_address(c.metrics_address)) {
    fail(src, "telemetry.metrics_address", c.metrics_address,
         "a loopback IP and a decimal port (127.0.0.1:PORT or [::1]:PORT, PORT 0 to 65535; "
         "no host names), or empty for none");
  }
  if (c.quiet_ms == 0 && c.max_leg_age_ms > kMaxLegAgeWithoutQuietMs) {
    fail(src, "connections.quiet_ms", "0",
         "a data-silence threshold (50 ms up to connections.pong_deadline_ms) while "
         "strategy.max_leg_age_ms is " +
             std::to_string(c.max_leg_age_ms) +
             ": with both, a stream that stops sending data but answers pings would leave its "
             "legs usable for that long; turn quiet_ms on or keep max_leg_age_ms at or below " +
             std::to_string(kMaxLegAgeWithoutQuietMs));
  }
  if (c.journal_path.empty()) fail(src, "journal.path", "\"\"", "a file path");
  if (!c.token_file.empty() && c.metrics_address.empty()) {
    fail(src, "guard.token_file", quoted_value(c.token_file),
         "the control endpoints are served by the metrics server: set "
         "telemetry.metrics_address, or leave token_file empty");
  }
  validate_execution(c, src);
  // The guard's own rules (trading_guard.h), its message naming the key.
  if (const std::string bad = validate(c.guard); !bad.empty()) {
    throw config_error(std::string(src) + ": " + bad);
  }
}

}  // namespace

void validate(const bot_config& c) { validate_in(c, "config"); }

void check_connection_plan(const bot_config& c, std::size_t symbols) {
  const auto per = static_cast<std::size_t>(std::max(c.symbols_per_connection, 1));
  const auto budget = static_cast<std::size_t>(std::max(c.reconnect_attempts_per_5min, 1));
  const std::size_t needed = (symbols + per - 1) / per;
  if (needed <= budget) return;
  constexpr auto kMaxPer = static_cast<std::size_t>(kMaxStreamsPerConnection);
  constexpr auto kMaxBudget5Min = static_cast<std::size_t>(kMaxConnectsPer5Min);
  std::ostringstream os;
  os << "connections: " << symbols << " symbols / symbols_per_connection " << per << " = " << needed
     << " connections; reconnect_attempts_per_5min " << budget << " allows " << budget
     << " connection attempts in five minutes (the exchange allows " << kMaxConnectsPer5Min
     << " per IP), so " << needed - budget
     << " connections would wait five minutes or more (and earn HTTP 429s) before opening, "
        "their symbols unwatched; ";
  const std::size_t min_per = (symbols + budget - 1) / budget;
  if (symbols > kMaxPer * kMaxBudget5Min) {
    os << "no setting fits: " << symbols << " symbols are more than " << kMaxPer
       << " streams per connection x " << kMaxBudget5Min
       << " connections = " << kMaxPer * kMaxBudget5Min;
  } else {
    os << "it fits with";
    if (min_per <= kMaxPer) {
      os << " a symbols_per_connection of at least " << min_per << " (the limit is " << kMaxPer
         << ")";
      if (needed <= kMaxBudget5Min) os << " or";
    }
    if (needed <= kMaxBudget5Min) {
      os << " a reconnect_attempts_per_5min of at least " << needed << " (the limit is "
         << kMaxBudget5Min << ")";
    }
    if (min_per > kMaxPer && needed > kMaxBudget5Min) {
      os << " both raised: symbols_per_connection of at least "
         << (symbols + kMaxBudget5Min - 1) / kMaxBudget5Min << " and reconnect_attempts_per_5min "
         << kMaxBudget5Min;
    }
  }
  throw config_error(os.str());
}

std::vector<asset_id> start_asset_ids(const bot_config& c, const universe& u) {
  std::vector<asset_id> out;
  for (const std::string& a : c.start_assets) {
    const auto id = u.find_asset(a);
    if (!id) throw config_error("start_assets: '" + a + "' is not traded on the exchange");
    out.push_back(*id);
  }
  return out;
}

evaluator_config to_evaluator_config(const bot_config& c, const universe& u) {
  evaluator_config e;
  e.default_fee = c.fee;
  e.min_profit = c.min_profit;
  e.default_budget = c.budget;
  e.max_leg_age_ns = c.max_leg_age_ms * 1'000'000;
  if (!c.fee_overrides.empty()) {
    e.fee_by_symbol.assign(u.symbols().size(), c.fee);
    for (const auto& [name, fee] : c.fee_overrides) {
      const symbol_id s = u.find_symbol(name);
      if (s == kNoSymbol) {
        fail("config", "strategy.fee_overrides." + name, to_string(fee),
             "a symbol the exchange trades (not in exchangeInfo)");
      }
      e.fee_by_symbol[s] = fee;
    }
  }
  if (!c.budgets.empty()) {
    e.budget_by_asset.assign(u.assets().size(), fixed8::zero());
    for (const auto& [name, budget] : c.budgets) {
      const auto a = u.find_asset(name);
      if (!a) {
        fail("config", "strategy.budgets." + name, to_string(budget),
             "an asset the exchange trades (not in exchangeInfo)");
      }
      e.budget_by_asset[*a] = budget;
    }
  }
  return e;
}

bot_config load_config_string(std::string_view toml_text, std::string_view source_name) {
  if (toml_text.size() > kMaxConfigBytes) too_big(source_name, std::to_string(toml_text.size()));
  check_text_limits(toml_text, source_name);
  toml::table root;
  try {
    root = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& e) {
    std::ostringstream os;
    os << source_name << ":" << e.source().begin.line << ":" << e.source().begin.column << ": "
       << e.description();
    throw config_error(os.str());
  }
  // Key/value pairs, not headers: a file cut after "[strategy]" holds none.
  // An inline table ("budgets = {}") is a setting, even an empty one.
  const auto settings = [](const toml::table& t, const auto& self) -> std::size_t {
    std::size_t n = 0;
    for (const auto& [key, node] : t) {
      const toml::table* sub = node.as_table();
      n += sub != nullptr && !sub->is_inline() ? self(*sub, self) : 1;
    }
    return n;
  };
  if (settings(root, settings) == 0) {
    throw config_error(std::string(source_name) +
                       ": no setting (empty, comments or table headers only: a truncated or "
                       "wrong file?); "
                       "a configuration of every default says so: dry_run = true");
  }
  bot_config c;
  apply(c, source_name, root);
  validate_in(c, source_name);
  return c;
}

bot_config load_config_file(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (fs::is_directory(st)) throw config_error(path + ": a directory, not a configuration file");
  if (fs::is_regular_file(st)) {
    const std::uintmax_t size = fs::file_size(path, ec);
    if (!ec && size > kMaxConfigBytes) too_big(path, std::to_string(size));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw config_error(path + ": cannot open the configuration file");
  // Bounded whatever the file is (one that grew since, a pipe, a device).
  std::string text(kMaxConfigBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) throw config_error(path + ": read error");
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kMaxConfigBytes) too_big(path, "more than " + std::to_string(kMaxConfigBytes));
  return load_config_string(text, path);
}

namespace {

// A TOML basic string: quote and backslash escaped, and every control
// character TOML forbids raw in one (all of C0 but tab, and DEL) escaped:
// \n \r \b \f short, the others as \u00XX,
// so any string that loaded writes back as text that loads to it again.
std::string quoted(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = "\"";
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (ch == '\n' || ch == '\r' || ch == '\b' || ch == '\f') {
      out += '\\';  // TOML's short escapes
      out += ch == '\n' ? 'n' : ch == '\r' ? 'r' : ch == '\b' ? 'b' : 'f';
    } else if ((c < 0x20 && ch != '\t') || c == 0x7F) {
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

// The [strategy] table, as both texts write it.
void write_strategy(std::ostream& os, const bot_config& c) {
  const auto q = quoted;
  os << "[strategy]\nstart_assets = [";
  for (std::size_t i = 0; i < c.start_assets.size(); ++i) {
    os << (i ? ", " : "") << q(c.start_assets[i]);
  }
  os << "]\nfee = " << q(to_string(c.fee)) << "\nmin_profit = " << q(to_string(c.min_profit))
     << "\nbudget = " << q(to_string(c.budget)) << "\nmax_leg_age_ms = " << c.max_leg_age_ms
     << "\n";
  os << "fee_overrides = {";
  bool first = true;
  for (const auto& [k, v] : c.fee_overrides) {
    os << (first ? " " : ", ") << k << " = " << q(to_string(v));
    first = false;
  }
  os << " }\nbudgets = {";
  first = true;
  for (const auto& [k, v] : c.budgets) {
    os << (first ? " " : ", ") << k << " = " << q(to_string(v));
    first = false;
  }
  os << " }\n";
}

}  // namespace

std::string bot_config::decision_toml() const {
  std::ostringstream os;
  os << "dry_run = " << (dry_run ? "true" : "false") << "\n";
  os << "[exchange]\nrest_url = " << quoted(rest_url) << "\nws_url = " << quoted(ws_url) << "\n";
  write_strategy(os, *this);
  os << "[connections]\npong_deadline_ms = " << pong_deadline_ms << "\nquiet_ms = " << quiet_ms
     << "\n";
  return os.str();
}

std::string bot_config::to_toml() const {
  std::ostringstream os;
  const auto q = quoted;
  os << "dry_run = " << (dry_run ? "true" : "false") << "\n";
  os << "[exchange]\nrest_url = " << q(rest_url) << "\nws_url = " << q(ws_url)
     << "\nca_file = " << q(ca_file) << "\n";
  write_strategy(os, *this);
  os << "[connections]\nsymbols_per_connection = " << symbols_per_connection
     << "\npong_deadline_ms = " << pong_deadline_ms << "\nquiet_ms = " << quiet_ms
     << "\nrotate_after_ms = " << rotate_after_ms
     << "\nreconnect_attempts_per_5min = " << reconnect_attempts_per_5min << "\n";
  const char* fs = journal_fsync == journal_fsync_mode::every_record ? "every_record"
                   : journal_fsync == journal_fsync_mode::interval   ? "interval"
                                                                     : "never";
  os << "[journal]\npath = " << q(journal_path) << "\nfsync = " << q(fs)
     << "\nfsync_interval_ms = " << journal_fsync_interval_ms
     << "\nrotate_bytes = " << journal_rotate_bytes << "\ncheckpoint_ms = " << journal_checkpoint_ms
     << "\n";
  os << "[telemetry]\ninterval_ms = " << telemetry_interval_ms
     << "\nmetrics_address = " << q(metrics_address) << "\n";
  os << "[guard]\nrepeat_reports = " << guard.repeat_reports
     << "\nrepeat_window_ms = " << guard.repeat_window_ns / 1'000'000
     << "\nrate_window_ms = " << guard.rate_window_ns / 1'000'000
     << "\nrate_factor = " << guard.rate_factor << "\nrate_floor = " << guard.rate_floor
     << "\nrate_warmup_windows = " << guard.rate_warmup_windows
     << "\nfeed_invalid_max_permille = " << guard.feed_invalid_max_permille
     << "\nfeed_resume_permille = " << guard.feed_resume_permille
     << "\nfeed_auto_resume = " << (guard.feed_auto_resume ? "true" : "false")
     << "\nhalt_file = " << q(halt_file) << "\ntoken_file = " << q(token_file) << "\n";
  const execution_settings& e = execution;
  const auto table = [&](const std::map<std::string, fixed8>& m) {
    os << "{";
    bool first = true;
    for (const auto& [k, v] : m) {
      os << (first ? " " : ", ") << k << " = " << q(to_string(v));
      first = false;
    }
    os << " }\n";
  };
  os << "[execution]\nmode = " << q(to_string(e.mode))
     << "\nmax_slippage_bps = " << e.max_slippage_bps
     << "\nclient_id_prefix = " << q(e.client_id_prefix)
     << "\nmax_notional = " << q(to_string(e.max_notional)) << "\nmax_notional_by_asset = ";
  table(e.max_notional_by_asset);
  os << "max_open_cycles = " << e.max_open_cycles
     << "\nmax_orders_per_10s = " << e.max_orders_per_10s
     << "\nmax_residual_value = " << q(to_string(e.max_residual_value))
     << "\nvaluation_asset = " << q(e.valuation_asset) << "\nlatency_ns = " << e.latency_ns
     << "\njitter_ns = " << e.jitter_ns << "\nseed = " << e.seed << "\nbalances = ";
  table(e.balances);
  os << "api_key_env = " << q(e.api_key_env) << "\napi_secret_env = " << q(e.api_secret_env)
     << "\nkey_file = " << q(e.key_file) << "\nrecv_window_ms = " << e.recv_window_ms
     << "\nunknown_grace_ms = " << e.unknown_grace_ms
     << "\norder_timeout_ms = " << e.order_timeout_ms
     << "\nreconcile_interval_ms = " << e.reconcile_interval_ms << "\n";
  return os.str();
}

std::string_view to_string(execution_mode m) noexcept {
  switch (m) {
    case execution_mode::off:
      return "off";
    case execution_mode::paper:
      return "paper";
    case execution_mode::sim:
      return "sim";
  }
  return "?";
}

execution_plan to_execution_plan(const bot_config& c, const universe& u) {
  const execution_settings& e = c.execution;
  execution_plan p;
  p.engine.cycle.max_slippage_bps = e.max_slippage_bps;
  p.engine.cycle.fee_rate = c.fee;
  p.engine.cycle.client_order_id_prefix = e.client_id_prefix;
  p.engine.risk.max_notional = e.max_notional;
  p.engine.risk.max_open_cycles = e.max_open_cycles;
  p.engine.risk.max_orders_per_10s = e.max_orders_per_10s;
  p.engine.risk.max_residual_value = e.max_residual_value;
  p.engine.recv_window_ms = e.recv_window_ms;  // the engine judges unknown orders by it
  p.engine.unknown_grace_ms = e.unknown_grace_ms;
  const auto asset = [&](const std::string& key, const std::string& name, std::string_view value) {
    const auto a = u.find_asset(name);
    if (!a) fail("config", key, value, "an asset the exchange trades (not in exchangeInfo)");
    return *a;
  };
  if (!e.max_notional_by_asset.empty()) {
    p.engine.risk.max_notional_by_asset.assign(u.assets().size(), fixed8::zero());
    for (const auto& [name, v] : e.max_notional_by_asset) {
      p.engine.risk.max_notional_by_asset[asset("execution.max_notional_by_asset." + name, name,
                                                to_string(v))] = v;
    }
  }
  p.valuation =
      asset("execution.valuation_asset", e.valuation_asset, quoted_value(e.valuation_asset));
  for (const auto& [name, v] : e.balances) {
    p.start.push_back({asset("execution.balances." + name, name, to_string(v)), v});
  }
  if (std::string bad = validate(p.engine.cycle); !bad.empty())
    throw config_error("config: " + bad);
  if (std::string bad = validate(p.engine.risk); !bad.empty()) throw config_error("config: " + bad);
  return p;
}

}  // namespace triarb
