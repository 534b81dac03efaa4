// libFuzzer target: the PROXY protocol v1/v2 header parser.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "net/proxy_protocol.hpp"

namespace {

void require(bool ok) {
  if (!ok) std::abort();
}

gh::ProxyHeader parse(const std::uint8_t* data, std::size_t size) {
  return gh::parse_proxy_header(
      std::span<const std::byte>(reinterpret_cast<const std::byte*>(data), size));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const gh::ProxyHeader h = parse(data, size);
  switch (h.status) {
    case gh::ProxyHeaderStatus::ok: {
      require(h.consumed > 0 && h.consumed <= size && h.consumed <= 4096);
      // The header is self-delimiting: the same bytes alone give the same answer.
      const gh::ProxyHeader again = parse(data, h.consumed);
      require(again.status == gh::ProxyHeaderStatus::ok && again.consumed == h.consumed &&
              again.local == h.local && again.source == h.source &&
              again.destination == h.destination && again.source_port == h.source_port &&
              again.destination_port == h.destination_port);
      require(parse(data, h.consumed - 1).status == gh::ProxyHeaderStatus::need_more);
      break;
    }
    case gh::ProxyHeaderStatus::need_more:
      require(size < 4096);  // v1 stops at 107 bytes, v2 at 4096
      break;
    case gh::ProxyHeaderStatus::invalid:
      break;
  }
  return 0;
}
