// libFuzzer target: request-target parsing and the method token check.
// Input: first byte 'C' = the method is CONNECT; the rest is the target.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "http/request_target.hpp"

namespace {

void require(bool ok) {
  if (!ok) std::abort();
}

// Every view points into the input (or is one of the static literals).
bool inside(std::string_view part, std::string_view whole) {
  return part.empty() ||
         (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const bool connect = data[0] == 'C';
  const std::string_view target(reinterpret_cast<const char*>(data) + 1, size - 1);
  const gh::RequestTarget t = gh::parse_request_target(target, connect);
  switch (t.form) {
    case gh::TargetForm::absolute:
      require(!connect && (t.scheme == "http" || t.scheme == "https"));
      require(!t.host.empty() && t.port != 0 && inside(t.host, target));
      require(!t.path.empty() && t.path[0] == '/' && (t.path == "/" || inside(t.path, target)));
      require(target.find('@', 0) == std::string_view::npos ||
              target.find('@') > target.find('/', target.find("://") + 3));
      break;
    case gh::TargetForm::authority:
      require(connect && t.port_given && t.port != 0 && !t.host.empty() && inside(t.host, target));
      require(target.find('@') == std::string_view::npos);
      break;
    case gh::TargetForm::origin:
      require(!connect && t.path == target && inside(t.query, target));
      break;
    case gh::TargetForm::asterisk:
      require(!connect && target == "*");
      break;
    case gh::TargetForm::invalid:
      break;
  }
  (void)gh::is_token(target);
  return 0;
}
