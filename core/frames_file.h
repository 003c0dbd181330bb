// frames_file: recordings of what the bot received, shared by `triarb
// replay`, `triarb journal audit`, `triarb run --record` and `triarb sim
// --frames-out`. The whole file is read into one buffer with kFramePadding
// bytes after it, so every frame is parsed in place. Three formats (see
// replay.h):
//  - plain: one raw frame per line (no time, no connection);
//  - recorded v1 (read only): a first line "#triarb-frames v1", then
//    `<recv_ns>\t<connection>\t<frame>` per line;
//  - recorded v2 (kRecordedFramesHeader, what frames_recorder writes): a
//    first line "#triarb-frames v2", then one event per line,
//    `<time_ns>\t<connection>\t<kind>[\t<fields>]`:
//      frame      <bytes>     a frame with no '\n' in it, as received
//      frame-hex  <hex>       a frame that held a '\n', hex-encoded
//      lost                   the connection dropped, stalled or rotated
//      quiet                  the connection went quiet (symbols invalid)
//      reseed     <symbol> <recv_ns> <update_id> <bid> <bid_qty> <ask>
//                 <ask_qty> <qty_capped 0|1>
//                             a REST snapshot re-seeded one symbol: the
//                             leg's receive time (when the request was
//                             sent) and the update id the book kept
//      start                  a new process: every connection new, the book
//                             empty (connection 0; appends after a restart)
//    Every event changes the book; replaying them in order rebuilds it
//    exactly, decisions included.
// Empty lines are skipped (and counted); in plain and v1 files a trailing
// '\r' is dropped. A v2 file's last line without its newline is torn (a crash
// mid-write): skipped, and frames_walk says so.
//
//   const frames_file f("frames.txt");                  // throws std::runtime_error
//   f.for_each(connection_count, [&](const frame_line& l) {
//     if (l.event == frame_event::frame) p.process(l.connection, l.data, l.size, l.recv_ns, sink);
//     return true;                                       // false stops the walk
//   });
//
//   frames_recorder rec(path);      // appends; writes the header to a new file
//   rec.start(now);  rec.frame(recv, c, data, size);  rec.lost(now, c);
//
// Thread safety: a loaded frames_file is immutable; for_each may run on any
// thread, on several at once. A frames_recorder is used by one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>
#include <string_view>

#include "core/feed_handler.h"
#include "core/quote.h"

namespace triarb {

inline constexpr std::string_view kRecordedFramesHeaderV1 = "#triarb-frames v1";
inline constexpr std::string_view kRecordedFramesHeader = "#triarb-frames v2";

enum class frame_event : std::uint8_t { frame, lost, quiet, reseed, start };

// One event of the file. For a frame, data[0, size + kFramePadding) is
// readable while the callback runs.
struct frame_line {
  std::uint64_t line_no = 0;     // 1-based line number in the file
  std::int64_t recv_ns = 0;      // recorded: as recorded; plain: 0
  connection_id connection = 0;  // recorded: as recorded; plain: 0 (the caller routes)
  frame_event event = frame_event::frame;
  const char* data = nullptr;  // frame only
  std::size_t size = 0;
  // reseed only: the symbol's name as recorded, and its quote (symbol left
  // kNoSymbol for the caller to look up; update_id: the id the book kept)
  // with the leg's receive time.
  std::string_view symbol;
  quote reseed;
  std::int64_t reseed_recv_ns = 0;
  [[nodiscard]] std::string_view view() const noexcept { return {data, size}; }
};

struct frames_walk {
  std::uint64_t frames = 0;       // events given to the callback (frames and the rest)
  std::uint64_t empty_lines = 0;  // lines skipped
  // v2: the last line had no newline (a crash mid-write): not given to the
  // callback; its bytes.
  std::uint64_t torn_bytes = 0;
  bool stopped = false;  // the callback returned false
};

class frames_file {
 public:
  // Reads the whole file. Throws std::runtime_error naming the file when it
  // cannot be read, when its first line is "#triarb-frames v<N>" for a
  // version this build does not read (the error names it), or when the
  // first line looks like a header without being one exactly (white space
  // or a byte order mark around it, no '#', another case: never plain frames).
  explicit frames_file(const std::string& path);
  // The same reader over bytes already in memory (fuzzing, tests); name
  // stands for the file in errors.
  [[nodiscard]] static frames_file from_bytes(std::string_view bytes, std::string name);

  // Recorded (v1 or v2): times and connections are the recorded ones.
  [[nodiscard]] bool recorded() const noexcept { return version_ > 0; }
  // 0 plain, 1 or 2. Only v2 holds events other than frames.
  [[nodiscard]] int version() const noexcept { return version_; }
  [[nodiscard]] const std::string& path() const noexcept { return path_; }

  // Calls f(const frame_line&) -> bool for every non-empty line in order,
  // until it returns false. For a recorded file, a line that is not as the
  // format says (a time not a decimal in the int64 range, a connection not
  // one below 2^32, an update id not one in the uint64 range: never a silent
  // 0), or names a connection >= connection_count, throws std::runtime_error
  // naming the file, line and field (events before it have been given to f).
  // connection_count is ignored for plain files.
  template <class F>
  frames_walk for_each(std::size_t connection_count, F&& f) const;

