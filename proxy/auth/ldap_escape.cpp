// RFC 4515 and RFC 4514 escaping (README "Identity": no LDAP injection).
#include "auth/ldap_escape.hpp"

namespace gh {
namespace {

void hex_escape(std::string& out, unsigned char c) {
  static constexpr char kDigits[] = "0123456789abcdef";
  out += '\\';
  out += kDigits[c >> 4];
  out += kDigits[c & 15];
}

}  // namespace

std::string escape_filter_value(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char ch : v) {
    const auto c = static_cast<unsigned char>(ch);
    // RFC 4515 §3: '*', '(', ')', '\' and NUL must be escaped; other bytes
    // (UTF-8 included) may stand as they are.
    if (c == '*' || c == '(' || c == ')' || c == '\\' || c == 0)
      hex_escape(out, c);
    else
      out += ch;
  }
  return out;
}

std::string escape_dn_value(std::string_view v) {
  std::string out;
  out.reserve(v.size() + 4);
  for (std::size_t i = 0; i < v.size(); ++i) {
    const char ch = v[i];
    const auto c = static_cast<unsigned char>(ch);
    if (c == 0) {
      hex_escape(out, c);
      continue;
    }
    // RFC 4514 §2.4: the specials anywhere; a space or '#' first; a space last.
    // '=' is escaped too: it is allowed unescaped but some servers misparse it.
    const bool special = ch == '"' || ch == '+' || ch == ',' || ch == ';' || ch == '<' ||
                         ch == '>' || ch == '\\' || ch == '=';
    const bool edge = (i == 0 && (ch == ' ' || ch == '#')) || (i + 1 == v.size() && ch == ' ');
    if (special || edge) out += '\\';
    out += ch;
  }
  return out;
}

std::string fill_template(std::string_view tmpl, std::string_view name, std::string_view value,
                          std::string (*escape)(std::string_view)) {
  const std::string key = "{" + std::string(name) + "}";
  const std::string escaped = escape(value);
  std::string out;
  out.reserve(tmpl.size() + escaped.size());
  for (std::size_t i = 0; i < tmpl.size();) {
    if (tmpl.compare(i, key.size(), key) == 0) {
      out += escaped;
      i += key.size();
    } else {
      out += tmpl[i++];
    }
  }
  return out;
}

}  // namespace gh
