// frames_file: load a frames file with the parser's padding; split recorded
// lines; frames_recorder writes v2 recordings.
#include "core/frames_file.h"

#include <array>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <vector>

#include "core/frame_parser.h"

namespace triarb {
namespace {

template <class T>
bool parse_int(std::string_view s, T& out) {
  return !s.empty() &&
         std::from_chars(s.data(), s.data() + s.size(), out).ptr == s.data() + s.size();
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Splits s at every tab.
std::vector<std::string_view> fields(std::string_view s) {
  std::vector<std::string_view> out;
  for (std::size_t at = 0;;) {
    const std::size_t tab = s.find('\t', at);
    out.push_back(s.substr(at, tab == std::string_view::npos ? tab : tab - at));
    if (tab == std::string_view::npos) return out;
    at = tab + 1;
  }
}

}  // namespace

frames_file::frames_file(const std::string& path) : path_(path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open the frames file");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw std::runtime_error(path + ": cannot read the frames file");
  bytes_ = std::move(ss).str();
  size_ = bytes_.size();
  bytes_.append(kFramePadding, '\0');
  const std::string_view all(bytes_.data(), size_);
  const std::string_view first = all.substr(0, all.find('\n'));
  auto header = [&](std::string_view h) {
    return first == h ||
           (first.size() == h.size() + 1 && first.starts_with(h) && first.back() == '\r');
  };
  if (header(kRecordedFramesHeaderV1)) {
    version_ = 1;
  } else if (first == kRecordedFramesHeader) {
    version_ = 2;
  } else if (header(kRecordedFramesHeader)) {
    throw std::runtime_error(path +
                             ": CRLF line endings; a v2 recording's lines end in LF only "
                             "(a CR is a frame's own byte)");
  } else if (first.starts_with("#triarb-frames")) {
    throw std::runtime_error(path + ": '" + std::string(first) +
                             "' is a recording this build cannot read (it reads v1 and v2)");
  }
  if (version_ > 0) header_size_ = std::min(size_, first.size() + 1);
}

frame_line frames_file::split_recorded(std::string_view line, std::uint64_t line_no,
                                       std::size_t connection_count, std::string& hex_buf) const {
  frame_line l;
  l.line_no = line_no;
  auto bad = [&](const std::string& why) {
    return std::runtime_error(path_ + ":" + std::to_string(line_no) + ": " + why);
  };
  // <time_ns> TAB <connection> TAB <rest>
  const auto t1 = line.find('\t');
  const auto t2 = t1 == std::string_view::npos ? t1 : line.find('\t', t1 + 1);
  const char* want = version_ == 1 ? "not <recv_ns>TAB<connection>TAB<frame>"
                                   : "not <time_ns>TAB<connection>TAB<event>";
  if (t2 == std::string_view::npos || !parse_int(line.substr(0, t1), l.recv_ns) ||
      !parse_int(line.substr(t1 + 1, t2 - t1 - 1), l.connection) ||
      l.connection >= connection_count) {
    throw bad(std::string(want) + " with a connection below " + std::to_string(connection_count));
  }
  const std::string_view rest = line.substr(t2 + 1);
  if (version_ == 1) {
    l.data = rest.data();
    l.size = rest.size();
    return l;
  }
  const auto t3 = rest.find('\t');
  const std::string_view kind = rest.substr(0, t3);
  const bool bare = t3 == std::string_view::npos;
  const std::string_view body = bare ? std::string_view{} : rest.substr(t3 + 1);
  if (kind == "lost" || kind == "quiet" || kind == "start") {
    if (!bare) throw bad("'" + std::string(kind) + "' takes no fields");
    l.event = kind == "lost"    ? frame_event::lost
              : kind == "quiet" ? frame_event::quiet
                                : frame_event::start;
    return l;
  }
  if (kind != "frame" && kind != "frame-hex" && kind != "reseed") {
    throw bad("unknown event '" + std::string(kind) + "'");
  }
  if (bare) throw bad("'" + std::string(kind) + "' without its fields");
  if (kind == "frame") {
    l.data = body.data();
    l.size = body.size();
    return l;
  }
  if (kind == "frame-hex") {
    if (body.size() % 2 != 0) throw bad("frame-hex: an odd number of hex digits");
    hex_buf.assign(body.size() / 2 + kFramePadding, '\0');
    for (std::size_t i = 0; i < body.size(); i += 2) {
      const int hi = hex_value(body[i]);
      const int lo = hex_value(body[i + 1]);
      if (hi < 0 || lo < 0) throw bad("frame-hex: not lower-case hex");
      hex_buf[i / 2] = static_cast<char>(hi * 16 + lo);
    }
    l.data = hex_buf.data();
    l.size = body.size() / 2;
    return l;
  }
  const std::vector<std::string_view> f = fields(body);
  // symbol recv_ns update_id bid bid_qty ask ask_qty qty_capped
  if (f.size() != 8) throw bad("reseed: want 8 fields, got " + std::to_string(f.size()));
  l.event = frame_event::reseed;
  l.symbol = f[0];
  std::array<fixed8, 4> v{};
  for (std::size_t i = 0; i < 4; ++i) {
    const fixed8_result r = parse_unsigned_fixed8(f[3 + i]);
    if (!r.ok()) throw bad("reseed: '" + std::string(f[3 + i]) + "' is not a decimal");
    v[i] = r.value;
  }
  if (f[0].empty() || !parse_int(f[1], l.reseed_recv_ns) || !parse_int(f[2], l.reseed.update_id) ||
      (f[7] != "0" && f[7] != "1")) {
    throw bad("reseed: not <symbol> <recv_ns> <update_id> <bid> <bid_qty> <ask> <ask_qty> <0|1>");
  }
  l.reseed.bid = v[0];
  l.reseed.bid_qty = v[1];
  l.reseed.ask = v[2];
  l.reseed.ask_qty = v[3];
  l.reseed.qty_capped = f[7] == "1";
  return l;
}

frames_recorder::frames_recorder(const std::string& path, open_mode mode) : path_(path) {
  namespace fs = std::filesystem;
  if (mode == open_mode::start_over) {
    out_.open(path, std::ios::binary | std::ios::trunc);
    out_ << kRecordedFramesHeader << '\n' << std::flush;
    if (!out_) throw std::runtime_error(path + ": cannot write");
    return;
  }
  std::error_code ec;
  // A regular file is continued; anything else (a device, a pipe) is
  // written from its start.
  const fs::file_status st = fs::status(path, ec);  // not found: ec set, type not_found
  const std::uint64_t size = fs::is_regular_file(st) ? fs::file_size(path, ec) : 0;
  if (ec && fs::exists(st)) {
    throw std::runtime_error(path + ": cannot read the recording to continue it: " + ec.message());
  }
  std::ifstream in;
  auto read_at = [&](std::uint64_t at, std::uint64_t n) {
    std::string out(n, '\0');
    in.seekg(static_cast<std::streamoff>(at));
    in.read(out.data(), static_cast<std::streamsize>(n));
    if (!in) throw std::runtime_error(path + ": cannot read the recording to continue it");
    return out;
  };
  if (size > 0) in.open(path, std::ios::binary);
  const std::string want = std::string(kRecordedFramesHeader) + "\n";
  const std::string head = size > 0 ? read_at(0, std::min<std::uint64_t>(size, want.size())) : "";
  // Empty, or a crash while the header was written: the file starts again.
  const bool fresh = head.size() < want.size() && want.starts_with(head);
  std::uint64_t keep = fresh ? 0 : size;
  if (!fresh && head != want) {
    throw std::runtime_error(
        path + ": not a '" + std::string(kRecordedFramesHeader) + "' recording (it begins '" +
        head.substr(0, head.find('\n')) +
        "'); refusing to append to it: move it aside or record to another file");
  }
  if (!fresh) {
    // A torn last line (a crash mid-write) is set aside before anything is
    // appended: find the last newline, reading back from the end (the
    // header ends with one).
    constexpr std::uint64_t kChunk = 64 * 1024;
    for (std::uint64_t end = size; end > 0;) {
      const std::uint64_t from = end > kChunk ? end - kChunk : 0;
      const std::string chunk = read_at(from, end - from);
      const std::size_t nl = chunk.rfind('\n');
      if (nl != std::string::npos) {
        keep = from + nl + 1;
        break;
      }
      end = from;
    }
    if (keep < size) {
      const std::string tail = read_at(keep, size - keep);
      torn_bytes_ = tail.size();
      std::ofstream torn(path + ".torn", std::ios::binary | std::ios::app);
      torn << tail << '\n';
      torn.flush();
      if (!torn) throw std::runtime_error(path + ".torn: cannot set the torn last line aside");
    }
  }
  in.close();
  if (keep < size) {
    fs::resize_file(path, keep, ec);
    if (ec) throw std::runtime_error(path + ": cannot cut its torn end: " + ec.message());
  }
  out_.open(path, std::ios::binary | std::ios::app);
  if (fresh) out_ << kRecordedFramesHeader << '\n' << std::flush;
  if (!out_) throw std::runtime_error(path + ": cannot write");
}

void frames_recorder::check() {
  if (!out_) {
    failed_ = true;
    ++write_failures_;
  }
}

void frames_recorder::event(std::int64_t t, std::size_t c, std::string_view kind) {
  out_ << t << '\t' << c << '\t' << kind;
}

void frames_recorder::start(std::int64_t now_ns) {
  event(now_ns, 0, "start");
  out_ << '\n';
  check();
}

void frames_recorder::frame(std::int64_t recv_ns, std::size_t c, const char* data,
                            std::size_t size) {
  const std::string_view f(data, size);
  if (f.find('\n') == std::string_view::npos) {
    event(recv_ns, c, "frame\t");
    out_.write(data, static_cast<std::streamsize>(size));
  } else {
    static constexpr char kHex[] = "0123456789abcdef";
    event(recv_ns, c, "frame-hex\t");
    for (const char ch : f) {
      const auto b = static_cast<unsigned char>(ch);
      out_.put(kHex[b >> 4]).put(kHex[b & 15]);
    }
  }
  out_ << '\n';
  check();
}

void frames_recorder::lost(std::int64_t now_ns, std::size_t c) {
  event(now_ns, c, "lost\n");
  check();
}

void frames_recorder::quiet(std::int64_t now_ns, std::size_t c) {
  event(now_ns, c, "quiet\n");
  check();
}

void frames_recorder::reseed(std::int64_t now_ns, std::size_t c, std::string_view symbol,
                             const quote& q, std::int64_t recv_ns) {
  event(now_ns, c, "reseed\t");
  out_ << symbol << '\t' << recv_ns << '\t' << q.update_id << '\t' << to_string(q.bid) << '\t'
       << to_string(q.bid_qty) << '\t' << to_string(q.ask) << '\t' << to_string(q.ask_qty) << '\t'
       << (q.qty_capped ? '1' : '0') << '\n';
  check();
}

bool frames_recorder::flush() {
  out_.flush();
  failed_ = failed_ || !out_;
  return !failed_;
}

}  // namespace triarb
