// The admin listener (admin.address): one coroutine per connection on
// Beast, answering with admin_response(). Small and bounded: at most
// kMaxSessions connections, 8 KiB of headers, 10 s per request.
#pragma once

#include <memory>
#include <string>

#include "admin/admin_http.hpp"
#include "net/asio.hpp"

namespace gh {

class AdminServer {
 public:
  static constexpr int kMaxSessions = 64;

  // Binds `address` ("127.0.0.1:9090", "[::1]:9090") at once and starts
  // accepting on `ex`. Throws std::system_error (bind) or
  // std::invalid_argument (address).
  AdminServer(asio::any_io_executor ex, AdminContext ctx, const std::string& address);
  ~AdminServer();  // stop(); destroy before the io_context it runs on
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  tcp::endpoint local_endpoint() const;
  // Stops accepting; sessions in progress finish their current request.
  void stop();

  struct State;  // shared with the accept loop and sessions (defined in the .cpp)

 private:
  std::shared_ptr<State> state_;
};

// "127.0.0.1:9090", "[::1]:9090" -> endpoint (policy/endpoint.hpp, the one
// parser of addresses); throws std::invalid_argument.
tcp::endpoint admin_endpoint(const std::string& address);

}  // namespace gh
