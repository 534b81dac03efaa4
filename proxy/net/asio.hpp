// The one include point for Asio and Beast. g++ 12 needs <utility> before
// <boost/asio/awaitable.hpp> (asio#944). Asio and Beast are compiled once, in
// net/asio_impl.cpp (BOOST_ASIO_SEPARATE_COMPILATION).
#pragma once

#include <utility>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace gh {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;
}  // namespace gh
