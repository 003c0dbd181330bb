// running_bot: a live_bot run on its own thread, for the tests that drive a
// whole bot against the simulated exchange (live_bot_test, execution_test,
// trading_control_test), and wait_for, their bounded poll.
//
//   running_bot b(options);                          // run() starts at once
//   ASSERT_TRUE(wait_for([&] { return b.bot.running(); }));
//   const live_report r = b.finish();                // stop, join, rethrow
//
// The destructor stops and joins too, so a failed ASSERT never leaves the
// bot's thread running.
#pragma once

#include <chrono>
#include <exception>
#include <thread>
#include <utility>

#include "runtime/live_bot.h"

namespace triarb {

// Polls cond every 10 ms until it holds or the limit passes; cond's value then.
template <class F>
bool wait_for(F cond, std::chrono::milliseconds limit = std::chrono::seconds(15)) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return cond();
}

struct running_bot {
  live_bot bot;
  live_report report;
  std::exception_ptr error;
  std::thread t;
  explicit running_bot(live_options o) : bot(std::move(o)) {
    t = std::thread([this] {
      try {
        report = bot.run();
      } catch (...) {
        error = std::current_exception();
      }
    });
  }
  running_bot(const running_bot&) = delete;
  running_bot& operator=(const running_bot&) = delete;
  // Stops the bot and returns its report (rethrows what run() threw).
  live_report finish() {
    bot.request_stop();
    if (t.joinable()) t.join();
    if (error) std::rethrow_exception(error);
    return report;
  }
  ~running_bot() {
    bot.request_stop();
    if (t.joinable()) t.join();
  }
};

}  // namespace triarb
