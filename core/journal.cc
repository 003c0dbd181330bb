// journal: canonical serialisation, SHA-256 chain, verification, and the
// durable appender with torn-tail recovery and rotation. See journal.h and
// docs/journal-format.md.
#include "core/journal.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <simdjson.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <utility>

namespace triarb {

std::string_view to_string(journal_errc ec) noexcept {
  switch (ec) {
    case journal_errc::ok:
      return "ok";
    case journal_errc::io_error:
      return "io_error";
    case journal_errc::empty:
      return "empty";
    case journal_errc::truncated_tail:
      return "truncated_tail";
    case journal_errc::garbage:
      return "garbage";
    case journal_errc::malformed:
      return "malformed";
    case journal_errc::edited:
      return "edited";
    case journal_errc::not_canonical:
      return "not_canonical";
    case journal_errc::no_genesis:
      return "no_genesis";
    case journal_errc::deleted:
      return "deleted";
    case journal_errc::reordered:
      return "reordered";
    case journal_errc::inserted:
      return "inserted";
    case journal_errc::chain_broken:
      return "chain_broken";
    case journal_errc::config_mismatch:
      return "config_mismatch";
    case journal_errc::invalid_record:
      return "invalid_record";
    case journal_errc::write_failed:
      return "write_failed";
    case journal_errc::writer_failed:
      return "writer_failed";
  }
  return "unknown";
}

namespace {

constexpr std::string_view kHashKey = ",\"hash\":\"";
// `,"hash":"` + 64 hex + `"}`
constexpr std::size_t kHashSuffixLen = 9 + 64 + 2;

std::string_view to_string(genesis_reason r) noexcept {
  switch (r) {
    case genesis_reason::start:
      return "start";
    case genesis_reason::restart:
      return "restart";
    case genesis_reason::rotation:
      return "rotation";
  }
  return "start";
}

std::optional<genesis_reason> parse_reason(std::string_view s) noexcept {
  if (s == "start") return genesis_reason::start;
  if (s == "restart") return genesis_reason::restart;
  if (s == "rotation") return genesis_reason::rotation;
  return std::nullopt;
}

bool is_lower_hex(std::string_view s) noexcept {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool is_hash(std::string_view s) noexcept { return s.size() == 64 && is_lower_hex(s); }

// digit+ ['.' digit+]
bool is_decimal(std::string_view s) noexcept {
  std::size_t i = 0;
  std::size_t int_digits = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i, ++int_digits;
  if (int_digits == 0) return false;
  if (i == s.size()) return true;
  if (s[i] != '.') return false;
  ++i;
  const std::size_t frac_start = i;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
  return i == s.size() && i > frac_start;
}

void append_u64(std::string& out, std::uint64_t v) {
  char buf[20];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, static_cast<std::size_t>(r.ptr - buf));
}
void append_i64(std::string& out, std::int64_t v) {
  char buf[20];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, static_cast<std::size_t>(r.ptr - buf));
}

void append_fixed8(std::string& out, fixed8 v) {
  char buf[fixed8::kMaxChars];
  const std::size_t n = format_to(v, buf);
  out += '"';
  out.append(buf, n);
  out += '"';
}

void append_key(std::string& out, std::string_view key) {
  out += '"';
  out += key;
  out += "\":";
}

void append_bool(std::string& out, bool b) { out += b ? "true" : "false"; }

void serialize_body(std::string& out, const genesis_record& g) {
  out += "\"type\":\"genesis\",";
  append_key(out, "time_ns");
  append_i64(out, g.time_ns);
  out += ',';
  append_key(out, "reason");
  append_json_string(out, to_string(g.reason));
  out += ',';
  append_key(out, "version");
  append_json_string(out, g.version);
  out += ',';
  append_key(out, "config_sha256");
  append_json_string(out, g.config_sha256);
  out += ',';
  append_key(out, "config");
  append_json_string(out, g.config);
  out += ',';
  append_key(out, "universe");
  append_json_string(out, g.universe);
}

void serialize_body(std::string& out, const opportunity_record& o) {
  out += "\"type\":\"opportunity\",";
  append_key(out, "time_ns");
  append_i64(out, o.time_ns);
  out += ',';
  append_key(out, "triangle_id");
  append_u64(out, o.triangle);
  out += ',';
  append_key(out, "triangle");
  append_json_string(out, o.triangle_name);
  out += ',';
  append_key(out, "legs");
  out += '[';
  for (std::size_t i = 0; i < o.legs.size(); ++i) {
    const journal_leg& l = o.legs[i];
    if (i != 0) out += ',';
    out += '{';
    append_key(out, "symbol");
    append_json_string(out, l.symbol);
    out += ',';
    append_key(out, "side");
    out += l.dir == side::buy ? "\"buy\"" : "\"sell\"";
    out += ',';
    append_key(out, "price");
    append_fixed8(out, l.price);
    out += ',';
    append_key(out, "book_qty");
    append_fixed8(out, l.book_qty);
    out += ',';
    append_key(out, "fill_qty");
    append_fixed8(out, l.fill_qty);
    out += ',';
    append_key(out, "update_id");
    append_u64(out, l.update_id);
    out += ',';
    append_key(out, "age_ns");
    append_i64(out, l.age_ns);
    out += ',';
    append_key(out, "valid");
    append_bool(out, l.valid);
    out += ',';
    append_key(out, "qty_capped");
    append_bool(out, l.qty_capped);
    if (l.reseeded) {  // only when set: absent means false (older records stay canonical)
      out += ',';
      append_key(out, "reseeded");
      append_bool(out, true);
    }
    out += '}';
  }
  out += "],";
  append_key(out, "ratio");
  append_json_string(out, o.ratio);
  out += ',';
  append_key(out, "amount_in");
  append_fixed8(out, o.amount_in);
  out += ',';
  append_key(out, "amount_out");
  append_fixed8(out, o.amount_out);
  out += ',';
  append_key(out, "profit");
  append_fixed8(out, o.profit);
  out += ',';
  append_key(out, "rounding");
  append_json_string(out, o.rounding);
}

void serialize_body(std::string& out, const checkpoint_record& c) {
  out += "\"type\":\"checkpoint\",";
  append_key(out, "time_ns");
  append_i64(out, c.time_ns);
  out += ',';
  append_key(out, "counters");
  out += c.counters_json;
}

template <class Rec>
void canonical_body_to(std::string& out, std::uint64_t seq, const Rec& rec,
                       std::string_view prev_hash) {
  out += "{\"seq\":";
  append_u64(out, seq);
  out += ',';
  serialize_body(out, rec);
  out += ",\"prev_hash\":\"";
  out += prev_hash;
  out += "\"}";
}

void canonical_body_to(std::string& out, std::uint64_t seq, const record_body& body,
                       std::string_view prev_hash) {
  std::visit([&](const auto& b) { canonical_body_to(out, seq, b, prev_hash); }, body);
}

// The SHA-256 implementation, fetched once per thread, and a reused context:
// EVP_Digest(EVP_sha256()) re-fetches and allocates on every call, which
// costs about a third of hashing a whole record line.
struct sha256_engine {
  EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  sha256_engine() = default;
  sha256_engine(const sha256_engine&) = delete;
  sha256_engine& operator=(const sha256_engine&) = delete;
  ~sha256_engine() {
    EVP_MD_CTX_free(ctx);
    EVP_MD_free(md);
  }
};

void sha256_hex_to(std::string_view bytes, char* out64) {
  thread_local sha256_engine e;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (e.md == nullptr || e.ctx == nullptr || EVP_DigestInit_ex(e.ctx, e.md, nullptr) != 1 ||
      EVP_DigestUpdate(e.ctx, bytes.data(), bytes.size()) != 1 ||
      EVP_DigestFinal_ex(e.ctx, md, &len) != 1 || len != 32) {
    // Only on allocation failure or an OpenSSL without SHA-256.
    throw journal_error("journal: OpenSSL SHA-256 failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  for (unsigned int i = 0; i < 32; ++i) {
    out64[2 * i] = kHex[md[i] >> 4];
    out64[2 * i + 1] = kHex[md[i] & 0xF];
  }
}

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

// Field-by-field parse of the canonical order with simdjson On-Demand
// (find_field only searches forward, so order is enforced).
class field_reader {
 public:
  explicit field_reader(simdjson::ondemand::object obj) : obj_(obj) {}
  std::string error;

  bool str(std::string_view key, std::string& out) {
    std::string_view v;
    if (auto e = obj_.find_field(key).get_string().get(v)) return fail(key, e);
    out.assign(v);
    return true;
  }
  bool u64(std::string_view key, std::uint64_t& out) {
    if (auto e = obj_.find_field(key).get_uint64().get(out)) return fail(key, e);
    return true;
  }
  bool i64(std::string_view key, std::int64_t& out) {
    if (auto e = obj_.find_field(key).get_int64().get(out)) return fail(key, e);
    return true;
  }
  bool boolean(std::string_view key, bool& out) {
    if (auto e = obj_.find_field(key).get_bool().get(out)) return fail(key, e);
    return true;
  }
  // An optional key: absent leaves out false. A present "reseeded":false
  // parses, and the caller's canonical check rejects it (the writer omits it).
  bool optional_boolean(std::string_view key, bool& out) {
    out = false;
    auto field = obj_.find_field(key);
    if (field.error() == simdjson::NO_SUCH_FIELD) return true;
    if (auto e = field.get_bool().get(out)) return fail(key, e);
    return true;
  }
  bool fix(std::string_view key, fixed8& out) {
    std::string s;
    if (!str(key, s)) return false;
    fixed8_result r = parse_fixed8(s);
    if (!r.ok()) {
      error = std::string(key) + ": " + std::string(to_string(r.ec)) + " in \"" + s + "\"";
      return false;
    }
    out = r.value;
    return true;
  }
  simdjson::ondemand::object& obj() { return obj_; }
  bool fail(std::string_view key, simdjson::error_code e) {
    error = std::string(key) + ": " + simdjson::error_message(e);
    return false;
  }

 private:
  simdjson::ondemand::object obj_;
};

bool parse_leg(simdjson::ondemand::object o, journal_leg& l, std::string& err) {
  field_reader f(o);
  std::string dir;
  bool ok = f.str("symbol", l.symbol) && f.str("side", dir) && f.fix("price", l.price) &&
            f.fix("book_qty", l.book_qty) && f.fix("fill_qty", l.fill_qty) &&
            f.u64("update_id", l.update_id) && f.i64("age_ns", l.age_ns) &&
            f.boolean("valid", l.valid) && f.boolean("qty_capped", l.qty_capped) &&
            f.optional_boolean("reseeded", l.reseeded);
  if (!ok) {
    err = f.error;
    return false;
  }
  if (dir == "buy") {
    l.dir = side::buy;
  } else if (dir == "sell") {
    l.dir = side::sell;
  } else {
    err = "side: \"" + dir + "\" is neither buy nor sell";
    return false;
  }
  return true;
}

// Parses the fields of one record (hash already checked by the caller).
bool parse_fields(std::string_view line, journal_record& rec, std::string& err) {
  thread_local simdjson::ondemand::parser parser;
  simdjson::padded_string padded(line);
  simdjson::ondemand::document doc;
  if (auto e = parser.iterate(padded).get(doc)) {
    err = std::string("not JSON: ") + simdjson::error_message(e);
    return false;
  }
  simdjson::ondemand::object obj;
  if (auto e = doc.get_object().get(obj)) {
    err = std::string("not a JSON object: ") + simdjson::error_message(e);
    return false;
  }
  field_reader f(obj);
  std::string type;
  if (!f.u64("seq", rec.seq) || !f.str("type", type)) {
    err = f.error;
    return false;
  }
  bool ok = false;
  if (type == "genesis") {
    genesis_record g;
    std::string reason;
    ok = f.i64("time_ns", g.time_ns) && f.str("reason", reason) && f.str("version", g.version) &&
         f.str("config_sha256", g.config_sha256) && f.str("config", g.config) &&
         f.str("universe", g.universe);
    if (ok) {
      auto r = parse_reason(reason);
      if (!r) {
        err = "reason: \"" + reason + "\" is not start, restart or rotation";
        return false;
      }
      g.reason = *r;
      if (!is_hash(g.config_sha256)) {
        err = "config_sha256: not 64 lower-case hex digits";
        return false;
      }
      if (sha256_hex(g.config) != g.config_sha256) {
        err = "config_sha256 is not the SHA-256 of config";
        return false;
      }
    }
    rec.body = std::move(g);
  } else if (type == "opportunity") {
    opportunity_record o;
    std::uint64_t tri = 0;
    ok = f.i64("time_ns", o.time_ns) && f.u64("triangle_id", tri) &&
         f.str("triangle", o.triangle_name);
    if (ok && tri > 0xFFFF'FFFFu) {
      err = "triangle_id: out of range";
      return false;
    }
    o.triangle = static_cast<triangle_id>(tri);
    if (ok) {
      simdjson::ondemand::array legs;
      if (auto e = f.obj().find_field("legs").get_array().get(legs)) {
        err = std::string("legs: ") + simdjson::error_message(e);
        return false;
      }
      std::size_t n = 0;
      for (auto leg_value : legs) {
        simdjson::ondemand::object lo;
        if (auto e = leg_value.get_object().get(lo)) {
          err = std::string("legs: ") + simdjson::error_message(e);
          return false;
        }
        if (n == 3) {
          err = "legs: more than 3";
          return false;
        }
        std::string leg_err;
        if (!parse_leg(lo, o.legs[n], leg_err)) {
          err = "legs[" + std::to_string(n) + "]." + leg_err;
          return false;
        }
        ++n;
      }
      if (n != 3) {
        err = "legs: " + std::to_string(n) + " instead of 3";
        return false;
      }
      ok = f.str("ratio", o.ratio) && f.fix("amount_in", o.amount_in) &&
           f.fix("amount_out", o.amount_out) && f.fix("profit", o.profit) &&
           f.str("rounding", o.rounding);
      if (ok && !is_decimal(o.ratio)) {
        err = "ratio: \"" + o.ratio + "\" is not an exact decimal";
        return false;
      }
    }
    rec.body = std::move(o);
  } else if (type == "checkpoint") {
    checkpoint_record c;
    ok = f.i64("time_ns", c.time_ns);
    if (ok) {
      simdjson::ondemand::object counters;
      std::string_view raw;
      if (auto e = f.obj().find_field("counters").get_object().get(counters)) {
        err = std::string("counters: ") + simdjson::error_message(e);
        return false;
      }
      if (auto e = counters.raw_json().get(raw)) {
        err = std::string("counters: ") + simdjson::error_message(e);
        return false;
      }
      c.counters_json.assign(raw);
    }
    rec.body = std::move(c);
  } else {
    err = "type: \"" + type + "\" is not genesis, opportunity or checkpoint";
    return false;
  }
  if (!ok || !f.str("prev_hash", rec.prev_hash) || !f.str("hash", rec.hash)) {
    err = f.error;
    return false;
  }
  if (!is_hash(rec.prev_hash)) {
    err = "prev_hash: not 64 lower-case hex digits";
    return false;
  }
  return true;
}

// Reads a whole stream in chunks (istreambuf_iterator trips -Wnull-dereference).
std::string read_stream(std::istream& in) {
  std::string s;
  char buf[1 << 16];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    s.append(buf, static_cast<std::size_t>(in.gcount()));
  }
  return s;
}

std::string read_whole_file(const std::string& path, bool& ok) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ok = false;
    return {};
  }
  std::string s = read_stream(in);
  ok = !in.bad();
  return s;
}

