// journal_verify: checks a chain of records across its rotated files (seq,
// prev_hash links, genesis and rotation rules, expected configuration) and
// reads a verified chain back. See journal_verify.h and
// docs/journal-format.md.
#include "core/journal_verify.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/internal/journal_io.h"

namespace triarb {

using internal::errno_text;
using internal::file_exists;

namespace {

// `{"seq":<digits>,` at the start of a line: the seq, for locating records
// whose line is otherwise unusable.
std::optional<std::uint64_t> peek_seq(std::string_view line) noexcept {
  constexpr std::string_view kPrefix = "{\"seq\":";
  if (line.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  std::uint64_t v = 0;
  std::size_t i = kPrefix.size();
  const std::size_t start = i;
  while (i < line.size() && line[i] >= '0' && line[i] <= '9') {
    if (v > (~std::uint64_t{0} - 9) / 10) return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(line[i] - '0');
    ++i;
  }
  if (i == start || i >= line.size() || line[i] != ',') return std::nullopt;
  return v;
}

// The lines of one file, from its bytes in memory or from a stream, never
// more than kMaxRecordLine bytes of one line (plus one read chunk) held.
class line_reader {
 public:
  enum class status : std::uint8_t {
    line,      // a whole line (its '\n' not included)
    torn,      // the last bytes, without a newline (at most kMaxRecordLine)
    too_long,  // more than kMaxRecordLine bytes without a newline
    end,       // nothing more
    io_error,  // the stream failed
  };

  explicit line_reader(std::string_view bytes) noexcept : buf_view_(bytes), eof_(true) {}
  explicit line_reader(std::istream& in) : in_(&in) {}

  // The next line (valid until the next call) and its byte offset in the file.
  status next(std::string_view& line, std::uint64_t& offset) {
    for (;;) {
      const std::string_view avail = buf_view_.substr(pos_);
      const std::size_t nl = avail.find('\n', scanned_);
      const std::size_t have = nl == std::string_view::npos ? avail.size() : nl;
      if (have > kMaxRecordLine) {
        offset = base_ + pos_;
        return status::too_long;
      }
      if (nl != std::string_view::npos) {
        line = avail.substr(0, nl);
        offset = base_ + pos_;
        pos_ += nl + 1;
        scanned_ = 0;
        return status::line;
      }
      scanned_ = avail.size();
      if (eof_) {
        offset = base_ + pos_;
        if (avail.empty()) return status::end;
        line = avail;
        pos_ += avail.size();
        scanned_ = 0;
        return status::torn;
      }
      if (!fill()) return status::io_error;
    }
  }

 private:
  // Reads one more chunk from the stream, after dropping the lines already given.
  bool fill() {
    owned_.erase(0, pos_);
    base_ += pos_;
    pos_ = 0;
    constexpr std::size_t kChunk = std::size_t{1} << 16;
    const std::size_t old = owned_.size();
    owned_.resize(old + kChunk);
    in_->read(owned_.data() + old, static_cast<std::streamsize>(kChunk));
    owned_.resize(old + static_cast<std::size_t>(in_->gcount()));
    if (in_->bad()) return false;
    if (!*in_) eof_ = true;
    buf_view_ = owned_;
    return true;
  }

  std::istream* in_ = nullptr;
  std::string owned_;          // stream: the bytes read and not yet given
  std::string_view buf_view_;  // the bytes lines are cut from
  std::size_t pos_ = 0;        // start of the next line in buf_view_
  std::size_t scanned_ = 0;    // bytes after pos_ known to hold no '\n'
  std::uint64_t base_ = 0;     // file offset of buf_view_[0]
  bool eof_ = false;
};

// State carried across the files of one chain.
struct chain_state {
  std::uint64_t records = 0;
  std::string last_hash{kZeroHash};
  std::optional<std::uint64_t> last_seq;
};

std::string too_long_detail() {
  return "the line is longer than the limit of " + std::to_string(kMaxRecordLine) +
         " bytes (kMaxRecordLine): not a record; read no further";
}

// Verifies one file's lines; file_index 0 is the chain's first file.
verify_report verify_file_lines(line_reader& lines, std::string_view name, std::size_t file_index,
                                chain_state& st, const verify_options& opt) {
  verify_report rep;
  rep.file = std::string(name);
  auto fill = [&](journal_errc ec, std::uint64_t line_no, std::uint64_t offset,
                  std::optional<std::uint64_t> seq, std::string detail) {
    rep.reason = ec;
    rep.line = line_no;
    rep.bad_offset = offset;
    rep.bad_seq = seq;
    rep.detail = std::move(detail);
  };
  auto finish = [&]() {
    rep.records = st.records;
    rep.last_hash = st.last_hash;
    rep.last_seq = st.last_seq;
    return rep;
  };
  std::uint64_t line_no = 0;
  for (;;) {
    std::string_view line;
    std::uint64_t pos = 0;
    const line_reader::status got = lines.next(line, pos);
    if (got == line_reader::status::end) {
      if (line_no == 0) fill(journal_errc::empty, 1, 0, std::nullopt, "the file has no records");
      return finish();
    }
    ++line_no;
    switch (got) {
      case line_reader::status::io_error:
        fill(journal_errc::io_error, line_no, pos, std::nullopt, "read error");
        return finish();
      case line_reader::status::too_long:
        fill(journal_errc::line_too_long, line_no, pos, std::nullopt, too_long_detail());
        return finish();
      case line_reader::status::torn:
        fill(journal_errc::truncated_tail, line_no, pos, peek_seq(line),
             "the last line has no newline (" + std::to_string(line.size()) +
                 " bytes): a torn write or a cut file");
        return finish();
      case line_reader::status::line:
      case line_reader::status::end:
        break;
    }
    record_parse_result r = parse_record(line);
    if (!r.ok()) {
      fill(r.ec, line_no, pos, peek_seq(line), std::move(r.detail));
      return finish();
    }
    const journal_record& rec = r.record;
    const auto* g = std::get_if<genesis_record>(&rec.body);
    if (!st.last_seq) {
      if (g == nullptr || rec.seq != 0 || rec.prev_hash != kZeroHash) {
        fill(journal_errc::no_genesis, line_no, pos, rec.seq,
             "the first record of a chain must be a genesis record with seq 0 and prev_hash of "
             "64 zeros");
        return finish();
      }
    } else {
      const std::uint64_t expected = *st.last_seq + 1;
      if (rec.seq > expected) {
        // Is the missing seq somewhere later in this file? Then lines were
        // moved. The search stops at a line over the limit.
        bool found_later = false;
        for (;;) {
          std::string_view later;
          std::uint64_t at = 0;
          const line_reader::status s = lines.next(later, at);
          if (s != line_reader::status::line && s != line_reader::status::torn) break;
          const auto ls = peek_seq(later);
          if (ls && *ls == expected) {
            found_later = true;
            break;
          }
        }
        if (found_later) {
          fill(journal_errc::reordered, line_no, pos, rec.seq,
               "expected seq " + std::to_string(expected) + ", found " + std::to_string(rec.seq) +
                   "; seq " + std::to_string(expected) + " comes later: records were moved");
        } else {
          fill(journal_errc::deleted, line_no, pos, rec.seq,
               "expected seq " + std::to_string(expected) + ", found " + std::to_string(rec.seq) +
                   ": " + std::to_string(rec.seq - expected) + " record(s) missing");
        }
        return finish();
      }
      if (rec.seq < expected) {
        fill(journal_errc::inserted, line_no, pos, rec.seq,
             "expected seq " + std::to_string(expected) + ", found " + std::to_string(rec.seq) +
                 ": seq goes backwards (a copied or injected record)");
        return finish();
      }
      if (rec.prev_hash != st.last_hash) {
        fill(journal_errc::chain_broken, line_no, pos, rec.seq,
             "prev_hash " + rec.prev_hash + " is not the previous record's hash " + st.last_hash);
        return finish();
      }
    }
    if (file_index > 0 && line_no == 1 && (g == nullptr || g->reason != genesis_reason::rotation)) {
      fill(journal_errc::no_genesis, line_no, pos, rec.seq,
           "a rotated file must start with a genesis record of reason rotation");
      return finish();
    }
    if (g != nullptr && g->reason == genesis_reason::rotation && line_no != 1) {
      fill(journal_errc::malformed, line_no, pos, rec.seq,
           "a rotation genesis record that is not the first line of its file");
      return finish();
    }
    if (g != nullptr && opt.expected_config_sha256 &&
        g->config_sha256 != *opt.expected_config_sha256) {
      fill(journal_errc::config_mismatch, line_no, pos, rec.seq,
           "config_sha256 " + g->config_sha256 + " is not the expected " +
               *opt.expected_config_sha256);
      return finish();
    }
    ++st.records;
    st.last_hash = rec.hash;
    st.last_seq = rec.seq;
  }
}

// Opens one file of the chain for reading, after checking that it is a
// regular file: a FIFO would block in open(), a device like /dev/zero never
// ends (and neither is ever opened). Returns the error's detail, or "" when
// `in` is open.
std::string open_regular(const std::string& file, std::ifstream& in) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) return "cannot open: " + errno_text(errno);
  if (!S_ISREG(st.st_mode)) {
    return std::string(internal::file_kind(st.st_mode)) +
           ", not a regular file (a journal is one; refused unread)";
  }
  in.open(file, std::ios::binary);
  if (!in) return "cannot open: " + errno_text(errno);
  return "";
}

}  // namespace

