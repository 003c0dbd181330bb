// replay: frames file -> the synchronous pipeline -> journal and counters.
#include "replay.h"

#include <charconv>
#include <chrono>
#include <cstring>
#include <fstream>
#include <limits>
#include <memory>
#include <sstream>
#include <stdexcept>

#include "journal.h"
#include "journal_bridge.h"
#include "pipeline.h"

namespace triarb {
namespace {

// The symbol a frame names in its "s" field, found without parsing (the
// parser decides validity; this only routes the line to its connection).
symbol_id named_symbol(std::string_view line, const symbol_table& t) {
  const auto at = line.find("\"s\":\"");
  if (at == std::string_view::npos) return kNoSymbol;
  const auto begin = at + 5;
  const auto end = line.find('"', begin);
  if (end == std::string_view::npos) return kNoSymbol;
  return t.find(line.substr(begin, end - begin));
}

}  // namespace

replay_report run_replay(const replay_options& o) {
  const universe u = load_exchange_info_file(o.exchange_info);
  std::vector<asset_id> starts;
  for (const std::string& a : o.start_assets) {
    const auto id = u.find_asset(a);
    if (!id) throw std::runtime_error("start asset " + a + " is not traded in " + o.exchange_info);
    starts.push_back(*id);
  }
  const triangle_index idx = triangle_index::build(u, starts);

  // The whole file in one buffer with the parser's padding after it, so
  // every line is parsed in place.
  std::ifstream in(o.frames, std::ios::binary);
  if (!in) throw std::runtime_error(o.frames + ": cannot open the frames file");
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string bytes = ss.str();
  const std::size_t size = bytes.size();
  bytes.append(kFramePadding, '\0');

  const bool recorded = std::string_view(bytes.data(), size).starts_with(kRecordedFramesHeader);
  evaluator_config cfg = o.eval;
  if (!recorded) cfg.max_leg_age_ns = std::numeric_limits<std::int64_t>::max();  // logical clock
  telemetry tel;
  sync_pipeline p(u, idx, cfg, tel);
  std::vector<connection_id> conn_of(u.symbols().size());
  for (auto& group : split_into_connections(u.symbols().size(), o.symbols_per_connection)) {
    const connection_id c = p.feed().add_connection(group);
    for (symbol_id s : group) conn_of[s] = c;
  }
  // A frame goes to the connection of the symbol it names; one that names no
  // tracked symbol (garbage) to the connection of the previous frame, where
  // it would have arrived live.
  connection_id last_conn = 0;
  const std::size_t conn_count =
      (u.symbols().size() + o.symbols_per_connection - 1) / o.symbols_per_connection;

  std::unique_ptr<journal_writer> journal;
  if (!o.journal_path.empty()) {
    journal_options jo;
    jo.version = "triarb replay";
    jo.config_text = o.config_text;
    jo.universe = std::to_string(u.fingerprint());
    jo.fsync.k = fsync_policy::kind::never;
    journal = std::make_unique<journal_writer>(journal_writer::open(o.journal_path, jo));
  }

  replay_report r;
  r.symbols = u.symbols().size();
  r.triangles = idx.size();
  auto sink = [&](const opportunity& op) {
    if (journal && journal->append(to_record(op, idx, u), op.decided_ns) != journal_errc::ok) {
      return false;  // counted as journal_full by the evaluator: never reported unjournaled
    }
    ++r.opportunities;
    return true;
  };
  const auto t0 = std::chrono::steady_clock::now();
  std::size_t pos = recorded ? kRecordedFramesHeader.size() + 1 : 0;
  std::int64_t clock = 0;
  std::uint64_t line_no = recorded ? 1 : 0;
  while (pos < size) {
    const char* nl = static_cast<const char*>(std::memchr(bytes.data() + pos, '\n', size - pos));
    const std::size_t end = nl ? static_cast<std::size_t>(nl - bytes.data()) : size;
    std::size_t len = end - pos;
    if (len > 0 && bytes[pos + len - 1] == '\r') --len;
    ++line_no;
    if (len == 0) {
      ++r.empty_lines;
    } else if (recorded) {
      // <recv_ns> TAB <connection> TAB <frame>
      const std::string_view line(bytes.data() + pos, len);
      const auto t1 = line.find('\t');
      const auto t2 = t1 == std::string_view::npos ? t1 : line.find('\t', t1 + 1);
      std::int64_t t = 0;
      connection_id c = 0;
      if (t2 == std::string_view::npos ||
          std::from_chars(line.data(), line.data() + t1, t).ptr != line.data() + t1 ||
          std::from_chars(line.data() + t1 + 1, line.data() + t2, c).ptr != line.data() + t2 ||
          c >= conn_count) {
        throw std::runtime_error(o.frames + ":" + std::to_string(line_no) +
                                 ": not <recv_ns>TAB<connection>TAB<frame> with a connection "
                                 "below " +
                                 std::to_string(conn_count));
      }
      ++r.frames;
      clock = t;
      (void)p.process(c, line.data() + t2 + 1, len - t2 - 1, clock, sink);
    } else {
      ++r.frames;
      const std::string_view line(bytes.data() + pos, len);
      const symbol_id s = named_symbol(line, p.symbols());
      const connection_id c = s == kNoSymbol ? last_conn : conn_of[s];
      last_conn = c;
      (void)p.process(c, bytes.data() + pos, len, ++clock, sink);
    }
    pos = end + 1;
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (journal) (void)journal->sync();
  r.telemetry_json = tel.render_json(clock);
  return r;
}

}  // namespace triarb
