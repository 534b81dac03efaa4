// gh_asio compiles Asio and Beast once but not Asio's SSL part (the proxy does
// not need it yet); the tunnel workload does, so it is compiled here, once.
#include <utility>

#include <boost/asio/ssl/impl/src.hpp>
