// execution_plan: the [execution] table (config.h, execution_settings)
// mapped onto core/execution_engine.h's configuration for one universe.
// Apart from config.h so that config.h does not pull in the engine (and
// core/ledger.h's asset_balance, which net/order_api.h also defines).
#pragma once

#include <vector>

#include "config/config.h"
#include "core/execution_engine.h"

namespace triarb {

// The execution engine's configuration for one universe (core/execution_engine.h):
// cycle (fee rate: [strategy]'s fee), risk (per-asset notionals by id), the
// valuation asset's id and the starting balances by id. A start asset,
// valuation asset or balance the universe does not trade is a config_error
// naming the key.
struct execution_plan {
  execution_config engine;
  asset_id valuation = 0;
  std::vector<asset_balance> start;
};
[[nodiscard]] execution_plan to_execution_plan(const bot_config& c, const universe& u);

}  // namespace triarb
