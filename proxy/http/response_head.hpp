// Reading an origin's response head, on a plain or a decrypted flow: 1xx
// interim responses (other than 101) are passed on to the client as they
// come, and the final head is left in the parser for the body relay.
#pragma once

#include <limits>
#include <optional>

#include "base/millis.hpp"
#include "http/message_rules.hpp"
#include "net/asio.hpp"

namespace gh {

using OriginParser = http::response_parser<http::buffer_body>;

// `head_request`: the request was HEAD (no body follows the final head).
// A non-zero error when the head could not be read or the client is gone;
// an endless run of interim responses is refused as bad_version.
template <class Origin, class Client>
asio::awaitable<boost::system::error_code> read_final_head(Origin& origin,
                                                           beast::flat_buffer& buffer,
                                                           Client& client, bool head_request,
                                                           Millis idle,
                                                           std::optional<OriginParser>& rp) {
  boost::system::error_code ec;
  for (int interim = 0; interim < 8; ++interim) {
    rp.emplace();
    rp->body_limit(std::numeric_limits<std::uint64_t>::max());
    rp->header_limit(64 * 1024);
    if (head_request) rp->skip(true);
    beast::get_lowest_layer(origin).expires_after(idle);
    co_await http::async_read_header(origin, buffer, *rp,
                                     asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return ec;
    const int code = rp->get().result_int();
    if (code < 100 || code >= 200 || code == 101) co_return ec;
    http::response<http::empty_body> interim_res{rp->get().base()};
    strip_hop_by_hop(interim_res);
    co_await http::async_write(client, interim_res, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return ec;
  }
  co_return http::error::bad_version;
}

}  // namespace gh
