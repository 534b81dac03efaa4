// The PAC file gatehouse publishes (README "Operations guide"): `pac.direct` hosts and
// networks go DIRECT, everything else through the proxy. DIRECT is never a
// fallback: a proxy that is down must not mean unfiltered access.
//
// Examples (pac: { proxy: "p.example:3128", direct: [".intra.example", "10.0.0.0/8"] }):
//   FindProxyForURL(u, "wiki.intra.example") -> "DIRECT"
//   FindProxyForURL(u, "intra.example")      -> "DIRECT"   (leading dot = the domain too)
//   FindProxyForURL(u, "10.1.2.3")           -> "DIRECT"   (IP literals only: no DNS in the
//   browser) FindProxyForURL(u, "web.whatsapp.com")   -> "PROXY p.example:3128"
#pragma once

#include <string>

#include "config/settings.hpp"

namespace gh {

// "p.example:3128": pac.proxy, else the first forward listener's address.
std::string pac_proxy(const Settings& s);

std::string pac_text(const Settings& s);

}  // namespace gh
