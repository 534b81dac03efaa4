#include "config/pac.hpp"

#include <cstdio>

namespace gh {
namespace {

std::string js_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;
    out += c;
  }
  out += '"';
  return out;
}

std::string v4_mask(unsigned bits) {
  const std::uint32_t m = bits == 0 ? 0 : 0xffffffffu << (32 - bits);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", m >> 24, (m >> 16) & 0xff, (m >> 8) & 0xff,
                m & 0xff);
  return buf;
}

// IPv6 literals are compared as eight 16-bit groups: isInNetEx is not
// available in every PAC engine.
constexpr const char* kV6Helpers = R"js(
function ghV6Groups(s) {
  var pct = s.indexOf("%");
  if (pct >= 0) s = s.substring(0, pct);
  var halves = s.split("::");
  if (halves.length > 2) return null;
  function groups(part) {
    var out = [];
    if (part == "") return out;
    var p = part.split(":");
    for (var i = 0; i < p.length; i++) {
      if (i == p.length - 1 && p[i].indexOf(".") >= 0) {
        var q = p[i].split(".");
        if (q.length != 4) return null;
        out.push(parseInt(q[0], 10) * 256 + parseInt(q[1], 10));
        out.push(parseInt(q[2], 10) * 256 + parseInt(q[3], 10));
      } else {
        if (!/^[0-9a-f]{1,4}$/.test(p[i])) return null;
        out.push(parseInt(p[i], 16));
      }
    }
    return out;
  }
  var head = groups(halves[0]);
  var tail = halves.length == 2 ? groups(halves[1]) : [];
  if (head == null || tail == null) return null;
  var fill = 8 - head.length - tail.length;
  if (halves.length == 1 ? fill != 0 : fill < 1) return null;
  for (var j = 0; j < fill; j++) head.push(0);
  return head.concat(tail);
}
function ghV6InNet(a, net, bits) {
  for (var i = 0; i < 8 && bits > 0; i++) {
    var n = bits >= 16 ? 16 : bits;
    var mask = (0xffff << (16 - n)) & 0xffff;
    if ((a[i] & mask) != (net[i] & mask)) return false;
    bits -= n;
  }
  return true;
}
)js";

}  // namespace

std::string pac_proxy(const Settings& s) {
  if (!s.pac.proxy.empty()) return s.pac.proxy;
  for (const ListenerSettings& l : s.listeners)
    if (l.mode == Mode::forward) return to_string(l.address);
  return s.listeners.empty() ? "127.0.0.1:3128" : to_string(s.listeners.front().address);
}

std::string pac_text(const Settings& s) {
  std::vector<Cidr> v4, v6;
  for (const Cidr& c : s.pac.direct_networks)
    (c.base.is_v4() && c.bits >= 96 ? v4 : v6).push_back(c);

  std::string out;
  out += "// gatehouse proxy auto-config, generated from " + s.config_path + ".\n";
  out += "// pac.direct hosts and networks go DIRECT; everything else goes through the proxy,\n";
  out += "// with no DIRECT fallback: a proxy that is down must not mean unfiltered access.\n";
  if (s.auth) {
    // How a browser answers the proxy's 407 (README "Identity").
    out += "// The proxy asks who you are (407).";
    if (s.auth->offers(AuthScheme::negotiate))
      out +=
          " Negotiate: Kerberos single sign-on with the domain ticket; Chromium may need\n"
          "// --auth-server-allowlist naming the proxy.";
    if (s.auth->offers(AuthScheme::basic))
      out +=
          " Basic: the password crosses the network in clear to the proxy;\n"
          "// use it only on a trusted network.";
    out += "\n";
  }
  if (!v6.empty()) out += kV6Helpers;
  out += "function FindProxyForURL(url, host) {\n";
  out += "  var h = String(host).toLowerCase();\n";
  out += "  if (h.charAt(0) == \"[\") h = h.substring(1, h.length - 1);\n";
  out +=
      "  if (h.length > 1 && h.charAt(h.length - 1) == \".\") h = h.substring(0, h.length - 1);\n";
  for (const std::string& d : s.pac.direct_domains) {
    if (!d.empty() && d.front() == '.') {
      out += "  if (h == " + js_string(std::string_view(d).substr(1)) + " || dnsDomainIs(h, " +
             js_string(d) + ")) return \"DIRECT\";\n";
    } else {
      out += "  if (h == " + js_string(d) + ") return \"DIRECT\";\n";
    }
  }
  if (!v4.empty()) {
    out += "  if (/^[0-9]{1,3}(\\.[0-9]{1,3}){3}$/.test(h)) {\n";
    for (const Cidr& c : v4) {
      out += "    if (isInNet(h, " + js_string(c.base.to_string()) + ", " +
             js_string(v4_mask(c.bits - 96u)) + ")) return \"DIRECT\";\n";
    }
    out += "  }\n";
  }
  if (!v6.empty()) {
    out += "  if (h.indexOf(\":\") >= 0) {\n";
    out += "    var a = ghV6Groups(h);\n";
    for (const Cidr& c : v6) {
      std::string groups = "[";
      for (int i = 0; i < 8; ++i) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "0x%x",
                      (c.base.bytes[2 * i] << 8) | c.base.bytes[2 * i + 1]);
        groups += (i ? "," : "");
        groups += buf;
      }
      groups += "]";
      out += "    if (a != null && ghV6InNet(a, " + groups + ", " + std::to_string(c.bits) +
             ")) return \"DIRECT\";\n";
    }
    out += "  }\n";
  }
  out += "  return " + js_string("PROXY " + pac_proxy(s)) + ";\n";
  out += "}\n";
  return out;
}

}  // namespace gh
