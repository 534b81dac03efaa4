// Command line of the load generator. Every run is bounded by a request count
// AND a duration; the result is one JSON line on stdout.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace gh::load {

enum class Mode : unsigned char { get, connect, tunnel, idle, https };

struct Endpoint {
  std::string host;
  std::string port;
};

struct Url {
  bool https = false;
  Endpoint origin;
  std::string path = "/";
  std::string authority() const { return origin.host + ":" + origin.port; }
};

struct Options {
  Mode mode = Mode::get;
  std::optional<Endpoint> proxy;  // absent = talk to the origin directly
  std::string url;                // get, tunnel: http(s)://host:port/path
  std::string target;             // connect, idle: host:port of the CONNECT
  bool new_connection = false;    // one connection per request (else keep-alive)
  unsigned connections = 16;
  double duration_s = 5.0;
  std::uint64_t max_requests = 5'000'000;
  unsigned expect_status = 0;        // 0 = any; otherwise a different status is an error
  double timeout_s = 10.0;           // per operation
  unsigned ramp_parallel = 64;       // idle: tunnels being opened at once
  std::string ready_file;            // idle: written once every tunnel is open
  std::string label;                 // echoed in the JSON line
  std::uint16_t serve_403_port = 0;  // run the trivial server instead
  std::string proxy_user;            // get, connect: "user:password", Basic on every request
  std::string negotiate_spn;         // get, connect: "HTTP@host", Negotiate per new connection
};

// Parses argv; prints usage and returns nullopt (exit code in *exit_code) on error or --help.
std::optional<Options> parse_options(int argc, char** argv, int* exit_code);

std::optional<Url> parse_url(const std::string& text);
std::optional<Endpoint> parse_endpoint(const std::string& text);
const char* mode_name(Mode m);

}  // namespace gh::load
