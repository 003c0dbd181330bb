// frame_faults: the one frame-fault injector. Every driver that corrupts
// frames (the deterministic sim driver, the in-process campaign, the
// simulated exchange over the network) corrupts them here, the same way, so
// a fault kind means the same bytes wherever it is injected.
//
//   frame_fault_rates r;  r.garbage = r.truncated = 0.001;
//   std::string frame = encode_frame(m, s, true);
//   const std::string clean = frame;
//   frame_fault f = corrupt_frame(frame, r, rng);      // frame_fault::none: sent as made
//   send(frame);
//   repeat_faults rep = draw_repeats(r, !last[s].empty(), rng);
//   if (rep.duplicate) send(frame);
//   if (rep.reorder) send(last[s]);                     // older update id after the newer one
//   last[s] = clean;
//
// Draws: a kind draws from the rng only when its rate is positive, in the
// order garbage, truncated, oversized_qty, bad_price (the first that hits
// is the fault), then duplicate, then reorder (only when a previous frame
// exists). With every rate zero nothing is drawn, so adding a kind never
// shifts the stream of a run that does not use it.
//
// Thread safety: pure functions of their arguments; the rng is the caller's.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "sim/rng.h"

namespace triarb::sim {

// Probability of each fault per frame (each in [0, 1]).
struct frame_fault_rates {
  double garbage = 0;        // replaced by bytes that are not JSON (unattributed error)
  double truncated = 0;      // cut to half its length (unattributed: not JSON)
  double oversized_qty = 0;  // bid quantity above fixed8::max() (saturates, counted)
  double bad_price = 0;      // bid price with an exponent (an error attributed to the symbol)
  double duplicate = 0;      // the frame sent twice
  double reorder = 0;        // the symbol's previous frame sent again after this one
};

enum class frame_fault : std::uint8_t { none, garbage, truncated, oversized_qty, bad_price };

// What a garbage fault sends instead of the frame.
inline constexpr std::string_view kGarbageFrame = "\x01\x02 not json {";
// A top-of-book quantity above fixed8::max() (92,233,720,368.54775807), as
// LUNC's twelve-digit quantities were.
inline constexpr std::string_view kOversizedQty = "5000000000000.00";

// Corrupts a bookTicker frame in place with at most one fault (see Draws).
// A kind that does not apply to the frame (no "B" or "b" field) is no fault.
frame_fault corrupt_frame(std::string& frame, const frame_fault_rates& r, sim_rng& rng);

struct repeat_faults {
  bool duplicate = false;
  bool reorder = false;
};
// After a frame was sent: send it again, and/or send the symbol's previous
// frame after it (has_previous: there is one).
repeat_faults draw_repeats(const frame_fault_rates& r, bool has_previous, sim_rng& rng);

// Sets the value of the quantity field `key` ('B' or 'A') of a bookTicker
// frame to text. False if the frame has no such field.
bool set_quantity(std::string& frame, char key, std::string_view text);

// Both quantities over fixed8::max() (kOversizedQty), as the frames that froze
// the previous bot's LUNC leg were. False if either field is missing.
bool overflow_quantities(std::string& frame);

}  // namespace triarb::sim
