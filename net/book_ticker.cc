// book_ticker: see book_ticker.h.
#include "net/book_ticker.h"

#include <simdjson.h>

#include "core/fixed8.h"

namespace triarb {

std::vector<quote> parse_book_ticker(std::string_view json, const symbol_table& symbols,
                                     std::size_t* bad) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(json.data(), json.size(), true).get(doc) != simdjson::SUCCESS) {
    throw rest_error("bookTicker: the response is not JSON");
  }
  std::vector<quote> out;
  std::size_t n_bad = 0;
  auto one = [&](simdjson::dom::element e) {
    std::string_view name, b, bq, a, aq;
    if (e["symbol"].get(name) || e["bidPrice"].get(b) || e["bidQty"].get(bq) ||
        e["askPrice"].get(a) || e["askQty"].get(aq)) {
      ++n_bad;
      return;
    }
    const symbol_id s = symbols.find(name);
    if (s == kNoSymbol) return;
    const fixed8_result pb = parse_unsigned_fixed8(b);
    const fixed8_result pa = parse_unsigned_fixed8(a);
    const qty_result qb = parse_qty_capped(bq);
    const qty_result qa = parse_qty_capped(aq);
    if (!pb.ok() || !pa.ok() || !qb.ok() || !qa.ok()) {
      ++n_bad;
      return;
    }
    // A crossed book or a zero price with a quantity would be rejected by the
    // frame parser; a snapshot like that is not used either.
    if ((pb.value.is_zero() && !qb.value.is_zero()) ||
        (pa.value.is_zero() && !qa.value.is_zero()) ||
        (!pb.value.is_zero() && !pa.value.is_zero() && pa.value < pb.value)) {
      ++n_bad;
      return;
    }
    quote q;
    q.symbol = s;
    q.update_id = 0;
    q.bid = pb.value;
    q.ask = pa.value;
    q.bid_qty = qb.value;
    q.ask_qty = qa.value;
    q.qty_capped = qb.capped || qa.capped;
    out.push_back(q);
  };
  simdjson::dom::array arr;
  if (doc.get(arr) == simdjson::SUCCESS) {
    out.reserve(arr.size());
    for (simdjson::dom::element e : arr) one(e);
  } else {
    one(doc);
  }
  if (bad) *bad = n_bad;
  return out;
}

}  // namespace triarb
