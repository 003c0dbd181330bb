// network_demo: `triarb demo`, the embedded default. The simulated exchange
// runs in-process on 127.0.0.1 (real TLS, a certificate made at start-up)
// and the real live bot connects to it over TLS WebSocket; every
// opportunity is judged by the exchange's ground truth and journaled, and
// the demo ends by verifying the journal's chain.
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
};
int run_network_demo(const network_demo_options& o, std::ostream& out, std::ostream& ticks);

}  // namespace triarb
