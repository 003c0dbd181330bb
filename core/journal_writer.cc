// journal_writer: the durable appender -- open or continue a chain, move a
// torn tail aside, append with the fsync policy, rotate. See
// journal_writer.h and docs/journal-format.md.
#include "core/journal_writer.h"

#include <fcntl.h>
#include <simdjson.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/internal/journal_io.h"
#include "core/internal/sha256.h"
#include "core/journal_verify.h"

namespace triarb {

using internal::canonical_body_to;
using internal::errno_text;
using internal::file_exists;
using internal::file_kind;
using internal::kHashKey;
using internal::read_whole_file;
using internal::sha256_hex_to;

namespace {

// A journal file must be a regular file (through symlinks) or absent: opening
// a FIFO to verify it blocks until a writer appears, and a device or
// directory holds no chain. Throws journal_error naming the path and its kind.
void require_regular_or_absent(const std::string& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) return;  // absent (or unreadable: open says why)
  if (!S_ISREG(st.st_mode)) {
    throw journal_error("journal: " + file + " is " + std::string(file_kind(st.st_mode)) +
                        ", not a regular file (the journal path must be a regular file or absent)");
  }
}

// Why a genesis could not be written: the line limit, or the system's error.
std::string genesis_error_text(journal_errc ec) {
  if (ec == journal_errc::line_too_long) {
    return "its line (configuration, version and universe) is longer than kMaxRecordLine (" +
           std::to_string(kMaxRecordLine) + " bytes)";
  }
  return errno_text(errno);
}

void fsync_dir_of(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  const std::string dir =
      slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;  // best effort: the file's own fsync still holds its data
  (void)::fsync(fd);
  ::close(fd);
}

// Writes all of data to fd (O_APPEND); false with errno on failure.
bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// Moves bytes [offset, end) of path into a new <path>.torn-<n> and cuts path
// at offset. Returns the name used.
std::string move_torn_tail(const std::string& path, std::uint64_t offset) {
  bool ok = true;
  const std::string bytes = read_whole_file(path, ok);
  if (!ok || offset > bytes.size()) {
    throw journal_error("journal: cannot re-read " + path + " to move its torn tail aside");
  }
  const std::string_view torn = std::string_view(bytes).substr(offset);
  std::string torn_path;
  int fd = -1;
  for (int n = 1; n < 100000 && fd < 0; ++n) {
    torn_path = path + ".torn-" + std::to_string(n);
    fd = ::open(torn_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0 && errno != EEXIST) {
      throw journal_error("journal: cannot create " + torn_path + ": " + errno_text(errno));
    }
  }
  if (fd < 0) throw journal_error("journal: no free name for the torn tail of " + path);
  const bool written = write_all(fd, torn) && ::fsync(fd) == 0;
  const int e = errno;
  ::close(fd);
  if (!written) throw journal_error("journal: cannot write " + torn_path + ": " + errno_text(e));
  fsync_dir_of(torn_path);
  // The torn bytes are safe elsewhere; now cut them off the journal.
  const int jfd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (jfd < 0) throw journal_error("journal: cannot open " + path + ": " + errno_text(errno));
  const bool cut = ::ftruncate(jfd, static_cast<off_t>(offset)) == 0 && ::fsync(jfd) == 0;
  const int e2 = errno;
  ::close(jfd);
  if (!cut)
    throw journal_error("journal: cannot cut the torn tail of " + path + ": " + errno_text(e2));
  return torn_path;
}

}  // namespace

// ---------------------------------------------------------------------------
// Writer
// ---------------------------------------------------------------------------

journal_writer::journal_writer(journal_writer&& o) noexcept { *this = std::move(o); }

journal_writer& journal_writer::operator=(journal_writer&& o) noexcept {
  if (this != &o) {
    close_fd();
    path_ = std::move(o.path_);
    file_ = std::move(o.file_);
    file_index_ = o.file_index_;
    fd_ = std::exchange(o.fd_, -1);
    file_bytes_ = o.file_bytes_;
    next_seq_ = o.next_seq_;
    last_hash_ = std::move(o.last_hash_);
    config_sha256_ = std::move(o.config_sha256_);
    opt_ = std::move(o.opt_);
    last_sync_ns_ = o.last_sync_ns_;
    since_sync_ = o.since_sync_;
    failed_ = o.failed_;
    stats_ = o.stats_;
    line_ = std::move(o.line_);
  }
  return *this;
}

