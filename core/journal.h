// journal: the decision journal, a hash-chained JSON Lines file that records
// every opportunity (what each leg looked like to the evaluator and what it
// decided), survives crashes, and shows any later edit. The format is
// specified in docs/journal-format.md; this header is the C++ side of it.
//
// Every line is one record. The first record of a chain is a genesis record;
// then opportunity and checkpoint records follow, and every writer session
// (restart) and every rotated file starts with another genesis record that
// links to the previous record. Each record carries "seq" (0, 1, 2, ... across
// the whole chain), "prev_hash" (the previous record's hash, 64 zeros for the
// very first) and, always last, "hash": the SHA-256 of the line's bytes with
// the `,"hash":"<64 hex>"` part removed.
//
//   journal_options opt;
//   opt.version = "triarb 0.1.0";
//   opt.config_text = read_file("bot.toml");     // hashed as given
//   opt.universe = "fingerprint:0123456789abcdef";
//   opt.start_ns = now_ns();
//   journal_writer w = journal_writer::open("journal.jsonl", opt);  // throws journal_error
//   if (w.append(rec, now_ns()) != journal_errc::ok) ...   // counted in w.stats()
//   verify_report r = verify_journal("journal.jsonl", {});
//   if (!r.ok()) std::puts(r.message().c_str());   // "journal.jsonl line 7 (seq 6): edited: ..."
//
// Thread safety: journal_writer is single-threaded (the bot's journal writer
// thread owns it). verify_journal, parse_record and the format functions are
// safe to call from any thread (each thread keeps its own simdjson parser and
// SHA-256 context in thread_local storage). No function here starts a thread
// or prints.
//
// This umbrella header includes the three parts:
//   core/journal_record.h  records, journal_errc/journal_error, the line format
//                          (sha256_hex, canonical_body, format_line, parse_record);
//   core/journal_verify.h  verify_options/verify_report, verify_journal*,
//                          chain_files, read_journal;
//   core/journal_writer.h  fsync_policy, journal_options, journal_stats, journal_writer.
#pragma once

#include "core/journal_record.h"
#include "core/journal_verify.h"
#include "core/journal_writer.h"
