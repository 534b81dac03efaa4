// Asio and Beast, compiled once for the whole program.
#include <utility>

#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>  // README "HTTPS interception"
#include <boost/beast/src.hpp>
