#include "audit/json_line.hpp"

#include <openssl/evp.h>

#include <charconv>
#include <memory>
#include <stdexcept>

#include "audit/json_text.hpp"

namespace gh {
namespace {

void append_uint(std::string& out, std::uint64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void append_key(std::string& out, std::string_view key) {
  out.push_back(',');
  out.push_back('"');
  out += key;
  out += "\":";
}

void member(std::string& out, std::string_view key, const std::optional<std::string>& v) {
  append_key(out, key);
  if (v) {
    append_json_string(out, *v);
  } else {
    out += "null";
  }
}

void member(std::string& out, std::string_view key, const std::string& v) {
  append_key(out, key);
  append_json_string(out, v);
}

template <typename T>
void member_number(std::string& out, std::string_view key, const std::optional<T>& v) {
  append_key(out, key);
  if (!v) {
    out += "null";
  } else if constexpr (std::is_signed_v<T>) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, *v);
    out.append(buf, r.ptr);
  } else {
    append_uint(out, *v);
  }
}

struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

}  // namespace

void encode_body(const AuditRecord& r, std::string& out) {
  out += "{\"ts\":\"";
  append_timestamp(out, r.ts);
  out += "\",\"seq\":";
  append_uint(out, r.seq);
  out += ",\"event\":\"";
  out += to_string(r.event);
  out.push_back('"');
  member(out, "id", r.id);
  member(out, "client", r.client);
  member(out, "department", r.department);
  member(out, "user", r.user);
  member(out, "listener", r.listener);
  member(out, "method", r.method);
  member(out, "host", r.host);
  member_number(out, "port", r.port);
  member(out, "dest", r.dest);
  member(out, "sni", r.sni);
  member(out, "url", r.url);
  member(out, "category", r.category);
  member(out, "app", r.app);
  append_key(out, "action");
  out.push_back('"');
  out += to_string(r.action);
  out.push_back('"');
  append_key(out, "reason");
  out.push_back('"');
  out += to_string(r.reason);
  out.push_back('"');
  member(out, "rule", r.rule);
  member(out, "approval", r.approval);
  member_number(out, "status", r.status);
  if (r.event == AuditEvent::decision) {
    append_key(out, "intercepted");
    out += r.intercepted ? "true" : "false";
  }
  if (r.event == AuditEvent::close) {
    member(out, "ref", r.ref);
    member_number(out, "bytes_up", r.bytes_up);
    member_number(out, "bytes_down", r.bytes_down);
    member_number(out, "duration_ms", r.duration_ms);
  }
}

std::string chain_line(std::string& body, std::string_view prev) {
  std::string hash = sha256_hex(prev, body);
  body += ",\"prev\":\"";
  body += prev;
  body += "\",\"hash\":\"";
  body += hash;
  body += "\"}\n";
  return hash;
}

std::string sha256_hex(std::string_view a, std::string_view b) {
  // One context per thread, reused: EVP_MD_CTX_new per record costs more than the hash.
  thread_local std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx{EVP_MD_CTX_new()};
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!ctx || !md || EVP_DigestInit_ex(ctx.get(), md, nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), a.data(), a.size()) != 1 ||
      EVP_DigestUpdate(ctx.get(), b.data(), b.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), digest, &len) != 1) {
    throw std::runtime_error("SHA-256 unavailable");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex(static_cast<std::size_t>(len) * 2, '0');
  for (unsigned i = 0; i < len; ++i) {
    hex[2 * i] = kHex[digest[i] >> 4];
    hex[2 * i + 1] = kHex[digest[i] & 15];
  }
  return hex;
}

}  // namespace gh
