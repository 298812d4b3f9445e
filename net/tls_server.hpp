// The server side of TLS on the RESP port: one OpenSSL context from the node's CA, certificate and key, client certificates required.
#pragma once

#include <memory>
#include <string>

typedef struct ssl_st SSL;
typedef struct ssl_ctx_st SSL_CTX;

namespace ac {

class tls_server {
public:
  /// Loads the files; nullptr and `err` (naming the file) when one cannot be used.
  static std::unique_ptr<tls_server> make(const std::string& ca_file, const std::string& cert_file,
                                          const std::string& key_file, std::string& err);
  ~tls_server();
  tls_server(const tls_server&) = delete;
  tls_server& operator=(const tls_server&) = delete;

  /// A server-side session on `fd` (non-blocking); the caller runs SSL_accept until done.
  SSL* accept_on(int fd) const;

private:
  explicit tls_server(SSL_CTX* ctx) : ctx_(ctx) {}
  SSL_CTX* ctx_;
};

} // namespace ac
