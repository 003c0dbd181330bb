// journal_bench: what the decision journal costs. Records/s the writer
// sustains (fsync never, and every 100 records), the cost of formatting and
// hashing one record, and verification throughput.
//
//   journal_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
//
// The journal files go to $TMPDIR (default /tmp) and are removed; the file is
// restarted every kRestartRecords records so the disk use stays bounded.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "core/journal.h"

namespace triarb {
namespace {

namespace fs = std::filesystem;

constexpr std::int64_t kRestartRecords = 100'000;

opportunity_record sample(std::int64_t i) {
  opportunity_record r;
  r.time_ns = 1'700'000'000'000'000'000 + i;
  r.triangle = 42;
  r.triangle_name = "USDT>USDC>LUNC>USDT";
  const char* symbols[3] = {"USDCUSDT", "LUNCUSDC", "LUNCUSDT"};
  for (std::size_t k = 0; k < 3; ++k) {
    journal_leg& l = r.legs[k];
    l.symbol = symbols[k];
    l.dir = k == 2 ? side::sell : side::buy;
    l.price = fixed8::from_raw(178 + static_cast<std::int64_t>(k));
    l.book_qty = fixed8::from_raw(123'456'789'012 + i);
    l.fill_qty = fixed8::from_raw(100'000'000);
    l.update_id = 1'000'000 + static_cast<std::uint64_t>(i);
    l.age_ns = 250'000;
    l.valid = true;
  }
  r.ratio = "1.000012345678901234";
  r.amount_in = fixed8::from_raw(100'000'000'000);
  r.amount_out = fixed8::from_raw(100'001'234'567);
  r.profit = fixed8::from_raw(1'234'567);
  return r;
}

class bench_dir {
 public:
  bench_dir() {
    const char* t = std::getenv("TMPDIR");
    std::string tmpl = std::string(t != nullptr ? t : "/tmp") + "/journal_bench.XXXXXX";
    char* p = ::mkdtemp(tmpl.data());
    if (p == nullptr) std::abort();
    path_ = p;
  }
  ~bench_dir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  bench_dir(const bench_dir&) = delete;
  bench_dir& operator=(const bench_dir&) = delete;
  [[nodiscard]] std::string file() const { return path_ + "/j.jsonl"; }
  void clear() const {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(path_, ec)) fs::remove(e.path(), ec);
  }

 private:
  std::string path_;
};

void run_writer(benchmark::State& state, fsync_policy policy) {
  bench_dir dir;
  journal_options opt;
  opt.version = "bench";
  opt.config_text = "bench = true\n";
  opt.universe = "bench";
  opt.fsync = policy;
  auto w = std::make_unique<journal_writer>(journal_writer::open(dir.file(), opt));
  const opportunity_record rec = sample(0);
  std::int64_t i = 0;
  std::int64_t errors = 0;
  for (auto _ : state) {
    errors += w->append(rec, i) != journal_errc::ok;
    if (++i % kRestartRecords == 0) {
      state.PauseTiming();
      w.reset();
      dir.clear();
      w = std::make_unique<journal_writer>(journal_writer::open(dir.file(), opt));
      state.ResumeTiming();
    }
  }
  if (errors != 0) state.SkipWithError("append failed");
  state.SetItemsProcessed(state.iterations());
  state.counters["records/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_JournalAppendFsyncNever(benchmark::State& state) {
  run_writer(state, fsync_policy{fsync_policy::kind::never, 0, 0});
}
BENCHMARK(BM_JournalAppendFsyncNever)->MinTime(1.0)->UseRealTime();

void BM_JournalAppendFsyncEvery100(benchmark::State& state) {
  run_writer(state, fsync_policy{fsync_policy::kind::every_n, 0, 100});
}
BENCHMARK(BM_JournalAppendFsyncEvery100)->MinTime(1.0)->UseRealTime();

// Serialisation + SHA-256 of one record, no I/O.
void BM_JournalFormatLine(benchmark::State& state) {
  const record_body body{sample(0)};
  const std::string prev(kZeroHash);
  for (auto _ : state) {
    std::string line = format_line(1, body, prev);
    benchmark::DoNotOptimize(line);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_JournalFormatLine);

// verify_journal_bytes over a 10,000-record chain in memory.
void BM_JournalVerify(benchmark::State& state) {
  bench_dir dir;
  journal_options opt;
  opt.version = "bench";
  opt.config_text = "bench = true\n";
  opt.fsync.k = fsync_policy::kind::never;
  {
    journal_writer w = journal_writer::open(dir.file(), opt);
    for (std::int64_t i = 0; i < 10'000; ++i) {
      if (w.append(sample(i), i) != journal_errc::ok) state.SkipWithError("append failed");
    }
  }
  std::ifstream in(dir.file(), std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string bytes = ss.str();
  for (auto _ : state) {
    verify_report r = verify_journal_bytes(bytes, "bench", {});
    if (!r.ok()) state.SkipWithError("verify failed");
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations() * 10'001);
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(bytes.size()));
}
BENCHMARK(BM_JournalVerify)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace triarb
