// ClientHello reader (RFC 8446 §4.1.2, RFC 6066 §3, RFC 7301 §3.1).
//
// The handshake message is reassembled from its records into a fixed 16 KiB
// stack buffer, then parsed with a bounds-checked reader. Strictness follows
// Go's crypto/tls: a hello that real TLS stacks reject (duplicate extension,
// two host_names, lengths that do not add up) is `malformed`, never guessed at.
#include "tls/client_hello.hpp"

#include <algorithm>
#include <bitset>
#include <cstring>
#include <optional>

namespace gh {
namespace {

constexpr std::uint8_t kContentChangeCipherSpec = 20;
constexpr std::uint8_t kContentHandshake = 22;
constexpr std::uint8_t kContentHeartbeat = 24;
constexpr std::uint8_t kHandshakeClientHello = 1;
constexpr std::size_t kRecordHeader = 5;
constexpr std::size_t kMaxRecordPayload = 16384;  // 2^14, RFC 8446 §5.1
constexpr std::size_t kMaxMessage = 16384;  // OpenSSL takes up to 128 KiB: beyond 16, malformed
constexpr int kMaxEmptyRecords = 32;        // OpenSSL's MAX_EMPTY_RECORDS

constexpr std::uint16_t kExtServerName = 0;
constexpr std::uint16_t kExtAlpn = 16;
constexpr std::uint16_t kExtEncryptedClientHello = 0xfe0d;

using Bytes = std::span<const std::uint8_t>;

// Big-endian reader that never reads past its span; every read reports success.
class Reader {
 public:
  explicit Reader(Bytes d) noexcept : d_(d) {}
  bool empty() const noexcept { return d_.empty(); }

  bool u8(std::uint8_t& v) noexcept {
    if (d_.empty()) return false;
    v = d_[0];
    d_ = d_.subspan(1);
    return true;
  }
  bool u16(std::uint16_t& v) noexcept {
    if (d_.size() < 2) return false;
    v = static_cast<std::uint16_t>(d_[0] << 8 | d_[1]);
    d_ = d_.subspan(2);
    return true;
  }
  bool bytes(std::size_t n, Bytes& out) noexcept {
    if (d_.size() < n) return false;
    out = d_.first(n);
    d_ = d_.subspan(n);
    return true;
  }
  // A vector with a one- or two-byte length prefix.
  bool prefixed8(Bytes& out) noexcept {
    std::uint8_t n = 0;
    return u8(n) && bytes(n, out);
  }
  bool prefixed16(Bytes& out) noexcept {
    std::uint16_t n = 0;
    return u16(n) && bytes(n, out);
  }

