// hmac: HMAC-SHA256 (OpenSSL) as the exchange's signed endpoints use it: the
// signature of a request is the lower-case hex HMAC-SHA256 of its total
// parameter string, keyed with the API secret. One implementation for the
// side that signs (net/order_api.h) and the side that checks (the simulated
// exchange), so the two cannot drift apart.
//
//   std::string sig = hmac_sha256_hex(secret, "symbol=LTCBTC&side=BUY&...");
//   bool ok = digest_hex_equal(sig, request_signature);   // constant time
//
// Thread safety: pure; safe from any thread. The key is never copied beyond
// the call and never printed.
#pragma once

#include <string>
#include <string_view>

namespace triarb {

// 64 lower-case hex digits. Throws std::runtime_error only if OpenSSL fails
// (allocation failure, or an OpenSSL without SHA-256).
[[nodiscard]] std::string hmac_sha256_hex(std::string_view key, std::string_view message);

// a == b, in time that depends only on the lengths (CRYPTO_memcmp): for
// comparing a presented signature with the expected one.
[[nodiscard]] bool digest_hex_equal(std::string_view a, std::string_view b) noexcept;

}  // namespace triarb