// ---------------------------------------------------------------------------
// Verification
// ---------------------------------------------------------------------------

std::string verify_report::message() const {
  if (ok()) {
    std::string m = std::to_string(records) + " records OK (" + std::to_string(files) +
                    (files == 1 ? " file)" : " files)");
    if (last_seq) m += ", last seq " + std::to_string(*last_seq) + ", last hash " + last_hash;
    return m;
  }
  std::string m = line > 0 ? file + " line " + std::to_string(line) : file;
  if (bad_seq) m += " (seq " + std::to_string(*bad_seq) + ")";
  m += ": ";
  m += to_string(reason);
  m += ": ";
  m += detail;
  m += " [" + std::to_string(records) + " records verified before it]";
  return m;
}

std::vector<std::string> chain_files(const std::string& path) {
  // Every <path>.<k> in the directory, in ascending k, so a missing middle
  // file shows up as a gap instead of silently ending the chain.
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  if (file_exists(path)) files.push_back(path);
  const fs::path p(path);
  const fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  const std::string prefix = p.filename().string() + ".";
  std::vector<std::uint64_t> ks;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string_view digits = std::string_view(name).substr(prefix.size());
    if (digits.size() > 9 || digits[0] == '0') continue;
    std::uint64_t k = 0;
    bool all_digits = true;
    for (char c : digits) {
      all_digits = all_digits && c >= '0' && c <= '9';
      k = k * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (all_digits) ks.push_back(k);
  }
  std::sort(ks.begin(), ks.end());
  for (std::uint64_t k : ks) files.push_back(path + "." + std::to_string(k));
  return files;
}

