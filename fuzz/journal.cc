// Fuzz target for the journal's record parser and chain verifier
// (core/journal_record.h, core/journal_verify.h). The first input byte picks
// the mode (its low bit):
//   0  the rest is a journal file: verify_journal_bytes never crashes, the
//      streaming verifier (verify_journal_stream, what verify_journal uses on
//      a file) gives the same report, and when the chain verifies every line
//      is exactly format_line() of the record parse_record read from it (the
//      canonical form is the only one);
//   1  a small valid journal is built in-process from the rest (a genesis,
//      then opportunity and checkpoint records with fuzzer-chosen strings,
//      numbers and legs, state records with fuzzer-chosen enums, names and
//      evidence, opportunities with any suppressed reason, and the execution
//      records: orders, fills, rejects and cycles with fuzzer-chosen client
//      ids, names, amounts, enums (some out of range), decision hashes (some
//      broken), trades and residuals, chained with
//      format_line), it must verify; each built record's line must parse
//      exactly when the writer would take it (parse_record(format_line(r))
//      .ok() == invalid_reason(r).empty(): evidence such as {"a":tru},
//      {"a":01}, {"a":"\q"} or nesting over 1,024, an out-of-range
//      suppressed reason, a leg 0, a 37-character client id, a zero residual
//      or a done cycle with a reason, are refused by both and left out); then one
//      byte at a fuzzer-chosen offset is changed (XOR with a non-zero value,
//      so it really changes), and verification must report it: a changed
//      journal that still verifies is a finding.
//
//   build/fuzz/fuzz/fuzz_journal -dict=fuzz/journal.dict corpus/journal
//   build/default/fuzz/fuzz_journal corpus/journal       # replay
#include "core/journal.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

#include "fuzz_support.h"

