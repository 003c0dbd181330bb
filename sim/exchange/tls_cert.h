// tls_cert: a throw-away certificate authority and a loopback server
// certificate, made at start-up with OpenSSL, so the simulated exchange
// speaks real TLS and the bot does real verification (chain + host name)
// against a CA it is told to trust (`--ca-file`), never "verify off".
//
//   tls_identity id = make_loopback_identity();
//   ctx.use_certificate_chain(id.leaf_pem + id.ca_pem);   // server side
//   ctx.use_private_key(id.leaf_key_pem);
//   client_ctx.add_certificate_authority(id.ca_pem);       // client side
//
// The CA is a self-signed X.509 v3 certificate (basicConstraints CA:TRUE,
// keyUsage keyCertSign/cRLSign). The leaf is signed by it, with
// subjectAltName IP:127.0.0.1, IP:::1, DNS:localhost (extendedKeyUsage
// serverAuth). Both keys are EC P-256; signatures are ECDSA-SHA256. Validity
// runs from one hour ago to 30 days from now; serials are random.
//
// Thread safety: make_loopback_identity is reentrant (no shared state).
#pragma once

#include <string>
#include <vector>

namespace triarb {

struct tls_identity {
  std::string ca_pem;        // the CA certificate to trust (PEM)
  std::string leaf_pem;      // the server certificate (PEM), signed by the CA
  std::string leaf_key_pem;  // the server's private key (PKCS#8 PEM, unencrypted)
};

struct tls_identity_options {
  std::string ca_common_name = "triarb sim-exchange CA";
  std::string leaf_common_name = "localhost";
  std::vector<std::string> ip_sans = {"127.0.0.1", "::1"};
  std::vector<std::string> dns_sans = {"localhost"};
  int valid_days = 30;
};

// Generates a fresh CA and leaf. Start-up only. Throws std::runtime_error
// naming the OpenSSL step that failed (with OpenSSL's error text).
[[nodiscard]] tls_identity make_loopback_identity(const tls_identity_options& o = {});

}  // namespace triarb
