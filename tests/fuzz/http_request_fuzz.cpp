// libFuzzer target: what the forward session does with a request head —
// Beast's request_parser (header_limit 32 KiB), then our reading of its
// target and method: whatever Beast accepts must not crash what follows.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "http/request_target.hpp"
#include "net/asio.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace http = gh::http;
  http::request_parser<http::empty_body> parser;
  parser.header_limit(32768);
  parser.eager(false);
  gh::beast::error_code ec;
  // Fed in two pieces, as from two reads: the cut is chosen by the first byte.
  const std::size_t cut = size == 0 ? 0 : data[0] % (size + 1);
  std::size_t used = 0;
  for (std::size_t end : {cut, size}) {
    while (used < end && !parser.is_header_done()) {
      const std::size_t n = parser.put(gh::asio::buffer(data + used, end - used), ec);
      used += n;
      if (ec == http::error::need_more) {
        ec = {};
        break;  // Beast wants the whole header in one buffer: wait for more
      }
      if (ec || n == 0) break;
    }
    if (ec) break;
  }
  if (ec || !parser.is_header_done()) return 0;

  const auto& req = parser.get();
  const std::string_view method(req.method_string().data(), req.method_string().size());
  const std::string_view target(req.target().data(), req.target().size());
  (void)gh::is_token(method);
  const gh::RequestTarget t = gh::parse_request_target(target, req.method() == http::verb::connect);
  if (t.form == gh::TargetForm::absolute && t.host.empty()) std::abort();
  for (const auto& field : req) (void)field.value().size();
  (void)req[http::field::host];
  return 0;
}
