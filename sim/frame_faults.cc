// frame_faults: the one frame-fault injector (see frame_faults.h).
#include "sim/frame_faults.h"

namespace triarb::sim {
namespace {

bool draw(double rate, sim_rng& rng) { return rate > 0 && rng.chance(rate); }

}  // namespace

frame_fault corrupt_frame(std::string& frame, const frame_fault_rates& r, sim_rng& rng) {
  if (draw(r.garbage, rng)) {
    frame = kGarbageFrame;
    return frame_fault::garbage;
  }
  if (draw(r.truncated, rng)) {
    frame.resize(frame.size() / 2);
    return frame_fault::truncated;
  }
  if (draw(r.oversized_qty, rng)) {
    return set_quantity(frame, 'B', kOversizedQty) ? frame_fault::oversized_qty : frame_fault::none;
  }
  if (draw(r.bad_price, rng)) {
    const auto at = frame.find("\"b\":\"");
    if (at == std::string::npos) return frame_fault::none;
    frame.insert(at + 5, "1e");  // an exponent: the price is an error, attributed
    return frame_fault::bad_price;
  }
  return frame_fault::none;
}

repeat_faults draw_repeats(const frame_fault_rates& r, bool has_previous, sim_rng& rng) {
  repeat_faults out;
  out.duplicate = draw(r.duplicate, rng);
  out.reorder = has_previous && draw(r.reorder, rng);
  return out;
}

bool set_quantity(std::string& frame, char key, std::string_view text) {
  const std::string field = std::string("\"") + key + "\":\"";
  const auto at = frame.find(field);
  if (at == std::string::npos) return false;
  const auto begin = at + field.size();
  const auto end = frame.find('"', begin);
  if (end == std::string::npos) return false;
  frame.replace(begin, end - begin, text);
  return true;
}

bool overflow_quantities(std::string& frame) {
  const bool bid = set_quantity(frame, 'B', kOversizedQty);
  const bool ask = set_quantity(frame, 'A', kOversizedQty);
  return bid && ask;
}

}  // namespace triarb::sim