 private:
  Bytes d_;
};

// server_name as OpenSSL's server reads it (RFC 6066 §3): the list holds
// exactly one entry, a host_name of 1..255 bytes without NUL. Anything else
// (other name types, two names, trailing bytes) OpenSSL refuses or reads
// differently from other stacks, so it is malformed here: blocked, not guessed.
bool parse_server_name(Bytes ext, ClientHello& out) noexcept {
  Reader r(ext);
  Bytes list;
  if (!r.prefixed16(list) || !r.empty() || list.empty()) return false;
  Reader names(list);
  std::uint8_t type = 0;
  Bytes name;
  if (!names.u8(type) || type != 0 || !names.prefixed16(name) || !names.empty()) return false;
  if (name.empty() || name.size() > 255) return false;
  if (std::find(name.begin(), name.end(), std::uint8_t{0}) != name.end()) return false;
  out.has_sni = true;
  out.set_sni(name);
  return true;
}

// ALPN: a non-empty list of non-empty protocol names; we keep the first.
bool parse_alpn(Bytes ext, ClientHello& out) noexcept {
  Reader r(ext);
  Bytes list;
  if (!r.prefixed16(list) || !r.empty() || list.empty()) return false;
  Reader protos(list);
  bool first = true;
  while (!protos.empty()) {
    Bytes proto;
    if (!protos.prefixed8(proto) || proto.empty()) return false;
    if (first) out.set_alpn_first(proto);
    first = false;
  }
  return true;
}

// The ClientHello body after the 4-byte handshake header.
HelloStatus parse_body(Bytes body, ClientHello& out) noexcept {
  Reader r(body);
  Bytes random, session_id, suites, compression, extensions;
  if (!r.u16(out.legacy_version) || (out.legacy_version >> 8) != 3) return HelloStatus::malformed;
  if (!r.bytes(32, random)) return HelloStatus::malformed;
  if (!r.prefixed8(session_id) || session_id.size() > 32) return HelloStatus::malformed;
  if (!r.prefixed16(suites) || suites.empty() || suites.size() % 2 != 0)
    return HelloStatus::malformed;
  if (!r.prefixed8(compression) || compression.empty()) return HelloStatus::malformed;
  if (r.empty()) return HelloStatus::ok;  // pre-TLS-1.2 hello without extensions
  if (!r.prefixed16(extensions) || !r.empty()) return HelloStatus::malformed;

  std::bitset<65536> seen;  // RFC 8446 §4.2: no extension type twice
  Reader exts(extensions);
  while (!exts.empty()) {
    std::uint16_t type = 0;
    Bytes data;
    if (!exts.u16(type) || !exts.prefixed16(data)) return HelloStatus::malformed;
    if (seen.test(type)) return HelloStatus::malformed;
    seen.set(type);
    switch (type) {
      case kExtServerName:
        if (!parse_server_name(data, out)) return HelloStatus::malformed;
        break;
      case kExtAlpn:
        if (!parse_alpn(data, out)) return HelloStatus::malformed;
        break;
      case kExtEncryptedClientHello:
        out.ech = true;
        break;
      default:
        break;
    }
  }
  return HelloStatus::ok;
}

// What the first bytes say before any record is followed: a handshake record
// (nullopt: follow the records), another TLS record type or an SSLv2-format
// hello (which OpenSSL's server also takes: malformed here, so blocked), not
// TLS at all, or too few bytes to tell.
std::optional<HelloStatus> classify_first(Bytes in) noexcept {
  if (in.empty()) return HelloStatus::need_more;
  const std::uint8_t type = in[0];
  if (type == kContentHandshake) return std::nullopt;
  if (type >= kContentChangeCipherSpec && type <= kContentHeartbeat) return HelloStatus::malformed;
  if ((type & 0x80) != 0) {  // SSLv2 record header: 2-byte length, then message type 1
    if (in.size() < 3) return HelloStatus::need_more;
    return in[2] == kHandshakeClientHello ? HelloStatus::malformed : HelloStatus::not_tls;
  }
  return HelloStatus::not_tls;
}

// Is the record header at `at` (possibly cut short) acceptable so far? Only
// the major version is checked, as OpenSSL does for the first records: the
// minor byte of a ClientHello's record says nothing (RFC 8446 §5.1).
bool record_header_ok(Bytes at) noexcept {
  if (!at.empty() && at[0] != kContentHandshake) return false;
  if (at.size() >= 2 && at[1] != 3) return false;
  return true;
}

}  // namespace

ClientHello& ClientHello::operator=(const ClientHello& other) noexcept {
  status = other.status;
  has_sni = other.has_sni;
  ech = other.ech;
  legacy_version = other.legacy_version;
  consumed = other.consumed;
  sni_storage_ = other.sni_storage_;
  alpn_storage_ = other.alpn_storage_;
  sni = std::string_view(sni_storage_.data(), other.sni.size());
  alpn_first = std::string_view(alpn_storage_.data(), other.alpn_first.size());
  return *this;
}

void ClientHello::set_sni(std::span<const std::uint8_t> bytes) noexcept {
  // parse_server_name refuses longer names; the guard keeps the copy in bounds.
  std::size_t n = bytes.size() <= sni_storage_.size() ? bytes.size() : 0;
  if (n != 0) std::memcpy(sni_storage_.data(), bytes.data(), n);
  sni = std::string_view(sni_storage_.data(), n);
}

void ClientHello::set_alpn_first(std::span<const std::uint8_t> bytes) noexcept {
  std::size_t n = std::min(bytes.size(), alpn_storage_.size());  // ALPN ids are <= 255
  if (n != 0) std::memcpy(alpn_storage_.data(), bytes.data(), n);
  alpn_first = std::string_view(alpn_storage_.data(), n);
}

ClientHello parse_client_hello(std::span<const std::byte> data, std::size_t max_bytes) noexcept {
  ClientHello out;
  const Bytes in(reinterpret_cast<const std::uint8_t*>(data.data()), data.size());
  auto fail = [&out](HelloStatus s) {
    out.status = s;
    return out;
  };

  if (auto s = classify_first(in)) return fail(*s);

  std::array<std::uint8_t, kMaxMessage> msg;  // reassembled handshake message
  std::size_t have = 0;                       // bytes of the message collected so far
  std::size_t need = 0;                       // 4 + body length, once the handshake header is in
  std::size_t pos = 0;                        // start of the current record in `in`
  int empty_records = 0;                      // in a row
  for (;;) {
    if (pos + kRecordHeader > max_bytes) return fail(HelloStatus::malformed);
    const Bytes header = in.subspan(pos, std::min(kRecordHeader, in.size() - pos));
    if (!record_header_ok(header)) return fail(HelloStatus::malformed);
    if (header.size() < kRecordHeader) return fail(HelloStatus::need_more);
    const std::size_t len = static_cast<std::size_t>(header[3] << 8 | header[4]);
    if (len > kMaxRecordPayload || pos + kRecordHeader + len > max_bytes)
      return fail(HelloStatus::malformed);
    if (len == 0) {  // OpenSSL skips empty records, a bounded number of them in a row
      if (++empty_records > kMaxEmptyRecords) return fail(HelloStatus::malformed);
      pos += kRecordHeader;
      continue;
    }
    empty_records = 0;

    const Bytes frag =
        in.subspan(pos + kRecordHeader).first(std::min(len, in.size() - pos - kRecordHeader));
    for (std::size_t i = 0; i < frag.size();) {
      if (need == 0) {  // still reading the 4-byte handshake header, maybe byte by byte
        msg[have++] = frag[i++];
        if (have == 1 && msg[0] != kHandshakeClientHello) return fail(HelloStatus::malformed);
        if (have == 4) {
          need = 4 + (std::size_t{msg[1]} << 16 | std::size_t{msg[2]} << 8 | msg[3]);
          if (need > kMaxMessage) return fail(HelloStatus::malformed);
        }
        continue;
      }
      // Anything after the hello in its records is not something a client sends.
      if (have == need) return fail(HelloStatus::malformed);
      const std::size_t n = std::min(frag.size() - i, need - have);
      std::memcpy(msg.data() + have, frag.data() + i, n);
      have += n;
      i += n;
    }
    if (frag.size() < len) {
      // The rest of this record is promised; if it would overrun the hello, fail now.
      if (need != 0 && have + (len - frag.size()) > need) return fail(HelloStatus::malformed);
      return fail(HelloStatus::need_more);
    }
    pos += kRecordHeader + len;
    if (need != 0 && have == need) break;
  }

  out.consumed = pos;
  out.status = parse_body(Bytes(msg.data() + 4, need - 4), out);
  if (out.status != HelloStatus::ok) {
    out.has_sni = false;
    out.ech = false;
    out.sni = {};
    out.alpn_first = {};
  }
  return out;
}

}  // namespace gh
