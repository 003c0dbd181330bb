// rng: the simulator's one source of randomness. splitmix64, written out so a
// seed gives the same stream on every platform and library version
// (std::uniform_*_distribution output is implementation-defined).
//
//   sim_rng r(seed);
//   std::uint64_t x = r.next();  double u = r.uniform();  std::uint64_t k = r.below(10);
//
// Thread safety: none; one generator per thread.
#pragma once

#include <cmath>
#include <cstdint>

namespace triarb::sim {

class sim_rng {
 public:
  explicit sim_rng(std::uint64_t seed) noexcept : state_(seed) {}

  std::uint64_t next() noexcept {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1), 53 bits.
  double uniform() noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  // Uniform in [0, n). REQUIRES: n > 0. (Modulo bias is below 2^-40 for the n used here.)
  std::uint64_t below(std::uint64_t n) noexcept { return next() % n; }
  bool chance(double p) noexcept { return uniform() < p; }
  // Exponential with the given mean.
  double exponential(double mean) noexcept { return -mean * std::log1p(-uniform()); }

 private:
  std::uint64_t state_;
};

}  // namespace triarb::sim
