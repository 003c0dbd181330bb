// Fuzz target for the recorded-frames reader (core/frames_file.h), with a
// round-trip oracle through the recorder's writer: every event the reader
// accepts, from a plain, v1 or v2 file, is written as one v2 line with
// append_frames_event (what frames_recorder writes), read back, and must be
// the same event (time, connection, kind, frame bytes, re-seed symbol, quote
// and receive time); and writing the event read back gives the same bytes
// again (the written form is canonical). The reader may refuse a file or a
// line (std::runtime_error): that is an outcome, not a finding; any other
// exception, a crash, or a disagreement is.
//
// The first input byte picks the connection count the walk allows (a line
// naming a connection at or above it is refused); the rest is the file.
//
//   build/fuzz/fuzz/fuzz_frames_file -dict=fuzz/frames_file.dict corpus/frames_file
//   build/default/fuzz/fuzz_frames_file corpus/frames_file       # replay
#include "core/frames_file.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>

#include "fuzz_support.h"

namespace {

using triarb::frame_event;
using triarb::frame_line;
using triarb::frames_file;
using triarb::frames_walk;

bool same_event(const frame_line& a, const frame_line& b) {
  if (a.event != b.event || a.recv_ns != b.recv_ns || a.connection != b.connection) return false;
  switch (a.event) {
    case frame_event::frame:
      return a.view() == b.view();
    case frame_event::reseed:
      return a.symbol == b.symbol && a.reseed_recv_ns == b.reseed_recv_ns &&
             a.reseed.update_id == b.reseed.update_id && a.reseed.bid == b.reseed.bid &&
             a.reseed.bid_qty == b.reseed.bid_qty && a.reseed.ask == b.reseed.ask &&
             a.reseed.ask_qty == b.reseed.ask_qty && a.reseed.qty_capped == b.reseed.qty_capped;
    case frame_event::lost:
    case frame_event::quiet:
    case frame_event::start:
      return true;
  }
  return false;
}

void print_line(const char* what, std::string_view s) {
  std::fprintf(stderr, "%s (%zu bytes): ", what, s.size());
  for (const char c : s) {
    const auto b = static_cast<unsigned char>(c);
    if (b >= 0x20 && b < 0x7f && b != '\\') {
      std::fputc(b, stderr);
    } else {
      std::fprintf(stderr, "\\x%02x", b);
    }
  }
  std::fputc('\n', stderr);
}

// Writes e, reads it back from a v2 file holding only that line, and checks
// the oracle.
void round_trip(const frame_line& e) {
  std::string line;
  triarb::append_frames_event(line, e);
  TRIARB_FUZZ_CHECK(!line.empty() && line.back() == '\n' && line.find('\n') == line.size() - 1,
                    "the writer's line is not exactly one line");
  const std::string doc = std::string(triarb::kRecordedFramesHeader) + "\n" + line;
  std::size_t n = 0;
  std::string again;
  try {
    const frames_file back = frames_file::from_bytes(doc, "round-trip");
    TRIARB_FUZZ_CHECK(back.version() == 2, "the writer's file is not read as v2");
    const frames_walk w =
        back.for_each(std::numeric_limits<std::size_t>::max(), [&](const frame_line& got) {
          ++n;
          if (!same_event(e, got)) {
            print_line("written", line);
            TRIARB_FUZZ_CHECK(false, "the event read back differs");
          }
          triarb::append_frames_event(again, got);
          return true;
        });
    TRIARB_FUZZ_CHECK(w.torn_bytes == 0 && w.empty_lines == 0, "the written line is torn");
  } catch (const std::runtime_error& err) {
    print_line("written", line);
    std::fprintf(stderr, "reader: %s\n", err.what());
    TRIARB_FUZZ_CHECK(false, "the reader refuses what the writer wrote");
  }
  TRIARB_FUZZ_CHECK(n == 1, "the written line is not one event");
  if (again != line) {
    print_line("first", line);
    print_line("again", again);
    TRIARB_FUZZ_CHECK(false, "writing the event read back gives other bytes");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  triarb::fuzz::byte_consumer in(data, size);
  const std::size_t connections =
      in.pick<std::size_t>({std::numeric_limits<std::size_t>::max(), 1, 8, std::size_t{1} << 32});
  const std::string_view bytes = in.rest();
  try {
    const frames_file f = frames_file::from_bytes(bytes, "fuzz");
    (void)f.for_each(connections, [&](const frame_line& e) {
      TRIARB_FUZZ_CHECK(f.version() == 2 || e.event == frame_event::frame,
                        "a plain or v1 file gave an event that is not a frame");
      TRIARB_FUZZ_CHECK(f.recorded() || (e.recv_ns == 0 && e.connection == 0),
                        "a plain frame has a time or a connection");
      TRIARB_FUZZ_CHECK(e.connection < connections || !f.recorded(),
                        "a connection at or above the count was accepted");
      round_trip(e);
      return true;
    });
  } catch (const std::runtime_error&) {
    // A refused file or line: an outcome (the events before it were checked).
  }
  return 0;
}
