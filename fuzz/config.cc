// Fuzz target for the TOML configuration (config/config.h), with a
// round-trip oracle: a text load_config_string accepts is written back with
// to_toml(), and that text must load to the same configuration: the same
// to_toml() text and the same decision_toml() (the journal's genesis vouches
// for it, so a knob that does not survive the trip would change what a
// restart compares). A config_error is the loader's refusal, an outcome; any
// other exception, a crash, or a disagreement is a finding, and so is
// to_toml()'s text being refused.
//
//   build/fuzz/fuzz/fuzz_config -dict=fuzz/config.dict corpus/config
//   build/default/fuzz/fuzz_config corpus/config       # replay
#include "config/config.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  triarb::bot_config first;
  try {
    first = triarb::load_config_string(in, "fuzz");
  } catch (const triarb::config_error&) {
    return 0;  // refused: an outcome
  }
  const std::string text = first.to_toml();
  triarb::bot_config second;
  try {
    second = triarb::load_config_string(text, "to_toml");
  } catch (const triarb::config_error& e) {
    std::fprintf(stderr, "to_toml() wrote:\n%s\nwhich loads as: %s\n", text.c_str(), e.what());
    TRIARB_FUZZ_CHECK(false, "the configuration to_toml() writes is refused");
  }
  const std::string again = second.to_toml();
  if (again != text) {
    std::fprintf(stderr, "to_toml() of the input:\n%s\nto_toml() of that, loaded:\n%s\n",
                 text.c_str(), again.c_str());
    TRIARB_FUZZ_CHECK(false, "to_toml() does not round-trip");
  }
  TRIARB_FUZZ_CHECK(first.decision_toml() == second.decision_toml(),
                    "decision_toml() changes across to_toml()");
  return 0;
}
