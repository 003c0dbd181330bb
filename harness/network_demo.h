// network_demo: `triarb demo`, the embedded default. The simulated exchange
// runs in-process on 127.0.0.1 (real TLS, a certificate made at start-up)
// and the real live bot connects to it over TLS WebSocket; every
// opportunity is judged by the exchange's ground truth and journaled, and
// the demo ends by verifying the journal's chain. By default the bot also
// trades (execution = sim): its orders go to the exchange's order API and the
// summary says what they captured.
//
//   network_demo_options d;  d.duration_s = 10;
//   int rc = run_network_demo(d, std::cout, std::cerr);   // 0: no phantom
//
// Harness code: it links the simulator, so it lives here and never in runtime/.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>

#include "config/config.h"
#include "core/fixed8.h"

namespace triarb {

// `triarb demo`: sim_exchange in-process on 127.0.0.1 port 0, the bot over
// real TLS + WebSocket with the exchange's CA, ticks on `ticks`, then a
// summary on `out` judging each opportunity by the simulator's ground truth
// at decision time (truth_ratio > 1 + min_profit). The journal (always
// written) is verified at the end (core/journal_verify.h): the summary says
// "journal: N records, chain verified (path)", or why it does not verify
// (exit 1). Returns the exit code; throws std::runtime_error when the
// temporary journal's directory cannot be made.
struct network_demo_options {
  std::uint64_t seed = 1;
  double duration_s = 30;
  double tick_s = 1;
  double fault_rate = 0.0005;  // each kind, per market update
  // Empty: a new temporary journal, $TMPDIR (else /tmp)/triarb-demo-XXXXXX/journal.jsonl
  // (mkdtemp), removed at the end unless keep_journal or it does not verify
  // (then kept, and the summary says where). A path given is kept.
  std::string journal_path;
  bool keep_journal = false;
  // The journal at journal_path does not verify: set it aside (*.broken-N)
  // and start a new chain instead of refusing (live_options::new_journal).
  bool new_journal = false;
  journal_fsync_mode journal_fsync = journal_fsync_mode::interval;
  std::string record_path;  // non-empty: record the frames (replay reproduces)
  std::string exchange_info_out;
  // Execution (docs/design.md, section 12). sim (the default): the exchange
  // serves a demo account holding kDemoStartBalance of each start asset; its
  // API key and secret reach the bot through an owner-only key file in the
  // demo's temporary directory (never printed; removed at the end); at the
  // end the bot's ledger is checked against the exchange's account, asset by
  // asset. paper: the same starting balances, filled against the bot's own
  // book. off: detection only. The summary's execution lines and the
  // journal's execution records audited (offline/journal_audit.h,
  // audit_states) come with paper and sim; a ledger that does not equal the
  // account, or an audit that fails, makes the exit status 1.
  execution_mode execution = execution_mode::sim;
};
// Each start asset's balance in the demo account (and paper's starting balances).
inline constexpr fixed8 kDemoStartBalance = fixed8::from_units(10'000);
int run_network_demo(const network_demo_options& o, std::ostream& out, std::ostream& ticks);

}  // namespace triarb
