// replay: frames file -> the synchronous pipeline -> journal and counters.
#include "replay.h"

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

  evaluator_config cfg = o.eval;
  cfg.max_leg_age_ns = std::numeric_limits<std::int64_t>::max();  // logical clock: never stale
  telemetry tel;
  sync_pipeline p(u, idx, cfg, tel);
  std::vector<symbol_id> all(u.symbols().size());
  for (symbol_id s = 0; s < all.size(); ++s) all[s] = s;
  const connection_id c = p.feed().add_connection(std::move(all));

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
  std::size_t pos = 0;
  std::int64_t clock = 0;
  while (pos < size) {
    const char* nl = static_cast<const char*>(std::memchr(bytes.data() + pos, '\n', size - pos));
    const std::size_t end = nl ? static_cast<std::size_t>(nl - bytes.data()) : size;
    std::size_t len = end - pos;
    if (len > 0 && bytes[pos + len - 1] == '\r') --len;
    if (len == 0) {
      ++r.empty_lines;
    } else {
      ++r.frames;
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
