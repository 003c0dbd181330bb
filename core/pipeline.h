// pipeline: the whole data path on one thread, frame bytes to decisions.
// Replay, the deterministic simulation and the benchmarks use it; the live
// bot runs the same feed_handler and evaluator on two threads instead.
//
//   sync_pipeline p(u, idx, cfg, tel);
//   connection_id c = p.feed().add_connection(all_symbols);
//   p.process(c, data, size, now_ns, [&](const opportunity& o) { return journal(o); });
//
// After process() returns, every symbol the frame made dirty has been
// evaluated: the dirty set is empty.
//
// Thread safety: one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/dirty_set.h"
#include "core/evaluator.h"
#include "core/feed_handler.h"
#include "core/order_book.h"
#include "core/symbol_table.h"
#include "core/telemetry.h"
#include "core/triangle_index.h"
#include "core/universe.h"

namespace triarb {

// The symbol table for a universe: symbol_id i is u.symbols()[i].
[[nodiscard]] inline symbol_table make_symbol_table(const universe& u) {
  std::vector<std::string> names;
  names.reserve(u.symbols().size());
  for (const symbol_info& s : u.symbols()) names.push_back(s.name);
  return symbol_table(names);
}

// The bot's split of symbols over connections: ids in order, per_connection
// to a connection (the last one may have fewer). Replay uses the same split,
// so an unattributed error invalidates the same symbols as it did live.
// REQUIRES: per_connection > 0.
[[nodiscard]] inline std::vector<std::vector<symbol_id>> split_into_connections(
    std::size_t n_symbols, std::size_t per_connection) {
  std::vector<std::vector<symbol_id>> out;
  for (std::size_t first = 0; first < n_symbols; first += per_connection) {
    std::vector<symbol_id>& group = out.emplace_back();
    for (std::size_t s = first; s < n_symbols && s < first + per_connection; ++s) {
      group.push_back(static_cast<symbol_id>(s));
    }
  }
  return out;
}

class sync_pipeline {
 public:
  // REQUIRES: u, idx and tel outlive the pipeline.
  sync_pipeline(const universe& u, const triangle_index& idx, evaluator_config cfg, telemetry& tel)
      : symbols_(make_symbol_table(u)),
        book_(u.symbols().size()),
        dirty_(u.symbols().size()),
        feed_(symbols_, book_, dirty_, tel),
        eval_(u, idx, std::move(cfg), tel),
        tel_(tel) {}
  // The feed handler and evaluator hold references into this object.
  sync_pipeline(const sync_pipeline&) = delete;
  sync_pipeline& operator=(const sync_pipeline&) = delete;

  // Parses and applies one frame, then evaluates every triangle of every
  // symbol it made dirty at time now_ns. Sink: bool(const opportunity&).
  // REQUIRES: data[0, size + kFramePadding) is readable.
  template <class Sink>
  frame_result process(connection_id c, const char* data, std::size_t size, std::int64_t now_ns,
                       Sink&& sink) {
    frame_result r = feed_.on_frame_padded(c, data, size, now_ns);
    evaluate_dirty(now_ns, sink);
    return r;
  }

  // A connection dropped, stalled, rotated or went quiet: its symbols are
  // invalid. Returns how many were valid.
  std::size_t connection_lost(connection_id c) { return feed_.on_connection_lost(c); }

  // A REST snapshot re-seeds q.symbol as the live bot's re-seed tracker did
  // (order_book::reseed_if_invalid: only an invalid symbol, its update id
  // kept), received at recv_ns, then evaluates it at now_ns. Returns false,
  // and writes nothing, if the symbol was valid.
  // REQUIRES: q.symbol < the universe's symbol count.
  template <class Sink>
  bool reseed(const quote& q, std::int64_t recv_ns, std::int64_t now_ns, Sink&& sink) {
    if (!book_.reseed_if_invalid(q, recv_ns)) return false;
    dirty_.mark(q.symbol);
    evaluate_dirty(now_ns, sink);
    return true;
  }

  // Evaluates every dirty symbol's triangles (after connection events too).
  template <class Sink>
  std::size_t evaluate_dirty(std::int64_t now_ns, Sink&& sink) {
    return dirty_.drain([&](symbol_id s) {
      tel_.eval.add(eval_counter::symbols_drained);
      eval_.on_symbol(book_, s, now_ns, sink);
    });
  }

  [[nodiscard]] feed_handler& feed() noexcept { return feed_; }
  [[nodiscard]] const order_book& book() const noexcept { return book_; }
  [[nodiscard]] const symbol_table& symbols() const noexcept { return symbols_; }
  [[nodiscard]] evaluator& eval() noexcept { return eval_; }

 private:
  symbol_table symbols_;
  order_book book_;
  dirty_set dirty_;
  feed_handler feed_;
  evaluator eval_;
  telemetry& tel_;
};

}  // namespace triarb