bool file_exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

std::string errno_text(int e) { return std::string(std::strerror(e)); }

// State carried across the files of one chain.
struct chain_state {
  std::uint64_t records = 0;
  std::string last_hash{kZeroHash};
  std::optional<std::uint64_t> last_seq;
};

// Verifies one file's bytes; file_index 0 is the chain's first file.
verify_report verify_file_bytes(std::string_view bytes, std::string_view name,
                                std::size_t file_index, chain_state& st,
                                const verify_options& opt) {
  verify_report rep;
  rep.file = std::string(name);
  auto fill = [&](journal_errc ec, std::uint64_t line_no, std::size_t offset,
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
  if (bytes.empty()) {
    fill(journal_errc::empty, 1, 0, std::nullopt, "the file has no records");
    return finish();
  }
  std::size_t pos = 0;
  std::uint64_t line_no = 0;
  while (pos < bytes.size()) {
    ++line_no;
    const std::size_t nl = bytes.find('\n', pos);
    if (nl == std::string_view::npos) {
      const std::string_view rest = bytes.substr(pos);
      fill(journal_errc::truncated_tail, line_no, pos, peek_seq(rest),
           "the last line has no newline (" + std::to_string(rest.size()) +
               " bytes): a torn write or a cut file");
      return finish();
    }
    const std::string_view line = bytes.substr(pos, nl - pos);
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
        // Is the missing seq somewhere later in this file? Then lines were moved.
        bool found_later = false;
        std::size_t p = nl + 1;
        while (p < bytes.size() && !found_later) {
          std::size_t e = bytes.find('\n', p);
          if (e == std::string_view::npos) e = bytes.size();
          const auto s = peek_seq(bytes.substr(p, e - p));
          found_later = s && *s == expected;
          p = e + 1;
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
    pos = nl + 1;
  }
  return finish();
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
// Format
// ---------------------------------------------------------------------------

std::string sha256_hex(std::string_view bytes) {
  std::string out(64, '0');
  sha256_hex_to(bytes, out.data());
  return out;
}

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  std::size_t run = 0;  // start of the current run of characters written as is
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 0xF];
    }
  }
  out.append(s.data() + run, s.size() - run);
  out += '"';
}

