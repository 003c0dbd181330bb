// journal_audit_test: `triarb journal audit` passes on a real simulation
// journal with its recorded frames, and catches records whose chain is
// perfect but whose content is not what the book held or what exact
// arithmetic gives: a leg taken from an older quote (the previous bot's
// frozen leg), an overstated ratio, a fee the run did not use; and reports a
// leg re-seeded from REST as such (not replayable), not as a mismatch; and
// replays the chain's trading state (state records) to catch an opportunity
// left actionable while halted, reducing or on a quarantined triangle.
#include "offline/journal_audit.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "core/frame_parser.h"
#include "core/frames_file.h"
#include "core/journal.h"
#include "core/pipeline.h"
#include "core/universe.h"
#include "harness/sim_driver.h"

namespace triarb {
namespace {

struct sim_run {
  std::string journal, frames, exchange_info;
  sim_report report;
};

// One short simulated run with a few faults, journaled and recorded.
const sim_run& the_run() {
  static const sim_run r = [] {
    sim_run s;
    const std::string dir = ::testing::TempDir();
    s.journal = dir + "audit_journal.jsonl";
    s.frames = dir + "audit_frames.txt";
    s.exchange_info = dir + "audit_exchange_info.json";
    std::remove(s.journal.c_str());
    sim_options o;
    o.seed = 9;
    o.duration_ns = 2'000'000'000;
    o.tick_interval_ns = 500'000'000;
    o.faults.garbage = o.faults.bad_price = o.faults.duplicate = o.faults.reorder = 0.001;
    o.journal_path = s.journal;
    o.journal_fsync.k = fsync_policy::kind::never;
    o.frames_out = s.frames;
    o.exchange_info_out = s.exchange_info;
    std::ostringstream ticks;
    s.report = run_sim(o, ticks);
    return s;
  }();
  return r;
}

audit_options options_for(const std::string& journal) {
  audit_options o;
  o.journal = journal;
  o.frames = the_run().frames;
  o.exchange_info = the_run().exchange_info;
  return o;
}

// The run's recording in the v1 format (frames only, as older versions
// wrote): re-seeds are not in it, so a leg marked reseeded cannot be
// compared with the book.
audit_options options_for_v1(const std::string& journal) {
  static const std::string v1 = [] {
    const std::string path = ::testing::TempDir() + "audit_frames_v1.txt";
    std::ifstream in(the_run().frames, std::ios::binary);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    std::string line;
    std::getline(in, line);
    EXPECT_EQ(line, kRecordedFramesHeader);
    out << kRecordedFramesHeaderV1 << '\n';
    while (std::getline(in, line)) {
      // <t> TAB <c> TAB frame TAB <frame>  ->  <t> TAB <c> TAB <frame>
      const auto t2 = line.find('\t', line.find('\t') + 1);
      if (line.compare(t2 + 1, 6, "frame\t") == 0) out << line.erase(t2 + 1, 6) << '\n';
    }
    return path;
  }();
  audit_options o = options_for(journal);
  o.frames = v1;
  return o;
}

// Writes the run's records (one changed) into a fresh, properly chained journal.
std::string rechain(const std::string& name, std::size_t changed_index,
                    const opportunity_record& replacement) {
  const std::string path = ::testing::TempDir() + name;
  std::remove(path.c_str());
  const std::vector<journal_record> recs = read_journal(the_run().journal);
  journal_options jo;
  jo.version = "journal_audit_test";
  jo.config_text = "tampered = true\n";
  jo.fsync.k = fsync_policy::kind::never;
  journal_writer w = journal_writer::open(path, jo);
  for (std::size_t i = 0; i < recs.size(); ++i) {
    if (i == changed_index) {
      EXPECT_EQ(w.append(replacement, 0), journal_errc::ok);
    } else if (const auto* op = std::get_if<opportunity_record>(&recs[i].body)) {
      EXPECT_EQ(w.append(*op, 0), journal_errc::ok);
    } else if (const auto* c = std::get_if<checkpoint_record>(&recs[i].body)) {
      EXPECT_EQ(w.append(*c, 0), journal_errc::ok);
    }
  }
  EXPECT_EQ(w.sync(), journal_errc::ok);
  return path;
}

// The index of the first opportunity record at or after `from`.
std::size_t first_opportunity(const std::vector<journal_record>& recs, std::size_t from) {
  for (std::size_t i = from; i < recs.size(); ++i) {
    if (std::holds_alternative<opportunity_record>(recs[i].body)) return i;
  }
  return recs.size();
}

// "1.000123" plus 10^-9, as a decimal string.
std::string plus_one_nano(std::string r) {
  auto dot = r.find('.');
  if (dot == std::string::npos) {
    r += '.';
    dot = r.size() - 1;
  }
  while (r.size() < dot + 10) r += '0';
  for (std::size_t i = dot + 9; i > 0; --i) {
    if (r[i] == '.') continue;
    if (r[i] != '9') {
      ++r[i];
      return r;
    }
    r[i] = '0';
  }
  return r[0] == '0' ? "1" + r.substr(1) : "1" + r;
}

TEST(JournalAudit, PassesOnARealSimulationJournal) {
  const sim_run& r = the_run();
  ASSERT_GT(r.report.opportunities, 10u);
  const audit_report a = run_audit(options_for(r.journal));
  ASSERT_TRUE(a.ok()) << a.message();
  EXPECT_EQ(a.records, r.report.opportunities);
  EXPECT_EQ(a.sessions, 1u);
  EXPECT_GT(a.checkpoints, 0u);
  EXPECT_EQ(a.message().rfind(std::to_string(r.report.opportunities) + " records audited OK", 0),
            0u)
      << a.message();
  // No re-seeded legs: the message is exactly what it always was.
  EXPECT_EQ(a.reseeded_legs, 0u);
  EXPECT_EQ(a.message(), std::to_string(a.records) + " records audited OK (1 session, " +
                             std::to_string(a.frames) + " frames replayed, " +
                             std::to_string(a.checkpoints) + " checkpoints)");
}

// A real record late in the run with one leg replaced by the oldest quote
// of that symbol that differs from it (an older update id, another price).
struct stale_leg_record {
  std::size_t index = 0;  // in read_journal(the_run().journal)
  int leg = -1;
  opportunity_record tampered;
  journal_leg stale;
};

std::optional<stale_leg_record> find_stale_leg() {
  const sim_run& r = the_run();
  const std::vector<journal_record> recs = read_journal(r.journal);
  const universe u = load_exchange_info_file(r.exchange_info);
  const symbol_table table = make_symbol_table(u);
  frame_parser parser(table);
  const frames_file frames(r.frames);

  std::optional<std::size_t> target;
  int leg = -1;
  journal_leg stale;
  for (std::size_t i = first_opportunity(recs, recs.size() / 2); i < recs.size() && !target;
       i = first_opportunity(recs, i + 1)) {
    const auto& op = std::get<opportunity_record>(recs[i].body);
    for (int l = 0; l < 3 && !target; ++l) {
      const journal_leg& now = op.legs[static_cast<std::size_t>(l)];
      const symbol_id s = table.find(now.symbol);
      (void)frames.for_each(1u << 20, [&](const frame_line& f) {
        if (f.recv_ns >= op.time_ns) return false;
        const frame_result fr = parser.parse_padded(f.data, f.size);
        if (!fr.is_quote() || fr.symbol != s) return true;
        const fixed8 price = now.dir == side::buy ? fr.q.ask : fr.q.bid;
        if (fr.q.update_id >= now.update_id || price == now.price) return true;
        stale = now;
        stale.price = price;
        stale.book_qty = now.dir == side::buy ? fr.q.ask_qty : fr.q.bid_qty;
        stale.update_id = fr.q.update_id;
        target = i;
        leg = l;
        return false;
      });
    }
  }
  if (!target) return std::nullopt;
  stale_leg_record out;
  out.index = *target;
  out.leg = leg;
  out.stale = stale;
  out.tampered = std::get<opportunity_record>(recs[*target].body);
  out.tampered.legs[static_cast<std::size_t>(leg)] = stale;
  return out;
}

TEST(JournalAudit, CatchesARecordBuiltFromAStaleLeg) {
  // Take a real record late in the run and replace one leg with the oldest
  // quote of that symbol that differs from it: the chain is rebuilt and
  // verifies, so only the audit can see that the book no longer held it.
  const std::vector<journal_record> recs = read_journal(the_run().journal);
  const std::optional<stale_leg_record> t = find_stale_leg();
  ASSERT_TRUE(t) << "no leg with an older, different quote in the run";
  const std::string path = rechain("audit_stale_leg.jsonl", t->index, t->tampered);
  const journal_leg& stale = t->stale;
  const int leg = t->leg;
  const std::optional<std::size_t> target = t->index;

  const verify_report v = verify_journal(path, {});
  ASSERT_TRUE(v.ok()) << "the chain itself must verify: " << v.message();
  const audit_report a = run_audit(options_for(path));
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.result, audit_result::leg) << a.message();
  EXPECT_EQ(a.seq, recs[*target].seq) << a.message();
  EXPECT_EQ(a.leg, leg) << a.message();
  EXPECT_EQ(a.field, "update_id") << a.message();
  EXPECT_NE(a.journal_says.find(to_string(stale.price)), std::string::npos) << a.message();
  EXPECT_NE(a.message().find("line " + std::to_string(a.line)), std::string::npos);
  EXPECT_GT(a.records, 0u) << "the records before it were audited";
  EXPECT_EQ(a.reseeded_legs, 0u);
}

TEST(JournalAudit, V1RecordingReportsAReseededLegAsNotReplayableNotAsAMismatch) {
  // A real record whose leg carries an older update id than the book held
  // (the id a REST re-seed keeps: the last frame before it) and the price
  // the decision used. Marked reseeded, the audit cannot and does not
  // compare it with the replayed book; it says so, counts it, and checks the
  // record otherwise. Not marked, the same leg is an update_id mismatch.
  const sim_run& r = the_run();
  const std::vector<journal_record> recs = read_journal(r.journal);
  const std::optional<stale_leg_record> t = find_stale_leg();
  ASSERT_TRUE(t) << "no leg with an older, different quote in the run";
  opportunity_record op = std::get<opportunity_record>(recs[t->index].body);
  journal_leg& l = op.legs[static_cast<std::size_t>(t->leg)];
  l.update_id = t->stale.update_id;

  const audit_report plain =
      run_audit(options_for_v1(rechain("audit_unmarked.jsonl", t->index, op)));
  ASSERT_FALSE(plain.ok());
  EXPECT_EQ(plain.field, "update_id") << plain.message();

  l.reseeded = true;
  const std::string path = rechain("audit_reseeded_leg.jsonl", t->index, op);
  ASSERT_TRUE(verify_journal(path, {}).ok());
  const audit_report a = run_audit(options_for_v1(path));
  ASSERT_TRUE(a.ok()) << a.message();
  EXPECT_EQ(a.records, r.report.opportunities);
  EXPECT_EQ(a.reseeded_legs, 1u);
  EXPECT_EQ(a.reseeded_records, 1u);
  EXPECT_NE(a.message().find("1 leg in 1 record re-seeded from REST (not replayable)"),
            std::string::npos)
      << a.message();
  // A reseeded leg must still be a valid leg.
  l.valid = false;
  const audit_report inv =
      run_audit(options_for_v1(rechain("audit_reseeded_invalid.jsonl", t->index, op)));
  ASSERT_FALSE(inv.ok());
  EXPECT_EQ(inv.result, audit_result::leg) << inv.message();
  EXPECT_EQ(inv.field, "valid") << inv.message();
  EXPECT_NE(inv.message().find("re-seeded from REST (not replayable)"), std::string::npos)
      << inv.message();
}

TEST(JournalAudit, V1RecordingReseededLegStillHasItsDecisionChecked) {
  const std::vector<journal_record> recs = read_journal(the_run().journal);
  const std::size_t i = first_opportunity(recs, recs.size() / 3);
  ASSERT_LT(i, recs.size());
  opportunity_record op = std::get<opportunity_record>(recs[i].body);
  op.legs[0].reseeded = true;
  // Unchanged except for the flag: audits OK, one re-seeded leg counted.
  const std::string same = rechain("audit_reseeded_same.jsonl", i, op);
  const audit_report ok = run_audit(options_for_v1(same));
  ASSERT_TRUE(ok.ok()) << ok.message();
  EXPECT_EQ(ok.reseeded_legs, 1u);
  // An overstated ratio is still caught.
  op.ratio = plus_one_nano(op.ratio);
  const std::string over = rechain("audit_reseeded_over.jsonl", i, op);
  const audit_report a = run_audit(options_for_v1(over));
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.result, audit_result::decision) << a.message();
  EXPECT_EQ(a.seq, recs[i].seq);
  EXPECT_EQ(a.field, "ratio");
}

