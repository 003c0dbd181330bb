// `triarb sim-exchange`: the simulated exchange alone on loopback
// (sim/exchange/sim_exchange.h), until SIGINT/SIGTERM.
#include <pthread.h>

#include <csignal>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <stdexcept>

#include "apps/triarb/command.h"
#include "sim/exchange/sim_exchange.h"

namespace triarb::app {
namespace {

struct sim_exchange_flags {
  sim_exchange_options sxo;
  std::string ca_out;
};

// Serves until SIGINT/SIGTERM (blocked in every thread and taken with
// sigwait, so the exchange stops from the main thread, cleanly).
int serve(const sim_exchange_options& o, const std::string& ca_out) {
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);  // before start(): threads inherit it
  std::optional<sim_exchange> exchange;
  try {
    exchange.emplace(o);
  } catch (const std::invalid_argument& e) {
    std::cerr << "triarb: " << e.what() << "\n";
    return kExitUsage;
  }
  sim_exchange& ex = *exchange;
  if (!ca_out.empty()) {
    std::ofstream out(ca_out, std::ios::binary);
    out << ex.ca_pem();
    if (!out) throw std::runtime_error(ca_out + ": cannot write");
  }
  ex.start();
  std::cout << "sim-exchange: seed " << o.seed << ", " << o.updates_per_second
            << " updates/s\n  rest " << ex.rest_url() << "\n  ws   " << ex.ws_url() << "\n  ca   "
            << (ca_out.empty() ? std::string("(not written; use --ca-out FILE)") : ca_out)
            << "\nCtrl-C stops it." << std::endl;
  int sig = 0;
  sigwait(&stop_signals, &sig);
  ex.stop();
  const sim_exchange::stats st = ex.get_stats();
  std::cout << "sim-exchange: stopped (signal " << sig << "): " << st.connections_accepted
            << " connections, " << st.frames_sent << " frames, " << st.rest_requests
            << " REST requests, rejected 414/400-streams/429: " << st.rejected_414 << "/"
            << st.rejected_too_many_streams << "/" << st.rejected_429 << ", dropped no-pong "
            << st.disconnected_no_pong << ", rate-limit " << st.disconnected_rate_limit << ", slow "
            << st.disconnected_slow_consumer << std::endl;
  return kExitOk;
}

}  // namespace

void add_sim_exchange(CLI::App& app, std::vector<command>& out) {
  auto f = std::make_shared<sim_exchange_flags>();
  CLI::App* cmd = app.add_subcommand(
      "sim-exchange",
      "The simulated exchange over TLS on loopback (REST + WSS, real limits) until Ctrl-C; "
      "point `triarb run` at its URLs with --ca-file");
  cmd->add_option("--port", f->sxo.port, "TCP port (0: any free port)")->capture_default_str();
  cmd->add_option("--seed", f->sxo.seed, "Seed of the universe and market")->capture_default_str();
  cmd->add_option("--rate", f->sxo.updates_per_second, "Market updates per second")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1e7));
  cmd->add_option("--ca-out", f->ca_out, "Write the CA certificate (PEM) here");
  cmd->add_option("--host", f->sxo.host, "Address to listen on")->capture_default_str();
  cmd->add_flag("--allow-non-loopback", f->sxo.allow_non_loopback,
                "Allow a --host that is not a loopback address");
  out.push_back({cmd, [f] { return serve(f->sxo, f->ca_out); }});
}

}  // namespace triarb::app