journal_writer::~journal_writer() { close_fd(); }

void journal_writer::close_fd() noexcept {
  if (fd_ >= 0) {
    if (since_sync_ > 0) (void)::fdatasync(fd_);
    ::close(fd_);
    fd_ = -1;
  }
}

void journal_writer::open_file_for_append(const std::string& file, bool create) {
  int flags = O_WRONLY | O_APPEND | O_CLOEXEC;
  if (create) flags |= O_CREAT | O_EXCL;  // never overwrite
  fd_ = ::open(file.c_str(), flags, 0644);
  if (fd_ < 0) {
    throw journal_error("journal: cannot " + std::string(create ? "create " : "open ") + file +
                        ": " + errno_text(errno));
  }
  struct stat st {};
  if (::fstat(fd_, &st) != 0) {
    throw journal_error("journal: cannot stat " + file + ": " + errno_text(errno));
  }
  file_bytes_ = static_cast<std::uint64_t>(st.st_size);
  file_ = file;
  if (create) fsync_dir_of(file);
}

journal_writer journal_writer::open(const std::string& path, const journal_options& opt) {
  if (!simdjson::validate_utf8(opt.config_text) || !simdjson::validate_utf8(opt.version) ||
      !simdjson::validate_utf8(opt.universe)) {
    throw journal_error("journal: configuration, version and universe must be valid UTF-8");
  }
  journal_writer w;
  w.path_ = path;
  w.opt_ = opt;
  w.config_sha256_ = sha256_hex(opt.config_text);
  w.last_sync_ns_ = opt.start_ns;

  verify_options vopt;
  vopt.expected_config_sha256 = w.config_sha256_;

  require_regular_or_absent(path);
  const std::vector<std::string> files = chain_files(path);
  for (const std::string& f : files) require_regular_or_absent(f);
  bool fresh = files.empty();
  bool continue_in_empty = false;  // the last file exists and is empty
  if (!fresh) {
    verify_report rep = verify_journal(path, vopt);
    if (rep.reason == journal_errc::truncated_tail && rep.file == files.back()) {
      (void)move_torn_tail(rep.file, rep.bad_offset);
      ++w.stats_.torn_moved;
      rep = verify_journal(path, vopt);
    }
    if (rep.reason == journal_errc::empty && rep.file == files.back()) {
      continue_in_empty = true;  // a crash right after creating the file: nothing to lose
    } else if (!rep.ok()) {
      if (!opt.start_new_on_broken) {
        throw journal_error("journal: refusing to append to " + path + ": " + rep.message() +
                            " (the files are left as they are; start a new journal to set them "
                            "aside)");
      }
      // Rename every file of the broken chain to <file>.broken-<n>, one n for all.
      int n = 1;
      for (;; ++n) {
        bool free = true;
        for (const std::string& f : files) {
          free = free && !file_exists(f + ".broken-" + std::to_string(n));
        }
        if (free) break;
      }
      for (const std::string& f : files) {
        const std::string to = f + ".broken-" + std::to_string(n);
        if (::rename(f.c_str(), to.c_str()) != 0) {
          throw journal_error("journal: cannot rename " + f + " to " + to + ": " +
                              errno_text(errno));
        }
      }
      fsync_dir_of(path);
      ++w.stats_.chains_set_aside;
      fresh = true;
    }
    if (!fresh) {
      w.stats_.records_recovered = rep.records;
      w.last_hash_ = rep.last_hash;
      w.next_seq_ = rep.last_seq ? *rep.last_seq + 1 : 0;
    }
  }

  if (fresh) {
    w.file_index_ = 0;
    w.open_file_for_append(path, /*create=*/true);
    if (const journal_errc ec = w.write_genesis(genesis_reason::start, opt.start_ns);
        ec != journal_errc::ok) {
      throw journal_error("journal: cannot write the genesis record to " + path + ": " +
                          genesis_error_text(ec));
    }
  } else {
    w.file_index_ = files.size() - 1;
    w.open_file_for_append(files.back(), /*create=*/false);
    // A new process is a new session: a restart genesis (the audit starts a
    // session per start or restart genesis). If the last file is empty
    // because the process died between creating it and writing its genesis,
    // that file's first line is still the genesis its format requires (start
    // for the first file, rotation for PATH.k, completing the rotation), and
    // a rotated file's restart genesis follows it.
    std::vector<genesis_reason> reasons{genesis_reason::restart};
    if (continue_in_empty) {
      reasons = w.file_index_ == 0 ? std::vector<genesis_reason>{genesis_reason::start}
                                   : std::vector<genesis_reason>{genesis_reason::rotation,
                                                                 genesis_reason::restart};
    }
    for (const genesis_reason reason : reasons) {
      if (const journal_errc ec = w.write_genesis(reason, opt.start_ns); ec != journal_errc::ok) {
        throw journal_error("journal: cannot write the genesis record to " + files.back() + ": " +
                            genesis_error_text(ec));
      }
    }
  }
  // A genesis record is always made durable, whatever the policy.
  if (w.sync() != journal_errc::ok) {
    throw journal_error("journal: cannot fdatasync " + w.file_ + ": " + errno_text(errno));
  }
  return w;
}

