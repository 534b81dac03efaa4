// libFuzzer target: the ClientHello reader on arbitrary bytes. Besides "no
// crash", checks the contract callers rely on (tls/client_hello.hpp).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "tls/client_hello.hpp"

namespace {

void require(bool ok) {
  if (!ok) std::abort();
}

gh::ClientHello parse(const std::uint8_t* data, std::size_t size, std::size_t max) {
  return gh::parse_client_hello(
      std::span<const std::byte>(reinterpret_cast<const std::byte*>(data), size), max);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // The last byte, when there is one, also picks a smaller budget to exercise max_bytes.
  const std::size_t max = size > 0 && data[size - 1] < 0x20 ? 64 + data[size - 1] * 64 : 16384;
  const gh::ClientHello h = parse(data, size, max);
  switch (h.status) {
    case gh::HelloStatus::ok: {
      require(h.consumed >= 9 && h.consumed <= size && h.consumed <= max);
      require(h.sni.size() <= 255 && h.alpn_first.size() <= 255);
      require(h.has_sni || h.sni.empty());
      // The hello is exactly its records: parsing only them gives the same answer.
      const gh::ClientHello again = parse(data, h.consumed, max);
      require(again.status == gh::HelloStatus::ok && again.sni == h.sni &&
              again.alpn_first == h.alpn_first && again.ech == h.ech &&
              again.consumed == h.consumed);
      // And one byte fewer is only a prefix.
      require(parse(data, h.consumed - 1, max).status == gh::HelloStatus::need_more);
      break;
    }
    case gh::HelloStatus::need_more:
      require(size < max);  // callers may rely on this to bound their buffer
      break;
    case gh::HelloStatus::not_tls:
    case gh::HelloStatus::malformed:
      require(!h.has_sni && h.sni.empty());
      break;
  }
  return 0;
}
