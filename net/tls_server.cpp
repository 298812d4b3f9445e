// The server side of TLS on the RESP port (see tls_server.hpp).
#include "net/tls_server.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace ac {

namespace {

std::string last_ssl_error() {
  char buf[256] = "unknown error";
  if (auto code = ERR_get_error())
    ERR_error_string_n(code, buf, sizeof buf);
  return buf;
}

} // namespace

std::unique_ptr<tls_server> tls_server::make(const std::string& ca_file,
                                             const std::string& cert_file,
                                             const std::string& key_file, std::string& err) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == nullptr) {
    err = "tls: cannot create a context: " + last_ssl_error();
    return nullptr;
  }
  std::unique_ptr<tls_server> out{new tls_server(ctx)};
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  if (SSL_CTX_use_certificate_chain_file(ctx, cert_file.c_str()) != 1) {
    err = "tls.cert-file: cannot use '" + cert_file + "': " + last_ssl_error();
    return nullptr;
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, key_file.c_str(), SSL_FILETYPE_PEM) != 1
      || SSL_CTX_check_private_key(ctx) != 1) {
    err = "tls.key-file: cannot use '" + key_file + "': " + last_ssl_error();
    return nullptr;
  }
  if (SSL_CTX_load_verify_locations(ctx, ca_file.c_str(), nullptr) != 1) {
    err = "tls.ca-file: cannot use '" + ca_file + "': " + last_ssl_error();
    return nullptr;
  }
  // Mutual TLS, as on the CAF port: a client without a certificate of our CA is refused.
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  return out;
}

tls_server::~tls_server() { SSL_CTX_free(ctx_); }

SSL* tls_server::accept_on(int fd) const {
  SSL* ssl = SSL_new(ctx_);
  if (ssl == nullptr)
    return nullptr;
  SSL_set_fd(ssl, fd);
  SSL_set_accept_state(ssl);
  return ssl;
}

} // namespace ac
