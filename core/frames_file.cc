// frames_file: load a frames file with the parser's padding; split recorded lines.
#include "core/frames_file.h"

#include <charconv>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "core/frame_parser.h"

namespace triarb {

frames_file::frames_file(const std::string& path) : path_(path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open the frames file");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw std::runtime_error(path + ": cannot read the frames file");
  bytes_ = std::move(ss).str();
  size_ = bytes_.size();
  bytes_.append(kFramePadding, '\0');
  recorded_ = std::string_view(bytes_.data(), size_).starts_with(kRecordedFramesHeader);
}

frame_line frames_file::split_recorded(std::string_view line, std::uint64_t line_no,
                                       std::size_t connection_count) const {
  // <recv_ns> TAB <connection> TAB <frame>
  const auto t1 = line.find('\t');
  const auto t2 = t1 == std::string_view::npos ? t1 : line.find('\t', t1 + 1);
  frame_line l;
  l.line_no = line_no;
  if (t2 == std::string_view::npos ||
      std::from_chars(line.data(), line.data() + t1, l.recv_ns).ptr != line.data() + t1 ||
      std::from_chars(line.data() + t1 + 1, line.data() + t2, l.connection).ptr !=
          line.data() + t2 ||
      l.connection >= connection_count) {
    throw std::runtime_error(path_ + ":" + std::to_string(line_no) +
                             ": not <recv_ns>TAB<connection>TAB<frame> with a connection below " +
                             std::to_string(connection_count));
  }
  l.data = line.data() + t2 + 1;
  l.size = line.size() - t2 - 1;
  return l;
}

}  // namespace triarb