verify_report verify_journal_bytes(std::string_view bytes, std::string_view name,
                                   const verify_options& opt) {
  chain_state st;
  line_reader lines(bytes);
  verify_report r = verify_file_lines(lines, name, 0, st, opt);
  r.files = 1;
  return r;
}

verify_report verify_journal_stream(std::istream& in, std::string_view name,
                                    const verify_options& opt) {
  chain_state st;
  line_reader lines(in);
  verify_report r = verify_file_lines(lines, name, 0, st, opt);
  r.files = 1;
  return r;
}

verify_report verify_journal(const std::string& path, const verify_options& opt) {
  std::vector<std::string> files =
      opt.follow_rotation ? chain_files(path) : std::vector<std::string>{path};
  if (files.empty()) {
    verify_report r;
    r.reason = journal_errc::io_error;
    r.file = path;
    r.detail = "cannot open: " + errno_text(ENOENT);
    return r;
  }
  chain_state st;
  verify_report r;
  for (std::size_t i = 0; i < files.size(); ++i) {
    const std::string expected_name = i == 0 ? path : path + "." + std::to_string(i);
    if (files[i] != expected_name) {
      r = verify_report{};
      r.reason = i == 0 ? journal_errc::no_genesis : journal_errc::deleted;
      r.file = expected_name;
      r.line = 1;
      r.detail = "the file is missing (the chain continues in " + files[i] + ")";
      r.records = st.records;
      r.last_hash = st.last_hash;
      r.last_seq = st.last_seq;
      r.files = i;
      return r;
    }
    std::ifstream in;
    if (std::string why = open_regular(files[i], in); !why.empty()) {
      r = verify_report{};
      r.reason = journal_errc::io_error;
      r.file = files[i];
      r.detail = std::move(why);
      r.records = st.records;
      r.last_hash = st.last_hash;
      r.last_seq = st.last_seq;
      r.files = i + 1;
      return r;
    }
    line_reader lines(in);
    r = verify_file_lines(lines, files[i], i, st, opt);
    r.files = i + 1;
    if (!r.ok()) return r;
  }
  r.file = path;
  return r;
}

std::vector<journal_record> read_journal(const std::string& path) {
  const verify_report rep = verify_journal(path, {});
  if (!rep.ok()) throw journal_error("journal: " + rep.message());
  std::vector<journal_record> out;
  for (const std::string& f : chain_files(path)) {
    std::ifstream in;
    if (std::string why = open_regular(f, in); !why.empty()) {
      throw journal_error("journal: " + f + ": " + why);
    }
    line_reader lines(in);
    std::string_view line;
    std::uint64_t offset = 0;
    for (;;) {
      const line_reader::status s = lines.next(line, offset);
      if (s == line_reader::status::end) break;
      record_parse_result r =
          s == line_reader::status::line ? parse_record(line) : record_parse_result{};
      if (s != line_reader::status::line || !r.ok()) {
        throw journal_error("journal: " + f + " changed while being read");
      }
      out.push_back(std::move(r.record));
    }
  }
  return out;
}

}  // namespace triarb
