// journal_show_test: `triarb journal show` prints one row per opportunity
// (suppressed ones marked) and one line per genesis/checkpoint/state record,
// `--state` the state records and genesis lines alone, filters by triangle
// and time, and refuses a chain that does not verify; times parse and format
// as ISO-8601 UTC.
#include "offline/journal_show.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "core/int128.h"
#include "core/journal.h"
#include "core/order.h"

namespace triarb {
namespace {

opportunity_record sample(std::int64_t t, const std::string& triangle, std::uint64_t uid) {
  opportunity_record r;
  r.time_ns = t;
  r.triangle = 3;
  r.triangle_name = triangle;
  const char* symbols[] = {"BTCUSDT", "ETHBTC", "ETHUSDT"};
  for (std::size_t i = 0; i < 3; ++i) {
    r.legs[i].symbol = symbols[i];
    r.legs[i].dir = i == 2 ? side::sell : side::buy;
    r.legs[i].price = fixed8::from_raw(178 + static_cast<std::int64_t>(i));
    r.legs[i].book_qty = fixed8::from_units(5);
    r.legs[i].fill_qty = fixed8::one();
    r.legs[i].update_id = uid + i;
    r.legs[i].valid = true;
  }
  r.ratio = "1.000123456789012345";
  r.amount_in = fixed8::from_units(1000);
  r.amount_out = fixed8::from_raw(100'012'345'678);
  r.profit = fixed8::from_raw(12'345'678);
  return r;
}

std::string write_sample(const std::string& name) {
  const std::string path = ::testing::TempDir() + name;
  std::remove(path.c_str());
  journal_options jo;
  jo.version = "journal_show_test";
  jo.config_text = "x = 1\n";
  jo.start_ns = 1'700'000'000'000'000'000;
  jo.fsync.k = fsync_policy::kind::never;
  journal_writer w = journal_writer::open(path, jo);
  EXPECT_EQ(w.append(sample(1'700'000'001'000'000'000, "USDT>BTC>ETH>USDT", 10), 0),
            journal_errc::ok);
  EXPECT_EQ(w.append(
                checkpoint_record{
                    1'700'000'002'000'000'000,
                    R"({"t_ns":5,"feed":{"frames":12,"dropped":0},"eval":{"opportunities":2}})"},
                0),
            journal_errc::ok);
  EXPECT_EQ(w.append(sample(1'700'000'003'000'000'000, "USDT>BNB>ETH>USDT", 20), 0),
            journal_errc::ok);
  return path;
}

TEST(JournalShow, PrintsOpportunitiesAndOneLinePerCheckpoint) {
  const std::string path = write_sample("show_all.jsonl");
  std::ostringstream out;
  const show_counts n = show_journal(path, {}, out);
  EXPECT_EQ(n.records, 4u);
  EXPECT_EQ(n.opportunities, 2u);
  EXPECT_EQ(n.other, 2u);
  const std::string s = out.str();
  EXPECT_NE(s.find("2023-11-14T22:13:21.000000000Z"), std::string::npos) << s;
  EXPECT_NE(s.find("USDT>BTC>ETH>USDT"), std::string::npos);
  EXPECT_NE(s.find("1.0001234567 "), std::string::npos) << "ratio cut to 10 digits\n" << s;
  EXPECT_NE(s.find("buy BTCUSDT 0.00000178 #10 | buy ETHBTC 0.00000179 #11 | sell ETHUSDT"),
            std::string::npos)
      << s;
  EXPECT_NE(s.find("checkpoint: feed.frames=12 eval.opportunities=2 (1 counters at 0)"),
            std::string::npos)
      << s;
  EXPECT_NE(s.find("genesis (start)"), std::string::npos);
}

// A chain of bodies after a start genesis, written line by line with
// format_line (the writer's append knows the older record types only).
std::string write_chain(const std::string& name, const std::vector<record_body>& bodies) {
  const std::string path = ::testing::TempDir() + name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  genesis_record g;
  g.time_ns = 1'700'000'000'000'000'000;
  g.version = "triarb 0.2.0 (commit 0123abc, gcc 12.2, -O2)";
  g.config = "x = 1\n";
  g.config_sha256 = sha256_hex(g.config);
  g.universe = "u";
  std::string prev(kZeroHash);
  std::string hash;
  out << format_line(0, g, prev, &hash);
  prev = hash;
  for (std::size_t i = 0; i < bodies.size(); ++i) {
    out << format_line(i + 1, bodies[i], prev, &hash);
    prev = hash;
  }
  return path;
}

state_record state(std::int64_t t, trading_state from, trading_state to, guard_trigger why,
                   std::string by, std::string triangle, std::string evidence) {
  state_record s;
  s.time_ns = t;
  s.from = from;
  s.to = to;
  s.trigger = why;
  s.by = std::move(by);
  s.triangle_name = std::move(triangle);
  s.evidence_json = std::move(evidence);
  return s;
}

std::string write_guarded_sample(const std::string& name) {
  opportunity_record suppressed = sample(1'700'000'003'000'000'000, "USDT>BNB>ETH>USDT", 20);
  suppressed.suppressed = suppress_reason::halted;
  return write_chain(
      name,
      {sample(1'700'000'001'000'000'000, "USDT>BTC>ETH>USDT", 10),
       state(1'700'000'002'000'000'000, trading_state::active, trading_state::active,
             guard_trigger::repeat, "guard", "USDT>BTC>ETH>USDT", R"({"reports":20})"),
       state(1'700'000'002'500'000'000, trading_state::active, trading_state::halted,
             guard_trigger::rate, "guard", "", R"({"count":250,"mean":"3.5"})"),
       suppressed, checkpoint_record{1'700'000'004'000'000'000, R"({"eval":{"opportunities":2}})"},
       state(1'700'000'005'000'000'000, trading_state::halted, trading_state::active,
             guard_trigger::manual, "http", "", R"({"released":1})")});
}

TEST(JournalShow, ShowsStateRecordsAndMarksSuppressedOpportunities) {
  const std::string path = write_guarded_sample("show_guarded.jsonl");
  std::ostringstream out;
  const show_counts n = show_journal(path, {}, out);
  const std::string s = out.str();
  EXPECT_EQ(n.records, 7u);
  EXPECT_EQ(n.opportunities, 2u);
  EXPECT_EQ(n.suppressed, 1u);
  EXPECT_EQ(n.states, 3u);
  EXPECT_NE(s.find("2       2023-11-14T22:13:22.000000000Z  state active -> active, trigger "
                   "repeat, by guard, quarantine USDT>BTC>ETH>USDT, evidence {\"reports\":20}\n"),
            std::string::npos)
      << s;
  EXPECT_NE(s.find("state active -> halted, trigger rate, by guard, evidence "
                   "{\"count\":250,\"mean\":\"3.5\"}\n"),
            std::string::npos)
      << s;
  // The suppressed row says so; the actionable one does not.
  EXPECT_NE(s.find("sell ETHUSDT 0.0000018 #22  SUPPRESSED halted\n"), std::string::npos) << s;
  EXPECT_NE(s.find("sell ETHUSDT 0.0000018 #12\n"), std::string::npos) << s;
  EXPECT_NE(s.find("checkpoint: eval.opportunities=2"), std::string::npos) << s;
  EXPECT_NE(s.find("2 opportunities shown (1 suppressed), 3 state records; chain of 7 records"),
            std::string::npos)
      << s;
}

TEST(JournalShow, StateOptionListsOnlyStateRecordsAndGenesisVersions) {
  const std::string path = write_guarded_sample("show_state.jsonl");
  std::ostringstream out;
  show_options o;
  o.state_only = true;
  const show_counts n = show_journal(path, o, out);
  const std::string s = out.str();
  EXPECT_EQ(n.states, 3u);
  EXPECT_EQ(n.opportunities, 0u);
  EXPECT_EQ(n.other, 1u) << "the genesis line only, no checkpoint";
  EXPECT_NE(s.find("genesis (start): triarb 0.2.0 (commit 0123abc, gcc 12.2, -O2)"),
            std::string::npos)
      << s;
  EXPECT_NE(s.find("state active -> active, trigger repeat, by guard, quarantine "
                   "USDT>BTC>ETH>USDT"),
            std::string::npos)
      << s;
  EXPECT_NE(s.find("state active -> halted, trigger rate, by guard"), std::string::npos) << s;
  EXPECT_NE(s.find("6       2023-11-14T22:13:25.000000000Z  state halted -> active, trigger "
                   "manual, by http, evidence {\"released\":1}\n"),
            std::string::npos)
      << s;
  EXPECT_EQ(s.find("ETHUSDT"), std::string::npos) << "no opportunity rows\n" << s;
  EXPECT_EQ(s.find("checkpoint"), std::string::npos) << s;
  EXPECT_NE(s.find("3 state records shown; chain of 7 records verified OK"), std::string::npos)
      << s;
  // --since and --triangle apply: only the quarantine of that triangle, or the later records.
  o.triangle = "USDT>BTC>ETH>USDT";
  std::ostringstream only_tri;
  EXPECT_EQ(show_journal(path, o, only_tri).states, 1u) << only_tri.str();
  o.triangle.clear();
  o.since_ns = 1'700'000'002'500'000'000;
  std::ostringstream since;
  EXPECT_EQ(show_journal(path, o, since).states, 2u) << since.str();
}

TEST(JournalShow, FiltersByTriangleAndTime) {
  const std::string path = write_sample("show_filter.jsonl");
  std::ostringstream a;
  show_options o;
  o.triangle = "USDT>BNB>ETH>USDT";
  EXPECT_EQ(show_journal(path, o, a).opportunities, 1u);
  EXPECT_EQ(a.str().find("USDT>BTC>ETH>USDT"), std::string::npos) << a.str();
  EXPECT_EQ(a.str().find("checkpoint"), std::string::npos);

  std::ostringstream b;
  show_options t;
  t.since_ns = parse_time("2023-11-14T22:13:21.5Z");
  const show_counts n = show_journal(path, t, b);
  EXPECT_EQ(n.opportunities, 1u);
  EXPECT_EQ(n.other, 1u) << "the checkpoint at :22 only";
  EXPECT_NE(b.str().find("USDT>BNB>ETH>USDT"), std::string::npos);
}

TEST(JournalShow, RefusesABrokenOrMissingJournal) {
  const std::string path = write_sample("show_broken.jsonl");
  { std::ofstream(path, std::ios::app) << "garbage\n"; }
  std::ostringstream out;
  try {
    (void)show_journal(path, {}, out);
    ADD_FAILURE() << "a broken chain was shown";
  } catch (const journal_error& e) {
    EXPECT_NE(std::string(e.what()).find("line 5"), std::string::npos) << e.what();
  }
  EXPECT_THROW((void)show_journal("/nonexistent/j.jsonl", {}, out), journal_error);
}

// Hostile input: strings in a journal that verifies (after re-hashing) are
// the writer's, not ours. A triangle name holding ESC [2J, a C1 control
// (U+009B, a one-character CSI on many terminals) or a newline reached the
// terminal as is. Every control character, DEL and backslash is shown as an
// escape; the rest of the line is unchanged.
TEST(JournalShow, EscapesControlCharactersFromTheJournal) {
  const std::string path = ::testing::TempDir() + "show_controls.jsonl";
  std::remove(path.c_str());
  journal_options jo;
  jo.version = "v1\n\a";
  jo.config_text = "x = 1\n";
  jo.start_ns = 1'700'000'000'000'000'000;
  jo.fsync.k = fsync_policy::kind::never;
  {
    journal_writer w = journal_writer::open(path, jo);
    opportunity_record r = sample(1'700'000'001'000'000'000,
                                  "USDT\x1b[2J>BTC>\xc2\x9b"
                                  "31m",
                                  10);
    r.legs[0].symbol = "BTC\tUSDT\x7f\\";
    EXPECT_EQ(w.append(r, 0), journal_errc::ok);
  }
  std::ostringstream out;
  (void)show_journal(path, {}, out);
  const std::string s = out.str();
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    EXPECT_TRUE(c == '\n' || (c >= 0x20 && c != 0x7f)) << "byte " << int(c) << " at " << i;
    if (c == 0xc2 && i + 1 < s.size()) {
      EXPECT_FALSE(static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
                   static_cast<unsigned char>(s[i + 1]) <= 0x9f)
          << "C1 control at " << i;
    }
  }
  EXPECT_NE(s.find(R"(USDT\x1b[2J>BTC>\u009b31m)"), std::string::npos) << s;
  EXPECT_NE(s.find(R"(buy BTC\tUSDT\x7f\\ 0.00000178)"), std::string::npos) << s;
  EXPECT_NE(s.find(R"(genesis (start): v1\n\a,)"), std::string::npos) << s;
}

TEST(JournalShow, TimesParseAndFormatAsIsoUtc) {
  EXPECT_EQ(parse_time("0"), 0);
  EXPECT_EQ(parse_time("1700000000000000000"), 1'700'000'000'000'000'000);
  EXPECT_EQ(parse_time("2023-11-14T22:13:20Z"), 1'700'000'000'000'000'000);
  EXPECT_EQ(parse_time("2023-11-14T22:13:20.123456789Z"), 1'700'000'000'123'456'789);
  EXPECT_EQ(parse_time("2023-11-14T22:13:20.5"), 1'700'000'000'500'000'000);
  EXPECT_EQ(parse_time("1970-01-02"), 86'400'000'000'000);
  EXPECT_FALSE(parse_time("yesterday"));
  EXPECT_FALSE(parse_time("2023-13-01"));
  EXPECT_FALSE(parse_time("2023-11-14T25:00:00Z"));
  EXPECT_FALSE(parse_time("12x"));
  EXPECT_EQ(format_time(0), "1970-01-01T00:00:00.000000000Z");
  EXPECT_EQ(format_time(-1), "1969-12-31T23:59:59.999999999Z");
  // Round trip over a spread of times (the formatter is the oracle's inverse).
  for (std::int64_t t = -3'000'000'000'000'000'000; t < 9'000'000'000'000'000'000;
       t += 123'456'789'123'456'789) {
    EXPECT_EQ(parse_time(format_time(t)), t) << format_time(t);
  }
}

// A cycle written as the bot writes it: the decision, then each leg's order
// citing the decision's hash (last_hash() after its append), its answer, then
// the cycle record; a second cycle stopped after a reject and never closed.
std::string write_cycles(const std::string& name) {
  const std::string path = ::testing::TempDir() + name;
  std::remove(path.c_str());
  journal_options jo;
  jo.version = "journal_show_test";
  jo.config_text = "x = 1\n";
  jo.start_ns = 1'700'000'000'000'000'000;
  jo.fsync.k = fsync_policy::kind::never;
  journal_writer w = journal_writer::open(path, jo);
  const auto f8 = [](const char* s) { return parse_fixed8(s).value; };
  EXPECT_EQ(w.append(sample(1'700'000'001'000'000'000, "USDT>BTC>ETH>USDT", 10), 0),
            journal_errc::ok);
  const std::string d1 = w.last_hash();
  order_record o;
  o.time_ns = 1'700'000'001'000'100'000;
  o.cycle = 7;
  o.leg = 1;
  o.client_order_id = "tb-7-1";
  o.symbol = "BTCUSDT";
  o.price = f8("0.00000178");
  o.quantity = f8("1");
  o.decision = d1;
  EXPECT_EQ(w.append(o, 0), journal_errc::ok);
  fill_record f;
  f.time_ns = 1'700'000'001'000'900'000;
  f.client_order_id = "tb-7-1";
  f.status = order_status::filled;
  f.order_id = 555;
  f.executed_qty = f8("1");
  f.cumulative_quote = f8("0.00000178");
  f.fills = {{f8("0.00000178"), f8("1"), f8("0.001"), "BTC", 99}};
  EXPECT_EQ(w.append(f, 0), journal_errc::ok);
  o.leg = 2;
  o.client_order_id = "tb-7-2";
  o.symbol = "ETHBTC";
  EXPECT_EQ(w.append(o, 0), journal_errc::ok);
  reject_record r;
  r.time_ns = 1'700'000'001'001'000'000;
  r.client_order_id = "tb-7-2";
  r.code = -2010;
  r.msg = "Account has insufficient balance for requested action.";
  r.http_status = 400;
  EXPECT_EQ(w.append(r, 0), journal_errc::ok);
  cycle_record c;
  c.time_ns = 1'700'000'001'002'000'000;
  c.cycle = 7;
  c.decision = d1;
  c.outcome = cycle_end::residual;
  c.start_asset = "USDT";
  c.expected_profit = f8("0.12345678");
  c.realised_profit = f8("-0.00000178");
  c.residual = {{"BTC", f8("0.999")}};
  c.reason = "short_fill";
  EXPECT_EQ(w.append(c, 0), journal_errc::ok);
  EXPECT_EQ(w.append(sample(1'700'000'003'000'000'000, "USDT>BNB>ETH>USDT", 20), 0),
            journal_errc::ok);
  o.cycle = 8;
  o.leg = 1;
  o.client_order_id = "tb-8-1";
  o.symbol = "BTCUSDT";
  o.decision = w.last_hash();
  EXPECT_EQ(w.append(o, 0), journal_errc::ok);
  return path;
}

TEST(JournalShow, OrdersShowsEachCycleWithItsDecisionLegsAndOutcome) {
  const std::string path = write_cycles("show_orders.jsonl");
  show_options so;
  so.orders = true;
  std::ostringstream out;
  const show_counts n = show_journal(path, so, out);
  EXPECT_EQ(n.cycles, 2u);
  const std::string s = out.str();
  const std::vector<std::string> want = {
      "seq     cycle: decision, legs (order, answer, trades), outcome\n",
      "1       cycle 7, decision seq 1 2023-11-14T22:13:21.000000000Z USDT>BTC>ETH>USDT: in 1000, "
      "out 1000.12345678, profit 0.12345678\n",
      "2         leg 1 2023-11-14T22:13:21.000100000Z buy BTCUSDT IOC 1 @ 0.00000178 (tb-7-1)\n",
      "3           FILLED order 555: executed 1, quote 0.00000178, 1 trade\n",
      "              trade 1 @ 0.00000178, fee 0.001 BTC, #99\n",
      "4         leg 2 2023-11-14T22:13:21.000100000Z buy ETHBTC IOC 1 @ 0.00000178 (tb-7-2)\n",
      "5           REJECTED -2010 \"Account has insufficient balance for requested action.\" "
      "(http 400)\n",
      "6         outcome residual: realised -0.00000178 USDT (expected 0.12345678), residual BTC "
      "0.999, reason \"short_fill\"\n",
      "7       cycle 8, decision seq 7",
      "8         leg 1 2023-11-14T22:13:21.000100000Z buy BTCUSDT IOC 1 @ 0.00000178 (tb-8-1)\n"
      "            (no answer)\n"
      "          outcome: (no cycle record)\n",
      "2 cycles shown (0 done, 1 residual, 0 missed, 1 without a cycle record); chain of 9 "
      "records verified OK\n",
  };
  std::size_t at = 0;
  for (const std::string& w : want) {
    const std::size_t p = s.find(w, at);
    EXPECT_NE(p, std::string::npos) << "missing, in order: " << w << "\n" << s;
    if (p != std::string::npos) at = p + w.size();
  }
  // The triangle filter keeps the cycles of that triangle's decisions.
  so.triangle = "USDT>BNB>ETH>USDT";
  std::ostringstream one;
  EXPECT_EQ(show_journal(path, so, one).cycles, 1u);
  EXPECT_EQ(one.str().find("cycle 7"), std::string::npos) << one.str();
}

// Two cycles with planned prices worth reading: cycle 1 fills all three legs
// (leg 1 over two trades, worse than planned; leg 2 better; leg 3 a sell over
// two trades, worse), cycle 2 fills leg 1 at the planned price and leg 2 is
// rejected. Per leg: VWAP, slippage in quote and bps, order -> answer time;
// then the medians (lower middle) and worsts per leg position.
TEST(JournalShow, OrdersShowsEachLegsSlippageAndLatencyAndTheirTotals) {
  const std::string path = ::testing::TempDir() + "show_slippage.jsonl";
  std::remove(path.c_str());
  journal_options jo;
  jo.version = "journal_show_test";
  jo.config_text = "x = 1\n";
  jo.start_ns = 1'700'000'000'000'000'000;
  jo.fsync.k = fsync_policy::kind::never;
  journal_writer w = journal_writer::open(path, jo);
  const auto f8 = [](const char* s) { return parse_fixed8(s).value; };
  opportunity_record op = sample(1'700'000'001'000'000'000, "USDT>BTC>ETH>USDT", 10);
  op.legs[0].price = f8("50000");  // BTCUSDT buy
  op.legs[1].price = f8("0.05");   // ETHBTC buy
  op.legs[2].price = f8("2600");   // ETHUSDT sell
  const std::int64_t t0 = 1'700'000'001'000'000'000;
  const auto send = [&](std::uint64_t cycle, std::uint8_t leg, const char* symbol, side dir,
                        const char* qty, std::int64_t at) {
    order_record o;
    o.time_ns = t0 + at;
    o.cycle = cycle;
    o.leg = leg;
    o.client_order_id = "tb-" + std::to_string(cycle) + "-" + std::to_string(leg);
    o.symbol = symbol;
    o.dir = dir;
    o.price = op.legs[leg - 1U].price;
    o.quantity = f8(qty);
    o.decision = w.last_hash();
    EXPECT_EQ(w.append(o, 0), journal_errc::ok);
    return o.client_order_id;
  };
  const auto answer = [&](const std::string& id, std::int64_t at,
                          std::vector<std::pair<const char*, const char*>> trades) {
    fill_record f;
    f.time_ns = t0 + at;
    f.client_order_id = id;
    f.order_id = 1;
    std::uint64_t trade = 1;
    i128 qty = 0, quote = 0;
    for (const auto& [price, q] : trades) {
      f.fills.push_back({f8(price), f8(q), fixed8::zero(), "BNB", trade++});
      qty += f8(q).raw();
      quote += fill_quote(f8(price), f8(q)).value.raw();
    }
    f.executed_qty = fixed8::from_raw(static_cast<std::int64_t>(qty));
    f.cumulative_quote = fixed8::from_raw(static_cast<std::int64_t>(quote));
    EXPECT_EQ(w.append(f, 0), journal_errc::ok);
  };
  EXPECT_EQ(w.append(op, 0), journal_errc::ok);
  std::string id = send(1, 1, "BTCUSDT", side::buy, "0.03", 100'000);
  answer(id, 900'000, {{"50000", "0.01"}, {"50001", "0.02"}});
  id = send(1, 2, "ETHBTC", side::buy, "0.5", 1'000'000);
  answer(id, 2'500'000, {{"0.0499", "0.5"}});
  id = send(1, 3, "ETHUSDT", side::sell, "0.3", 3'000'000);
  answer(id, 3'200'000, {{"2599", "0.1"}, {"2598", "0.2"}});
  op.time_ns = t0 + 10'000'000;
  EXPECT_EQ(w.append(op, 0), journal_errc::ok);
  id = send(2, 1, "BTCUSDT", side::buy, "0.01", 10'100'000);
  answer(id, 10'400'000, {{"50000", "0.01"}});
  id = send(2, 2, "ETHBTC", side::buy, "0.2", 11'000'000);
  reject_record r;
  r.time_ns = t0 + 13'500'000;
  r.client_order_id = id;
  r.code = -2010;
  r.msg = "Account has insufficient balance for requested action.";
  r.http_status = 400;
  EXPECT_EQ(w.append(r, 0), journal_errc::ok);

  show_options so;
  so.orders = true;
  std::ostringstream out;
  EXPECT_EQ(show_journal(path, so, out).cycles, 2u);
  const std::string s = out.str();
  const std::vector<std::string> want = {
      // cycle 1, leg 1: 1500.02 / 0.03 = 50000.666..., a buy's rounded up; slippage
      // 1 x 0.02 = 0.02 quote, 0.02 / (50000 x 0.03) = 0.1333 bps, up to 0.14.
      "              trade 0.02 @ 50001, fee 0 BNB, #2\n"
      "              vwap 50000.66666667 (rounded up), planned 50000: slippage 0.02 quote "
      "(rounded up), 0.14 bps (rounded up), answered after 0.800000 ms\n",
      // leg 2: better than planned, negative: -0.0001 x 0.5 over 0.025 = -20 bps.
      "              vwap 0.0499 (rounded up), planned 0.05: slippage -0.00005 quote "
      "(rounded up), -20.00 bps (rounded up), answered after 1.500000 ms\n",
      // leg 3, a sell: 779.5 / 0.3 = 2598.333..., rounded down; 1 x 0.1 + 2 x 0.2 = 0.5
      // quote over 780 = 6.4102 bps, up to 6.42.
      "              vwap 2598.33333333 (rounded down), planned 2600: slippage 0.5 quote "
      "(rounded up), 6.42 bps (rounded up), answered after 0.200000 ms\n",
      "              vwap 50000 (rounded up), planned 50000: slippage 0 quote "
      "(rounded up), 0.00 bps (rounded up), answered after 0.300000 ms\n",
      "(http 400)\n              answered after 2.500000 ms\n",
      "per leg over the cycles shown: slippage in bps (+ is worse than planned), order->answer "
      "latency in ms; a median is the lower middle\n"
      "  leg 1: slippage median 0.00, worst 0.14 (2 filled); latency median 0.300000, max "
      "0.800000 (2 answered)\n"
      "  leg 2: slippage median -20.00, worst -20.00 (1 filled); latency median 1.500000, max "
      "2.500000 (2 answered)\n"
      "  leg 3: slippage median 6.42, worst 6.42 (1 filled); latency median 0.200000, max "
      "0.200000 (1 answered)\n"
      "2 cycles shown (0 done, 0 residual, 0 missed, 2 without a cycle record)",
  };
  std::size_t at = 0;
  for (const std::string& wnt : want) {
    const std::size_t p = s.find(wnt, at);
    EXPECT_NE(p, std::string::npos) << "missing, in order: " << wnt << "\n" << s;
    if (p != std::string::npos) at = p + wnt.size();
  }
}

TEST(JournalShow, ExecutionRecordsGetOneLineEachInTheTable) {
  const std::string path = write_cycles("show_exec_lines.jsonl");
  std::ostringstream out;
  const show_counts n = show_journal(path, {}, out);
  EXPECT_EQ(n.execution, 6u);
  const std::string s = out.str();
  EXPECT_NE(s.find("order cycle 7 leg 1: buy BTCUSDT IOC 1 @ 0.00000178 (tb-7-1), decision "),
            std::string::npos)
      << s;
  EXPECT_NE(s.find("fill tb-7-1: FILLED order 555: executed 1, quote 0.00000178, 1 trade"),
            std::string::npos)
      << s;
  EXPECT_NE(s.find("reject tb-7-2: REJECTED -2010 \"Account has insufficient balance"),
            std::string::npos);
  EXPECT_NE(s.find("cycle 7 residual: realised -0.00000178 USDT"), std::string::npos) << s;
  EXPECT_NE(s.find("2 opportunities shown, 6 execution records; chain of 9 records verified OK"),
            std::string::npos)
      << s;
  show_options st;
  st.state_only = true;
  std::ostringstream state;
  EXPECT_EQ(show_journal(path, st, state).execution, 0u) << "--state shows no execution record";
}

}  // namespace
}  // namespace triarb
