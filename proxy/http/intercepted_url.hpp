// The URL of a request read inside a decrypted flow (README "HTTPS interception"):
// always the flow's own host (the name the leaf was minted for), never one the
// client writes into an absolute-form target, with the normalised path that
// URL rules see and the record keeps (README "Path normalisation").
//
// Examples (host "web.whatsapp.com", port 443 unless given):
//   "/"                        -> "https://web.whatsapp.com/"
//   "/a/../b//c?q=1"           -> "https://web.whatsapp.com/b/c?q=1"
//   "https://evil.example/x"   -> "https://web.whatsapp.com/x"
//   port 8443, "/x"            -> "https://web.whatsapp.com:8443/x"
//   host "2001:db8::1", "/"    -> "https://[2001:db8::1]/"
//   "*", "a:443", "/%zz", ""   -> "" (no usable path: 400)
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace gh {

std::string intercepted_url(std::string_view host, std::uint16_t port, std::string_view target);

}  // namespace gh