std::string canonical_body(std::uint64_t seq, const record_body& body, std::string_view prev_hash) {
  std::string out;
  canonical_body_to(out, seq, body, prev_hash);
  return out;
}

std::string format_line(std::uint64_t seq, const record_body& body, std::string_view prev_hash,
                        std::string* hash_out) {
  std::string line;
  line.reserve(1024);
  canonical_body_to(line, seq, body, prev_hash);
  char hex[64];
  sha256_hex_to(line, hex);
  line.pop_back();  // the final '}'
  line += kHashKey;
  line.append(hex, 64);
  line += "\"}\n";
  if (hash_out != nullptr) hash_out->assign(hex, 64);
  return line;
}

record_parse_result parse_record(std::string_view line) {
  record_parse_result r;
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  const std::size_t n = line.size();
  if (n < kHashSuffixLen + 2 || line.substr(n - kHashSuffixLen, kHashKey.size()) != kHashKey ||
      line.substr(n - 2) != "\"}" || line.front() != '{' ||
      !is_hash(line.substr(n - kHashSuffixLen + kHashKey.size(), 64))) {
    r.ec = journal_errc::garbage;
    r.detail = "not a journal record (no {...,\"hash\":\"<64 hex>\"} form)";
    return r;
  }
  const std::string_view stated = line.substr(n - kHashSuffixLen + kHashKey.size(), 64);
  std::string body(line.substr(0, n - kHashSuffixLen));
  body += '}';
  const std::string actual = sha256_hex(body);
  if (actual != stated) {
    r.ec = journal_errc::edited;
    r.detail = "hash does not match the line (line says " + std::string(stated) +
               ", its bytes hash to " + actual + ")";
    return r;
  }
  std::string err;
  if (!parse_fields(line, r.record, err)) {
    r.ec = journal_errc::malformed;
    r.detail = std::move(err);
    return r;
  }
  const std::string canon = canonical_body(r.record.seq, r.record.body, r.record.prev_hash);
  if (canon != body) {
    r.ec = journal_errc::not_canonical;
    r.detail = "the hash matches but the line is not in canonical form";
    return r;
  }
  return r;
}

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
  std::string m = file + " line " + std::to_string(line);
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
  verify_report r = verify_file_bytes(bytes, name, 0, st, opt);
  r.files = 1;
  return r;
}