namespace {

using triarb::fuzz::byte_consumer;

// Raw mode: the verifier on arbitrary bytes.
void check_bytes(std::string_view bytes) {
  const triarb::verify_report a = triarb::verify_journal_bytes(bytes, "fuzz", {});
  std::istringstream in{std::string(bytes)};
  const triarb::verify_report b = triarb::verify_journal_stream(in, "fuzz", {});
  if (a.message() != b.message() || a.bad_offset != b.bad_offset) {
    std::fprintf(stderr, "bytes:  %s (offset %llu)\nstream: %s (offset %llu)\n",
                 a.message().c_str(), static_cast<unsigned long long>(a.bad_offset),
                 b.message().c_str(), static_cast<unsigned long long>(b.bad_offset));
    TRIARB_FUZZ_CHECK(false, "verify_journal_bytes and verify_journal_stream disagree");
  }
  if (!a.ok()) return;
  std::size_t pos = 0;
  while (pos < bytes.size()) {
    const std::size_t nl = bytes.find('\n', pos);
    TRIARB_FUZZ_CHECK(nl != std::string_view::npos, "a verified journal's last line is torn");
    const std::string_view line = bytes.substr(pos, nl + 1 - pos);
    const triarb::record_parse_result r = triarb::parse_record(line);
    TRIARB_FUZZ_CHECK(r.ok(), "a verified line does not parse");
    std::string hash;
    const std::string again =
        triarb::format_line(r.record.seq, r.record.body, r.record.prev_hash, &hash);
    TRIARB_FUZZ_CHECK(again == line, "a verified line is not format_line() of its record");
    TRIARB_FUZZ_CHECK(hash == r.record.hash, "format_line() gives another hash");
    pos = nl + 1;
  }
}

// A string of up to 12 characters from a set that includes what needs
// escaping and multi-byte UTF-8 (the writer refuses invalid UTF-8, so the
// builder never makes it).
std::string text(byte_consumer& in) {
  static constexpr std::string_view kPieces[] = {
      "A", "B", "USDT", "BTC", "\"", "\\", "\n", "\t", "\x01", "\x1f", "/",
      "é", "€", "😀",    " ",   "0",  "9",  ">",  "{",  "}",    ",",    ":"};
  std::string s;
  const int n = in.in_range<int>(0, 12);
  for (int i = 0; i < n; ++i) {
    s += kPieces[in.in_range<std::size_t>(0, std::size(kPieces) - 1)];
  }
  return s;
}

triarb::fixed8 amount(byte_consumer& in) {
  return triarb::fixed8::from_raw(in.integral<std::int64_t>());
}

std::string ratio(byte_consumer& in) {
  std::string s = std::to_string(in.in_range<int>(0, 3));
  const int frac = in.in_range<int>(0, 30);
  if (frac > 0) {
    s += '.';
    for (int i = 0; i < frac; ++i) s += static_cast<char>('0' + in.in_range<int>(0, 9));
  }
  return s;
}

// Evidence: the guard's own objects, other valid JSON, and what only looks
// like an object (the reader once took these: it skipped over the object).
std::string evidence(byte_consumer& in) {
  const int k = in.in_range<int>(0, 14);
  if (k == 14) {  // nested deeper than 1,024 levels, or just within
    const int depth = in.boolean() ? 1100 : 1000;
    return "{\"a\":" + std::string(static_cast<std::size_t>(depth), '[') +
           std::string(static_cast<std::size_t>(depth), ']') + "}";
  }
  static constexpr std::string_view kEvidence[] = {
      "{}",
      R"({"leg":0,"symbol":3,"update_id":7,"reports":20,"first_ns":1,"window_ns":10,"run":20})",
      R"({"window_start_ns":0,"count":201,"past_windows":3,"past_sum":9,"factor":20,"floor":200,"warmup_windows":30})",
      R"({"symbols":10,"invalid":6,"asset":2})",
      R"({"released":2,"from":"halted"})",
      R"({"reason":"op "x" é"})",
      R"({"a":[1,{"b":null}],"c":-1.5e3,"d":true})",
      R"({"a":tru})",
      R"({"a":1,})",
      R"({"a":01})",
      R"({"a":"\q"})",
      "{\"a\":\n1}",
      R"({"a":1} {})",
      R"([1])",
  };
  return std::string(kEvidence[static_cast<std::size_t>(k)]);
}

std::string invalid_reason_of(const triarb::record_body& b) {
  return std::visit(
      [](const auto& r) -> std::string {
        if constexpr (std::is_same_v<std::decay_t<decltype(r)>, triarb::genesis_record>) {
          return {};
        } else {
          return triarb::invalid_reason(r);
        }
      },
      b);
}

// A client order id: usually one the exchange takes, sometimes text() (then
// mostly refused by both sides), sometimes 37 characters (one too many).
std::string client_id(byte_consumer& in) {
  switch (in.in_range<int>(0, 3)) {
    case 0:
      return text(in);
    case 1:
      return std::string(triarb::kMaxClientOrderId + 1, 'a');
    default:
      return "tb-" + std::to_string(in.integral<std::uint16_t>()) + "-" +
             std::to_string(in.in_range<int>(1, 3));
  }
}

// A decision hash: a real one, or one that is not 64 lower-case hex.
std::string decision(byte_consumer& in) {
  std::string h = triarb::sha256_hex(text(in));
  if (in.in_range<int>(0, 7) == 0)
    h[in.in_range<std::size_t>(0, 63)] = in.pick<char>({'A', 'g', ' '});
  if (in.in_range<int>(0, 15) == 0) h.pop_back();
  return h;
}

triarb::record_body execution_body(byte_consumer& in, int kind) {
  switch (kind) {
    case 0: {
      triarb::order_record o;
      o.time_ns = in.integral<std::int64_t>();
      o.cycle = in.integral<std::uint64_t>();
      o.leg = in.in_range<std::uint8_t>(0, 4);  // 0 and 4 refused by both
      o.client_order_id = client_id(in);
      o.symbol = text(in);
      o.dir = in.boolean() ? triarb::side::buy : triarb::side::sell;
      o.tif = static_cast<triarb::time_in_force>(in.in_range<int>(0, 2));  // 2 out of range
      o.price = amount(in);
      o.quantity = amount(in);
      o.decision = decision(in);
      return o;
    }
    case 1: {
      triarb::fill_record f;
      f.time_ns = in.integral<std::int64_t>();
      f.client_order_id = client_id(in);
      f.status = static_cast<triarb::order_status>(in.in_range<int>(0, 7));  // 7 out of range
      f.order_id = in.integral<std::uint64_t>();
      f.executed_qty = amount(in);
      f.cumulative_quote = amount(in);
      const int n = in.in_range<int>(0, 3);
      for (int i = 0; i < n; ++i) {
        f.fills.push_back(
            {amount(in), amount(in), amount(in), text(in), in.integral<std::uint64_t>()});
      }
      return f;
    }
    case 2: {
      triarb::reject_record r;
      r.time_ns = in.integral<std::int64_t>();
      r.client_order_id = client_id(in);
      r.code = in.integral<std::int32_t>();
      r.msg = in.boolean() ? text(in) : std::string(triarb::kMaxJournalMessage + 1, 'm');
      r.http_status = in.pick<std::int32_t>({0, 400, 418, 429, 503, 99, 600, -1});
      return r;
    }
    default: {
      triarb::cycle_record c;
      c.time_ns = in.integral<std::int64_t>();
      c.cycle = in.integral<std::uint64_t>();
      c.decision = decision(in);
      c.outcome = static_cast<triarb::cycle_end>(in.in_range<int>(0, 3));  // 3 out of range
      c.start_asset = text(in);
      c.expected_profit = amount(in);
      c.realised_profit = amount(in);
      const int n = in.in_range<int>(0, 3);
      for (int i = 0; i < n; ++i) c.residual[text(in)] = amount(in);  // a zero is refused
      if (in.boolean())
        c.reason = text(in);  // refused exactly when done with one, or not done without
      return c;
    }
  }
}

triarb::record_body body(byte_consumer& in) {
  const int kind = in.in_range<int>(0, 7);
  if (kind >= 4) return execution_body(in, kind - 4);
  switch (kind) {
    case 0: {
      triarb::opportunity_record o;
      o.time_ns = in.integral<std::int64_t>();
      o.triangle = in.integral<std::uint32_t>();
      o.triangle_name = text(in);
      for (triarb::journal_leg& l : o.legs) {
        l.symbol = text(in);
        l.dir = in.boolean() ? triarb::side::buy : triarb::side::sell;
        l.price = amount(in);
        l.book_qty = amount(in);
        l.fill_qty = amount(in);
        l.update_id = in.integral<std::uint64_t>();
        l.age_ns = in.integral<std::int64_t>();
        l.valid = in.boolean();
        l.qty_capped = in.boolean();
        l.reseeded = in.boolean();
      }
      o.ratio = ratio(in);
      o.amount_in = amount(in);
      o.amount_out = amount(in);
      o.profit = amount(in);
      // Sometimes out of range: the writer and the reader must both refuse it.
      o.suppressed = static_cast<triarb::suppress_reason>(in.in_range<int>(0, 4));
      return o;
    }
    case 3: {
      triarb::state_record st;
      st.time_ns = in.integral<std::int64_t>();
      st.from = static_cast<triarb::trading_state>(in.in_range<int>(0, 2));
      st.to = static_cast<triarb::trading_state>(in.in_range<int>(0, 2));
      st.trigger = static_cast<triarb::guard_trigger>(in.in_range<int>(0, 4));
      st.by = in.pick<std::string_view>({"guard", "http", "signal", "halt_file"});
      if (in.boolean()) st.triangle_name = text(in);
      st.evidence_json = evidence(in);
      return st;
    }
    case 1: {
      triarb::checkpoint_record c;
      c.time_ns = in.integral<std::int64_t>();
      c.counters_json = in.pick<std::string_view>(
          {"{}", "{\"t_ns\":1}", "{\"feed\":{\"frames_received\":12,\"qty_capped\":0}}",
           "{\"a\":[1,2,{\"b\":null}],\"c\":\"x\\\"y\",\"d\":-1.5e3,\"e\":true}"});
      return c;
    }
    default: {
      triarb::genesis_record g;
      g.time_ns = in.integral<std::int64_t>();
      g.reason = triarb::genesis_reason::restart;
      g.version = text(in);
      g.config = text(in);
      g.config_sha256 = triarb::sha256_hex(g.config);
      g.universe = text(in);
      return g;
    }
  }
}

// Mutation mode: a valid journal, one byte changed, must not verify.
void check_mutation(byte_consumer& in) {
  triarb::genesis_record g;
  g.time_ns = in.integral<std::int64_t>();
  g.version = text(in);
  g.config = text(in);
  g.config_sha256 = triarb::sha256_hex(g.config);
  g.universe = text(in);
  std::string journal;
  std::string prev(triarb::kZeroHash);
  std::string hash;
  journal += triarb::format_line(0, triarb::record_body{g}, prev, &hash);
  prev = hash;
  const int tries = in.in_range<int>(0, 6);
  int n = 0;
  for (int i = 0; i < tries; ++i) {
    const triarb::record_body b = body(in);
    const auto seq = static_cast<std::uint64_t>(n) + 1;
    std::string line = triarb::format_line(seq, b, prev, &hash);
    const std::string why = invalid_reason_of(b);
    const triarb::record_parse_result parsed = triarb::parse_record(line);
    if (parsed.ok() != why.empty()) {
      std::fprintf(stderr, "invalid_reason: '%s'; parse_record: %s %s\n%s", why.c_str(),
                   std::string(triarb::to_string(parsed.ec)).c_str(), parsed.detail.c_str(),
                   line.c_str());
      TRIARB_FUZZ_CHECK(false, "the reader and the writer disagree on a record");
    }
    if (!why.empty()) continue;  // a writer refuses it: not in the journal
    journal += line;
    prev = hash;
    ++n;
  }
  const triarb::verify_report clean = triarb::verify_journal_bytes(journal, "built", {});
  if (!clean.ok()) {
    std::fprintf(stderr, "%s\n%s", clean.message().c_str(), journal.c_str());
    TRIARB_FUZZ_CHECK(false, "a journal built with format_line does not verify");
  }
  TRIARB_FUZZ_CHECK(clean.records == static_cast<std::uint64_t>(n) + 1, "records verified");

  const std::size_t at = in.integral<std::uint32_t>() % journal.size();
  const auto flip = static_cast<char>(in.in_range<int>(1, 255));
  std::string changed = journal;
  changed[at] = static_cast<char>(changed[at] ^ flip);
  const triarb::verify_report r = triarb::verify_journal_bytes(changed, "changed", {});
  if (r.ok()) {
    std::fprintf(stderr, "byte %zu: 0x%02x -> 0x%02x still verifies: %s\n%s", at,
                 static_cast<unsigned>(static_cast<unsigned char>(journal[at])),
                 static_cast<unsigned>(static_cast<unsigned char>(changed[at])),
                 r.message().c_str(), changed.c_str());
    TRIARB_FUZZ_CHECK(false, "a one-byte change to a journal verifies");
  }
  TRIARB_FUZZ_CHECK(r.bad_offset <= at, "the report points after the changed byte");
  check_bytes(changed);  // and the raw-mode properties hold for it
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  byte_consumer in(data, size);
  if ((in.integral<std::uint8_t>() & 1U) == 0) {
    check_bytes(in.rest());
  } else {
    check_mutation(in);
  }
  return 0;
}
