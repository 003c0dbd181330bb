// telemetry: counter names and the one-line JSON tick.
#include "core/telemetry.h"

namespace triarb {

std::string_view to_string(feed_counter c) noexcept {
  switch (c) {
    case feed_counter::frames_received:
      return "frames_received";
    case feed_counter::quotes_applied:
      return "quotes_applied";
    case feed_counter::control_messages:
      return "control_messages";
    case feed_counter::attributed_errors:
      return "attributed_errors";
    case feed_counter::unattributed_errors:
      return "unattributed_errors";
    case feed_counter::qty_capped:
      return "qty_capped";
    case feed_counter::stale_dropped:
      return "stale_dropped";
    case feed_counter::duplicate_dropped:
      return "duplicate_dropped";
    case feed_counter::invalidated_by_frame:
      return "invalidated_by_frame";
    case feed_counter::invalidated_by_garbage:
      return "invalidated_by_garbage";
    case feed_counter::invalidated_by_connection:
      return "invalidated_by_connection";
    case feed_counter::kCount:
      break;
  }
  return "unknown";
}

std::string_view to_string(eval_counter c) noexcept {
  switch (c) {
    case eval_counter::symbols_drained:
      return "symbols_drained";
    case eval_counter::triangles_evaluated:
      return "triangles_evaluated";
    case eval_counter::skip_invalid_leg:
      return "skip_invalid_leg";
    case eval_counter::skip_stale_leg:
      return "skip_stale_leg";
    case eval_counter::skip_empty_side:
      return "skip_empty_side";
    case eval_counter::below_threshold:
      return "below_threshold";
    case eval_counter::skip_unsizable:
      return "skip_unsizable";
    case eval_counter::skip_no_profit:
      return "skip_no_profit";
    case eval_counter::opportunities:
      return "opportunities";
    case eval_counter::journal_full:
      return "journal_full";
    case eval_counter::kCount:
      break;
  }
  return "unknown";
}

namespace {

template <class Enum>
void render_block(std::string& out, std::string_view name, const counter_block<Enum>& b,
                  std::size_t first) {
  out += '"';
  out += name;
  out += "\":{";
  for (std::size_t i = first; i < counter_block<Enum>::kSize; ++i) {
    const auto c = static_cast<Enum>(i);
    if (i != first) out += ',';
    out += '"';
    out += to_string(c);
    out += "\":";
    out += std::to_string(b.get(c));
  }
  out += '}';
}

}  // namespace

std::string telemetry::render_json(std::int64_t now_ns) const {
  std::string out;
  out.reserve(1024);
  out += "{\"t_ns\":";
  out += std::to_string(now_ns);
  out += ',';
  render_block(out, "feed", feed, 0);
  out += ',';
  // frame_errc::ok is not an error: start at 1.
  render_block(out, "parse_errors", parse_errors, 1);
  out += ',';
  render_block(out, "eval", eval, 0);
  out += '}';
  return out;
}

}  // namespace triarb
