// libFuzzer target: the request read inside a decrypted flow (README "HTTPS
// interception") — Beast's request_parser with the forward listener's header
// limit, then intercepted_url() for a host taken from the input. Whatever Beast
// accepts must give either no URL or one on the flow's host with a clean path.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "http/intercepted_url.hpp"
#include "net/asio.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace http = gh::http;
  if (size < 2) return 0;
  // First byte: which flow host; second: the port choice.
  static const char* kHosts[] = {"web.whatsapp.com", "192.0.2.7", "2001:db8::1", "a.b"};
  const std::string host = kHosts[data[0] % 4];
  const std::uint16_t port = (data[1] & 1) ? 443 : 8443;
  data += 2;
  size -= 2;
  http::request_parser<http::buffer_body> parser;
  parser.header_limit(32768);
  gh::beast::error_code ec;
  parser.put(gh::asio::buffer(data, size), ec);
  if (ec || !parser.is_header_done()) return 0;
  const auto& req = parser.get();
  const std::string url =
      gh::intercepted_url(host, port, std::string_view(req.target().data(), req.target().size()));
  if (url.empty()) return 0;
  const std::string authority = (host.find(':') != std::string::npos ? "[" + host + "]" : host) +
                                (port == 443 ? "" : ":" + std::to_string(port));
  if (url.rfind("https://" + authority + "/", 0) != 0) std::abort();  // never another host
  for (char c : url)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) std::abort();  // no CR, LF, space
  return 0;
}
