// book_ticker: the REST bookTicker document -> quotes. Apart from the REST
// client so that a build of the parsers alone (the fuzz preset) does not
// compile Beast.
//
//   std::size_t bad = 0;
//   std::vector<quote> qs = parse_book_ticker(rest.book_ticker(), symbols, &bad);
//
// Thread safety: none needed (a pure function).
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "core/quote.h"
#include "core/symbol_table.h"

namespace triarb {

class rest_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
// get_ok's error when rest_options::stop ended the request (not a failure of
// the server or the network: the caller asked).
class rest_stopped : public rest_error {
 public:
  using rest_error::rest_error;
};

// The bookTicker array (or a single object) -> one quote per known symbol,
// update_id 0 (REST carries none). Prices exact, quantities saturating
// (qty_capped set) like the frame parser. Entries for unknown symbols are
// skipped; malformed entries are skipped and counted in *bad if given.
// Throws rest_error if the document is not JSON.
[[nodiscard]] std::vector<quote> parse_book_ticker(std::string_view json,
                                                   const symbol_table& symbols,
                                                   std::size_t* bad = nullptr);

}  // namespace triarb
