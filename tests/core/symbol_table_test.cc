// Unit tests for symbol_table: ids are list indices, lookup is exact, stream
// names match case-insensitively, bad universes are rejected at start-up.
#include "core/symbol_table.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace triarb {
namespace {

TEST(SymbolTable, IdIsIndexInTheList) {
  const symbol_table t({"BNBUSDT", "BTCUSDT", "LUNCUSDT", "ETHBTC"});
  EXPECT_EQ(t.size(), 4U);
  EXPECT_EQ(t.find("BNBUSDT"), 0U);
  EXPECT_EQ(t.find("BTCUSDT"), 1U);
  EXPECT_EQ(t.find("LUNCUSDT"), 2U);
  EXPECT_EQ(t.find("ETHBTC"), 3U);
  EXPECT_EQ(t.name(2), "LUNCUSDT");
}

TEST(SymbolTable, UnknownNamesAreNotFound) {
  const symbol_table t({"BNBUSDT", "BTCUSDT"});
  EXPECT_EQ(t.find("DOGEUSDT"), kNoSymbol);
  EXPECT_EQ(t.find(""), kNoSymbol);
  EXPECT_EQ(t.find("BNBUSD"), kNoSymbol);                      // prefix
  EXPECT_EQ(t.find("BNBUSDTX"), kNoSymbol);                    // extension
  EXPECT_EQ(t.find("bnbusdt"), kNoSymbol);                     // find is case-sensitive
  EXPECT_EQ(t.find("ABCDEFGHIJKLMNOPQRSTUVWXYZ"), kNoSymbol);  // longer than the maximum
}

TEST(SymbolTable, EmptyTableFindsNothing) {
  const symbol_table t;
  EXPECT_EQ(t.find("BNBUSDT"), kNoSymbol);
}

TEST(SymbolTable, FindsEveryNameOfALargeUniverse) {
  std::vector<std::string> names;
  for (int i = 0; i < 3000; ++i) names.push_back("S" + std::to_string(i * 7919) + "USDT");
  names.emplace_back("ABCDEFGHIJKLMNOPQRST");  // exactly 20 bytes
  const symbol_table t(names);
  for (std::size_t i = 0; i < names.size(); ++i) {
    ASSERT_EQ(t.find(names[i]), static_cast<symbol_id>(i)) << names[i];
  }
  EXPECT_EQ(t.find("S1USDT"), kNoSymbol);
}

TEST(SymbolTable, PaddedFindIgnoresBytesAfterTheName) {
  const symbol_table t({"BNBUSDT", "LUNCUSDT", "ABCDEFGHIJKLMNOPQRST", "A", "ETHBTC"});
  for (const std::string_view name :
       {"BNBUSDT", "LUNCUSDT", "ABCDEFGHIJKLMNOPQRST", "A", "ETHBTC", "BNBUSD", "X", "ETHBTCX"}) {
    // The name followed by garbage that would change the answer if read.
    std::string padded(name);
    padded += "USDT\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
    EXPECT_EQ(t.find_padded(padded.data(), name.size()), t.find(name)) << name;
  }
  const std::string long_name(32, 'A');
  EXPECT_EQ(t.find_padded(long_name.data(), 21), kNoSymbol);
  EXPECT_EQ(t.find_padded(long_name.data(), 0), kNoSymbol);
}

TEST(SymbolTable, RejectsBadUniverseAtStartUp) {
  EXPECT_THROW(symbol_table({"BNBUSDT", "BNBUSDT"}), std::invalid_argument);
  EXPECT_THROW(symbol_table({""}), std::invalid_argument);
  EXPECT_THROW(symbol_table({"ABCDEFGHIJKLMNOPQRSTU"}), std::invalid_argument);  // 21 bytes
  EXPECT_THROW(symbol_table({"BNB\"USDT"}), std::invalid_argument);
  EXPECT_THROW(symbol_table({"BNB\\USDT"}), std::invalid_argument);
  EXPECT_THROW(symbol_table({"BNB USDT"}), std::invalid_argument);
}

TEST(SymbolTable, StreamNameMatchesSymbolCaseInsensitively) {
  EXPECT_TRUE(symbol_table::stream_names_symbol("bnbusdt@bookTicker", "BNBUSDT"));
  EXPECT_TRUE(symbol_table::stream_names_symbol("BNBUSDT@BOOKTICKER", "BNBUSDT"));
  EXPECT_TRUE(symbol_table::stream_names_symbol("bnbusdt@bookticker", "BNBUSDT"));
  EXPECT_FALSE(symbol_table::stream_names_symbol("btcusdt@bookTicker", "BNBUSDT"));
  EXPECT_FALSE(symbol_table::stream_names_symbol("bnbusdt@trade", "BNBUSDT"));
  EXPECT_FALSE(symbol_table::stream_names_symbol("bnbusdt", "BNBUSDT"));
  EXPECT_FALSE(symbol_table::stream_names_symbol("bnbusd@bookTicker", "BNBUSDT"));
  EXPECT_FALSE(symbol_table::stream_names_symbol("xbnbusdt@bookTicker", "BNBUSDT"));
  EXPECT_FALSE(symbol_table::stream_names_symbol("", ""));
}

}  // namespace
}  // namespace triarb
