// journal_test: the decision journal's format, hash chain, verification of
// every tamper class, torn-tail recovery, refusal to extend a broken chain,
// rotation, and an independent recomputation of a record's hash with OpenSSL.
#include "core/journal.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "core/journal_bridge.h"
#include "core/telemetry.h"
#include "core/triangle_index.h"
#include "core/universe.h"

namespace triarb {
namespace {

namespace fs = std::filesystem;

// A fresh directory per test, removed afterwards.
class temp_dir {
 public:
  temp_dir() {
    std::string tmpl = (fs::temp_directory_path() / "journal_test.XXXXXX").string();
    char* p = ::mkdtemp(tmpl.data());
    if (p == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = p;
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  [[nodiscard]] std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

std::vector<std::string> split_lines(const std::string& bytes) {
  std::vector<std::string> lines;
  std::size_t pos = 0;
  while (pos < bytes.size()) {
    const std::size_t nl = bytes.find('\n', pos);
    lines.push_back(bytes.substr(pos, nl - pos + 1));
    pos = nl + 1;
  }
  return lines;
}

std::string join(const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines) s += l;
  return s;
}

journal_options test_options(std::string config = "budget = 1000\nfee = \"0.001\"\n") {
  journal_options o;
  o.version = "triarb 0.1.0-test";
  o.config_text = std::move(config);
  o.universe = "fingerprint:00000000deadbeef";
  o.start_ns = 1'700'000'000'000'000'000;
  o.fsync.k = fsync_policy::kind::never;
  return o;
}

fixed8 f8(std::int64_t raw) { return fixed8::from_raw(raw); }

opportunity_record sample_opportunity(int i) {
  opportunity_record r;
  r.time_ns = 1'700'000'000'000'000'000 + i * 1000;
  r.triangle = static_cast<triangle_id>(7 + i);
  r.triangle_name = "USDT>USDC>LUNC>USDT";
  const char* symbols[3] = {"USDCUSDT", "LUNCUSDC", "LUNCUSDT"};
  for (std::size_t k = 0; k < 3; ++k) {
    journal_leg& l = r.legs[k];
    l.symbol = symbols[k];
    l.dir = k == 2 ? side::sell : side::buy;
    l.price = f8(178 + static_cast<std::int64_t>(k) + i);  // 0.00000178...
    l.book_qty = k == 1 ? fixed8::max() : f8(123'456'789'012);
    l.fill_qty = f8(std::int64_t{100'000'000} * (i + 1));
    l.update_id = 1000 + static_cast<std::uint64_t>(i) * 3 + k;
    l.age_ns = 250'000 + i;
    l.valid = true;
    l.qty_capped = k == 1;
  }
  r.ratio = "1.000012345678000000000000000000000000000000000000000000000000001";
  r.amount_in = f8(100'000'000'000);
  r.amount_out = f8(100'001'234'567);
  r.profit = f8(1'234'567);
  return r;
}

checkpoint_record sample_checkpoint(int i) {
  checkpoint_record c;
  c.time_ns = 1'700'000'000'000'000'000 + i * 1000;
  c.counters_json = "{\"t_ns\":" + std::to_string(c.time_ns) +
                    ",\"feed\":{\"frames_received\":" + std::to_string(i * 10) +
                    ",\"qty_capped\":1},\"eval\":{\"opportunities\":" + std::to_string(i) + "}}";
  return c;
}

// Writes a journal of genesis + n records (every 4th a checkpoint) and returns
// what was appended, in order.
std::vector<record_body> write_journal(const std::string& path, int n,
                                       const journal_options& opt = test_options()) {
  std::vector<record_body> bodies;
  journal_writer w = journal_writer::open(path, opt);
  for (int i = 0; i < n; ++i) {
    if (i % 4 == 3) {
      checkpoint_record c = sample_checkpoint(i);
      EXPECT_EQ(w.append(c, c.time_ns), journal_errc::ok);
      bodies.emplace_back(c);
    } else {
      opportunity_record o = sample_opportunity(i);
      EXPECT_EQ(w.append(o, o.time_ns), journal_errc::ok);
      bodies.emplace_back(o);
    }
  }
  return bodies;
}

// ---------------------------------------------------------------------------
// Format
// ---------------------------------------------------------------------------

TEST(JournalFormat, RoundTripsEveryRecordType) {
  temp_dir d;
  const std::string path = d.file("j.jsonl");
  const journal_options opt = test_options();
  const std::vector<record_body> bodies = write_journal(path, 12, opt);

  const std::vector<journal_record> recs = read_journal(path);
  ASSERT_EQ(recs.size(), bodies.size() + 1);
  const auto* g = std::get_if<genesis_record>(&recs[0].body);
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->reason, genesis_reason::start);
  EXPECT_EQ(g->version, opt.version);
  EXPECT_EQ(g->config, opt.config_text);
  EXPECT_EQ(g->config_sha256, sha256_hex(opt.config_text));
  EXPECT_EQ(g->universe, opt.universe);
  EXPECT_EQ(g->time_ns, opt.start_ns);
  EXPECT_EQ(recs[0].prev_hash, kZeroHash);
  for (std::size_t i = 0; i < bodies.size(); ++i) {
    EXPECT_EQ(recs[i + 1].seq, i + 1);
    EXPECT_EQ(recs[i + 1].body, bodies[i]) << "record " << i + 1;
    EXPECT_EQ(recs[i + 1].prev_hash, recs[i].hash);
  }
  // The same line, re-formatted from the parsed record, is byte-identical.
  const std::vector<std::string> lines = split_lines(read_file(path));
  for (std::size_t i = 0; i < recs.size(); ++i) {
    EXPECT_EQ(format_line(recs[i].seq, recs[i].body, recs[i].prev_hash), lines[i]);
  }
}

TEST(JournalFormat, WritesFixed8AsExactDecimalStringsInFixedFieldOrder) {
  opportunity_record o = sample_opportunity(0);
  std::string hash;
  const std::string line = format_line(5, o, kZeroHash, &hash);
  EXPECT_EQ(line.rfind("{\"seq\":5,\"type\":\"opportunity\",\"time_ns\":1700000000000000000,"
                       "\"triangle_id\":7,\"triangle\":\"USDT>USDC>LUNC>USDT\",\"legs\":[{",
                       0),
            0u)
      << line;
  EXPECT_NE(line.find("{\"symbol\":\"USDCUSDT\",\"side\":\"buy\",\"price\":\"0.00000178\","
                      "\"book_qty\":\"1234.56789012\",\"fill_qty\":\"1\",\"update_id\":1000,"
                      "\"age_ns\":250000,\"valid\":true,\"qty_capped\":false}"),
            std::string::npos)
      << line;
  EXPECT_NE(line.find("\"book_qty\":\"92233720368.54775807\""), std::string::npos);
  EXPECT_NE(line.find("\"amount_in\":\"1000\",\"amount_out\":\"1000.01234567\",\"profit\":"
                      "\"0.01234567\",\"rounding\":\"against_trade\",\"prev_hash\":\""),
            std::string::npos);
  EXPECT_EQ(line.find(' '), std::string::npos);  // no spaces anywhere
  EXPECT_EQ(line.substr(line.size() - 76), ",\"hash\":\"" + hash + "\"}\n");
}

// A line re-hashed after its body was changed: the hash is right, so only
// parsing and the canonical check can judge it.
std::string rehashed(const std::string& line, const std::string& from, const std::string& to) {
  std::string body = line.substr(0, line.rfind(",\"hash\":\"")) + "}";
  const std::size_t at = body.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) body.replace(at, from.size(), to);
  return body.substr(0, body.size() - 1) + ",\"hash\":\"" + sha256_hex(body) + "\"}";
}

TEST(JournalFormat, ReseededLegIsWrittenOnlyWhenSetAndRoundTrips) {
  opportunity_record o = sample_opportunity(0);
  const std::string plain = format_line(5, o, kZeroHash);
  EXPECT_EQ(plain.find("reseeded"), std::string::npos) << "absent when no leg is re-seeded";
  o.legs[1].reseeded = true;
  const std::string line = format_line(5, o, kZeroHash);
  EXPECT_NE(line.find("\"update_id\":1001,\"age_ns\":250000,\"valid\":true,"
                      "\"qty_capped\":true,\"reseeded\":true}"),
            std::string::npos)
      << line;
  std::size_t n = 0;
  for (std::size_t p = line.find("reseeded"); p != std::string::npos;
       p = line.find("reseeded", p + 1)) {
    ++n;
  }
  EXPECT_EQ(n, 1u) << "only the re-seeded leg carries the key";
  // Round trip, with and without the key: parsed, equal, and re-formatted byte for byte.
  for (const bool with_key : {true, false}) {
    const std::string& l = with_key ? line : plain;
    const record_parse_result r = parse_record(l.substr(0, l.size() - 1));
    ASSERT_TRUE(r.ok()) << r.detail;
    const auto* got = std::get_if<opportunity_record>(&r.record.body);
    ASSERT_NE(got, nullptr);
    EXPECT_EQ(got->legs[1].reseeded, with_key);
    EXPECT_FALSE(got->legs[0].reseeded);
    EXPECT_FALSE(got->legs[2].reseeded);
    EXPECT_EQ(format_line(r.record.seq, r.record.body, r.record.prev_hash), l);
  }
}

TEST(JournalParse, ReseededKeyIsCanonicalOnlyAsTrueAfterQtyCapped) {
  opportunity_record o = sample_opportunity(0);
  const std::string plain = format_line(5, o, kZeroHash);
  // "reseeded":false is what absence means: the writer never writes it.
  const std::string spelled_false =
      rehashed(plain, "\"qty_capped\":false}", "\"qty_capped\":false,\"reseeded\":false}");
  record_parse_result r = parse_record(spelled_false);
  EXPECT_EQ(r.ec, journal_errc::not_canonical) << r.detail;
  // Before qty_capped it is out of order.
  const std::string misplaced = rehashed(plain, "\"valid\":true,\"qty_capped\":false}",
                                         "\"valid\":true,\"reseeded\":true,\"qty_capped\":false}");
  r = parse_record(misplaced);
  EXPECT_FALSE(r.ok()) << r.detail;
  // Not a boolean.
  const std::string not_bool =
      rehashed(plain, "\"qty_capped\":false}", "\"qty_capped\":false,\"reseeded\":1}");
  r = parse_record(not_bool);
  EXPECT_FALSE(r.ok()) << r.detail;
  // The canonical spelling, re-hashed the same way, is accepted.
  const std::string canonical =
      rehashed(plain, "\"qty_capped\":false}", "\"qty_capped\":false,\"reseeded\":true}");
  r = parse_record(canonical);
  ASSERT_TRUE(r.ok()) << r.detail;
  EXPECT_TRUE(std::get<opportunity_record>(r.record.body).legs[0].reseeded);
}

TEST(JournalWriter, ChainWithReseededLegsVerifiesAndReadsBack) {
  temp_dir d;
  const std::string path = d.file("j.jsonl");
  std::vector<opportunity_record> written;
  {
    journal_writer w = journal_writer::open(path, test_options());
    for (int i = 0; i < 6; ++i) {
      opportunity_record o = sample_opportunity(i);
      o.legs[static_cast<std::size_t>(i % 3)].reseeded = i % 2 == 0;  // mixed with plain ones
      ASSERT_EQ(w.append(o, o.time_ns), journal_errc::ok);
      written.push_back(o);
    }
  }
  const verify_report v = verify_journal(path, {});
  EXPECT_TRUE(v.ok()) << v.message();
  EXPECT_EQ(v.records, written.size() + 1);
  const std::vector<journal_record> recs = read_journal(path);
  ASSERT_EQ(recs.size(), written.size() + 1);
  for (std::size_t i = 0; i < written.size(); ++i) {
    EXPECT_EQ(recs[i + 1].body, record_body(written[i])) << "record " << i + 1;
  }
}

// ---------------------------------------------------------------------------
// Layer four: state records and suppressed opportunities
// ---------------------------------------------------------------------------

state_record sample_state(bool quarantine) {
  state_record s;
  s.time_ns = 1'700'000'000'000'000'123;
  s.from = quarantine ? trading_state::reducing : trading_state::active;
  s.to = quarantine ? trading_state::reducing : trading_state::halted;
  s.trigger = quarantine ? guard_trigger::repeat : guard_trigger::rate;
  s.by = "guard";
  if (quarantine) s.triangle_name = "USDT>USDC>LUNC>USDT";
  s.evidence_json = "{\"count\":250,\"mean\":\"3.5\",\"window_ns\":1000000000}";
  return s;
}

TEST(JournalFormat, StateRecordIsWrittenInFixedFieldOrderAndRoundTrips) {
  const std::string prefix = "{\"seq\":7,\"type\":\"state\",\"time_ns\":1700000000000000123,";
  const std::string evidence =
      "\"evidence\":{\"count\":250,\"mean\":\"3.5\",\"window_ns\":1000000000},\"prev_hash\":\"";
  for (const bool quarantine : {false, true}) {
    const state_record s = sample_state(quarantine);
    std::string hash;
    const std::string line = format_line(7, s, kZeroHash, &hash);
    const std::string middle =
        quarantine ? "\"from\":\"reducing\",\"to\":\"reducing\",\"trigger\":\"repeat\",\"by\":"
                     "\"guard\",\"triangle\":\"USDT>USDC>LUNC>USDT\","
                   : "\"from\":\"active\",\"to\":\"halted\",\"trigger\":\"rate\",\"by\":\"guard\",";
    EXPECT_EQ(line.rfind(prefix + middle + evidence + std::string(kZeroHash) + "\",\"hash\":\"" +
                             hash + "\"}\n",
                         0),
              0u)
        << line;
    EXPECT_EQ(line.find("\"triangle\"") != std::string::npos, quarantine) << line;
    const record_parse_result r = parse_record(line);
    ASSERT_TRUE(r.ok()) << to_string(r.ec) << ": " << r.detail;
    EXPECT_EQ(r.record.body, record_body(s));
    EXPECT_EQ(r.record.hash, hash);
    EXPECT_EQ(format_line(r.record.seq, r.record.body, r.record.prev_hash), line);
  }
  // Every state and trigger name round-trips.
  for (std::size_t t = 0; t < static_cast<std::size_t>(guard_trigger::kCount); ++t) {
    for (std::size_t from = 0; from < kTradingStates; ++from) {
      state_record s = sample_state(false);
      s.trigger = static_cast<guard_trigger>(t);
      s.from = static_cast<trading_state>(from);
      s.to = static_cast<trading_state>((from + 1) % kTradingStates);
      s.by = "http \"ops\"";
      s.evidence_json = "{}";
      const record_parse_result r = parse_record(format_line(1, s, kZeroHash));
      ASSERT_TRUE(r.ok()) << r.detail;
      EXPECT_EQ(r.record.body, record_body(s));
    }
  }
}

TEST(JournalFormat, SuppressedIsWrittenAfterRoundingOnlyWhenSetAndRoundTrips) {
  opportunity_record o = sample_opportunity(0);
  const std::string plain = format_line(5, o, kZeroHash);
  EXPECT_EQ(plain.find("suppressed"), std::string::npos) << "absent when actionable";
  for (const suppress_reason why :
       {suppress_reason::reducing, suppress_reason::halted, suppress_reason::quarantined}) {
    o.suppressed = why;
    const std::string line = format_line(5, o, kZeroHash);
    EXPECT_NE(line.find("\"rounding\":\"against_trade\",\"suppressed\":\"" +
                        std::string(journal_name(why)) + "\",\"prev_hash\":\""),
              std::string::npos)
        << line;
    const record_parse_result r = parse_record(line);
    ASSERT_TRUE(r.ok()) << r.detail;
    EXPECT_EQ(std::get<opportunity_record>(r.record.body).suppressed, why);
    EXPECT_EQ(r.record.body, record_body(o));
    EXPECT_EQ(format_line(r.record.seq, r.record.body, r.record.prev_hash), line);
  }
}

// A line the writer made before state records and "suppressed" existed
// (corpus/journal/real_sim_chain, line 2): it still parses, its hash still
// verifies, and it is still the canonical form of what it says.
TEST(JournalParse, LinesWrittenBeforeLayerFourStillVerifyByteForByte) {
  const std::string old_line =
      R"j({"seq":1,"type":"opportunity","time_ns":21387995,"triangle_id":399,"triangle":"USDT>BTC>SOL>USDT","legs":[{"symbol":"BTCUSDT","side":"buy","price":"89835.01","book_qty":"0.03017","fill_qty":"0.01113","update_id":1834,"age_ns":12006265,"valid":true,"qty_capped":false},{"symbol":"SOLBTC","side":"buy","price":"0.00167068","book_qty":"23.229","fill_qty":"6.655","update_id":1479,"age_ns":19089778,"valid":true,"qty_capped":false},{"symbol":"SOLUSDT","side":"sell","price":"150.5665","book_qty":"24.824","fill_qty":"6.648","update_id":2440,"age_ns":0,"valid":true,"qty_capped":false}],"ratio":"1.000197870755990407049505763747987430178909562528133392333984375","amount_in":"999.8636613","amount_out":"999.9651259","profit":"0.1014646","rounding":"against_trade","prev_hash":"3f6f726b46c0dfb753690bf3b2c9fd1fef62bd084453a1265276996dafaade14","hash":"e820cd8768a01f800dd6c611f12ab642ea915cae78d136532bcbb90f64769710"})j";
  const record_parse_result r = parse_record(old_line);
  ASSERT_TRUE(r.ok()) << to_string(r.ec) << ": " << r.detail;
  EXPECT_EQ(r.record.hash, "e820cd8768a01f800dd6c611f12ab642ea915cae78d136532bcbb90f64769710");
  EXPECT_EQ(std::get<opportunity_record>(r.record.body).suppressed, suppress_reason::none);
  EXPECT_EQ(format_line(r.record.seq, r.record.body, r.record.prev_hash), old_line + "\n");
}

TEST(JournalParse, RefusesNonCanonicalSuppressedAndStateSpellings) {
  const std::string opp = format_line(5, sample_opportunity(0), kZeroHash);
  const std::string rounding = "\"rounding\":\"against_trade\"";
  struct variant_case {
    const std::string* line;
    std::string from, to;
    journal_errc want;  // ok means "any refusal"
  };
  const std::string halt = format_line(3, sample_state(false), kZeroHash);
  const std::vector<variant_case> cases = {
      // none is never written: absence means actionable.
      {&opp, rounding, rounding + ",\"suppressed\":\"\"", journal_errc::malformed},
      {&opp, rounding, rounding + ",\"suppressed\":\"none\"", journal_errc::malformed},
      {&opp, rounding, rounding + ",\"suppressed\":\"Halted\"", journal_errc::malformed},
      {&opp, rounding, rounding + ",\"suppressed\":1", journal_errc::malformed},
      // Out of place (before rounding).
      {&opp, rounding, "\"suppressed\":\"halted\"," + rounding, journal_errc::ok},
      // Unknown state and trigger names.
      {&halt, "\"to\":\"halted\"", "\"to\":\"paused\"", journal_errc::malformed},
      {&halt, "\"from\":\"active\"", "\"from\":\"ACTIVE\"", journal_errc::malformed},
      {&halt, "\"trigger\":\"rate\"", "\"trigger\":\"panic\"", journal_errc::malformed},
      // Evidence that is not an object.
      {&halt, "\"evidence\":{\"count\":250,\"mean\":\"3.5\",\"window_ns\":1000000000}",
       "\"evidence\":[250]", journal_errc::malformed},
      {&halt, "\"evidence\":{\"count\":250,\"mean\":\"3.5\",\"window_ns\":1000000000}",
       "\"evidence\":\"{}\"", journal_errc::malformed},
      // An empty triangle is written as no key; a triangle after evidence is out of place.
      {&halt, "\"by\":\"guard\",", "\"by\":\"guard\",\"triangle\":\"\",", journal_errc::malformed},
      {&halt, "\"window_ns\":1000000000}", "\"window_ns\":1000000000},\"triangle\":\"X\"",
       journal_errc::ok},
  };
  for (const variant_case& c : cases) {
    const std::string line = rehashed(*c.line, c.from, c.to);
    const record_parse_result r = parse_record(line);
    EXPECT_FALSE(r.ok()) << line;
    if (c.want != journal_errc::ok) {
      EXPECT_EQ(r.ec, c.want) << line << "\n" << r.detail;
    }
  }
}

// The reader refuses what the writer refuses: evidence and checkpoint
// counters that are structurally an object but not valid JSON, in a line
// whose hash is right (rehashed), are malformed, like the documented
// checker's json.loads refuses them.
TEST(JournalParse, RefusesEmbeddedJsonTheWriterWouldRefuse) {
  std::vector<std::string> bad = {R"({"a":tru})", R"({"a":1,})", R"({"a":01})",    R"({"a":"\q"})",
                                  R"({"a":nul})", R"({"a":1e})", R"({"a":"\u12"})"};
  std::string deep = R"({"a":)";
  for (int i = 0; i < 1100; ++i) deep += "[";
  for (int i = 0; i < 1100; ++i) deep += "]";
  deep += "}";
  bad.push_back(deep);
  for (const std::string& e : bad) {
    state_record s = sample_state(false);
    s.evidence_json = e;
    EXPECT_NE(invalid_reason(s), "") << e;
    const record_parse_result r = parse_record(format_line(3, s, kZeroHash));
    EXPECT_EQ(r.ec, journal_errc::malformed) << e.substr(0, 40) << ": " << r.detail;
    EXPECT_NE(r.detail.find("evidence"), std::string::npos) << r.detail;
    checkpoint_record c;
    c.time_ns = 9;
    c.counters_json = e;
    EXPECT_NE(invalid_reason(c), "") << e;
    const record_parse_result rc = parse_record(format_line(4, c, kZeroHash));
    EXPECT_EQ(rc.ec, journal_errc::malformed) << e.substr(0, 40) << ": " << rc.detail;
    EXPECT_NE(rc.detail.find("counters"), std::string::npos) << rc.detail;
  }
  // Nesting up to the limit is fine both ways.
  std::string ok_deep = R"({"a":)";
  for (int i = 0; i < 1000; ++i) ok_deep += "[";
  for (int i = 0; i < 1000; ++i) ok_deep += "]";
  ok_deep += "}";
  for (const std::string& e :
       {std::string(R"({"a":true,"b":[1,{"c":"\n"}],"d":-0.5e3})"), ok_deep}) {
    state_record s = sample_state(false);
    s.evidence_json = e;
    EXPECT_EQ(invalid_reason(s), "");
    const record_parse_result r = parse_record(format_line(3, s, kZeroHash));
    EXPECT_TRUE(r.ok()) << r.detail;
  }
}

// The writer range-checks the verdict: an out-of-range suppress_reason would
// be written as "suppressed":"", a line the reader refuses.
TEST(JournalWriter, RefusesAnOutOfRangeSuppressedReason) {
  temp_dir d;
  const std::string path = d.file("j.jsonl");
  opportunity_record o = sample_opportunity(1);
  o.suppressed = static_cast<suppress_reason>(9);
  EXPECT_NE(invalid_reason(o).find("suppressed"), std::string::npos) << invalid_reason(o);
  journal_writer w = journal_writer::open(path, test_options());
  EXPECT_EQ(w.append(o, 1), journal_errc::invalid_record);
  EXPECT_EQ(w.stats().append_errors, 1u);
  o.suppressed = suppress_reason::quarantined;
  EXPECT_EQ(invalid_reason(o), "");
  EXPECT_EQ(w.append(o, 2), journal_errc::ok);
}

TEST(JournalFormat, InvalidReasonNamesWhatAWriterMustRefuse) {
  state_record s = sample_state(true);
  EXPECT_EQ(invalid_reason(s), "");
  for (const char* bad : {"", "{", "[]", "{}{}", "{\"a\":1}\n", "\"x\"", "{\"a\":}", "null"}) {
    s.evidence_json = bad;
    EXPECT_NE(invalid_reason(s).find("evidence"), std::string::npos) << bad;
  }
  s.evidence_json = "{}";
  s.by = "\xff";
  EXPECT_NE(invalid_reason(s).find("by"), std::string::npos);
  s.by = "guard";
  s.triangle_name = "\xc3";
  EXPECT_NE(invalid_reason(s).find("triangle"), std::string::npos);
  s.triangle_name.clear();
  s.to = static_cast<trading_state>(7);
  EXPECT_NE(invalid_reason(s).find("to"), std::string::npos);
}

TEST(JournalBridge, GuardEventsAndSuppressedOpportunitiesBecomeRecords) {
  const universe u({{"BTCUSDT", "BTC", "USDT", {}},
                    {"ETHBTC", "ETH", "BTC", {}},
                    {"ETHUSDT", "ETH", "USDT", {}}});
  const asset_id usdt = *u.find_asset("USDT");
  const triangle_index idx = triangle_index::build(u, std::span<const asset_id>(&usdt, 1));
  ASSERT_GT(idx.size(), 0u);
  guard_event e;
  e.time_ns = 42;
  e.from = trading_state::active;
  e.to = trading_state::active;
  e.trigger = guard_trigger::repeat;
  e.by = "guard";
  e.triangle = 0;
  e.evidence = "{\"reports\":20}";
  const state_record q = to_record(e, idx, u);
  EXPECT_EQ(q.time_ns, 42);
  EXPECT_EQ(q.triangle_name, idx.name(0, u));
  EXPECT_EQ(q.trigger, guard_trigger::repeat);
  EXPECT_EQ(q.evidence_json, e.evidence);
  e.triangle = kNoTriangle;
  e.to = trading_state::halted;
  e.evidence.clear();
  const state_record h = to_record(e, idx, u);
  EXPECT_EQ(h.triangle_name, "");
  EXPECT_EQ(h.to, trading_state::halted);
  EXPECT_EQ(h.evidence_json, "{}");  // always a JSON object
  EXPECT_EQ(invalid_reason(h), "");

  opportunity op;
  op.triangle = 0;
  op.decided_ns = 7;
  for (std::size_t i = 0; i < 3; ++i) op.legs[i].symbol = idx.triangle_at(0).legs[i].symbol;
  EXPECT_EQ(to_record(op, idx, u).suppressed, suppress_reason::none);
  const opportunity_record s = to_record(op, idx, u, suppress_reason::quarantined);
  EXPECT_EQ(s.suppressed, suppress_reason::quarantined);
  EXPECT_EQ(s.triangle_name, idx.name(0, u));
}

TEST(JournalWriter, AppendsStateRecordsAndRefusesInvalidOnesAsCountedValues) {
  temp_dir d;
  const std::string path = d.file("j.jsonl");
  opportunity_record suppressed = sample_opportunity(1);
  suppressed.suppressed = suppress_reason::halted;
  {
    journal_writer w = journal_writer::open(path, test_options());
    ASSERT_EQ(w.append(sample_state(false), 1), journal_errc::ok);
    ASSERT_EQ(w.append(suppressed, 2), journal_errc::ok);
    ASSERT_EQ(w.append(sample_state(true), 3), journal_errc::ok);
    state_record bad = sample_state(false);
    bad.evidence_json = "{\"a\":1} trailing";
    EXPECT_EQ(w.append(bad, 4), journal_errc::invalid_record);
    bad.evidence_json = "{\"a\":\n1}";
    EXPECT_EQ(w.append(bad, 5), journal_errc::invalid_record);
    EXPECT_EQ(w.stats().append_errors, 2u);
    EXPECT_EQ(w.next_seq(), 4u) << "nothing written for the refused records";
  }
  const verify_report v = verify_journal(path, {});
  ASSERT_TRUE(v.ok()) << v.message();
  const std::vector<journal_record> recs = read_journal(path);
  ASSERT_EQ(recs.size(), 4u);
  EXPECT_EQ(recs[1].body, record_body(sample_state(false)));
  EXPECT_EQ(recs[2].body, record_body(suppressed));
  EXPECT_EQ(recs[3].body, record_body(sample_state(true)));
}

// The journal spells layer four's enums as the guard does (one name in
// metrics, show and the journal), and every event the real guard makes
// becomes a state record a writer takes and a reader gives back unchanged.
TEST(JournalBridge, RealGuardEventsAreWritableStateRecordsWithTheGuardsNames) {
  for (std::size_t i = 0; i < kTradingStates; ++i) {
    EXPECT_EQ(journal_name(static_cast<trading_state>(i)),
              to_string(static_cast<trading_state>(i)));
  }
  for (std::size_t i = 0; i < static_cast<std::size_t>(guard_trigger::kCount); ++i) {
    EXPECT_EQ(journal_name(static_cast<guard_trigger>(i)),
              to_string(static_cast<guard_trigger>(i)));
  }
  for (std::size_t i = 0; i < static_cast<std::size_t>(suppress_reason::kCount); ++i) {
    EXPECT_EQ(journal_name(static_cast<suppress_reason>(i)),
              to_string(static_cast<suppress_reason>(i)));
  }
  const universe u({{"BTCUSDT", "BTC", "USDT", {}},
                    {"ETHBTC", "ETH", "BTC", {}},
                    {"ETHUSDT", "ETH", "USDT", {}}});
  const asset_id usdt = *u.find_asset("USDT");
  const triangle_index idx = triangle_index::build(u, std::span<const asset_id>(&usdt, 1));
  guard_config cfg;
  cfg.start_ns = 0;
  trading_guard g(cfg);
  std::vector<guard_event> ev;
  feed_health good;
  good.symbols = 3;
  g.on_feed_health(1, good, ev);  // arms the trigger
  feed_health poor = good;
  poor.invalid = 3;
  g.on_feed_health(2, poor, ev);  // active -> reducing
  g.on_feed_health(3, good, ev);  // reducing -> active (auto-resume)
  g.halt(4, "http", "operator said \"stop\"\n\xff", ev);
  ASSERT_TRUE(g.resume(5, "signal", ev));
  g.on_journal_failure(6, "write_failed: No space left on device", ev);
  ASSERT_EQ(ev.size(), 5u);
  std::string prev(kZeroHash);
  std::string hash;
  std::uint64_t seq = 1;
  for (const guard_event& e : ev) {
    const state_record r = to_record(e, idx, u);
    EXPECT_EQ(invalid_reason(r), "") << e.evidence;
    const record_parse_result p = parse_record(format_line(seq++, r, prev, &hash));
    ASSERT_TRUE(p.ok()) << p.detail << "\n" << e.evidence;
    EXPECT_EQ(p.record.body, record_body(r));
    prev = hash;
  }
}

// ---------------------------------------------------------------------------
// Execution records: order, fill, reject, cycle
// ---------------------------------------------------------------------------

const std::string kDecision = "3f6f726b46c0dfb753690bf3b2c9fd1fef62bd084453a1265276996dafaade14";

order_record sample_order(std::uint8_t leg) {
  order_record o;
  o.time_ns = 1'700'000'000'000'000'500 + leg;
  o.cycle = 42;
  o.leg = leg;
  o.client_order_id = "tb42l" + std::to_string(leg);
  o.symbol = leg == 1 ? "BTCUSDT" : leg == 2 ? "ETHBTC" : "ETHUSDT";
  o.dir = leg == 3 ? side::sell : side::buy;
  o.tif = leg == 1 ? time_in_force::ioc : time_in_force::fok;
  o.price = f8(leg == 1 ? 5'000'000'000'000 : 5'000'000);  // 50000, 0.05
  o.quantity = f8(2'000'000);                              // 0.02
  o.decision = kDecision;
  return o;
}

fill_record sample_fill(bool traded) {
  fill_record f;
  f.time_ns = 1'700'000'000'000'000'900;
  f.client_order_id = "tb42l1";
  f.status = traded ? order_status::filled : order_status::expired;
  f.order_id = traded ? 9001 : 9002;
  if (traded) {
    f.executed_qty = f8(2'000'000);
    f.cumulative_quote = f8(100'001'000'000);  // 1000.01
    f.fills = {{f8(5'000'000'000'000), f8(1'500'000), f8(1'500), "BTC", 77},
               {f8(5'000'100'000'000), f8(500'000), f8(500), "BTC", 78}};
  }
  return f;
}

reject_record sample_reject() {
  reject_record r;
  r.time_ns = 1'700'000'000'000'000'950;
  r.client_order_id = "tb42l2";
  r.code = -2010;
  r.msg = "Account has insufficient balance for requested action.";
  r.http_status = 400;
  return r;
}

cycle_record sample_cycle(bool done) {
  cycle_record c;
  c.time_ns = 1'700'000'000'000'001'000;
  c.cycle = 42;
  c.decision = kDecision;
  c.outcome = done ? cycle_end::done : cycle_end::residual;
  c.start_asset = "USDT";
  c.expected_profit = f8(39'911'848);  // 0.39911848
  c.realised_profit = done ? f8(12'000'000) : f8(-100'001'000'000);
  if (!done) {
    c.residual = {{"BTC", f8(1'998'000)}, {"BNB", f8(-1)}};
    c.reason = "leg 2 rejected: -2010 Account has insufficient balance";
  }
  return c;
}

TEST(JournalFormat, ExecutionRecordsAreWrittenInFixedFieldOrderAndRoundTrip) {
  const std::string d = "\"decision\":\"" + kDecision + "\"";
  const std::vector<std::pair<record_body, std::string>> cases = {
      {sample_order(1),
       R"({"seq":9,"type":"order","time_ns":1700000000000000501,"cycle":42,"leg":1,)"
       R"("client_order_id":"tb42l1","symbol":"BTCUSDT","side":"buy","tif":"IOC",)"
       R"("price":"50000","quantity":"0.02",)" +
           d},
      {sample_order(3),
       R"({"seq":9,"type":"order","time_ns":1700000000000000503,"cycle":42,"leg":3,)"
       R"("client_order_id":"tb42l3","symbol":"ETHUSDT","side":"sell","tif":"FOK",)"
       R"("price":"0.05","quantity":"0.02",)" +
           d},
      {sample_fill(true),
       R"({"seq":9,"type":"fill","time_ns":1700000000000000900,"client_order_id":"tb42l1",)"
       R"("status":"FILLED","order_id":9001,"executed_qty":"0.02","cumulative_quote":"1000.01",)"
       R"("fills":[{"price":"50000","qty":"0.015","commission":"0.000015",)"
       R"("commission_asset":"BTC","trade_id":77},{"price":"50001","qty":"0.005",)"
       R"("commission":"0.000005","commission_asset":"BTC","trade_id":78}])"},
      {sample_fill(false),
       R"({"seq":9,"type":"fill","time_ns":1700000000000000900,"client_order_id":"tb42l1",)"
       R"("status":"EXPIRED","order_id":9002,"executed_qty":"0","cumulative_quote":"0",)"
       R"("fills":[])"},
      {sample_reject(),
       R"({"seq":9,"type":"reject","time_ns":1700000000000000950,"client_order_id":"tb42l2",)"
       R"("code":-2010,"msg":"Account has insufficient balance for requested action.",)"
       R"("http_status":400)"},
      {sample_cycle(true),
       R"({"seq":9,"type":"cycle","time_ns":1700000000000001000,"cycle":42,)" + d +
           R"(,"outcome":"done","start_asset":"USDT","expected_profit":"0.39911848",)"
           R"("realised_profit":"0.12","residual":{})"},
      {sample_cycle(false),
       R"({"seq":9,"type":"cycle","time_ns":1700000000000001000,"cycle":42,)" + d +
           R"(,"outcome":"residual","start_asset":"USDT","expected_profit":"0.39911848",)"
           R"("realised_profit":"-1000.01","residual":{"BNB":"-0.00000001","BTC":"0.01998"},)"
           R"("reason":"leg 2 rejected: -2010 Account has insufficient balance")"},
  };
  for (const auto& [body, prefix] : cases) {
    EXPECT_EQ(std::visit(
                  [](const auto& r) -> std::string {
                    if constexpr (std::is_same_v<std::decay_t<decltype(r)>, genesis_record>) {
                      return {};
                    } else {
                      return invalid_reason(r);
                    }
                  },
                  body),
              "")
        << prefix;
    std::string hash;
    const std::string line = format_line(9, body, kZeroHash, &hash);
    EXPECT_EQ(line, prefix + ",\"prev_hash\":\"" + std::string(kZeroHash) + "\",\"hash\":\"" +
                        hash + "\"}\n");
    const record_parse_result r = parse_record(line);
    ASSERT_TRUE(r.ok()) << to_string(r.ec) << ": " << r.detail << "\n" << line;
    EXPECT_EQ(r.record.body, body);
    EXPECT_EQ(format_line(r.record.seq, r.record.body, r.record.prev_hash), line);
  }
  // Every status, tif and outcome name round-trips.
  for (const order_status st :
       {order_status::new_order, order_status::partially_filled, order_status::filled,
        order_status::canceled, order_status::rejected, order_status::expired,
        order_status::expired_in_match}) {
    fill_record f = sample_fill(true);
    f.status = st;
    const record_parse_result r = parse_record(format_line(1, f, kZeroHash));
    ASSERT_TRUE(r.ok()) << r.detail;
    EXPECT_EQ(r.record.body, record_body(f));
  }
  for (std::size_t o = 0; o < static_cast<std::size_t>(cycle_end::kCount); ++o) {
    cycle_record c = sample_cycle(false);
    c.outcome = static_cast<cycle_end>(o);
    if (c.outcome == cycle_end::done) c.reason.clear();
    const record_parse_result r = parse_record(format_line(1, c, kZeroHash));
    ASSERT_TRUE(r.ok()) << r.detail;
    EXPECT_EQ(r.record.body, record_body(c));
  }
}

// The reader refuses what the writer refuses, and a line only in the
// canonical form: each change below is re-hashed, so only the parse and
// the canonical check can judge it.
TEST(JournalParse, RefusesExecutionRecordsTheWriterWouldRefuse) {
  const std::string order = format_line(4, sample_order(1), kZeroHash);
  const std::string fill = format_line(5, sample_fill(true), kZeroHash);
  const std::string reject = format_line(6, sample_reject(), kZeroHash);
  const std::string cycle = format_line(7, sample_cycle(false), kZeroHash);
  const std::string done = format_line(7, sample_cycle(true), kZeroHash);
  struct variant_case {
    const std::string* line;
    std::string from, to;
    journal_errc want;
    std::string field;  // named in the detail
  };
  const std::vector<variant_case> cases = {
      {&order, "\"leg\":1", "\"leg\":0", journal_errc::malformed, "leg"},
      {&order, "\"leg\":1", "\"leg\":4", journal_errc::malformed, "leg"},
      {&order, "\"leg\":1", "\"leg\":256", journal_errc::malformed, "leg"},
      {&order, "\"tb42l1\"", "\"tb 42\"", journal_errc::malformed, "client_order_id"},
      {&order, "\"tb42l1\"", "\"\"", journal_errc::malformed, "client_order_id"},
      {&order, "\"tb42l1\"", "\"" + std::string(37, 'a') + "\"", journal_errc::malformed,
       "client_order_id"},
      {&order, "\"side\":\"buy\"", "\"side\":\"BUY\"", journal_errc::malformed, "side"},
      {&order, "\"tif\":\"IOC\"", "\"tif\":\"GTC\"", journal_errc::malformed, "tif"},
      {&order, "\"price\":\"50000\"", "\"price\":\"0\"", journal_errc::malformed, "price"},
      {&order, "\"quantity\":\"0.02\"", "\"quantity\":\"-0.02\"", journal_errc::malformed,
       "quantity"},
      {&order, "\"symbol\":\"BTCUSDT\"", "\"symbol\":\"\"", journal_errc::malformed, "symbol"},
      {&order, kDecision, std::string(63, 'a'), journal_errc::malformed, "decision"},
      {&order, kDecision, "3F" + kDecision.substr(2), journal_errc::malformed, "decision"},
      {&order, "\"price\":\"50000\"", "\"price\":\"50000.0\"", journal_errc::not_canonical, ""},
      {&fill, "\"FILLED\"", "\"filled\"", journal_errc::malformed, "status"},
      {&fill, "\"qty\":\"0.015\"", "\"qty\":\"0\"", journal_errc::malformed, "fills[0].qty"},
      {&fill, "\"commission\":\"0.000005\"", "\"commission\":\"-0.000005\"",
       journal_errc::malformed, "fills[1].commission"},
      {&fill, "\"commission_asset\":\"BTC\"", "\"commission_asset\":\"\"", journal_errc::malformed,
       "commission_asset"},
      {&fill, "\"executed_qty\":\"0.02\"", "\"executed_qty\":\"-1\"", journal_errc::malformed,
       "executed_qty"},
      {&fill, "\"fills\":[", "\"fills\":{", journal_errc::malformed, "fills"},
      {&reject, "\"http_status\":400", "\"http_status\":600", journal_errc::malformed,
       "http_status"},
      {&reject, "\"code\":-2010", "\"code\":-3000000000", journal_errc::malformed, "code"},
      {&reject, "\"msg\":\"Account", "\"msg\":\"" + std::string(600, 'x') + "Account",
       journal_errc::malformed, "msg"},
      {&cycle, "\"outcome\":\"residual\"", "\"outcome\":\"partial\"", journal_errc::malformed,
       "outcome"},
      {&cycle, "\"BTC\":\"0.01998\"", "\"BTC\":\"0\"", journal_errc::malformed, "residual"},
      {&cycle, "{\"BNB\":\"-0.00000001\",\"BTC\":\"0.01998\"}",
       "{\"BTC\":\"0.01998\",\"BNB\":\"-0.00000001\"}", journal_errc::not_canonical, ""},
      {&cycle, "{\"BNB\":\"-0.00000001\",", "{\"BTC\":\"1\",\"BNB\":\"-0.00000001\",",
       journal_errc::not_canonical, ""},
      {&cycle, "\"BTC\":\"0.01998\"", "\"BTC\":0.01998", journal_errc::malformed, "residual"},
      {&cycle, ",\"reason\":\"leg 2 rejected: -2010 Account has insufficient balance\"", "",
       journal_errc::malformed, "reason"},
      {&cycle, "\"reason\":\"leg 2", "\"reason\":\"\xff leg 2", journal_errc::malformed, "UTF-8"},
      {&done, "\"residual\":{}", "\"residual\":{},\"reason\":\"\"", journal_errc::malformed,
       "reason"},
      {&done, "\"residual\":{}", "\"residual\":{},\"reason\":\"why\"", journal_errc::malformed,
       "reason"},
      {&done, "\"residual\":{}", "\"reason\":\"why\",\"residual\":{}", journal_errc::ok, ""},
  };
  for (const variant_case& c : cases) {
    const std::string line = rehashed(*c.line, c.from, c.to);
    const record_parse_result r = parse_record(line);
    EXPECT_FALSE(r.ok()) << line;
    if (c.want != journal_errc::ok) {
      EXPECT_EQ(r.ec, c.want) << line << "\n" << r.detail;
    }
    EXPECT_NE(r.detail.find(c.field), std::string::npos) << r.detail;
  }
}

TEST(JournalFormat, InvalidReasonNamesWhatAWriterMustRefuseInExecutionRecords) {
  order_record o = sample_order(2);
  EXPECT_EQ(invalid_reason(o), "");
  o.leg = 0;
  EXPECT_NE(invalid_reason(o).find("leg"), std::string::npos);
  o = sample_order(2);
  o.symbol = std::string(kMaxJournalName + 1, 'X');
  EXPECT_NE(invalid_reason(o).find("symbol: 65 bytes"), std::string::npos) << invalid_reason(o);
  o = sample_order(2);
  o.tif = static_cast<time_in_force>(5);
  EXPECT_NE(invalid_reason(o).find("tif"), std::string::npos);
  fill_record f = sample_fill(true);
  f.fills.resize(kMaxJournalFills + 1, f.fills[0]);
  EXPECT_NE(invalid_reason(f).find("fills: 10001"), std::string::npos) << invalid_reason(f);
  f = sample_fill(true);
  f.status = static_cast<order_status>(9);
  EXPECT_NE(invalid_reason(f).find("status"), std::string::npos);
  reject_record r = sample_reject();
  r.msg = std::string(kMaxJournalMessage, 'm');
  EXPECT_EQ(invalid_reason(r), "");
  r.msg += "m";
  EXPECT_NE(invalid_reason(r).find("msg: 513 bytes"), std::string::npos) << invalid_reason(r);
  r.msg = "\xc3";
  EXPECT_NE(invalid_reason(r).find("msg: not UTF-8"), std::string::npos);
  r = sample_reject();
  r.http_status = 0;  // no HTTP answer
  EXPECT_EQ(invalid_reason(r), "");
  r.http_status = 99;
  EXPECT_NE(invalid_reason(r).find("http_status"), std::string::npos);
  cycle_record c = sample_cycle(true);
  c.reason = "x";
  EXPECT_NE(invalid_reason(c).find("reason: set, but the cycle is done"), std::string::npos);
  c = sample_cycle(false);
  c.reason.clear();
  EXPECT_NE(invalid_reason(c).find("reason: empty"), std::string::npos);
  c = sample_cycle(false);
  c.residual["ETH"] = fixed8::zero();
  EXPECT_NE(invalid_reason(c).find("residual[ETH]: 0"), std::string::npos) << invalid_reason(c);
  c = sample_cycle(false);
  c.outcome = cycle_end::kCount;
  EXPECT_NE(invalid_reason(c).find("outcome"), std::string::npos);
}

// An exchange's message as the journal takes it: invalid UTF-8 made '?',
// cut at a character boundary.
TEST(JournalFormat, JournalTextMakesAnyMessageFitForAReject) {
  EXPECT_EQ(journal_text("Filter failure: LOT_SIZE"), "Filter failure: LOT_SIZE");
  EXPECT_EQ(journal_text("a\xff"
                         "b\xc3"),
            "a?b?");
  EXPECT_EQ(journal_text("\xed\xa0\x80"), "???") << "a surrogate is not UTF-8";
  EXPECT_EQ(journal_text("\xc0\xaf"), "??") << "an overlong form is not UTF-8";
  EXPECT_EQ(journal_text("ab€", 4), "ab") << "not cut inside a character";
  EXPECT_EQ(journal_text("ab€", 5), "ab€");
  EXPECT_EQ(journal_text(std::string(2000, 'x')).size(), kMaxJournalMessage);
  reject_record r = sample_reject();
  r.msg = journal_text(std::string(600, 'x') + "\xfe");
  EXPECT_EQ(invalid_reason(r), "");
}

// A cycle as the bot writes it: the decision, then each leg's order citing
// the decision's hash (last_hash() right after its append), its answer, then
// the cycle. The chain verifies and reads back record for record.
TEST(JournalWriter, AppendsExecutionRecordsLinkedToTheirDecision) {
  temp_dir d;
  const std::string path = d.file("j.jsonl");
  std::vector<record_body> written;
  std::string decision_hash;
  {
    journal_writer w = journal_writer::open(path, test_options());
    ASSERT_EQ(w.append(sample_opportunity(0), 1), journal_errc::ok);
    written.emplace_back(sample_opportunity(0));
    decision_hash = w.last_hash();
    order_record o = sample_order(1);
    o.decision = decision_hash;
    ASSERT_EQ(w.append(o, 2), journal_errc::ok);
    written.emplace_back(o);
    ASSERT_EQ(w.append(sample_fill(true), 3), journal_errc::ok);
    written.emplace_back(sample_fill(true));
    o = sample_order(2);
    o.decision = decision_hash;
    ASSERT_EQ(w.append(o, 4), journal_errc::ok);
    written.emplace_back(o);
    ASSERT_EQ(w.append(sample_reject(), 5), journal_errc::ok);
    written.emplace_back(sample_reject());
    cycle_record c = sample_cycle(false);
    c.decision = decision_hash;
    ASSERT_EQ(w.append(c, 6), journal_errc::ok);
    written.emplace_back(c);
    // Refused: counted, nothing written.
    o.leg = 7;
    EXPECT_EQ(w.append(o, 7), journal_errc::invalid_record);
    fill_record f = sample_fill(true);
    f.client_order_id = "no spaces";
    EXPECT_EQ(w.append(f, 8), journal_errc::invalid_record);
    reject_record r = sample_reject();
    r.msg = "\xff";
    EXPECT_EQ(w.append(r, 9), journal_errc::invalid_record);
    c.reason.clear();
    EXPECT_EQ(w.append(c, 10), journal_errc::invalid_record);
    EXPECT_EQ(w.stats().append_errors, 4u);
    EXPECT_EQ(w.next_seq(), 7u);
  }
  const verify_report v = verify_journal(path, {});
  ASSERT_TRUE(v.ok()) << v.message();
  EXPECT_EQ(v.records, 7u);
  const std::vector<journal_record> recs = read_journal(path);
  ASSERT_EQ(recs.size(), 7u);
  EXPECT_EQ(recs[1].hash, decision_hash) << "the order cites the decision's own hash";
  for (std::size_t i = 0; i < written.size(); ++i) {
    EXPECT_EQ(recs[i + 1].body, written[i]) << "record " << i + 1;
  }
  EXPECT_EQ(std::get<order_record>(recs[2].body).decision, recs[1].hash);
}

TEST(JournalFormat, EscapesStringsAndRoundTripsThem) {
  std::string out;
  append_json_string(out, std::string("a\"b\\c\nd\re\tf\bg\fh\x01i\x1f") + "é€");
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\nd\\re\\tf\\bg\\fh\\u0001i\\u001fé€\"");

  temp_dir d;
  const std::string path = d.file("j.jsonl");
  const std::string config = "name = \"quoted\"\n\tpath = 'C:\\\\x'\n\x02 é";
  { (void)journal_writer::open(path, test_options(config)); }
  const std::vector<journal_record> recs = read_journal(path);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(std::get<genesis_record>(recs[0].body).config, config);
  EXPECT_EQ(read_file(path).find('\n'), read_file(path).size() - 1);  // one line
}

// The documented rule, recomputed with OpenSSL's streaming API (not the
// journal's code): SHA-256 of the line without `,"hash":"<hex>"`.
TEST(JournalFormat, HashIsSha256OfTheLineWithoutItsHashField) {
  temp_dir d;
  const std::string path = d.file("j.jsonl");
  write_journal(path, 3);
  const std::vector<std::string> lines = split_lines(read_file(path));
  ASSERT_EQ(lines.size(), 4u);
  std::string prev(64, '0');
  for (const std::string& line : lines) {
    const std::size_t k = line.rfind(",\"hash\":\"");
    ASSERT_NE(k, std::string::npos);
    const std::string stated = line.substr(k + 9, 64);
    ASSERT_EQ(line.substr(k + 9 + 64), "\"}\n");
    const std::string body = line.substr(0, k) + "}";

    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ASSERT_NE(ctx, nullptr);
    unsigned char md[32];
    unsigned int len = 0;
    ASSERT_EQ(EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr), 1);
    ASSERT_EQ(EVP_DigestUpdate(ctx, body.data(), body.size()), 1);
    ASSERT_EQ(EVP_DigestFinal_ex(ctx, md, &len), 1);
    EVP_MD_CTX_free(ctx);
    ASSERT_EQ(len, 32u);
    char hex[65];
    for (int i = 0; i < 32; ++i) std::snprintf(hex + 2 * i, 3, "%02x", md[i]);
    EXPECT_EQ(std::string(hex, 64), stated);
    EXPECT_NE(body.find("\"prev_hash\":\"" + prev + "\"}"), std::string::npos);
    prev = stated;
  }
}

TEST(JournalFormat, GenesisConfigHashIsSha256OfTheConfigBytes) {
  // A person can check it with `sha256sum bot.toml`.
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

// ---------------------------------------------------------------------------
// Verification: each tamper class, with the right reason and place
// ---------------------------------------------------------------------------

class JournalTamper : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.file("j.jsonl");
    write_journal(path_, 10);  // 11 lines: seq 0..10
    lines_ = split_lines(read_file(path_));
    ASSERT_EQ(lines_.size(), 11u);
    const verify_report clean = verify_journal(path_, {});
    ASSERT_TRUE(clean.ok()) << clean.message();
  }
  verify_report verify_bytes(const std::string& bytes, verify_options opt = {}) {
    write_file(path_, bytes);
    return verify_journal(path_, opt);
  }

  temp_dir dir_;
  std::string path_;
  std::vector<std::string> lines_;
};

TEST_F(JournalTamper, CleanJournalReportsCountAndOk) {
  const verify_report r = verify_journal(path_, {});
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.records, 11u);
  EXPECT_EQ(r.files, 1u);
  ASSERT_TRUE(r.last_seq.has_value());
  EXPECT_EQ(*r.last_seq, 10u);
  EXPECT_EQ(r.message().substr(0, 25), "11 records OK (1 file), l");
}

TEST_F(JournalTamper, EditedPriceDigitIsEditedAtThatLine) {
  std::vector<std::string> l = lines_;
  const std::size_t p = l[5].find("\"price\":\"0.00000");
  ASSERT_NE(p, std::string::npos);
  l[5][p + 17] = l[5][p + 17] == '9' ? '8' : '9';  // the last significant digit
  const verify_report r = verify_bytes(join(l));
  EXPECT_EQ(r.reason, journal_errc::edited) << r.message();
  EXPECT_EQ(r.line, 6u);
  ASSERT_TRUE(r.bad_seq.has_value());
  EXPECT_EQ(*r.bad_seq, 5u);
  EXPECT_EQ(r.records, 5u);
  EXPECT_NE(r.message().find("line 6 (seq 5): edited"), std::string::npos) << r.message();
}

TEST_F(JournalTamper, EditWithRecomputedHashBreaksTheNextLink) {
  std::vector<std::string> l = lines_;
  journal_record rec = parse_record(l[5]).record;
  std::get<opportunity_record>(rec.body).profit = f8(999'999'999);
  l[5] = format_line(rec.seq, rec.body, rec.prev_hash);  // a forger re-hashes the line
  const verify_report r = verify_bytes(join(l));
  EXPECT_EQ(r.reason, journal_errc::chain_broken) << r.message();
  EXPECT_EQ(r.line, 7u);
  EXPECT_EQ(*r.bad_seq, 6u);
}

TEST_F(JournalTamper, DeletedLineIsDeleted) {
  std::vector<std::string> l = lines_;
  l.erase(l.begin() + 4);  // seq 4
  const verify_report r = verify_bytes(join(l));
  EXPECT_EQ(r.reason, journal_errc::deleted) << r.message();
  EXPECT_EQ(r.line, 5u);
  EXPECT_EQ(*r.bad_seq, 5u);
  EXPECT_NE(r.detail.find("expected seq 4, found 5"), std::string::npos) << r.detail;
}

TEST_F(JournalTamper, SwappedLinesAreReordered) {
  std::vector<std::string> l = lines_;
  std::swap(l[3], l[4]);
  const verify_report r = verify_bytes(join(l));
  EXPECT_EQ(r.reason, journal_errc::reordered) << r.message();
  EXPECT_EQ(r.line, 4u);
  EXPECT_EQ(*r.bad_seq, 4u);
}

TEST_F(JournalTamper, InsertedCopyOfALineIsInserted) {
  std::vector<std::string> l = lines_;
  l.insert(l.begin() + 7, l[2]);  // a valid, correctly hashed line, in the wrong place
  const verify_report r = verify_bytes(join(l));
  EXPECT_EQ(r.reason, journal_errc::inserted) << r.message();
  EXPECT_EQ(r.line, 8u);
  EXPECT_EQ(*r.bad_seq, 2u);
}

TEST_F(JournalTamper, DuplicatedLastLineIsInserted) {
  std::vector<std::string> l = lines_;
  l.push_back(l.back());
  const verify_report r = verify_bytes(join(l));
  EXPECT_EQ(r.reason, journal_errc::inserted) << r.message();
  EXPECT_EQ(r.line, 12u);
}

TEST_F(JournalTamper, TailCutMidLineIsTruncatedTail) {
  std::string bytes = join(lines_);
  bytes.resize(bytes.size() - 40);
  const verify_report r = verify_bytes(bytes);
  EXPECT_EQ(r.reason, journal_errc::truncated_tail) << r.message();
  EXPECT_EQ(r.line, 11u);
  EXPECT_EQ(*r.bad_seq, 10u);
  EXPECT_EQ(r.records, 10u);
  EXPECT_EQ(r.bad_offset, bytes.size() - (lines_.back().size() - 40));
}

TEST_F(JournalTamper, GarbageLineIsGarbage) {
  std::vector<std::string> l = lines_;
  l.insert(l.begin() + 3, "this is not a record {\"seq\":3}\n");
  const verify_report r = verify_bytes(join(l));
  EXPECT_EQ(r.reason, journal_errc::garbage) << r.message();
  EXPECT_EQ(r.line, 4u);
  EXPECT_FALSE(r.bad_seq.has_value());
}

TEST_F(JournalTamper, BlankLineIsGarbage) {
  std::vector<std::string> l = lines_;
  l.insert(l.begin() + 9, "\n");
  const verify_report r = verify_bytes(join(l));
  EXPECT_EQ(r.reason, journal_errc::garbage) << r.message();
  EXPECT_EQ(r.line, 10u);
}

TEST_F(JournalTamper, MissingGenesisIsNoGenesis) {
  std::vector<std::string> l = lines_;
  l.erase(l.begin());
  const verify_report r = verify_bytes(join(l));
  EXPECT_EQ(r.reason, journal_errc::no_genesis) << r.message();
  EXPECT_EQ(r.line, 1u);
  EXPECT_EQ(*r.bad_seq, 1u);
}

TEST_F(JournalTamper, OtherConfigurationIsConfigMismatchWhenOneIsExpected) {
  verify_options opt;
  opt.expected_config_sha256 = sha256_hex("budget = 2000\n");
  const verify_report r = verify_journal(path_, opt);
  EXPECT_EQ(r.reason, journal_errc::config_mismatch) << r.message();
  EXPECT_EQ(r.line, 1u);
  EXPECT_EQ(*r.bad_seq, 0u);
  opt.expected_config_sha256 = sha256_hex(test_options().config_text);
  EXPECT_TRUE(verify_journal(path_, opt).ok());
}

TEST_F(JournalTamper, EmptyFileIsEmpty) {
  const verify_report r = verify_bytes("");
  EXPECT_EQ(r.reason, journal_errc::empty);
}

TEST_F(JournalTamper, StreamVerificationMatchesFileVerification) {
  std::vector<std::string> l = lines_;
  l.erase(l.begin() + 8);
  std::istringstream in(join(l));
  const verify_report r = verify_journal_stream(in, "stdin", {});
  EXPECT_EQ(r.reason, journal_errc::deleted);
  EXPECT_EQ(r.file, "stdin");
  EXPECT_EQ(r.line, 9u);
  std::istringstream clean(join(lines_));
  EXPECT_TRUE(verify_journal_stream(clean, "stdin", {}).ok());
}

TEST(JournalParse, ReportsNonCanonicalLineWithAValidHash) {
  // Valid JSON, right fields, hash over its own bytes, but "price":"0.10" is not canonical.
  std::string body =
      std::string(
          "{\"seq\":0,\"type\":\"checkpoint\",\"time_ns\":1,\"counters\":{},\"prev_hash\":\"") +
      std::string(kZeroHash) + "\"}";
  std::string good = format_line(0, checkpoint_record{1, "{}"}, kZeroHash);
  EXPECT_TRUE(parse_record(good).ok());
  std::string spaced = body;
  spaced.insert(spaced.find("\"type\""), " ");
  const std::string line =
      spaced.substr(0, spaced.size() - 1) + ",\"hash\":\"" + sha256_hex(spaced) + "\"}";
  const record_parse_result r = parse_record(line);
  EXPECT_EQ(r.ec, journal_errc::not_canonical) << r.detail;
}

// ---------------------------------------------------------------------------
// Writer: recovery, refusal, restart, rotation, policies
// ---------------------------------------------------------------------------

TEST(JournalWriter, RestartContinuesTheChainWithARestartGenesis) {
  temp_dir d;
  const std::string path = d.file("j.jsonl");
  write_journal(path, 5);
  {
    journal_writer w = journal_writer::open(path, test_options());
    EXPECT_EQ(w.stats().records_recovered, 6u);
    EXPECT_EQ(w.next_seq(), 7u);  // 0..5 old, 6 the restart genesis
    EXPECT_EQ(w.append(sample_opportunity(9), 0), journal_errc::ok);
  }
  const verify_report r = verify_journal(path, {});
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(r.records, 8u);
  const std::vector<journal_record> recs = read_journal(path);
  EXPECT_EQ(std::get<genesis_record>(recs[6].body).reason, genesis_reason::restart);
  EXPECT_EQ(recs[6].prev_hash, recs[5].hash);
}

TEST(JournalWriter, TornTailIsMovedAsideAndTheChainContinues) {
  temp_dir d;
  const std::string path = d.file("j.jsonl");
  write_journal(path, 6);
  const std::string good = read_file(path);
  const std::string torn = format_line(7, sample_opportunity(7), kZeroHash).substr(0, 100);
  write_file(path, good + torn);
  ASSERT_EQ(verify_journal(path, {}).reason, journal_errc::truncated_tail);

  {
    journal_writer w = journal_writer::open(path, test_options());
    EXPECT_EQ(w.stats().torn_moved, 1u);
    EXPECT_EQ(w.stats().records_recovered, 7u);
    EXPECT_EQ(w.append(sample_opportunity(8), 0), journal_errc::ok);
  }
  EXPECT_EQ(read_file(path + ".torn-1"), torn);  // kept for inspection, byte for byte
  EXPECT_EQ(read_file(path).substr(0, good.size()), good);
  const verify_report r = verify_journal(path, {});
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(r.records, 9u);  // 7 + restart genesis + 1

  // A second torn tail gets the next number.
  write_file(path, read_file(path) + "{\"seq\":9,\"ty");
  { (void)journal_writer::open(path, test_options()); }
  EXPECT_EQ(read_file(path + ".torn-2"), "{\"seq\":9,\"ty");
  EXPECT_TRUE(verify_journal(path, {}).ok());
}

TEST(JournalWriter, TornFirstLineLeavesAFreshChain) {
  temp_dir d;
  const std::string path = d.file("j.jsonl");
  write_file(path, "{\"seq\":0,\"type\":\"gen");
  { (void)journal_writer::open(path, test_options()); }
  const verify_report r = verify_journal(path, {});
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(r.records, 1u);
  EXPECT_TRUE(fs::exists(path + ".torn-1"));
}

TEST(JournalWriter, RefusesToAppendToABrokenChainAndTouchesNothing) {
  temp_dir d;
  const std::string path = d.file("j.jsonl");
  write_journal(path, 6);
  std::vector<std::string> l = split_lines(read_file(path));
  l.erase(l.begin() + 2);
  const std::string broken = join(l);
  write_file(path, broken);

  try {
    (void)journal_writer::open(path, test_options());
    FAIL() << "opened a broken chain";
  } catch (const journal_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("refusing to append"), std::string::npos) << what;
    EXPECT_NE(what.find("line 3 (seq 3): deleted"), std::string::npos) << what;
  }
  EXPECT_EQ(read_file(path), broken);

  // Told to start a new file: the old one is kept under another name.
  journal_options opt = test_options();
  opt.start_new_on_broken = true;
  {
    journal_writer w = journal_writer::open(path, opt);
    EXPECT_EQ(w.stats().chains_set_aside, 1u);
    EXPECT_EQ(w.next_seq(), 1u);
  }
  EXPECT_EQ(read_file(path + ".broken-1"), broken);
  const verify_report r = verify_journal(path, {});
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(r.records, 1u);
}

TEST(JournalWriter, RefusesAnotherConfiguration) {
  temp_dir d;
  const std::string path = d.file("j.jsonl");
  write_journal(path, 2);
  const std::string before = read_file(path);
  EXPECT_THROW((void)journal_writer::open(path, test_options("budget = 5\n")), journal_error);
  try {
    (void)journal_writer::open(path, test_options("budget = 5\n"));
  } catch (const journal_error& e) {
    EXPECT_NE(std::string(e.what()).find("config_mismatch"), std::string::npos) << e.what();
  }
  EXPECT_EQ(read_file(path), before);
}

TEST(JournalWriter, RejectsInvalidRecordsAsCountedValues) {
  temp_dir d;
  const std::string path = d.file("j.jsonl");
  {
    journal_writer w = journal_writer::open(path, test_options());
    opportunity_record o = sample_opportunity(1);
    o.ratio = "1e-5";
    EXPECT_EQ(w.append(o, 0), journal_errc::invalid_record);
    o = sample_opportunity(1);
    o.legs[1].symbol = "BAD\xff";
    EXPECT_EQ(w.append(o, 0), journal_errc::invalid_record);
    EXPECT_EQ(w.append(checkpoint_record{0, "{\"a\":1}\n"}, 0), journal_errc::invalid_record);
    EXPECT_EQ(w.append(checkpoint_record{0, "[1,2]"}, 0), journal_errc::invalid_record);
    EXPECT_EQ(w.append(checkpoint_record{0, "{\"a\":"}, 0), journal_errc::invalid_record);
    EXPECT_EQ(w.stats().append_errors, 5u);
    EXPECT_EQ(w.append(sample_opportunity(2), 0), journal_errc::ok);
  }
  const verify_report r = verify_journal(path, {});
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(r.records, 2u);
}

TEST(JournalWriter, CheckpointCarriesTheTelemetryTickVerbatim) {
  temp_dir d;
  const std::string path = d.file("j.jsonl");
  telemetry t;
  t.feed.add(feed_counter::qty_capped, 3);
  t.eval.add(eval_counter::journal_full);
  const std::string tick = t.render_json(123);
  {
    journal_writer w = journal_writer::open(path, test_options());
    EXPECT_EQ(w.append(checkpoint_record{123, tick}, 123), journal_errc::ok);
  }
  const std::vector<journal_record> recs = read_journal(path);
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(std::get<checkpoint_record>(recs[1].body).counters_json, tick);
  // Changing a counter is an edit.
  std::string bytes = read_file(path);
  const std::size_t p = bytes.find("\"qty_capped\":3");
  ASSERT_NE(p, std::string::npos);
  bytes[p + 13] = '0';
  write_file(path, bytes);
  const verify_report r = verify_journal(path, {});
  EXPECT_EQ(r.reason, journal_errc::edited);
  EXPECT_EQ(r.line, 2u);
}

TEST(JournalWriter, RotationChainVerifiesAcrossFiles) {
  temp_dir d;
  const std::string path = d.file("j.jsonl");
  journal_options opt = test_options();
  opt.rotate_bytes = 4000;
  std::vector<record_body> bodies = write_journal(path, 40, opt);
  const std::vector<std::string> files = chain_files(path);
  ASSERT_GE(files.size(), 4u);
  EXPECT_EQ(files[1], path + ".1");

  const verify_report r = verify_journal(path, {});
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(r.files, files.size());
  EXPECT_EQ(r.records, 1 + bodies.size() + (files.size() - 1));  // + one genesis per rotation

  // Every rotated file starts with a rotation genesis linking to the previous file's last hash.
  for (std::size_t i = 1; i < files.size(); ++i) {
    const std::vector<std::string> prev = split_lines(read_file(files[i - 1]));
    const journal_record last = parse_record(prev.back()).record;
    const journal_record first = parse_record(split_lines(read_file(files[i]))[0]).record;
    EXPECT_EQ(std::get<genesis_record>(first.body).reason, genesis_reason::rotation);
    EXPECT_EQ(first.prev_hash, last.hash);
    EXPECT_EQ(first.seq, last.seq + 1);
  }
  // Without following rotation, the first file alone verifies too.
  verify_options one;
  one.follow_rotation = false;
  EXPECT_TRUE(verify_journal(path, one).ok());

  // The records read back are the ones appended, genesis records aside.
  std::vector<record_body> read_back;
  for (const journal_record& rec : read_journal(path)) {
    if (!std::holds_alternative<genesis_record>(rec.body)) read_back.push_back(rec.body);
  }
  EXPECT_EQ(read_back, bodies);

  if (const char* keep = std::getenv("TRIARB_JOURNAL_KEEP")) {
    // For the Python checker in docs/journal-format.md: the whole chain, concatenated.
    std::string all;
    for (const std::string& f : files) all += read_file(f);
    write_file(keep, all);
  }
}

TEST(JournalWriter, TamperInARotatedFileNamesThatFile) {
  temp_dir d;
  const std::string path = d.file("j.jsonl");
  journal_options opt = test_options();
  opt.rotate_bytes = 4000;
  write_journal(path, 40, opt);
  std::vector<std::string> l = split_lines(read_file(path + ".2"));
  ASSERT_GE(l.size(), 3u);
  std::swap(l[1], l[2]);
  write_file(path + ".2", join(l));
  const verify_report r = verify_journal(path, {});
  EXPECT_EQ(r.reason, journal_errc::reordered) << r.message();
  EXPECT_EQ(r.file, path + ".2");
  EXPECT_EQ(r.line, 2u);
}

TEST(JournalWriter, MissingMiddleRotatedFileIsDeleted) {
  temp_dir d;
  const std::string path = d.file("j.jsonl");
  journal_options opt = test_options();
  opt.rotate_bytes = 4000;
  write_journal(path, 40, opt);
  ASSERT_TRUE(fs::exists(path + ".3"));
  fs::remove(path + ".2");
  const verify_report r = verify_journal(path, {});
  EXPECT_EQ(r.reason, journal_errc::deleted) << r.message();
  EXPECT_EQ(r.file, path + ".2");
  EXPECT_THROW((void)journal_writer::open(path, opt), journal_error);
}

TEST(JournalWriter, ContinuesARotatedChainInItsLastFile) {
  temp_dir d;
  const std::string path = d.file("j.jsonl");
  journal_options opt = test_options();
  opt.rotate_bytes = 4000;
  write_journal(path, 20, opt);
  const std::size_t n_files = chain_files(path).size();
  {
    journal_writer w = journal_writer::open(path, opt);
    EXPECT_EQ(w.current_file(), chain_files(path).back());
    for (int i = 0; i < 20; ++i) EXPECT_EQ(w.append(sample_opportunity(i), 0), journal_errc::ok);
  }
  EXPECT_GT(chain_files(path).size(), n_files);
  const verify_report r = verify_journal(path, {});
  EXPECT_TRUE(r.ok()) << r.message();
}

TEST(JournalWriter, ContinuesAnEmptyLastRotatedFileLeftByACrash) {
  temp_dir d;
  const std::string path = d.file("j.jsonl");
  journal_options opt = test_options();
  opt.rotate_bytes = 4000;
  write_journal(path, 20, opt);
  const std::size_t n_files = chain_files(path).size();
  const std::string empty = path + "." + std::to_string(n_files);
  write_file(empty, "");  // created, then killed before its genesis was written
  ASSERT_EQ(verify_journal(path, {}).reason, journal_errc::empty);
  {
    journal_writer w = journal_writer::open(path, opt);
    EXPECT_EQ(w.current_file(), empty);
    EXPECT_EQ(w.append(sample_opportunity(1), 0), journal_errc::ok);
  }
  const verify_report r = verify_journal(path, {});
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(r.files, n_files + 1);
  // The process died mid-rotation and this is a new process: the file's
  // first line completes the rotation (its format requires one), and a
  // restart genesis follows, so the audit sees a new session (it starts one
  // per start or restart genesis; issue 11, defect 5: it was a rotation only).
  const std::vector<std::string> lines = split_lines(read_file(empty));
  ASSERT_GE(lines.size(), 2U);
  EXPECT_EQ(std::get<genesis_record>(parse_record(lines[0]).record.body).reason,
            genesis_reason::rotation);
  EXPECT_EQ(std::get<genesis_record>(parse_record(lines[1]).record.body).reason,
            genesis_reason::restart);
}

TEST(JournalWriter, FsyncPolicyEveryNAndIntervalFollowTheCallersClock) {
  temp_dir d;
  journal_options opt = test_options();
  opt.fsync.k = fsync_policy::kind::every_n;
  opt.fsync.n = 10;
  {
    journal_writer w = journal_writer::open(d.file("n.jsonl"), opt);
    const std::uint64_t at_open = w.stats().fsyncs;  // the genesis is always synced
    EXPECT_EQ(at_open, 1u);
    for (int i = 0; i < 35; ++i) EXPECT_EQ(w.append(sample_opportunity(i), 0), journal_errc::ok);
    EXPECT_EQ(w.stats().fsyncs, at_open + 3);
  }
  opt.fsync.k = fsync_policy::kind::interval;
  opt.fsync.interval_ns = 1000;
  {
    journal_writer w =
        journal_writer::open(d.file("t.jsonl"), opt);  // start_ns is the clock origin
    const std::int64_t t0 = opt.start_ns;
    EXPECT_EQ(w.append(sample_opportunity(0), t0 + 10), journal_errc::ok);
    EXPECT_EQ(w.append(sample_opportunity(1), t0 + 500), journal_errc::ok);
    EXPECT_EQ(w.stats().fsyncs, 1u);
    EXPECT_EQ(w.append(sample_opportunity(2), t0 + 1000), journal_errc::ok);
    EXPECT_EQ(w.stats().fsyncs, 2u);
    EXPECT_EQ(w.append(sample_opportunity(3), t0 + 1500), journal_errc::ok);
    EXPECT_EQ(w.tick(t0 + 1900), journal_errc::ok);
    EXPECT_EQ(w.stats().fsyncs, 2u);
    EXPECT_EQ(w.tick(t0 + 2000), journal_errc::ok);
    EXPECT_EQ(w.stats().fsyncs, 3u);
    EXPECT_EQ(w.tick(t0 + 9000), journal_errc::ok);  // nothing waiting
    EXPECT_EQ(w.stats().fsyncs, 3u);
  }
  opt.fsync.k = fsync_policy::kind::every_record;
  {
    journal_writer w = journal_writer::open(d.file("e.jsonl"), opt);
    for (int i = 0; i < 4; ++i) EXPECT_EQ(w.append(sample_opportunity(i), 0), journal_errc::ok);
    EXPECT_EQ(w.stats().fsyncs, 5u);
  }
}

TEST(JournalWriter, MovedWriterKeepsAppendingToTheSameChain) {
  temp_dir d;
  const std::string path = d.file("j.jsonl");
  journal_writer a = journal_writer::open(path, test_options());
  EXPECT_EQ(a.append(sample_opportunity(0), 0), journal_errc::ok);
  journal_writer b = std::move(a);
  EXPECT_EQ(b.append(sample_opportunity(1), 0), journal_errc::ok);
  EXPECT_EQ(b.stats().records_written, 3u);
  EXPECT_EQ(b.current_file(), path);
  EXPECT_EQ(verify_journal(path, {}).records, 3u);
}

// The writer never writes a line the verifier would refuse as too long (it
// would make the next start refuse its own journal): such a record is
// refused unwritten, counted, and the chain stays whole; a genesis that long
// is an error at open.
TEST(JournalWriter, NeverWritesALineOverKMaxRecordLine) {
  temp_dir d;
  const std::string path = d.file("j.jsonl");
  {
    journal_writer w = journal_writer::open(path, test_options());
    const std::string huge(kMaxRecordLine, '7');
    EXPECT_EQ(w.append(checkpoint_record{1, "{\"n\":\"" + huge + "\"}"}, 0),
              journal_errc::line_too_long);
    EXPECT_EQ(w.stats().append_errors, 1u);
    EXPECT_EQ(w.append(sample_opportunity(1), 0), journal_errc::ok) << "the writer goes on";
  }
  const verify_report r = verify_journal(path, {});
  EXPECT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(r.records, 2u);
  journal_options big = test_options(std::string(kMaxRecordLine, 'x'));
  try {
    journal_writer w = journal_writer::open(d.file("big.jsonl"), big);
    ADD_FAILURE() << "a genesis over the line limit was written";
  } catch (const journal_error& e) {
    EXPECT_NE(std::string(e.what()).find("kMaxRecordLine"), std::string::npos) << e.what();
  }
}

// Hostile input: a journal path that is a FIFO blocked forever in open()
// (reading it for verification waits for a writer), ignoring --duration; a
// directory or device is no journal either. The path must be a regular file
// or absent, and the error says what it is.
TEST(JournalWriter, RefusesAPathThatIsNotARegularFile) {
  temp_dir d;
  const std::string fifo = d.file("fifo.jsonl");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const std::string dir = d.file("dir.jsonl");
  fs::create_directory(dir);
  const std::string rotated_fifo = d.file("r.jsonl.1");
  ASSERT_EQ(::mkfifo(rotated_fifo.c_str(), 0600), 0);
  write_file(d.file("r.jsonl"), "");
  for (const auto& [path, what] : {std::pair<std::string, std::string>{fifo, "a FIFO"},
                                   {dir, "a directory"},
                                   {"/dev/null", "a character device"},
                                   {rotated_fifo.substr(0, rotated_fifo.size() - 2), "a FIFO"}}) {
    try {
      journal_writer w = journal_writer::open(path, test_options());
      ADD_FAILURE() << path << " was opened as a journal";
    } catch (const journal_error& e) {
      EXPECT_NE(std::string(e.what()).find("is " + what + ", not a regular file"),
                std::string::npos)
          << e.what();
    }
  }
  EXPECT_TRUE(fs::is_fifo(fifo));  // nothing was moved or replaced
  EXPECT_TRUE(fs::is_directory(dir));
}

}  // namespace
}  // namespace triarb
