// connect_budget: see connect_budget.h.
#include "net/connect_budget.h"

namespace triarb {

void connect_budget::expire(std::int64_t now_ns) {
  while (!taken_.empty() && now_ns - taken_.front() >= kWindowNs) taken_.pop_front();
}
bool connect_budget::try_take(std::int64_t now_ns) {
  expire(now_ns);
  if (taken_.size() >= limit_) return false;
  taken_.push_back(now_ns);
  return true;
}
std::int64_t connect_budget::next_free_ns(std::int64_t now_ns) {
  expire(now_ns);
  return taken_.size() < limit_ ? now_ns : taken_.front() + kWindowNs;
}
std::size_t connect_budget::used(std::int64_t now_ns) {
  expire(now_ns);
  return taken_.size();
}

}  // namespace triarb
