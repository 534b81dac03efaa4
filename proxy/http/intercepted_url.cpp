#include "http/intercepted_url.hpp"

#include "http/path_normalize.hpp"
#include "http/request_target.hpp"

namespace gh {

std::string intercepted_url(std::string_view host, std::uint16_t port, std::string_view target) {
  if (host.empty()) return {};
  RequestTarget t = parse_request_target(target, false);
  if (t.form != TargetForm::origin && t.form != TargetForm::absolute) return {};
  std::string path;
  if (normalize_target(t.path, path) != PathStatus::ok || path.empty() || path.front() != '/')
    return {};
  std::string url = "https://";
  const bool v6 = host.find(':') != std::string_view::npos;
  if (v6) url += '[';
  url += host;
  if (v6) url += ']';
  if (port != 443) {
    url += ':';
    url += std::to_string(port);
  }
  url += path;
  return url;
}

}  // namespace gh
