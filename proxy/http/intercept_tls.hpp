// The client side of a decrypted flow (README "HTTPS interception"), shared by
// the block page and inspected flows: the TLS handshake with a leaf minted
// for the flow's host, the inner request heads read with the forward
// listener's limits, and local replies written over TLS.
#pragma once

#include <memory>
#include <string>

#include "http/intercept_flow.hpp"
#include "http/local_reply.hpp"
#include "http/session.hpp"
#include "net/tls_socket.hpp"

namespace gh {

using TlsStream = TlsSocket;

// Local replies inside a decrypted flow (http/local_reply.hpp): the page
// goes out over TLS, then TLS is closed politely.
class TlsSink final : public ReplySink {
 public:
  TlsSink(TlsStream& tls, Millis idle) : tls_(tls), idle_(idle) {}
  asio::awaitable<bool> write(std::string_view head, std::string_view body) override;

 private:
  TlsStream& tls_;
  Millis idle_;
};

// The handshake with a leaf for `f.host`, within the header timeout.
// Null when it failed: the `tls-handshake-failed` close record is written
// and the outcome counted. `prefix`: the bytes already read from the client
// (the ClientHello and anything behind it), replayed to OpenSSL first.
asio::awaitable<std::unique_ptr<TlsStream>> accept_client_tls(tcp::socket& client,
                                                              std::string prefix, InterceptFlow& f);

enum class InnerHead : unsigned char { ok, closed, timeout, too_large, bad };

// Reads one request head from the decrypted stream within `timeout`; bytes
// behind it stay in `buffer`. `closed`: the client ended the flow (or sent
// nothing more before the timeout) between requests.
asio::awaitable<InnerHead> read_inner_head(TlsStream& tls, beast::flat_buffer& buffer,
                                           ClientParser& parser, std::uint64_t max_header_bytes,
                                           Millis timeout);

// The decision request of an inner request: the flow's client, mode,
// identity, host and port, with `method` and the https:// URL (both must
// outlive it). Returns the reason to refuse it (400) or uncategorized.
// `parser` null: no head was read (the request has no method or URL).
Reason inner_request(const InterceptFlow& f, const ClientParser* parser, std::string& method,
                     std::string& url, Request& inner);

// The reason and status of a head that could not be read (not `ok`/`closed`).
Reason inner_head_reason(InnerHead h) noexcept;

}  // namespace gh