journal_errc journal_writer::write_genesis(genesis_reason reason, std::int64_t time_ns) {
  genesis_record g;
  g.time_ns = time_ns;
  g.reason = reason;
  g.version = opt_.version;
  g.config_sha256 = config_sha256_;
  g.config = opt_.config_text;
  g.universe = opt_.universe;
  std::string hash;
  line_ = format_line(next_seq_, record_body{std::move(g)}, last_hash_, &hash);
  const journal_errc ec = write_line(line_);
  if (ec != journal_errc::ok) return ec;
  last_hash_ = std::move(hash);
  ++next_seq_;
  return journal_errc::ok;
}

journal_errc journal_writer::write_line(const std::string& line) {
  if (failed_ || fd_ < 0) return journal_errc::writer_failed;
  // Never a line the verifier refuses (the next start would refuse its own
  // journal): refused unwritten; the chain is unchanged.
  if (line.size() > kMaxRecordLine + 1) return journal_errc::line_too_long;
  if (!write_all(fd_, line)) {
    // Cut back whatever part of the line reached the file, so the chain stays whole.
    if (::ftruncate(fd_, static_cast<off_t>(file_bytes_)) != 0) failed_ = true;
    return journal_errc::write_failed;
  }
  file_bytes_ += line.size();
  ++since_sync_;
  ++stats_.records_written;
  return journal_errc::ok;
}

journal_errc journal_writer::sync() {
  if (failed_ || fd_ < 0) return journal_errc::writer_failed;
  if (since_sync_ == 0) return journal_errc::ok;
  if (::fdatasync(fd_) != 0) {
    // After a failed fdatasync the kernel may have dropped the dirty pages:
    // the file's state is unknown, so stop rather than build on it.
    failed_ = true;
    return journal_errc::write_failed;
  }
  since_sync_ = 0;
  ++stats_.fsyncs;
  return journal_errc::ok;
}

journal_errc journal_writer::tick(std::int64_t now_ns) {
  if (opt_.fsync.k != fsync_policy::kind::interval || since_sync_ == 0) return journal_errc::ok;
  if (now_ns - last_sync_ns_ < opt_.fsync.interval_ns) return journal_errc::ok;
  last_sync_ns_ = now_ns;
  return sync();
}

bool journal_writer::rotate(std::int64_t now_ns) {
  // The old file must be durable before the next one links to it.
  if (sync() != journal_errc::ok) return false;
  const std::string next = path_ + "." + std::to_string(file_index_ + 1);
  const int flags = O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC;
  const int fd = ::open(next.c_str(), flags, 0644);
  if (fd < 0) return false;
  ::close(fd_);
  fd_ = fd;
  file_ = next;
  file_bytes_ = 0;
  ++file_index_;
  fsync_dir_of(next);
  ++stats_.rotations;
  if (write_genesis(genesis_reason::rotation, now_ns) != journal_errc::ok) {
    // The new file must start with its rotation genesis; without it nothing
    // may go there. Stop: a restart continues an empty last file correctly.
    failed_ = true;
    return false;
  }
  return sync() == journal_errc::ok;
}