verify_report verify_journal_stream(std::istream& in, std::string_view name,
                                    const verify_options& opt) {
  const std::string bytes = read_stream(in);
  if (in.bad()) {
    verify_report r;
    r.reason = journal_errc::io_error;
    r.file = std::string(name);
    r.detail = "read error";
    return r;
  }
  return verify_journal_bytes(bytes, name, opt);
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
    bool ok = true;
    const std::string bytes = read_whole_file(files[i], ok);
    if (!ok) {
      r = verify_report{};
      r.reason = journal_errc::io_error;
      r.file = files[i];
      r.detail = "cannot read: " + errno_text(errno);
      r.records = st.records;
      r.last_hash = st.last_hash;
      r.last_seq = st.last_seq;
      r.files = i + 1;
      return r;
    }
    r = verify_file_bytes(bytes, files[i], i, st, opt);
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
    bool ok = true;
    const std::string bytes = read_whole_file(f, ok);
    if (!ok) throw journal_error("journal: cannot read " + f);
    std::size_t pos = 0;
    while (pos < bytes.size()) {
      const std::size_t nl = bytes.find('\n', pos);
      record_parse_result r = parse_record(std::string_view(bytes).substr(pos, nl - pos));
      if (!r.ok()) throw journal_error("journal: " + f + " changed while being read");
      out.push_back(std::move(r.record));
      pos = nl + 1;
    }
  }
  return out;
}

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

  const std::vector<std::string> files = chain_files(path);
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
    if (w.write_genesis(genesis_reason::start, opt.start_ns) != journal_errc::ok) {
      throw journal_error("journal: cannot write the genesis record to " + path + ": " +
                          errno_text(errno));
    }
  } else {
    w.file_index_ = files.size() - 1;
    w.open_file_for_append(files.back(), /*create=*/false);
    genesis_reason reason = genesis_reason::restart;
    if (continue_in_empty) {
      reason = w.file_index_ == 0 ? genesis_reason::start : genesis_reason::rotation;
    }
    if (w.write_genesis(reason, opt.start_ns) != journal_errc::ok) {
      throw journal_error("journal: cannot write the genesis record to " + files.back() + ": " +
                          errno_text(errno));
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
  bool ok = simdjson::validate_utf8(r.triangle_name) && simdjson::validate_utf8(r.rounding) &&
            is_decimal(r.ratio);
  for (const journal_leg& l : r.legs) ok = ok && simdjson::validate_utf8(l.symbol);
  if (!ok) {
    ++stats_.append_errors;
    return journal_errc::invalid_record;
  }
  return append_impl(r, now_ns);
}

journal_errc journal_writer::append(const checkpoint_record& r, std::int64_t now_ns) {
  const std::string_view c = r.counters_json;
  bool ok = c.size() >= 2 && c.front() == '{' && c.back() == '}' &&
            c.find_first_of("\r\n") == std::string_view::npos;
  if (ok) {
    // Must be exactly one JSON object, so that the reader's raw text is these bytes.
    thread_local simdjson::dom::parser parser;
    simdjson::dom::object obj;
    ok = parser.parse(c.data(), c.size()).get(obj) == simdjson::SUCCESS;
  }
  if (!ok) {
    ++stats_.append_errors;
    return journal_errc::invalid_record;
  }
  return append_impl(r, now_ns);
}

}  // namespace triarb