TEST(JournalAudit, V1RecordingReseededRecordBetweenFramesIsCheckedAtItsOwnTime) {
  // A live bot decides right after applying a REST re-seed, between frames:
  // no frame has the record's time. Move a real record 1 ns later (every
  // age 1 ns older) and mark a leg re-seeded: it is checked against the book
  // as it stood then. Unmarked, the same record matches no frame.
  const std::vector<journal_record> recs = read_journal(the_run().journal);
  const frames_file frames(options_for_v1(the_run().journal).frames);
  std::optional<std::size_t> target;
  for (std::size_t i = first_opportunity(recs, recs.size() / 3); i < recs.size() && !target;
       i = first_opportunity(recs, i + 1)) {
    const std::int64_t t = std::get<opportunity_record>(recs[i].body).time_ns;
    const std::size_t next = first_opportunity(recs, i + 1);
    if (next < recs.size() && std::get<opportunity_record>(recs[next].body).time_ns <= t + 1) {
      continue;  // keep the records in time order
    }
    std::size_t at_t = 0, at_t1 = 0;
    (void)frames.for_each(1u << 20, [&](const frame_line& f) {
      at_t += f.recv_ns == t ? 1U : 0U;
      at_t1 += f.recv_ns == t + 1 ? 1U : 0U;
      return f.recv_ns <= t + 1;
    });
    if (at_t == 1 && at_t1 == 0) target = i;  // the book at t + 1 is the book after t's frame
  }
  ASSERT_TRUE(target) << "no record alone at its time";
  opportunity_record op = std::get<opportunity_record>(recs[*target].body);
  op.time_ns += 1;
  for (journal_leg& l : op.legs) l.age_ns += 1;

  const audit_report plain = run_audit(options_for_v1(rechain("audit_between.jsonl", *target, op)));
  ASSERT_FALSE(plain.ok());
  EXPECT_EQ(plain.field, "time_ns") << plain.message();

  op.legs[2].reseeded = true;
  const audit_report a =
      run_audit(options_for_v1(rechain("audit_between_reseeded.jsonl", *target, op)));
  ASSERT_TRUE(a.ok()) << a.message();
  EXPECT_EQ(a.reseeded_legs, 1u);
  // ...and its other legs are still compared with the book.
  op.legs[0].age_ns += 1;
  const audit_report b =
      run_audit(options_for_v1(rechain("audit_between_reseeded_age.jsonl", *target, op)));
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.leg, 0) << b.message();
  EXPECT_EQ(b.field, "age_ns") << b.message();
}

TEST(JournalAudit, ARecordingWithItsReseedsComparesAReseededLegWithTheBook) {
  // A v2 recording holds every re-seed, so the replayed book holds what the
  // live book held: a leg marked reseeded gets no allowance. The v1 test
  // above audits this record OK; here its old update id is a mismatch, and
  // the flag itself is compared.
  const std::vector<journal_record> recs = read_journal(the_run().journal);
  const std::optional<stale_leg_record> t = find_stale_leg();
  ASSERT_TRUE(t) << "no leg with an older, different quote in the run";
  opportunity_record op = std::get<opportunity_record>(recs[t->index].body);
  journal_leg& l = op.legs[static_cast<std::size_t>(t->leg)];
  l.update_id = t->stale.update_id;
  l.reseeded = true;
  const audit_report a = run_audit(options_for(rechain("audit_v2_reseeded.jsonl", t->index, op)));
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.field, "update_id") << a.message();
  EXPECT_EQ(a.reseeded_legs, 0u);

  opportunity_record flag_only = std::get<opportunity_record>(recs[t->index].body);
  flag_only.legs[0].reseeded = true;
  const audit_report f =
      run_audit(options_for(rechain("audit_v2_reseeded_flag.jsonl", t->index, flag_only)));
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.field, "reseeded") << f.message();
}

TEST(JournalAudit, RecordedProcessesThatMatchNoSessionAreNotThisJournalsRecording) {
  // A simulation's recording starts at 0 and serves every session; two
  // processes, neither starting when a session began, cannot be paired.
  const std::string two = ::testing::TempDir() + "audit_two_processes.txt";
  {
    std::ifstream in(the_run().frames, std::ios::binary);
    std::ofstream out(two, std::ios::binary | std::ios::trunc);
    out << in.rdbuf() << "1\t0\tstart\n";
  }
  audit_options o = options_for(the_run().journal);
  o.frames = two;
  try {
    (void)run_audit(o);
    ADD_FAILURE() << "paired processes with sessions by guesswork";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("not this journal's recording"), std::string::npos)
        << e.what();
  }
}

