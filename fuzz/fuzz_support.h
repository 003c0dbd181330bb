// fuzz_support: what every fuzz/<target>.cc shares. A byte consumer that turns
// the fuzzer's input into typed values, and TRIARB_FUZZ_CHECK, the one way a
// target reports an oracle disagreement.
//
// Contract for a target (fuzz/<target>.cc, registered with triarb_fuzzer(<target>)):
//   - define exactly `extern "C" int LLVMFuzzerTestOneInput(const uint8_t*, size_t)`
//     and return 0 (return -1 only to keep an input out of libFuzzer's corpus);
//   - optionally define `extern "C" int LLVMFuzzerInitialize(int*, char***)`;
//   - check an oracle, not only "no crash": on any disagreement call
//     TRIARB_FUZZ_CHECK (prints what disagreed, then std::abort()), so both
//     libFuzzer and the replay main report it as a crash;
//   - never read outside [data, data + size): the replay main hands over a
//     buffer of exactly `size` bytes so ASan catches an over-read;
//   - be deterministic (no clocks, no unseeded randomness, no global state
//     carried from one input to the next except caches that do not change results).
//
// Replay (fuzz/replay_main.cc, linked into every non-libFuzzer build):
//   fuzz_<target> PATH...   each PATH a file or a directory (walked recursively,
//   in sorted order; files whose name starts with '.' or "REPRODUCE-" are notes,
//   not inputs, and are skipped). Prints "replayed N inputs"; exits non-zero if
//   N == 0, if a path does not exist, or if a target returns anything but 0 / -1;
//   a crash (abort, SEGV...) prints "replay: crashed on input <path>" and kills it.
//   ctest runs `fuzz_<target> corpus/<target>` under the label fuzz-replay.
//
// Usage:
//   extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
//     triarb::fuzz::byte_consumer in(data, size);
//     const bool negative = in.boolean();
//     const auto raw = in.integral<std::int64_t>();
//     const std::string_view text = in.rest();
//     TRIARB_FUZZ_CHECK(parse(text) == reference(text), "parse disagrees with reference");
//     return 0;
//   }
//
// Thread safety: a byte_consumer is a plain value; use one per thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <string_view>
#include <type_traits>

// Prints "fuzz check failed: <msg> (<expr>) at file:line" to stderr and aborts.
#define TRIARB_FUZZ_CHECK(cond, msg)                                             \
  do {                                                                           \
    if (!(cond)) ::triarb::fuzz::check_failed(#cond, (msg), __FILE__, __LINE__); \
  } while (false)

namespace triarb::fuzz {

[[noreturn]] inline void check_failed(const char* expr, const char* msg, const char* file,
                                      int line) noexcept {
  std::fprintf(stderr, "fuzz check failed: %s (%s) at %s:%d\n", msg, expr, file, line);
  std::fflush(stderr);
  std::abort();
}

// Consumes the input from the front. Every accessor is total: when the input
// runs out, it returns what is left (integers are zero-filled, strings are
// shorter), so a target never needs to check remaining() before consuming.
// Integers are read little-endian, so an input file is portable across hosts.
class byte_consumer {
 public:
  // REQUIRES: [data, data + size) is readable for the consumer's lifetime.
  byte_consumer(const std::uint8_t* data, std::size_t size) noexcept : data_(data), size_(size) {}

  [[nodiscard]] std::size_t remaining() const noexcept { return size_; }
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }

  // sizeof(T) bytes (fewer, zero-filled, at the end of the input).
  template <class T>
  [[nodiscard]] T integral() noexcept {
    static_assert(std::is_integral_v<T> && !std::is_same_v<T, bool>);
    using U = std::make_unsigned_t<T>;
    U v = 0;
    for (std::size_t i = 0; i < sizeof(T) && size_ > 0; ++i) {
      v = static_cast<U>(v | static_cast<U>(static_cast<U>(*data_) << (8 * i)));
      ++data_;
      --size_;
    }
    return static_cast<T>(v);
  }

  // One byte; true when its low bit is set (false at end of input).
  [[nodiscard]] bool boolean() noexcept { return (integral<std::uint8_t>() & 1U) != 0; }

  // A value in [lo, hi] (lo when the input is exhausted).
  // REQUIRES: lo <= hi.
  template <class T>
  [[nodiscard]] T in_range(T lo, T hi) noexcept {
    static_assert(std::is_integral_v<T> && !std::is_same_v<T, bool>);
    using U = std::make_unsigned_t<T>;
    const U span = static_cast<U>(static_cast<U>(hi) - static_cast<U>(lo));
    const U v = integral<U>();
    if (span == std::numeric_limits<U>::max()) return static_cast<T>(v);
    return static_cast<T>(static_cast<U>(static_cast<U>(lo) + static_cast<U>(v % (span + 1))));
  }

  // One of the given values, chosen by one byte (the first when exhausted).
  // REQUIRES: 1 <= choices.size() <= 256.
  template <class T>
  [[nodiscard]] T pick(std::initializer_list<T> choices) noexcept {
    const auto last = static_cast<std::uint8_t>(choices.size() - 1);
    return choices.begin()[in_range<std::uint8_t>(0, last)];
  }

  // The next min(n, remaining()) bytes as characters. The view points into
  // the input: it is valid as long as the input is.
  [[nodiscard]] std::string_view bytes(std::size_t n) noexcept {
    if (n > size_) n = size_;
    const std::string_view out(reinterpret_cast<const char*>(data_), n);
    data_ += n;
    size_ -= n;
    return out;
  }

  // A length-prefixed piece: one byte gives the length (at most max_len), then
  // that many bytes. Use it to split one input into several strings.
  [[nodiscard]] std::string_view prefixed_bytes(std::uint8_t max_len = 255) noexcept {
    return bytes(in_range<std::uint8_t>(0, max_len));
  }

  // Everything that is left.
  [[nodiscard]] std::string_view rest() noexcept { return bytes(size_); }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
};

}  // namespace triarb::fuzz
