// feed_handler: the feed thread's side of contracts 1 and 3. It turns each
// frame's one frame_result into exactly one book action, counts it, and turns
// a connection's loss into the invalidation of every symbol it carried.
//
//   feed_handler fh(symbols, book, dirty, tel);
//   connection_id c = fh.add_connection(symbols_of_this_socket);
//   frame_result r = fh.on_frame(c, buf, now_ns);   // r.control for serverShutdown
//   fh.on_connection_lost(c);                        // drop, stall or rotation
//
// What each result does (docs/design.md, contract 1):
//   quote              book.write; applied -> mark dirty (qty_capped counted);
//                      older or equal update id -> dropped and counted, the
//                      stored quote stays as it is (it is still the latest).
//   attributed error   that symbol is invalid until its next good frame; if
//                      the frame's update id was read, no frame with that id
//                      or an older one can revalidate it.
//   unattributed error every symbol of the connection is invalid (we cannot
//                      know which update was lost) -- except unknown_symbol:
//                      a readable symbol we do not track lost nothing we track.
//   control            counted and returned; the connection layer acts on it.
// A symbol made invalid is not marked dirty: an invalid leg can only remove
// opportunities, and its next good frame marks it.
//
// Thread safety: the feed thread only (the book's single writer and the
// dirty set's producer).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/dirty_set.h"
#include "core/frame_parser.h"
#include "core/order_book.h"
#include "core/telemetry.h"

namespace triarb {

using connection_id = std::uint32_t;

template <class Book, class Dirty>
class basic_feed_handler {
 public:
  // REQUIRES: all four outlive the handler; book and dirty sized for symbols.
  basic_feed_handler(const symbol_table& symbols, Book& book, Dirty& dirty, telemetry& tel)
      : parser_(symbols), book_(book), dirty_(dirty), tel_(tel) {}

  // A connection and the symbols it subscribes. Ids are 0, 1, 2, ...
  connection_id add_connection(std::vector<symbol_id> symbols) {
    connections_.push_back(std::move(symbols));
    return static_cast<connection_id>(connections_.size() - 1);
  }
  [[nodiscard]] std::span<const symbol_id> symbols_of(connection_id c) const {
    return connections_[c];
  }

  frame_result on_frame(connection_id c, const frame_buffer& buf, std::int64_t recv_ns) {
    return apply(c, parser_.parse(buf), recv_ns);
  }
  // REQUIRES: data[0, size + kFramePadding) is readable.
  frame_result on_frame_padded(connection_id c, const char* data, std::size_t size,
                               std::int64_t recv_ns) {
    return apply(c, parser_.parse_padded(data, size), recv_ns);
  }

  // docs/design.md, contract 3: the connection dropped, stalled past its deadline or was
  // rotated; all its symbols are invalid until each gets a fresh frame.
  // Returns how many were valid and are now invalid.
  std::size_t on_connection_lost(connection_id c) {
    const std::size_t n = book_.invalidate_all(connections_[c]);
    tel_.feed.add(feed_counter::invalidated_by_connection, n);
    return n;
  }

 private:
  frame_result apply(connection_id c, frame_result r, std::int64_t recv_ns) {
    tel_.feed.add(feed_counter::frames_received);
    switch (r.kind) {
      case frame_kind::quote:
        switch (book_.write(r.q, recv_ns)) {
          case write_outcome::applied:
            tel_.feed.add(feed_counter::quotes_applied);
            if (r.q.qty_capped) tel_.feed.add(feed_counter::qty_capped);
            dirty_.mark(r.q.symbol);
            break;
          case write_outcome::stale_dropped:
            tel_.feed.add(feed_counter::stale_dropped);
            break;
          case write_outcome::duplicate_dropped:
            tel_.feed.add(feed_counter::duplicate_dropped);
            break;
        }
        break;
      case frame_kind::attributed_error:
        tel_.feed.add(feed_counter::attributed_errors);
        tel_.parse_errors.add(r.error);
        if ((r.update_id_known ? book_.invalidate(r.symbol, r.failed_update_id)
                               : book_.invalidate(r.symbol)) == invalidate_outcome::invalidated) {
          tel_.feed.add(feed_counter::invalidated_by_frame);
        }
        break;
      case frame_kind::unattributed_error:
        tel_.feed.add(feed_counter::unattributed_errors);
        tel_.parse_errors.add(r.error);
        if (r.error != frame_errc::unknown_symbol) {
          tel_.feed.add(feed_counter::invalidated_by_garbage,
                        book_.invalidate_all(connections_[c]));
        }
        break;
      case frame_kind::control:
        tel_.feed.add(feed_counter::control_messages);
        break;
    }
    return r;
  }

  frame_parser parser_;
  Book& book_;
  Dirty& dirty_;
  telemetry& tel_;
  std::vector<std::vector<symbol_id>> connections_;
};

using feed_handler = basic_feed_handler<order_book, dirty_set>;

}  // namespace triarb