TEST(JournalAudit, ARestartedSimulationAuditsEverySessionAgainstItsOneRecording) {
  // The same seed twice on one journal: a restart genesis, then the same
  // decisions again. The recording (of the second run) serves both sessions.
  const std::string dir = ::testing::TempDir();
  const std::string journal = dir + "audit_restarted.jsonl";
  const std::string frames = dir + "audit_restarted_frames.txt";
  std::remove(journal.c_str());
  std::uint64_t opportunities = 0;
  for (int run = 0; run < 2; ++run) {
    sim_options o;
    o.seed = 9;
    o.duration_ns = 500'000'000;
    o.journal_path = journal;
    o.journal_fsync.k = fsync_policy::kind::never;
    o.frames_out = frames;
    std::ostringstream ticks;
    opportunities += run_sim(o, ticks).opportunities;
  }
  audit_options o = options_for(journal);
  o.frames = frames;
  const audit_report a = run_audit(o);
  ASSERT_TRUE(a.ok()) << a.message();
  EXPECT_EQ(a.sessions, 2u);
  EXPECT_EQ(a.records, opportunities);
  EXPECT_GT(opportunities, 0u);
  EXPECT_EQ(a.unrecorded_sessions, 0u);
  std::remove(journal.c_str());
  std::remove(frames.c_str());
}

TEST(JournalAudit, CatchesAnOverstatedRatio) {
  const std::vector<journal_record> recs = read_journal(the_run().journal);
  const std::size_t i = first_opportunity(recs, recs.size() / 3);
  ASSERT_LT(i, recs.size());
  opportunity_record op = std::get<opportunity_record>(recs[i].body);
  op.ratio = plus_one_nano(op.ratio);
  const std::string path = rechain("audit_overstated.jsonl", i, op);
  ASSERT_TRUE(verify_journal(path, {}).ok());
  const audit_report a = run_audit(options_for(path));
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.result, audit_result::decision) << a.message();
  EXPECT_EQ(a.seq, recs[i].seq);
  EXPECT_EQ(a.field, "ratio");
  EXPECT_NE(a.detail.find("overstated"), std::string::npos) << a.message();
}

TEST(JournalAudit, ReEvaluatesWithTheGivenFees) {
  // The run used a 0.001 fee; audited at 0.002 every recorded ratio is above
  // what exact arithmetic gives, and the first record says so.
  audit_options o = options_for(the_run().journal);
  o.config.fee = fixed8::from_raw(200'000);
  const audit_report a = run_audit(o);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.result, audit_result::decision) << a.message();
  EXPECT_EQ(a.records, 0u);
}

