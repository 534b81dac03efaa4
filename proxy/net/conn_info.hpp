// Who is on the other end of an accepted connection and which listener took
// it. Fixed at accept time (after a PROXY header, if the listener expects one).
#pragma once

#include <cstdint>
#include <string>

#include "policy/ip_address.hpp"
#include "policy/types.hpp"

namespace gh {

struct ConnInfo {
  IpAddress client;
  std::uint16_t client_port = 0;
  std::string client_text;  // "10.20.5.7:51234" / "[2001:db8::1]:51234" (audit `client`)
  Mode mode = Mode::forward;
  std::string listener;           // audit `listener`
  bool has_original_dst = false;  // transparent listeners: SO_ORIGINAL_DST
  IpAddress original_dst;
  std::uint16_t original_port = 0;
};

std::string endpoint_text(const IpAddress& a, std::uint16_t port);

}  // namespace gh
