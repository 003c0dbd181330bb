// internal/sha256: SHA-256 over OpenSSL EVP with a per-thread implementation
// and context. See sha256.h.
#include "core/internal/sha256.h"

#include <openssl/evp.h>

#include "core/journal_record.h"

namespace triarb::internal {

namespace {

// The SHA-256 implementation, fetched once per thread, and a reused context:
// EVP_Digest(EVP_sha256()) re-fetches and allocates on every call, which
// costs about a third of hashing a whole record line.
struct sha256_engine {
  EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  sha256_engine() = default;
  sha256_engine(const sha256_engine&) = delete;
  sha256_engine& operator=(const sha256_engine&) = delete;
  ~sha256_engine() {
    EVP_MD_CTX_free(ctx);
    EVP_MD_free(md);
  }
};

}  // namespace

void sha256_hex_to(std::string_view bytes, char* out64) {
  thread_local sha256_engine e;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (e.md == nullptr || e.ctx == nullptr || EVP_DigestInit_ex(e.ctx, e.md, nullptr) != 1 ||
      EVP_DigestUpdate(e.ctx, bytes.data(), bytes.size()) != 1 ||
      EVP_DigestFinal_ex(e.ctx, md, &len) != 1 || len != 32) {
    // Only on allocation failure or an OpenSSL without SHA-256.
    throw journal_error("journal: OpenSSL SHA-256 failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  for (unsigned int i = 0; i < 32; ++i) {
    out64[2 * i] = kHex[md[i] >> 4];
    out64[2 * i + 1] = kHex[md[i] & 0xF];
  }
}

}  // namespace triarb::internal