// The audit maps fees as the run did (to_evaluator_config): an override for a
// symbol the exchange does not trade is the run's configuration error, not a
// default fee that would agree with an overstated ratio.
TEST(JournalAudit, FeeOverrideForAnUntradedSymbolIsAConfigError) {
  audit_options o = options_for(the_run().journal);
  o.config.fee_overrides["BTCUSDX"] = fixed8::from_raw(200'000);
  EXPECT_THROW((void)run_audit(o), config_error);
}

// A fee override the run used is the fee the audit re-evaluates with.
TEST(JournalAudit, ReEvaluatesWithTheRunsFeeOverrides) {
  audit_options o = options_for(the_run().journal);
  const universe u = load_exchange_info_file(the_run().exchange_info);
  for (const symbol_info& s : u.symbols())
    o.config.fee_overrides[s.name] = fixed8::from_raw(200'000);
  const audit_report a = run_audit(o);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.result, audit_result::decision) << a.message();
}

TEST(JournalAudit, ReportsABrokenChainBeforeReplaying) {
  const std::string path = ::testing::TempDir() + "audit_broken.jsonl";
  {
    std::ifstream in(the_run().journal, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    std::string bytes = ss.str();
    const auto at = bytes.find("\"price\":\"");
    ASSERT_NE(at, std::string::npos);
    bytes[at + 9] = bytes[at + 9] == '1' ? '2' : '1';
    std::ofstream(path, std::ios::binary) << bytes;
  }
  const audit_report a = run_audit(options_for(path));
  EXPECT_EQ(a.result, audit_result::chain) << a.message();
  EXPECT_NE(a.message().find("edited"), std::string::npos) << a.message();
}

TEST(JournalAudit, RefusesPlainFramesAndMissingFiles) {
  const std::string plain = ::testing::TempDir() + "audit_plain_frames.txt";
  std::ofstream(plain)
      << "{\"u\":1,\"s\":\"BTCUSDT\",\"b\":\"1\",\"B\":\"1\",\"a\":\"2\",\"A\":\"1\"}\n";
  audit_options o = options_for(the_run().journal);
  o.frames = plain;
  EXPECT_THROW((void)run_audit(o), std::runtime_error);
  o = options_for(the_run().journal);
  o.frames = "/nonexistent/frames.txt";
  EXPECT_THROW((void)run_audit(o), std::runtime_error);
  o = options_for("/nonexistent/journal.jsonl");
  EXPECT_EQ(run_audit(o).result, audit_result::chain);
}

// ---------------------------------------------------------------------------
// Layer four: the trading state replayed from the chain's state records
// ---------------------------------------------------------------------------

// bodies (genesis records included) chained with format_line into a file;
// from bodies[rotate_at] on (a rotation genesis) into name.1.
std::string write_bodies(const std::string& name, const std::vector<record_body>& bodies,
                         std::size_t rotate_at = std::size_t(-1)) {
  const std::string path = ::testing::TempDir() + name;
  std::remove((path + ".1").c_str());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  std::ofstream rotated;
  std::string prev(kZeroHash);
  std::string hash;
  for (std::size_t i = 0; i < bodies.size(); ++i) {
    if (i == rotate_at) rotated.open(path + ".1", std::ios::binary | std::ios::trunc);
    (i >= rotate_at ? rotated : out) << format_line(i, bodies[i], prev, &hash);
    prev = hash;
  }
  return path;
}

genesis_record genesis(genesis_reason why, std::string version = "triarb 0.2.0 (commit abc)") {
  genesis_record g;
  g.reason = why;
  g.version = std::move(version);
  g.config = "x = 1\n";
  g.config_sha256 = sha256_hex(g.config);
  return g;
}

state_record change(trading_state from, trading_state to, guard_trigger why,
                    std::string triangle = "") {
  state_record s;
  s.from = from;
  s.to = to;
  s.trigger = why;
  s.by = why == guard_trigger::manual ? "http" : "guard";
  s.triangle_name = std::move(triangle);
  s.evidence_json = "{}";
  return s;
}

// An opportunity record (only its triangle and suppression matter here).
opportunity_record opp(const std::string& triangle, suppress_reason why = suppress_reason::none) {
  opportunity_record o;
  o.triangle_name = triangle;
  o.ratio = "1.01";
  o.suppressed = why;
  return o;
}

constexpr auto kActive = trading_state::active;
constexpr auto kReducing = trading_state::reducing;
constexpr auto kHalted = trading_state::halted;
const std::string kTri = "USDT>BTC>ETH>USDT";
const std::string kOther = "USDT>ETH>BTC>USDT";

TEST(JournalAuditState, CatchesAnActionableOpportunityAfterAHalt) {
  const std::string path = write_bodies(
      "state_halt_actionable.jsonl",
      {genesis(genesis_reason::start), opp(kTri), change(kActive, kHalted, guard_trigger::rate),
       opp(kTri, suppress_reason::halted), opp(kOther)});
  const audit_report a = audit_states(path);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.result, audit_result::state);
  EXPECT_EQ(a.seq, 4u);
  EXPECT_EQ(a.line, 5u);
  EXPECT_EQ(a.field, "suppressed");
  EXPECT_NE(
      a.message().find("state_halt_actionable.jsonl line 5 (seq 4): suppressed: journal says "
                       "actionable (no \"suppressed\"); state halted (rate by guard at seq 2)"),
      std::string::npos)
      << a.message();
}

TEST(JournalAuditState, AcceptsSuppressedOpportunitiesAndActionableOnesAfterAResume) {
  const std::string path = write_bodies(
      "state_halt_resume.jsonl",
      {genesis(genesis_reason::start), opp(kTri), change(kActive, kHalted, guard_trigger::rate),
       opp(kTri, suppress_reason::halted), opp(kOther, suppress_reason::halted),
       change(kHalted, kActive, guard_trigger::manual), opp(kTri),
       change(kActive, kReducing, guard_trigger::feed_health),
       opp(kOther, suppress_reason::reducing),
       change(kReducing, kActive, guard_trigger::feed_health), opp(kOther)});
  const audit_report a = audit_states(path);
  ASSERT_TRUE(a.ok()) << a.message();
  EXPECT_EQ(a.state_records, 4u);
  EXPECT_EQ(a.suppressed, 3u);
  ASSERT_EQ(a.geneses.size(), 1u);
  EXPECT_EQ(a.geneses[0].version, "triarb 0.2.0 (commit abc)");
  EXPECT_EQ(a.geneses[0].reason, "start");
  EXPECT_EQ(a.message(),
            "4 state records and 3 suppressed opportunities consistent, 1 genesis (trading "
            "state only: frames not replayed)");
}

TEST(JournalAuditState, QuarantineHoldsForItsTriangleUntilAResumeReleasesIt) {
  // Each chain written out whole (GCC 12 warns, wrongly, on push_back of a record_body).
  const audit_report good = audit_states(write_bodies(
      "state_quarantine_ok.jsonl",
      {genesis(genesis_reason::start), change(kActive, kActive, guard_trigger::repeat, kTri),
       opp(kTri, suppress_reason::quarantined),
       opp(kOther),                                      // another triangle stays actionable
       change(kActive, kActive, guard_trigger::manual),  // resume: releases every quarantine
       opp(kTri)}));
  EXPECT_TRUE(good.ok()) << good.message();
  EXPECT_EQ(good.suppressed, 1u);

  const audit_report a = audit_states(write_bodies(
      "state_quarantine_bad.jsonl",
      {genesis(genesis_reason::start), change(kActive, kActive, guard_trigger::repeat, kTri),
       opp(kTri, suppress_reason::quarantined), opp(kOther), opp(kTri)}));
  EXPECT_EQ(a.result, audit_result::state) << a.message();
  EXPECT_EQ(a.seq, 4u) << a.message();
  EXPECT_NE(a.message().find("quarantined triangle (" + kTri + ")"), std::string::npos)
      << a.message();

  // Feed health's own recovery to active is not a resume: the quarantine holds.
  const audit_report f = audit_states(write_bodies(
      "state_quarantine_feed.jsonl",
      {genesis(genesis_reason::start), change(kActive, kActive, guard_trigger::repeat, kTri),
       opp(kTri, suppress_reason::quarantined), opp(kOther),
       change(kActive, kReducing, guard_trigger::feed_health),
       change(kReducing, kActive, guard_trigger::feed_health), opp(kTri)}));
  EXPECT_EQ(f.result, audit_result::state) << f.message();
  EXPECT_EQ(f.seq, 6u) << f.message();
}

TEST(JournalAuditState, AReasonMustHoldForTheState) {
  // Suppressed as halted while only reducing; quarantined with no quarantine;
  // suppressed while active.
  for (const auto& [bodies, seq] : std::vector<std::pair<std::vector<record_body>, std::uint64_t>>{
           {{genesis(genesis_reason::start), change(kActive, kReducing, guard_trigger::feed_health),
             opp(kTri, suppress_reason::halted)},
            2},
           {{genesis(genesis_reason::start), change(kActive, kHalted, guard_trigger::journal),
             opp(kTri, suppress_reason::quarantined)},
            2},
           {{genesis(genesis_reason::start), opp(kTri, suppress_reason::reducing)}, 1},
       }) {
    const audit_report a = audit_states(write_bodies("state_reason.jsonl", bodies));
    EXPECT_EQ(a.result, audit_result::state) << a.message();
    EXPECT_EQ(a.seq, seq) << a.message();
    EXPECT_NE(a.message().find("the reason does not hold"), std::string::npos) << a.message();
  }
}

TEST(JournalAuditState, StateRecordsMustBeWellFormedTransitions) {
  struct bad_case {
    std::vector<record_body> bodies;
    std::string field;
  };
  const std::vector<bad_case> cases = {
      // from is not the tracked state.
      {{genesis(genesis_reason::start), change(kHalted, kActive, guard_trigger::manual)}, "from"},
      // A quarantine changes the state.
      {{genesis(genesis_reason::start), change(kActive, kReducing, guard_trigger::repeat, kTri)},
       "to"},
      // No change, no triangle, not a resume.
      {{genesis(genesis_reason::start), change(kActive, kActive, guard_trigger::rate)}, "to"},
      // Halted is left only by an operator's resume to active.
      {{genesis(genesis_reason::start), change(kActive, kHalted, guard_trigger::rate),
        change(kHalted, kActive, guard_trigger::feed_health)},
       "trigger"},
      {{genesis(genesis_reason::start), change(kActive, kHalted, guard_trigger::rate),
        change(kHalted, kReducing, guard_trigger::manual)},
       "trigger"},
  };
  for (const bad_case& c : cases) {
    const audit_report a = audit_states(write_bodies("state_transition.jsonl", c.bodies));
    EXPECT_EQ(a.result, audit_result::state) << a.message();
    EXPECT_EQ(a.seq, c.bodies.size() - 1) << a.message();
    EXPECT_EQ(a.field, c.field) << a.message();
  }
}

// Each trigger makes only its own transitions, by its own producer.
TEST(JournalAuditState, EachTriggerMakesOnlyItsOwnTransitions) {
  struct bad_case {
    const char* what;
    std::vector<record_body> bodies;
    std::string field;
  };
  state_record resume_by_guard = change(kHalted, kActive, guard_trigger::manual);
  resume_by_guard.by = "guard";
  state_record halt_by_guard = change(kActive, kHalted, guard_trigger::manual);
  halt_by_guard.by = "guard";
  state_record rate_by_http = change(kActive, kHalted, guard_trigger::rate);
  rate_by_http.by = "http";
  state_record repeat_by_http = change(kActive, kActive, guard_trigger::repeat, kTri);
  repeat_by_http.by = "http";
  const auto g = genesis(genesis_reason::start);
  const std::vector<bad_case> cases = {
      {"a quarantine with trigger manual",
       {g, change(kActive, kActive, guard_trigger::manual, kTri)},
       "triangle"},
      {"feed health active -> halted",
       {g, change(kActive, kHalted, guard_trigger::feed_health)},
       "to"},
      {"rate active -> reducing", {g, change(kActive, kReducing, guard_trigger::rate)}, "to"},
      {"journal reducing -> active",
       {g, change(kActive, kReducing, guard_trigger::feed_health),
        change(kReducing, kActive, guard_trigger::journal)},
       "to"},
      {"a repeat without a triangle",
       {g, change(kActive, kActive, guard_trigger::repeat)},
       "triangle"},
      {"a resume naming a triangle",
       {g, change(kActive, kHalted, guard_trigger::rate),
        change(kHalted, kActive, guard_trigger::manual, kTri)},
       "triangle"},
      {"a second quarantine of the same triangle",
       {g, change(kActive, kActive, guard_trigger::repeat, kTri),
        change(kActive, kActive, guard_trigger::repeat, kTri)},
       "triangle"},
      {"a resume by guard",
       {g, change(kActive, kHalted, guard_trigger::rate), resume_by_guard},
       "by"},
      {"a manual halt by guard", {g, halt_by_guard}, "by"},
      {"a rate halt by http", {g, rate_by_http}, "by"},
      {"a quarantine by http", {g, repeat_by_http}, "by"},
      {"a manual halt while halted",
       {g, change(kActive, kHalted, guard_trigger::rate),
        change(kHalted, kHalted, guard_trigger::manual)},
       "to"},
      {"a manual move to reducing",
       {g, change(kActive, kReducing, guard_trigger::manual)},
       "trigger"},
      {"feed health active -> active",
       {g, change(kActive, kActive, guard_trigger::feed_health)},
       "to"},
  };
  for (const bad_case& c : cases) {
    const audit_report a = audit_states(write_bodies("state_trigger.jsonl", c.bodies));
    EXPECT_EQ(a.result, audit_result::state) << c.what << ": " << a.message();
    EXPECT_EQ(a.seq, c.bodies.size() - 1) << c.what << ": " << a.message();
    EXPECT_EQ(a.field, c.field) << c.what << ": " << a.message();
  }
  // The other half: a second quarantine after a resume, and a halt from reducing, are fine.
  const audit_report ok = audit_states(write_bodies(
      "state_trigger_ok.jsonl", {g, change(kActive, kActive, guard_trigger::repeat, kTri),
                                 change(kActive, kActive, guard_trigger::manual),
                                 change(kActive, kActive, guard_trigger::repeat, kTri),
                                 change(kActive, kReducing, guard_trigger::feed_health),
                                 change(kReducing, kHalted, guard_trigger::journal),
                                 change(kHalted, kActive, guard_trigger::manual),
                                 change(kActive, kHalted, guard_trigger::manual)}));
  EXPECT_TRUE(ok.ok()) << ok.message();
  EXPECT_EQ(ok.state_records, 7u);
}

TEST(JournalAuditState, ARestartInheritsTheStateAndARotationKeepsIt) {
  // Halted with a quarantine, then the process restarts: the restart keeps
  // both (an automatic resume is forbidden), so its opportunities are
  // suppressed until an operator's resume, which releases the quarantine too.
  const std::string restarted = write_bodies(
      "state_restart.jsonl",
      {genesis(genesis_reason::start, "triarb 0.2.0 (commit abc)"),
       change(kActive, kActive, guard_trigger::repeat, kTri),
       change(kActive, kHalted, guard_trigger::manual), opp(kTri, suppress_reason::halted),
       genesis(genesis_reason::restart, "triarb 0.2.1 (commit def)"),
       opp(kTri, suppress_reason::quarantined), opp(kOther, suppress_reason::halted),
       change(kHalted, kActive, guard_trigger::manual), opp(kTri), opp(kOther)});
  const audit_report a = audit_states(restarted);
  ASSERT_TRUE(a.ok()) << a.message();
  EXPECT_EQ(a.state_records, 3u);
  EXPECT_EQ(a.suppressed, 3u);
  ASSERT_EQ(a.geneses.size(), 2u);
  EXPECT_EQ(a.geneses[1].version, "triarb 0.2.1 (commit def)");
  EXPECT_EQ(a.geneses[1].reason, "restart");
  // An actionable opportunity right after the restart of a halted chain is refused.
  const audit_report b = audit_states(
      write_bodies("state_restart_actionable.jsonl",
                   {genesis(genesis_reason::start), change(kActive, kHalted, guard_trigger::rate),
                    genesis(genesis_reason::restart), opp(kTri)}));
  EXPECT_EQ(b.result, audit_result::state) << b.message();
  EXPECT_EQ(b.seq, 3u) << b.message();
  EXPECT_NE(b.message().find("state halted (rate by guard at seq 1, kept by the restart at seq 2)"),
            std::string::npos)
      << b.message();
  // So is a state record after the restart that starts active again.
  const audit_report d = audit_states(write_bodies(
      "state_restart_from.jsonl",
      {genesis(genesis_reason::start), change(kActive, kHalted, guard_trigger::rate),
       genesis(genesis_reason::restart), change(kActive, kReducing, guard_trigger::feed_health)}));
  EXPECT_EQ(d.result, audit_result::state) << d.message();
  EXPECT_EQ(d.field, "from") << d.message();
  // A quarantine survives a restart on its own (the state active).
  const audit_report q = audit_states(write_bodies(
      "state_restart_quarantine.jsonl",
      {genesis(genesis_reason::start), change(kActive, kActive, guard_trigger::repeat, kTri),
       genesis(genesis_reason::restart), opp(kOther), opp(kTri)}));
  EXPECT_EQ(q.result, audit_result::state) << q.message();
  EXPECT_EQ(q.seq, 4u) << q.message();
  // A rotation is the same process: still halted.
  const audit_report c = audit_states(
      write_bodies("state_rotation.jsonl",
                   {genesis(genesis_reason::start), change(kActive, kHalted, guard_trigger::rate),
                    genesis(genesis_reason::rotation), opp(kTri)},
                   /*rotate_at=*/2));
  EXPECT_EQ(c.result, audit_result::state) << c.message();
  EXPECT_EQ(c.seq, 3u);
}

// The real run with a halt after its first opportunity: every later record
// suppressed audits OK (its legs and decision still checked against the
// replay); left actionable, the first one after the halt fails.
TEST(JournalAuditState, RunAuditChecksSuppressionsOnARealJournal) {
  const std::vector<journal_record> recs = read_journal(the_run().journal);
  const std::size_t first = first_opportunity(recs, 0);
  ASSERT_LT(first, recs.size());
  for (const bool suppress : {true, false}) {
    std::vector<record_body> bodies;
    std::optional<std::uint64_t> first_after;
    for (std::size_t i = 0; i < recs.size(); ++i) {
      record_body b = recs[i].body;
      if (auto* op = std::get_if<opportunity_record>(&b); op && i > first) {
        if (!first_after) first_after = bodies.size();
        if (suppress) op->suppressed = suppress_reason::halted;
      }
      bodies.push_back(std::move(b));
      if (i == first) {
        state_record h = change(kActive, kHalted, guard_trigger::rate);
        h.time_ns = std::get<opportunity_record>(recs[i].body).time_ns;
        h.evidence_json = R"({"count":201,"windows":0})";
        bodies.emplace_back(h);
      }
    }
    ASSERT_TRUE(first_after.has_value());
    const std::string path = write_bodies(
        suppress ? "audit_halt_suppressed.jsonl" : "audit_halt_actionable.jsonl", bodies);
    const audit_report a = run_audit(options_for(path));
    if (suppress) {
      ASSERT_TRUE(a.ok()) << a.message();
      EXPECT_EQ(a.records, the_run().report.opportunities);
      EXPECT_EQ(a.state_records, 1u);
      EXPECT_EQ(a.suppressed, a.records - 1);
      EXPECT_NE(a.message().find("; 1 state record and " + std::to_string(a.suppressed) +
                                 " suppressed opportunities consistent"),
                std::string::npos)
          << a.message();
    } else {
      EXPECT_EQ(a.result, audit_result::state) << a.message();
      EXPECT_EQ(a.seq, *first_after) << a.message();
    }
  }
}

// ---------------------------------------------------------------------------
// Execution: orders, their answers and cycles (issue 15)
// ---------------------------------------------------------------------------

fixed8 dec(const char* s) { return parse_fixed8(s).value; }

// A chain built record by record, each record's hash known (an order cites
// its decision's).
struct exec_chain {
  std::vector<record_body> bodies;
  std::string prev{kZeroHash};
  std::string add(record_body b) {
    std::string hash;
    (void)format_line(bodies.size(), b, prev, &hash);
    prev = hash;
    bodies.emplace_back(std::move(b));
    return hash;
  }
  [[nodiscard]] std::string write(const std::string& name) const {
    return write_bodies(name, bodies);
  }
};

// The decision: USDT -> BTC -> ETH -> USDT at these prices and sizes.
opportunity_record decision(suppress_reason why = suppress_reason::none) {
  opportunity_record o = opp(kTri, why);
  const char* symbols[3] = {"BTCUSDT", "ETHBTC", "ETHUSDT"};
  const char* prices[3] = {"50000", "0.05", "2600"};
  const char* qty[3] = {"0.02", "0.4", "0.4"};
  for (std::size_t k = 0; k < 3; ++k) {
    o.legs[k].symbol = symbols[k];
    o.legs[k].dir = k == 2 ? side::sell : side::buy;
    o.legs[k].price = dec(prices[k]);
    o.legs[k].fill_qty = dec(qty[k]);
    o.legs[k].valid = true;
  }
  o.amount_in = dec("1000");
  o.amount_out = dec("1038.5");
  o.profit = dec("38.5");
  return o;
}

order_record order(std::uint64_t cycle, std::uint8_t leg, const std::string& decision_hash,
                   const char* price, const char* qty) {
  order_record o;
  o.cycle = cycle;
  o.leg = leg;
  o.client_order_id = "tb-" + std::to_string(cycle) + "-" + std::to_string(leg);
  o.symbol = leg == 1 ? "BTCUSDT" : leg == 2 ? "ETHBTC" : "ETHUSDT";
  o.dir = leg == 3 ? side::sell : side::buy;
  o.price = dec(price);
  o.quantity = dec(qty);
  o.decision = decision_hash;
  return o;
}

// One trade at price for qty, the commission in asset.
fill_record answer(const order_record& o, order_status st,
                   std::vector<std::array<const char*, 4>> trades) {
  fill_record f;
  f.client_order_id = o.client_order_id;
  f.status = st;
  f.order_id = 1000 + o.leg;
  for (const auto& [price, qty, commission, asset] : trades) {
    f.fills.push_back({dec(price), dec(qty), dec(commission), asset, 7});
    f.executed_qty = checked_add(f.executed_qty, dec(qty)).value;
    f.cumulative_quote =
        checked_add(f.cumulative_quote, fill_quote(dec(price), dec(qty)).value).value;
  }
  return f;
}

// What each forged chain changes in the good one.
enum class forge {
  none,
  order_without_decision,  // leg 1 cites a hash no opportunity has
  order_cites_genesis,     // ... the genesis's
  suppressed_decision,     // cycle 2's decision was suppressed (halted, then resumed)
  order_while_halted,      // cycle 2's leg 1 sent after a halt
  overfill,                // leg 1's answer fills 0.03 of 0.02
  beyond_limit,            // leg 3 sells below its limit
  wrong_realised,          // cycle 1's realised profit off by 10^-8
  wrong_residual,          // cycle 1's residual leaves out ETH
  second_answer,           // leg 2 of cycle 1 answered twice
  leg1_not_the_decisions,  // leg 1's quantity is not the decision's fill_qty
  answer_without_order,    // a reject for an id never sent
  quarantined_triangle,    // cycle 2's leg 1 after its triangle was quarantined
  leg2_before_leg1_fill,   // leg 2 sent before leg 1's answer
  repeated_leg,            // leg 2 of cycle 1 sent twice (another client id)
  repeated_client_id,      // leg 3 of cycle 1 sent with leg 2's client id
  two_decisions,           // cycle 2's leg 2 cites cycle 1's decision
  order_after_cycle,       // an order of cycle 1 after its cycle record
  cycle_before_answer,     // cycle 2's record before leg 3's answer
  second_cycle_record,     // cycle 1 closed twice
  wrong_start_asset,       // cycle 1's start asset BTC
  wrong_expected,          // cycle 1's expected profit not the decision's
  done_contradicted,       // cycle 2 (leg 2 rejected) says done
  missed_contradicted,     // cycle 2 (leg 1 filled 0.01) says missed
  executed_not_sum,        // leg 1's executed_qty 0.019, its trade 0.02
  quote_not_sum,           // leg 1's cumulative_quote 999, its trade 1000
  // The plan's rules (the sizes need no exchange info; the rest do):
  leg2_overspends,          // leg 2 buys 0.3996 at 0.05005: 0.01999998 BTC of 0.01998 held
  leg3_beyond_delivered,    // leg 2 answered with 0.3 ETH, then leg 3 sells 0.3986
  leg3_beyond_worst,        // leg 3 sells 0.3987 while leg 2 (0.399) is unanswered: W 0.398601
  leg2_off_step,            // leg 2's quantity 0.39905, ETHBTC's step 0.0001
  leg2_beyond_cap,          // leg 2 buys at 0.05006, its cap 0.05005
  leg3_beyond_cap,          // leg 3 sells at 2597.39, its cap 2597.4
  commission_off_fee,       // leg 1's commission 0.00001 BTC, fill_commission says 0.00002
  commission_other_asset,   // leg 1's commission charged in USDT (it received BTC)
  leg3_before_leg2_answer,  // leg 3 sent before leg 2 was answered
};

// A good chain: cycle 1 done, cycle 2 residual (leg 1 in part, leg 2
// rejected, leg 3 expired empty), a halt, then a suppressed opportunity;
// `f` forges one thing. Returns the chain and the seq the audit must name.
std::pair<exec_chain, std::uint64_t> execution_chain(forge f) {
  exec_chain c;
  std::uint64_t bad_seq = 0;
  const auto mark = [&] { bad_seq = c.bodies.size(); };
  const std::string genesis_hash = c.add(genesis(genesis_reason::start));
  const std::string d1 = c.add(decision());
  // Cycle 1: done. Leg 1 buys 0.02 BTC for 1000 USDT (0.00002 BTC fee);
  // leg 2 buys 0.399 ETH for 0.01995 BTC (0.000399 ETH fee); leg 3 sells
  // 0.3986 ETH for 1036.36 USDT (1.03636 USDT fee).
  order_record l1 = order(1, 1, d1, "50000", f == forge::leg1_not_the_decisions ? "0.019" : "0.02");
  if (f == forge::order_without_decision) l1.decision = sha256_hex("no such record");
  if (f == forge::order_cites_genesis) l1.decision = genesis_hash;
  if (f == forge::order_without_decision || f == forge::order_cites_genesis ||
      f == forge::leg1_not_the_decisions) {
    mark();
  }
  c.add(l1);
  order_record l2 = order(1, 2, d1, "0.05005", "0.399");
  if (f == forge::leg2_overspends) l2.quantity = dec("0.3996");
  if (f == forge::leg2_off_step) l2.quantity = dec("0.39905");
  if (f == forge::leg2_beyond_cap) l2.price = dec("0.05006");
  order_record l3 = order(1, 3, d1, "2597.4", "0.3986");
  if (f == forge::leg3_beyond_worst) l3.quantity = dec("0.3987");
  if (f == forge::leg3_beyond_cap) l3.price = dec("2597.39");
  if (f == forge::repeated_client_id) l3.client_order_id = l2.client_order_id;
  if (f == forge::leg2_before_leg1_fill) {
    mark();
    c.add(l2);
    return {c, bad_seq};
  }
  fill_record a1 = answer(l1, order_status::filled, {{"50000", "0.02", "0.00002", "BTC"}});
  if (f == forge::executed_not_sum) a1.executed_qty = dec("0.019");
  if (f == forge::quote_not_sum) a1.cumulative_quote = dec("999");
  if (f == forge::commission_off_fee) a1.fills[0].commission = dec("0.00001");
  if (f == forge::commission_other_asset) a1.fills[0].commission_asset = "USDT";
  if (f == forge::overfill) {
    mark();
    c.add(answer(l1, order_status::filled, {{"50000", "0.03", "0.00003", "BTC"}}));
  } else {
    if (f == forge::executed_not_sum || f == forge::quote_not_sum ||
        f == forge::commission_off_fee || f == forge::commission_other_asset) {
      mark();
    }
    c.add(a1);
  }
  // A plan forge's chain ends at its forged record (a run that ended
  // mid-cycle): the rest of the audit has nothing against it.
  const bool plan_forge = f >= forge::leg2_overspends;
  if (plan_forge && bad_seq == c.bodies.size() - 1) return {c, bad_seq};
  if (f == forge::leg2_overspends || f == forge::leg2_off_step || f == forge::leg2_beyond_cap) {
    mark();
  }
  c.add(l2);
  if (plan_forge && bad_seq == c.bodies.size() - 1) return {c, bad_seq};
  if (f == forge::repeated_leg) {
    mark();
    order_record again = l2;
    again.client_order_id = "tb-1-2b";
    c.add(again);
    return {c, bad_seq};
  }
  if (f == forge::leg3_beyond_delivered) {
    c.add(answer(l2, order_status::expired, {{"0.05", "0.3", "0.0003", "ETH"}}));
    mark();
    c.add(l3);
    return {c, bad_seq};
  }
  if (f == forge::leg3_before_leg2_answer) {
    mark();
    c.add(l3);
    return {c, bad_seq};
  }
  c.add(answer(l2, order_status::filled, {{"0.05", "0.399", "0.000399", "ETH"}}));
  if (f == forge::second_answer) {
    mark();
    reject_record again;
    again.client_order_id = l2.client_order_id;
    again.code = -1013;
    again.msg = "Filter failure: LOT_SIZE";
    again.http_status = 400;
    c.add(again);
  }
  // Leg 3 only after leg 2's answer (core/cycle.h: legs one after another).
  if (f == forge::leg3_beyond_worst || f == forge::leg3_beyond_cap ||
      f == forge::repeated_client_id) {
    mark();
  }
  c.add(l3);
  if (plan_forge && bad_seq == c.bodies.size() - 1) return {c, bad_seq};
  if (f == forge::beyond_limit) {
    mark();
    c.add(answer(l3, order_status::filled, {{"2597.3", "0.3986", "1.03530778", "USDT"}}));
  } else {
    c.add(answer(l3, order_status::filled,
                 {{"2600", "0.1", "0.26", "USDT"}, {"2600", "0.2986", "0.77636", "USDT"}}));
  }
  cycle_record done;
  done.cycle = 1;
  done.decision = d1;
  done.outcome = cycle_end::done;
  done.start_asset = f == forge::wrong_start_asset ? "BTC" : "USDT";
  done.expected_profit = dec(f == forge::wrong_expected ? "38.4" : "38.5");
  done.realised_profit = dec(f == forge::wrong_realised ? "35.32365" : "35.32364");
  done.residual = {{"BTC", dec("0.00003")}, {"ETH", dec("0.000001")}};
  if (f == forge::wrong_residual) done.residual.erase("ETH");
  if (f == forge::wrong_realised || f == forge::wrong_residual || f == forge::wrong_start_asset ||
      f == forge::wrong_expected) {
    mark();
  }
  c.add(done);
  if (f == forge::second_cycle_record) {
    mark();
    c.add(done);
  }
  if (f == forge::order_after_cycle) {
    mark();
    order_record late = l3;
    late.client_order_id = "tb-1-4";
    c.add(late);
  }

  // Cycle 2: residual.
  const std::string d2 = c.add(decision());
  if (f == forge::suppressed_decision) {
    c.add(change(kActive, kHalted, guard_trigger::rate));
    const std::string s = c.add(decision(suppress_reason::halted));
    c.add(change(kHalted, kActive, guard_trigger::manual));
    mark();
    c.add(order(2, 1, s, "50000", "0.02"));
    return {c, bad_seq};
  }
  if (f == forge::order_while_halted) {
    c.add(change(kActive, kHalted, guard_trigger::rate));
    mark();
  }
  if (f == forge::quarantined_triangle) {
    c.add(change(kActive, kActive, guard_trigger::repeat, kTri));
    mark();
  }
  const order_record m1 = order(2, 1, d2, "50000", "0.02");
  c.add(m1);
  if (f == forge::order_while_halted || f == forge::quarantined_triangle) return {c, bad_seq};
  c.add(answer(m1, order_status::expired, {{"50000", "0.01", "0.00001", "BTC"}}));
  const order_record m2 = order(2, 2, f == forge::two_decisions ? d1 : d2, "0.05005", "0.199");
  if (f == forge::two_decisions) mark();
  c.add(m2);
  reject_record r;  // leg 2 refused: leg 3 is never sent
  r.client_order_id = m2.client_order_id;
  r.code = -2010;
  r.msg = "Account has insufficient balance for requested action.";
  r.http_status = 400;
  if (f != forge::cycle_before_answer) c.add(r);
  if (f == forge::answer_without_order) {
    mark();
    reject_record stray = r;
    stray.client_order_id = "tb-9-1";
    c.add(stray);
  }
  cycle_record residual;
  residual.cycle = 2;
  residual.decision = d2;
  residual.outcome = f == forge::done_contradicted     ? cycle_end::done
                     : f == forge::missed_contradicted ? cycle_end::missed
                                                       : cycle_end::residual;
  residual.start_asset = "USDT";
  residual.expected_profit = dec("38.5");
  residual.realised_profit = dec("-500");
  residual.residual = {{"BTC", dec("0.00999")}};
  residual.reason = f == forge::done_contradicted ? "" : "short_fill: leg 2 rejected (-2010)";
  if (f == forge::cycle_before_answer || f == forge::done_contradicted ||
      f == forge::missed_contradicted) {
    mark();
  }
  c.add(residual);
  c.add(change(kActive, kHalted, guard_trigger::rate));
  c.add(decision(suppress_reason::halted));
  return {c, bad_seq};
}

TEST(JournalAuditExecution, AGoodChainPasses) {
  const auto [chain, unused] = execution_chain(forge::none);
  const std::string path = chain.write("exec_good.jsonl");
  const audit_report a = audit_states(path);
  ASSERT_TRUE(a.ok()) << a.message();
  EXPECT_EQ(a.orders, 5u);
  EXPECT_EQ(a.fills, 4u);
  EXPECT_EQ(a.rejects, 1u);
  EXPECT_EQ(a.cycles, 2u);
  EXPECT_EQ(a.unanswered_orders, 0u);
  EXPECT_EQ(a.open_cycles, 0u);
  EXPECT_EQ(a.message(),
            "1 state record and 1 suppressed opportunity consistent, 1 genesis (trading state "
            "only: frames not replayed); 5 orders (4 fills, 1 reject) and 2 cycles consistent");
  EXPECT_TRUE(verify_journal(path, {}).ok());
}

// A run that ended mid-cycle: the order without an answer and the cycle
// without a record are counted, not failures.
TEST(JournalAuditExecution, AnUnansweredOrderIsCountedNotRefused) {
  exec_chain c;
  c.add(genesis(genesis_reason::start));
  const std::string d = c.add(decision());
  c.add(order(1, 1, d, "50000", "0.02"));
  c.add(genesis(genesis_reason::restart));
  const audit_report a = audit_states(c.write("exec_unanswered.jsonl"));
  ASSERT_TRUE(a.ok()) << a.message();
  EXPECT_EQ(a.unanswered_orders, 1u);
  EXPECT_EQ(a.open_cycles, 1u);
  EXPECT_NE(a.message().find("; 1 order (0 fills, 0 rejects, 1 unanswered) and 0 cycles (1 more "
                             "without a cycle record) consistent"),
            std::string::npos)
      << a.message();
}

TEST(JournalAuditExecution, EachForgedChainIsRefusedWithItsMessage) {
  struct forged {
    forge f;
    const char* name;
    std::string field;
    std::string says;  // in the message
  };
  const std::vector<forged> cases = {
      {forge::order_without_decision, "order without decision", "decision",
       "no earlier opportunity record has this hash (every order cites the opportunity record "
       "that caused it)"},
      {forge::order_cites_genesis, "order citing a genesis", "decision",
       "no earlier opportunity record has this hash"},
      {forge::suppressed_decision, "order citing a suppressed decision", "decision",
       "the opportunity at seq 11 is suppressed (halted) (an order follows only an actionable "
       "decision)"},
      {forge::order_while_halted, "order while halted", "state",
       "journal says order tb-2-1 (cycle 2 leg 1); state halted (rate by guard at seq 10) (no "
       "order while the trading state is not active)"},
      {forge::overfill, "overfill", "executed_qty",
       "executed_qty: journal says 0.03; the order at seq 2 asked for 0.02 (an answer never "
       "fills more than ordered)"},
      {forge::beyond_limit, "a fill beyond the limit", "fills[0].price",
       "fills[0].price: journal says 2597.3; the order at seq 6 sells at limit 2597.4"},
      {forge::wrong_realised, "a wrong realised profit", "realised_profit",
       "realised_profit: journal says 35.32365; its fills and fees say 35.32364"},
      {forge::wrong_residual, "a wrong residual", "residual",
       "residual: journal says {BTC:0.00003}; its fills and fees say {BTC:0.00003,ETH:0.000001}"},
      {forge::second_answer, "a second answer", "client_order_id",
       "client_order_id: journal says tb-1-2; the order at seq 4 was answered at seq 5 (every "
       "order has at most one answer)"},
      {forge::leg1_not_the_decisions, "leg 1 not the decision's size", "quantity",
       "quantity: journal says buy BTCUSDT price 50000 quantity 0.019; decision seq 1 leg 1: buy "
       "BTCUSDT price 50000 fill_qty 0.02"},
      {forge::answer_without_order, "an answer without an order", "client_order_id",
       "client_order_id: journal says tb-9-1; no earlier order in this session has it"},
      {forge::quarantined_triangle, "an order on a quarantined triangle", "state",
       "triangle USDT>BTC>ETH>USDT quarantined"},
      {forge::leg2_before_leg1_fill, "leg 2 before leg 1's answer", "leg",
       "leg: journal says 2; leg 1 (seq 2) has no answer yet"},
      {forge::repeated_leg, "a repeated leg", "leg",
       "leg: journal says 2; cycle 1 already sent leg 2 at seq 4 (one order per leg of a cycle)"},
      {forge::repeated_client_id, "a repeated client id", "client_order_id",
       "client_order_id: journal says tb-1-2; the order at seq 4 has it"},
      {forge::two_decisions, "a cycle citing two decisions", "decision",
       "cycle 2's orders cite the decision at seq 9 (a cycle carries out one decision)"},
      {forge::order_after_cycle, "an order after its cycle record", "cycle",
       "cycle: journal says 1; its cycle record is at seq 8 (no order after its cycle's record)"},
      {forge::cycle_before_answer, "a cycle record before an answer", "cycle",
       "cycle: journal says 2; leg 2 (seq 12) has no answer (a cycle record comes after every "
       "answer of its orders)"},
      {forge::second_cycle_record, "a second cycle record", "cycle",
       "cycle: journal says 1; its cycle record is at seq 8 (one cycle record per cycle)"},
      {forge::wrong_start_asset, "a wrong start asset", "start_asset",
       "start_asset: journal says BTC; the decision's triangle starts at USDT"},
      {forge::wrong_expected, "a wrong expected profit", "expected_profit",
       "expected_profit: journal says 38.4; the decision at seq 1 says 38.5"},
      {forge::done_contradicted, "done with leg 2 rejected", "outcome",
       "outcome: journal says done; legs 2 and 3 did not both fill their whole quantity"},
      {forge::missed_contradicted, "missed with leg 1 filled", "outcome",
       "outcome: journal says missed; leg 1 filled 0.01"},
      {forge::executed_not_sum, "executed_qty not the trades' sum", "executed_qty",
       "executed_qty: journal says 0.019; its fills sum to 0.02"},
      {forge::quote_not_sum, "cumulative_quote not the trades' sum", "cumulative_quote",
       "cumulative_quote: journal says 999; its fills' fill_quote sum to 1000"},
      // The sizes: no exchange info needed.
      {forge::leg2_overspends, "leg 2 spending more than leg 1 delivered", "quantity",
       "quantity: journal says buy ETHBTC price 0.05005 quantity 0.3996 (spends 0.01999998 BTC); "
       "leg 1 (seq 2) delivered 0.01998 BTC net of commission (leg 2 never spends more than leg 1 "
       "delivered)"},
      {forge::leg3_beyond_delivered, "leg 3 spending more than leg 2 delivered", "quantity",
       "quantity: journal says sell ETHUSDT price 2597.4 quantity 0.3986 (spends 0.3986 ETH); leg "
       "2 (seq 4) delivered 0.2997 ETH net of commission (leg 3 never spends more than leg 2 "
       "delivered)"},
      {forge::leg3_beyond_worst, "leg 3 beyond what leg 2 delivered in full", "quantity",
       "quantity: journal says sell ETHUSDT price 2597.4 quantity 0.3987 (spends 0.3987 ETH); "
       "leg 2 (seq 4) delivered 0.398601 ETH net of commission"},
      {forge::leg3_before_leg2_answer, "leg 3 before leg 2's answer", "leg",
       "leg: journal says 3; leg 2 (seq 4) has no answer yet (leg 3 is sent after leg 2's answer "
       "with a fill, sized from it)"},
  };
  for (const forged& c : cases) {
    const auto [chain, seq] = execution_chain(c.f);
    const std::string path = chain.write("exec_forged.jsonl");
    ASSERT_TRUE(verify_journal(path, {}).ok()) << c.name << ": the chain itself verifies";
    const audit_report a = audit_states(path);
    EXPECT_EQ(a.result, audit_result::execution) << c.name << ": " << a.message();
    EXPECT_EQ(a.seq, seq) << c.name << ": " << a.message();
    EXPECT_EQ(a.line, seq + 1) << c.name;
    EXPECT_EQ(a.field, c.field) << c.name << ": " << a.message();
    const std::string where = "exec_forged.jsonl line " + std::to_string(seq + 1) + " (seq " +
                              std::to_string(seq) + "): ";
    EXPECT_NE(a.message().find(where), std::string::npos) << c.name << ": " << a.message();
    EXPECT_NE(a.message().find(c.says), std::string::npos) << c.name << ": " << a.message();
  }
}

// The exchange info and configuration of the forged chains: the filters of
// core/cycle_test.cc's world, the fee 0.001, max_slippage_bps 10.
const universe& exec_universe() {
  static const universe u = [] {
    auto filters = [](const char* tick, const char* step, const char* min_notional) {
      return symbol_filters{.tick_size = dec(tick),
                            .min_qty = dec(step),
                            .max_qty = dec("9000"),
                            .step_size = dec(step),
                            .min_notional = dec(min_notional)};
    };
    return universe{{{"BTCUSDT", "BTC", "USDT", filters("0.01", "0.00001", "5")},
                     {"ETHBTC", "ETH", "BTC", filters("0.00001", "0.0001", "0.0001")},
                     {"ETHUSDT", "ETH", "USDT", filters("0.01", "0.0001", "10")}}};
  }();
  return u;
}

bot_config exec_config() {
  bot_config c;
  c.fee = dec("0.001");
  c.execution.max_slippage_bps = 10;
  return c;
}

TEST(JournalAuditExecution, AGoodChainPassesWithTheExchangeInfoAndConfiguration) {
  const auto [chain, unused] = execution_chain(forge::none);
  const audit_report a =
      audit_states(chain.write("exec_good_plan.jsonl"), exec_universe(), exec_config());
  ASSERT_TRUE(a.ok()) << a.message();
  EXPECT_TRUE(a.plan_checked);
  EXPECT_EQ(a.orders, 5u);
  EXPECT_NE(a.message().find("; 5 orders (4 fills, 1 reject) and 2 cycles consistent with the "
                             "exchange info and configuration"),
            std::string::npos)
      << a.message();
}

// The configuration is the run's, as run_audit takes it: a start asset or a
// fee override the exchange info does not trade is a configuration error,
// never a check that passes on a configuration the run could not have had.
TEST(JournalAuditExecution, AConfigurationTheExchangeInfoCannotHaveIsAConfigError) {
  const auto [chain, unused] = execution_chain(forge::none);
  const std::string path = chain.write("exec_config_error.jsonl");
  bot_config start = exec_config();
  start.start_assets = {"NOPE"};
  EXPECT_THROW((void)audit_states(path, exec_universe(), start), config_error);
  bot_config fee = exec_config();
  fee.fee_overrides["BTCUSDX"] = dec("0.002");
  EXPECT_THROW((void)audit_states(path, exec_universe(), fee), config_error);
}

// The plan's rules that need the exchange info and configuration: each
// forged chain passes audit_states(journal) (which cannot check them) and
// is refused with them.
TEST(JournalAuditExecution, OrdersAreCheckedAgainstFiltersCapsAndTheFee) {
  struct forged {
    forge f;
    const char* name;
    std::string field;
    std::string says;
  };
  const std::vector<forged> cases = {
      {forge::leg2_off_step, "leg 2 off its step", "filters",
       "filters: journal says buy ETHBTC price 0.05005 quantity 0.39905; qty_step (Filter "
       "failure: LOT_SIZE): tick 0.00001 step 0.0001"},
      {forge::leg2_beyond_cap, "leg 2 beyond its cap", "price",
       "price: journal says buy ETHBTC price 0.05006 quantity 0.399; protective cap 0.05005"},
      {forge::leg3_beyond_cap, "leg 3 beyond its cap", "price",
       "price: journal says sell ETHUSDT price 2597.39 quantity 0.3986; protective cap 2597.4"},
      {forge::commission_off_fee, "a commission off the fee", "fills[0].commission",
       "fills[0].commission: journal says 0.00001 BTC; fill_commission(0.02, 0.001) is 0.00002"},
      {forge::commission_other_asset, "a commission in another asset", "fills[0].commission",
       "fills[0].commission: journal says 0.00002 USDT; the order received BTC"},
  };
  for (const forged& c : cases) {
    const auto [chain, seq] = execution_chain(c.f);
    const std::string path = chain.write("exec_forged_plan.jsonl");
    ASSERT_TRUE(verify_journal(path, {}).ok()) << c.name << ": the chain itself verifies";
    const audit_report journal_only = audit_states(path);  // cannot check these rules
    EXPECT_TRUE(journal_only.ok()) << c.name << ": " << journal_only.message();
    const audit_report a = audit_states(path, exec_universe(), exec_config());
    EXPECT_EQ(a.result, audit_result::execution) << c.name << ": " << a.message();
    EXPECT_EQ(a.seq, seq) << c.name << ": " << a.message();
    EXPECT_EQ(a.field, c.field) << c.name << ": " << a.message();
    EXPECT_NE(a.message().find(c.says), std::string::npos) << c.name << ": " << a.message();
  }
}

// The full audit (frames replayed) runs the same execution checks: the real
// run's journal with a forged order appended fails there too.
TEST(JournalAuditExecution, RunAuditChecksExecutionRecordsToo) {
  std::vector<record_body> bodies;
  for (const journal_record& r : read_journal(the_run().journal)) bodies.push_back(r.body);
  order_record o = order(1, 1, sha256_hex("nothing"), "50000", "0.02");
  bodies.emplace_back(o);
  const audit_report a = run_audit(options_for(write_bodies("exec_run_audit.jsonl", bodies)));
  EXPECT_EQ(a.result, audit_result::execution) << a.message();
  EXPECT_EQ(a.seq, bodies.size() - 1) << a.message();
  EXPECT_EQ(a.field, "decision");
  EXPECT_TRUE(a.plan_checked) << "run_audit has the exchange info and configuration";
}

}  // namespace
}  // namespace triarb
