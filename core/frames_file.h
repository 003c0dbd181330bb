// frames_file: reading a file of WebSocket frames, shared by `triarb replay`
// and `triarb journal audit`. The whole file is read into one buffer with
// kFramePadding bytes after it, so every frame is parsed in place. Two
// formats (see replay.h):
//  - plain: one raw frame per line (no time, no connection);
//  - recorded: a first line kRecordedFramesHeader, then
//    `<recv_ns>\t<connection>\t<frame>` per line.
// Empty lines are skipped (and counted); a trailing '\r' is dropped.
//
//   const frames_file f("frames.txt");                  // throws std::runtime_error
//   f.for_each(connection_count, [&](const frame_line& l) {
//     p.process(l.connection, l.data, l.size, l.recv_ns, sink);
//     return true;                                       // false stops the walk
//   });
//
// Thread safety: a loaded frames_file is immutable; for_each may run on any
// thread, on several at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/feed_handler.h"

namespace triarb {

inline constexpr std::string_view kRecordedFramesHeader = "#triarb-frames v1";

// One frame of the file. data[0, size + kFramePadding) is readable and lives
// as long as the frames_file.
struct frame_line {
  std::uint64_t line_no = 0;     // 1-based line number in the file
  std::int64_t recv_ns = 0;      // recorded: as recorded; plain: 0
  connection_id connection = 0;  // recorded: as recorded; plain: 0 (the caller routes)
  const char* data = nullptr;
  std::size_t size = 0;
  [[nodiscard]] std::string_view view() const noexcept { return {data, size}; }
};

struct frames_walk {
  std::uint64_t frames = 0;       // frames given to the callback
  std::uint64_t empty_lines = 0;  // lines skipped
  bool stopped = false;           // the callback returned false
};

class frames_file {
 public:
  // Reads the whole file. Throws std::runtime_error naming the file when it
  // cannot be read.
  explicit frames_file(const std::string& path);

  [[nodiscard]] bool recorded() const noexcept { return recorded_; }
  [[nodiscard]] const std::string& path() const noexcept { return path_; }

  // Calls f(const frame_line&) -> bool for every non-empty line in order,
  // until it returns false. For a recorded file, a line that is not
  // <recv_ns>TAB<connection>TAB<frame> with connection < connection_count
  // throws std::runtime_error naming the file and line (frames before it have
  // been given to f). connection_count is ignored for plain files.
  template <class F>
  frames_walk for_each(std::size_t connection_count, F&& f) const;

 private:
  // Splits one recorded line; throws as for_each says.
  frame_line split_recorded(std::string_view line, std::uint64_t line_no,
                            std::size_t connection_count) const;

  std::string path_;
  std::string bytes_;  // the file, then kFramePadding zero bytes
  std::size_t size_ = 0;
  bool recorded_ = false;
};

template <class F>
frames_walk frames_file::for_each(std::size_t connection_count, F&& f) const {
  frames_walk w;
  std::size_t pos = recorded_ ? kRecordedFramesHeader.size() + 1 : 0;
  std::uint64_t line_no = recorded_ ? 1 : 0;
  while (pos < size_) {
    const std::size_t nl = bytes_.find('\n', pos);
    const std::size_t end = nl == std::string::npos || nl > size_ ? size_ : nl;
    std::size_t len = end - pos;
    if (len > 0 && bytes_[pos + len - 1] == '\r') --len;
    ++line_no;
    const std::size_t begin = pos;
    pos = end + 1;
    if (len == 0) {
      ++w.empty_lines;
      continue;
    }
    frame_line l;
    if (recorded_) {
      l = split_recorded(std::string_view(bytes_.data() + begin, len), line_no, connection_count);
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

}  // namespace triarb
