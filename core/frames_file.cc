// frames_file: load a frames file with the parser's padding; split recorded
// lines; frames_recorder writes v2 recordings.
#include "core/frames_file.h"

#include <array>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <vector>

#include "core/frame_parser.h"

namespace triarb {
namespace {

// The decimal digits from p, up to limit, appended to v (the caller keeps
// them few enough not to overflow); where they stop.
const char* scan_digits(const char* p, const char* limit, std::uint64_t& v) {
  for (; p < limit; ++p) {
    const auto d = static_cast<unsigned>(static_cast<unsigned char>(*p) - '0');
    if (d > 9) break;
    v = v * 10 + d;
  }
  return p;
}

// A decimal integer in T's range: digits, with a leading '-' only for a
// signed T; nothing else (no '+', no spaces), and never a silent wrap.
template <class T>
bool parse_int(std::string_view s, T& out) {
  // Each recorded line has two (time, connection): a loop over at most
  // digits10 digits, which cannot overflow T, first; anything else (a sign,
  // more digits, not a digit) is from_chars' to judge.
  if (!s.empty() && s.size() <= static_cast<std::size_t>(std::numeric_limits<T>::digits10)) {
    std::uint64_t v = 0;
    if (scan_digits(s.data(), s.data() + s.size(), v) == s.data() + s.size()) {
      out = static_cast<T>(v);
      return true;
    }
  }
  if (s.empty()) return false;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

// v for an error message, quoted and cut short.
std::string quoted(std::string_view v) {
  constexpr std::size_t kMax = 40;
  return "'" + std::string(v.substr(0, kMax)) + (v.size() > kMax ? "...'" : "'");
}

template <class T>
std::string range_of() {
  return "[" + std::to_string(std::numeric_limits<T>::min()) + ", " +
         std::to_string(std::numeric_limits<T>::max()) + "]";
}

// "<name> '<v>' is not a decimal in [min, max]".
template <class T>
std::string not_in_range(std::string_view name, std::string_view v) {
  return std::string(name) + " " + quoted(v) + " is not a decimal in " + range_of<T>();
}

// A first line meant as a recording's header: after white space, a byte
// order mark and '#'s, "triarb-frames" in any case. Such a line that is not
// exactly a header is an error, never a plain frame.
bool looks_like_header(std::string_view first) {
  std::size_t i = 0;
  while (i < first.size()) {
    const char c = first[i];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f' || c == '#') {
      ++i;
    } else if (first.substr(i, 3) == "\xef\xbb\xbf") {
      i += 3;
    } else {
      break;
    }
  }
  constexpr std::string_view kName = "triarb-frames";
  if (first.size() - i < kName.size()) return false;
  for (std::size_t k = 0; k < kName.size(); ++k) {
    char c = first[i + k];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != kName[k]) return false;
  }
  return true;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// The digits at p (at most max_digits of them, so no overflow) followed by
// a tab: their value, and p moved past the tab. False, p anywhere: anything
// else.
bool quick_field(const char*& p, const char* end, std::size_t max_digits, std::uint64_t& out) {
  const char* const start = p;
  const char* const limit =
      static_cast<std::size_t>(end - p) > max_digits ? p + max_digits + 1 : end;
  std::uint64_t v = 0;
  p = scan_digits(p, limit, v);
  const auto n = static_cast<std::size_t>(p - start);
  if (n == 0 || n > max_digits || p == end || *p != '\t') return false;
  ++p;
  out = v;
  return true;
}

// Nearly every line of a v2 recording: "<time>\t<connection>\tframe\t<frame>"
// with a time of at most 18 digits and a connection of at most 9 below
// connection_count, read in one pass into l. False, l untouched: any other
// line, which the general path reads or refuses.
bool quick_frame_line(std::string_view line, std::size_t connection_count, frame_line& l) {
  const char* p = line.data();
  const char* const end = p + line.size();
  std::uint64_t time = 0;
  std::uint64_t conn = 0;
  if (!quick_field(p, end, 18, time) || !quick_field(p, end, 9, conn)) return false;
  constexpr std::string_view kFrame = "frame\t";
  if (conn >= connection_count || !std::string_view(p, end).starts_with(kFrame)) return false;
  l.recv_ns = static_cast<std::int64_t>(time);
  l.connection = static_cast<connection_id>(conn);
  l.data = p + kFrame.size();
  l.size = static_cast<std::size_t>(end - l.data);
  return true;
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
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw std::runtime_error(path + ": is a directory, not a frames file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open the frames file");
  // A file whose size is known is read in one go into a buffer with room
  // for the padding (load() then adds it without a copy); whatever follows
  // (a file that grew meanwhile, a pipe) is copied as the stream gives it.
  std::string bytes;
  in.seekg(0, std::ios::end);
  const std::streamoff size = in ? static_cast<std::streamoff>(in.tellg()) : -1;
  in.clear();
  in.seekg(0);
  try {
    if (size > 0) {
      bytes.reserve(static_cast<std::size_t>(size) + kFramePadding);
      bytes.resize(static_cast<std::size_t>(size));
      in.read(bytes.data(), size);
      bytes.resize(static_cast<std::size_t>(in.gcount()));  // shorter if it shrank meanwhile
    }
    if (!in.eof() && !in.bad()) {
      in.clear();
      std::ostringstream rest;
      rest << in.rdbuf();
      bytes += std::move(rest).str();
    }
  } catch (const std::exception&) {
    // std::length_error or std::bad_alloc: nothing else in the block throws.
    throw std::runtime_error(path + ": too large to read into memory (" + std::to_string(size) +
                             " bytes)");
  }
  if (in.bad()) throw std::runtime_error(path + ": cannot read the frames file");
  load(std::move(bytes));
}

frames_file frames_file::from_bytes(std::string_view bytes, std::string name) {
  frames_file f;
  f.path_ = std::move(name);
  f.load(std::string(bytes));
  return f;
}

void frames_file::load(std::string bytes) {
  const std::string& path = path_;  // the name errors give
  bytes_ = std::move(bytes);
  size_ = bytes_.size();
  bytes_.append(kFramePadding, '\0');
  const std::string_view all(bytes_.data(), size_);
  const std::string_view first = all.substr(0, all.find('\n'));
  const std::string_view bare =
      first.ends_with('\r') ? first.substr(0, first.size() - 1) : first;  // v1 allowed CRLF
  constexpr std::string_view kPrefix = "#triarb-frames v";
  if (bare == kRecordedFramesHeaderV1) {
    version_ = 1;
  } else if (first == kRecordedFramesHeader) {
    version_ = 2;
  } else if (bare == kRecordedFramesHeader) {
    throw std::runtime_error(path +
                             ":1: CRLF line endings; a v2 recording's lines end in LF only "
                             "(a CR is a frame's own byte)");
  } else if (bare.starts_with(kPrefix) && bare.size() > kPrefix.size() &&
             bare.find_first_not_of("0123456789", kPrefix.size()) == std::string_view::npos) {
    throw std::runtime_error(path + ":1: " + quoted(bare) + ": recording format version v" +
                             std::string(bare.substr(kPrefix.size())) +
                             " is not one this build reads (it reads v1 and v2)");
  } else if (looks_like_header(first)) {
    throw std::runtime_error(path + ":1: " + quoted(first) + " looks like a recording header " +
                             "but is not exactly '" + std::string(kRecordedFramesHeader) +
                             "' (or '" + std::string(kRecordedFramesHeaderV1) +
                             "'): no white space or other bytes around it");
  }
  if (version_ > 0) header_size_ = std::min(size_, first.size() + 1);
}

void frames_file::split_recorded(std::string_view line, std::uint64_t line_no,
                                 std::size_t connection_count, std::string& hex_buf,
                                 frame_line& l) const {
  l.line_no = line_no;
  if (version_ == 2 && quick_frame_line(line, connection_count, l)) return;
  auto bad = [&](const std::string& why) {
    return std::runtime_error(path_ + ":" + std::to_string(line_no) + ": " + why);
  };
  // <time_ns> TAB <connection> TAB <rest>
  const auto t1 = line.find('\t');
  const auto t2 = t1 == std::string_view::npos ? t1 : line.find('\t', t1 + 1);
  // The line's expected shape, for an error only (built on the error path:
  // never per line).
  const auto shape = [&] {
    const char* want = version_ == 1 ? "not <recv_ns>TAB<connection>TAB<frame>"
                                     : "not <time_ns>TAB<connection>TAB<event>";
    return std::string(want) + " with a connection below " + std::to_string(connection_count);
  };
  if (t2 == std::string_view::npos) throw bad(shape());
  const std::string_view time = line.substr(0, t1);
  const std::string_view conn = line.substr(t1 + 1, t2 - t1 - 1);
  if (!parse_int(time, l.recv_ns)) {
    throw bad(shape() + ": " + not_in_range<std::int64_t>("time_ns", time));
  }
  if (!parse_int(conn, l.connection)) {
    throw bad(shape() + ": " + not_in_range<connection_id>("connection", conn));
  }
  if (l.connection >= connection_count) throw bad(shape() + ": connection " + quoted(conn));
  const std::string_view rest = line.substr(t2 + 1);
  if (version_ == 1) {
    l.data = rest.data();
    l.size = rest.size();
    return;
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
    return;
  }
  if (kind != "frame" && kind != "frame-hex" && kind != "reseed") {
    throw bad("unknown event '" + std::string(kind) + "'");
  }
  if (bare) throw bad("'" + std::string(kind) + "' without its fields");
  if (kind == "frame") {
    l.data = body.data();
    l.size = body.size();
    return;
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
    return;
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
  const std::string reseed_shape =
      "reseed: not <symbol> <recv_ns> <update_id> <bid> <bid_qty> <ask> <ask_qty> <0|1>";
  if (f[0].empty() || (f[7] != "0" && f[7] != "1")) throw bad(reseed_shape);
  if (!parse_int(f[1], l.reseed_recv_ns)) {
    throw bad(reseed_shape + ": " + not_in_range<std::int64_t>("recv_ns", f[1]));
  }
  if (!parse_int(f[2], l.reseed.update_id)) {
    throw bad(reseed_shape + ": " + not_in_range<std::uint64_t>("update_id", f[2]));
  }
  l.reseed.bid = v[0];
  l.reseed.bid_qty = v[1];
  l.reseed.ask = v[2];
  l.reseed.ask_qty = v[3];
  l.reseed.qty_capped = f[7] == "1";
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

void append_frames_event(std::string& out, const frame_line& e) {
  const auto number = [&out](auto v) {
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
  };
  number(e.recv_ns);
  out += '\t';
  number(e.connection);
  out += '\t';
  switch (e.event) {
    case frame_event::frame: {
      const std::string_view f = e.view();
      if (f.find('\n') == std::string_view::npos) {
        out += "frame\t";
        out += f;
      } else {
        static constexpr char kHex[] = "0123456789abcdef";
        out += "frame-hex\t";
        for (const char ch : f) {
          const auto b = static_cast<unsigned char>(ch);
          out += kHex[b >> 4];
          out += kHex[b & 15];
        }
      }
      break;
    }
    case frame_event::lost:
      out += "lost";
      break;
    case frame_event::quiet:
      out += "quiet";
      break;
    case frame_event::start:
      out += "start";
      break;
    case frame_event::reseed: {
      const quote& q = e.reseed;
      out += "reseed\t";
      out += e.symbol;
      out += '\t';
      number(e.reseed_recv_ns);
      out += '\t';
      number(q.update_id);
      for (const fixed8 v : {q.bid, q.bid_qty, q.ask, q.ask_qty}) {
        out += '\t';
        out += to_string(v);
      }
      out += q.qty_capped ? "\t1" : "\t0";
      break;
    }
  }
  out += '\n';
}

void frames_recorder::write(const frame_line& e) {
  line_.clear();
  append_frames_event(line_, e);
  out_.write(line_.data(), static_cast<std::streamsize>(line_.size()));
  if (!out_) {
    failed_ = true;
    ++write_failures_;
  }
}

namespace {
frame_line event_at(std::int64_t t, std::size_t c, frame_event kind) {
  frame_line e;
  e.recv_ns = t;
  e.connection = static_cast<connection_id>(c);
  e.event = kind;
  return e;
}
}  // namespace

void frames_recorder::start(std::int64_t now_ns) { write(event_at(now_ns, 0, frame_event::start)); }

void frames_recorder::frame(std::int64_t recv_ns, std::size_t c, const char* data,
                            std::size_t size) {
  frame_line e = event_at(recv_ns, c, frame_event::frame);
  e.data = data;
  e.size = size;
  write(e);
}

void frames_recorder::lost(std::int64_t now_ns, std::size_t c) {
  write(event_at(now_ns, c, frame_event::lost));
}

void frames_recorder::quiet(std::int64_t now_ns, std::size_t c) {
  write(event_at(now_ns, c, frame_event::quiet));
}

void frames_recorder::reseed(std::int64_t now_ns, std::size_t c, std::string_view symbol,
                             const quote& q, std::int64_t recv_ns) {
  frame_line e = event_at(now_ns, c, frame_event::reseed);
  e.symbol = symbol;
  e.reseed = q;
  e.reseed_recv_ns = recv_ns;
  write(e);
}

bool frames_recorder::flush() {
  out_.flush();
  failed_ = failed_ || !out_;
  return !failed_;
}

}  // namespace triarb