template <class Rec>
journal_errc journal_writer::append_impl(const Rec& body, std::int64_t now_ns) {
  if (failed_ || fd_ < 0) {
    ++stats_.append_errors;
    return journal_errc::writer_failed;
  }
  if (opt_.rotate_bytes != 0 && file_bytes_ >= opt_.rotate_bytes) {
    if (!rotate(now_ns)) {
      ++stats_.rotation_failures;
      if (failed_ || fd_ < 0) {
        ++stats_.append_errors;
        return journal_errc::writer_failed;
      }
    }
  }
  line_.clear();
  canonical_body_to(line_, next_seq_, body, last_hash_);
  char hex[64];
  sha256_hex_to(line_, hex);
  line_.pop_back();
  line_ += kHashKey;
  line_.append(hex, 64);
  line_ += "\"}\n";
  const journal_errc ec = write_line(line_);
  if (ec != journal_errc::ok) {
    ++stats_.append_errors;
    return ec;
  }
  last_hash_.assign(hex, 64);
  ++next_seq_;
  bool do_sync = false;
  switch (opt_.fsync.k) {
    case fsync_policy::kind::every_record:
      do_sync = true;
      break;
    case fsync_policy::kind::interval:
      do_sync = now_ns - last_sync_ns_ >= opt_.fsync.interval_ns;
      break;
    case fsync_policy::kind::every_n:
      do_sync = since_sync_ >= opt_.fsync.n;
      break;
    case fsync_policy::kind::never:
      break;
  }
  if (do_sync) {
    last_sync_ns_ = now_ns;
    if (sync() != journal_errc::ok) {
      ++stats_.append_errors;
      return journal_errc::write_failed;
    }
  }
  return journal_errc::ok;
}

journal_errc journal_writer::append(const opportunity_record& r, std::int64_t now_ns) {
  if (!invalid_reason(r).empty()) {  // UTF-8 names, a decimal ratio, suppressed in range
    ++stats_.append_errors;
    return journal_errc::invalid_record;
  }
  return append_impl(r, now_ns);
}

journal_errc journal_writer::append(const checkpoint_record& r, std::int64_t now_ns) {
  if (!invalid_reason(r).empty()) {  // exactly one JSON object, the reader's raw text
    ++stats_.append_errors;
    return journal_errc::invalid_record;
  }
  return append_impl(r, now_ns);
}

journal_errc journal_writer::append(const state_record& r, std::int64_t now_ns) {
  if (!invalid_reason(r).empty()) {  // evidence must be one JSON object, as counters are
    ++stats_.append_errors;
    return journal_errc::invalid_record;
  }
  return append_impl(r, now_ns);
}

// The execution records: refused exactly when the reader would refuse them.
journal_errc journal_writer::append(const order_record& r, std::int64_t now_ns) {
  if (!invalid_reason(r).empty()) {  // leg, client id, symbol, price, quantity, decision hash
    ++stats_.append_errors;
    return journal_errc::invalid_record;
  }
  return append_impl(r, now_ns);
}

journal_errc journal_writer::append(const fill_record& r, std::int64_t now_ns) {
  if (!invalid_reason(r).empty()) {  // client id, status, amounts, at most kMaxJournalFills
    ++stats_.append_errors;
    return journal_errc::invalid_record;
  }
  return append_impl(r, now_ns);
}

journal_errc journal_writer::append(const reject_record& r, std::int64_t now_ns) {
  if (!invalid_reason(r).empty()) {  // client id, msg UTF-8 and bounded, http status
    ++stats_.append_errors;
    return journal_errc::invalid_record;
  }
  return append_impl(r, now_ns);
}

journal_errc journal_writer::append(const cycle_record& r, std::int64_t now_ns) {
  if (!invalid_reason(r).empty()) {  // decision hash, outcome, names, residual, reason
    ++stats_.append_errors;
    return journal_errc::invalid_record;
  }
  return append_impl(r, now_ns);
}

}  // namespace triarb