 private:
  // Splits one recorded line into l (a fresh frame_line); throws as
  // for_each says. A frame-hex frame is decoded into hex_buf (with padding)
  // and points there.
  void split_recorded(std::string_view line, std::uint64_t line_no, std::size_t connection_count,
                      std::string& hex_buf, frame_line& l) const;

  frames_file() = default;
  // Takes the file's bytes: finds the header and adds the padding.
  void load(std::string bytes);

  std::string path_;
  std::string bytes_;  // the file, then kFramePadding zero bytes
  std::size_t size_ = 0;
  std::size_t header_size_ = 0;  // bytes of the header line, '\n' included
  int version_ = 0;
};

template <class F>
frames_walk frames_file::for_each(std::size_t connection_count, F&& f) const {
  frames_walk w;
  std::size_t pos = header_size_;
  std::uint64_t line_no = header_size_ > 0 ? 1 : 0;
  std::string hex_buf;
  while (pos < size_) {
    const std::size_t nl = bytes_.find('\n', pos);
    const std::size_t end = nl == std::string::npos || nl > size_ ? size_ : nl;
    std::size_t len = end - pos;
    if (version_ == 2 && end == size_ && (nl == std::string::npos || nl >= size_)) {
      w.torn_bytes = len;  // the recorder ends every line with a newline
      break;
    }
    if (version_ < 2 && len > 0 && bytes_[pos + len - 1] == '\r') --len;
    ++line_no;
    const std::size_t begin = pos;
    pos = end + 1;
    if (len == 0) {
      ++w.empty_lines;
      continue;
    }
    frame_line l;
    if (version_ > 0) {
      split_recorded(std::string_view(bytes_.data() + begin, len), line_no, connection_count,
                     hex_buf, l);
    } else {
      l.line_no = line_no;
      l.data = bytes_.data() + begin;
      l.size = len;
    }
    ++w.frames;
    if (!f(static_cast<const frame_line&>(l))) {
      w.stopped = true;
      break;
    }
  }
  return w;
}

// Appends to out the v2 line of one event, its '\n' included, exactly as
// frames_recorder writes it (the recorder writes through this): e.event and
// the fields it uses (recv_ns is the event's time; a frame's data and size;
// a re-seed's symbol, reseed and reseed_recv_ns). Reading the line back
// gives the same event, and writing that again the same bytes: a frame with
// a '\n' in it is frame-hex, any other frame its bytes as they are.
// REQUIRES: a re-seed's symbol holds no tab or newline (symbol_table's
// names, printable ASCII, never do).
void append_frames_event(std::string& out, const frame_line& e);

// Writes a v2 recording. Opening continues an existing recording (a
// restart appends to it; call start() first), after cutting off a torn last
// line (a crash mid-write) into `<path>.torn` (only the header and the tail
// are read); a new or empty file, or one opened with start_over (a simulated
// run, a demo: one process each), gets the header. Each event is one line:
// the live bot writes a frame, loss or quiet before applying it, and a
// re-seed right after the book took it, before evaluating. Lines are
// buffered: flush() before anything that depends on them reaches disk (the
// live bot flushes before a decision goes to the journal). A failed write
// is counted (write_failures) and the recording is incomplete from there:
// replay would disagree with the run, so say so.
class frames_recorder {
 public:
  // Throws std::runtime_error naming the file when it cannot be opened or
  // its header written, is not a v2 recording (an older or foreign file is
  // never appended to), or its torn tail cannot be set aside.
  enum class open_mode : std::uint8_t { continue_existing, start_over };
  explicit frames_recorder(const std::string& path, open_mode mode = open_mode::continue_existing);

  // c: a connection_id (below 2^32), as the reader reads it back.
  void start(std::int64_t now_ns);
  void frame(std::int64_t recv_ns, std::size_t c, const char* data, std::size_t size);
  void lost(std::int64_t now_ns, std::size_t c);
  void quiet(std::int64_t now_ns, std::size_t c);
  // q: the quote the book now holds for `symbol` (its update_id kept),
  // received at recv_ns; applied at now_ns.
  void reseed(std::int64_t now_ns, std::size_t c, std::string_view symbol, const quote& q,
              std::int64_t recv_ns);
  // Flushes; false if the stream has failed.
  bool flush();

  // Events not written: once the stream fails, every later event counts.
  [[nodiscard]] std::uint64_t write_failures() const noexcept { return write_failures_; }
  // Bytes of a torn last line cut off at open (0: none).
  [[nodiscard]] std::uint64_t torn_bytes() const noexcept { return torn_bytes_; }

 private:
  void write(const frame_line& e);

  std::string path_;
  std::string line_;  // the line being written
  std::ofstream out_;
  std::uint64_t write_failures_ = 0;
  std::uint64_t torn_bytes_ = 0;
  bool failed_ = false;
};

}  // namespace triarb
