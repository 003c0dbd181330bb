// frame_buffer: the padded receive buffer one WebSocket frame is read into
// and frame_parser parses from (frame_parser.h), and kFramePadding, the slack
// that lets simdjson read past the end of the frame. The out-of-line members
// are defined in frame_parser.cc, next to the check of kFramePadding against
// simdjson's own constant. Thread safety: see the class comment.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string_view>

namespace triarb {

// Bytes of readable slack simdjson needs after the input (SIMDJSON_PADDING in
// simdjson 3.0.1; checked against the real constant in frame_parser.cc).
inline constexpr std::size_t kFramePadding = 64;

// A receive buffer for one frame, always followed by kFramePadding readable
// bytes. simdjson reads whole 64-byte blocks and may read up to
// SIMDJSON_PADDING bytes past the end of the input; without the slack it
// would read past the allocation. The padding's contents do not matter.
//
// Lifetime: everything simdjson hands out while parsing (string views, raw
// tokens) points into this buffer or the parser's scratch space and dies with
// the document: the frame_result returned by frame_parser::parse holds only
// values, never views, so the buffer may be reused as soon as parse returns.
//
//   frame_buffer buf;
//   std::span<char> room = buf.prepare(4096);  // at least 4096 writable bytes
//   std::size_t n = read_some(room);           // append n bytes
//   buf.commit(n);
//   ... parser.parse(buf) ...; buf.clear();
//
// Thread safety: none; owned by the one thread that reads the connection.
class frame_buffer {
 public:
  static constexpr std::size_t kDefaultCapacity = 4096;
  explicit frame_buffer(std::size_t capacity = kDefaultCapacity);

  // Writable space for at least n more bytes after the current content
  // (grows, preserving the content, if needed). Pass the bytes to commit().
  [[nodiscard]] std::span<char> prepare(std::size_t n);
  // REQUIRES: n <= the size of the span last returned by prepare().
  void commit(std::size_t n) noexcept { size_ += n; }
  void clear() noexcept { size_ = 0; }
  // Replaces the content with a copy of s (tests, replay).
  void assign(std::string_view s);

  [[nodiscard]] const char* data() const noexcept { return data_.get(); }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }
  [[nodiscard]] std::string_view view() const noexcept { return {data_.get(), size_}; }

 private:
  std::unique_ptr<char[]> data_;  // capacity_ + kFramePadding bytes
  std::size_t capacity_ = 0;
  std::size_t size_ = 0;
};

}  // namespace triarb
