// cli: option helpers shared by the subcommands (see command.h).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "apps/triarb/command.h"

namespace triarb::app {

void add_sim_flags(CLI::App* c, sim_flags& f) {
  c->add_option("--seed", f.seed, "Seed of the simulated universe, market and faults")
      ->capture_default_str();
  c->add_option("--duration", f.duration_s, "Seconds to run (demo: real time; sim: simulated time)")
      ->capture_default_str()
      ->check(CLI::Range(0.001, 86400.0));
  c->add_option("--tick", f.tick_s, "Seconds between telemetry ticks")
      ->capture_default_str()
      ->check(CLI::Range(0.001, 3600.0));
  c->add_option("--faults", f.fault_rate,
                "Rate of each fault kind per frame (garbage, truncated, bad price, "
                "duplicate, reordered)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 0.5));
  c->add_option("--journal", f.journal_path, "Write opportunities to this journal");
  c->add_option("--fsync", f.fsync,
                "Journal durability: fdatasync every record, every 100 ms, or never")
      ->capture_default_str()
      ->check(CLI::IsMember({"every_record", "interval", "never"}));
  c->add_flag("--new-journal", f.new_journal,
              "If the existing journal does not verify, set its files aside (*.broken-N) and "
              "start a new chain instead of refusing");
  c->add_option(
      "--frames-out", f.frames_out,
      "Record every delivered frame, for `replay` and `journal audit` (starts the file over)");
  c->add_option("--exchange-info-out", f.exchange_info_out,
                "Write the generated exchangeInfo document");
}

void require_input_file(const std::string& flag, const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    throw input_error(flag + " " + path + ": cannot read: " + std::strerror(errno));
  }
  if (S_ISDIR(st.st_mode)) throw input_error(flag + " " + path + ": is a directory, not a file");
  // A FIFO would block the read until a writer came (ignoring --duration),
  // and a device such as /dev/zero never ends: recordings, journals and
  // exchangeInfo documents are files.
  if (!S_ISREG(st.st_mode)) {
    throw input_error(flag + " " + path + ": " +
                      (S_ISFIFO(st.st_mode)   ? "is a FIFO"
                       : S_ISCHR(st.st_mode)  ? "is a character device"
                       : S_ISBLK(st.st_mode)  ? "is a block device"
                       : S_ISSOCK(st.st_mode) ? "is a socket"
                                              : "is not a file") +
                      ", not a regular file (write it to a file first)");
  }
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) throw input_error(flag + " " + path + ": cannot read: " + std::strerror(errno));
  ::close(fd);
}

fixed8 decimal_flag(const std::string& name, const std::string& text) {
  const fixed8_result r = parse_unsigned_fixed8(text);
  if (!r.ok()) {
    throw CLI::ValidationError(name, "'" + text +
                                         "' is not a non-negative decimal with at most "
                                         "8 fractional digits (" +
                                         std::string(to_string(r.ec)) + ")");
  }
  return r.value;
}

std::vector<std::string> split_assets(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s + ",") {
    if (c == ',') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  return out;
}

}  // namespace triarb::app
