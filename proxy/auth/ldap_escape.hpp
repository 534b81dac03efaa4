// Escaping of values put into LDAP filters (RFC 4515 §3) and DNs (RFC 4514
// §2.4), so that a user name such as `*)(uid=*` is one literal value and can
// never widen a search or name another entry. Pure functions.
//
// Examples:
//   escape_filter_value("*)(uid=*")  -> "\2a\29\28uid=\2a"
//   escape_filter_value("a\\b")      -> "a\5cb"
//   escape_dn_value("Smith, John")   -> "Smith\, John"
//   escape_dn_value("#x ")           -> "\#x\ "
//   fill_template("uid={user},ou=p", "user", "a,b", escape_dn_value) -> "uid=a\,b,ou=p"
#pragma once

#include <string>
#include <string_view>

namespace gh {

std::string escape_filter_value(std::string_view v);
std::string escape_dn_value(std::string_view v);

// Every "{name}" in `tmpl` replaced by escape(value).
std::string fill_template(std::string_view tmpl, std::string_view name, std::string_view value,
                          std::string (*escape)(std::string_view));

}  // namespace gh
