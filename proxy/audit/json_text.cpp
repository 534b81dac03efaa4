#include "audit/json_text.hpp"

#include <array>
#include <chrono>
#include <cstdio>

namespace gh {
namespace {

constexpr char kHex[] = "0123456789abcdef";
constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

// UTF-8 per RFC 3629. For the sequence starting at s[i], returns its length
// if valid, else 0 and sets `bad` to the length of its maximal valid prefix
// (at least 1): that many bytes become one U+FFFD (Unicode's "maximal subpart").
std::size_t utf8_sequence_length(std::string_view s, std::size_t i, std::size_t& bad) {
  auto c = static_cast<unsigned char>(s[i]);
  std::size_t need;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    need = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    need = 3;
    if (c == 0xE0) lo = 0xA0;  // overlong
    if (c == 0xED) hi = 0x9F;  // UTF-16 surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    need = 4;
    if (c == 0xF0) lo = 0x90;  // overlong
    if (c == 0xF4) hi = 0x8F;  // above U+10FFFF
  } else {
    bad = 1;
    return 0;
  }
  std::size_t k = 1;
  for (; k < need && i + k < s.size(); ++k) {
    auto b = static_cast<unsigned char>(s[i + k]);
    bool ok = k == 1 ? (b >= lo && b <= hi) : (b & 0xC0) == 0x80;
    if (!ok) break;
  }
  if (k == need) return need;
  bad = k;
  return 0;
}

void append_u_escape(std::string& out, unsigned code) {
  char buf[6] = {
      '\\',           'u', kHex[(code >> 12) & 15], kHex[(code >> 8) & 15], kHex[(code >> 4) & 15],
      kHex[code & 15]};
  out.append(buf, 6);
}

void append_2(std::string& out, unsigned v) {
  out.push_back(static_cast<char>('0' + v / 10 % 10));
  out.push_back(static_cast<char>('0' + v % 10));
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  out.push_back('"');
  std::size_t i = 0;
  while (i < s.size()) {
    // Copy the longest run of plain printable ASCII at once: the common case.
    std::size_t run = i;
    while (run < s.size()) {
      auto c = static_cast<unsigned char>(s[run]);
      if (c < 0x20 || c >= 0x7F || c == '"' || c == '\\') break;
      ++run;
    }
    out.append(s.data() + i, run - i);
    i = run;
    if (i >= s.size()) break;
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        default:
          append_u_escape(out, c);  // other C0 controls and DEL
      }
      ++i;
      continue;
    }
    std::size_t bad = 0;
    std::size_t len = utf8_sequence_length(s, i, bad);
    if (len == 0) {
      out += kReplacement;
      i += bad;
      continue;
    }
    if (len == 3 && c == 0xE2 && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
        (static_cast<unsigned char>(s[i + 2]) == 0xA8 ||
         static_cast<unsigned char>(s[i + 2]) == 0xA9)) {
      append_u_escape(out, static_cast<unsigned char>(s[i + 2]) == 0xA8 ? 0x2028 : 0x2029);
    } else {
      out.append(s.data() + i, len);
    }
    i += len;
  }
  out.push_back('"');
}

void append_timestamp(std::string& out, TimePoint t) {
  using namespace std::chrono;
  auto ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
  auto days = ms >= 0 ? ms / 86'400'000 : (ms - 86'399'999) / 86'400'000;
  long long rem = ms - days * 86'400'000;
  year_month_day ymd{sys_days{std::chrono::days{days}}};
  int year = static_cast<int>(ymd.year());
  char ybuf[8];
  std::snprintf(ybuf, sizeof ybuf, "%04d", year < 0 ? 0 : year % 10000);
  out += ybuf;
  out.push_back('-');
  append_2(out, static_cast<unsigned>(ymd.month()));
  out.push_back('-');
  append_2(out, static_cast<unsigned>(ymd.day()));
  out.push_back('T');
  append_2(out, static_cast<unsigned>(rem / 3'600'000));
  out.push_back(':');
  append_2(out, static_cast<unsigned>(rem / 60'000 % 60));
  out.push_back(':');
  append_2(out, static_cast<unsigned>(rem / 1000 % 60));
  out.push_back('.');
  auto milli = static_cast<unsigned>(rem % 1000);
  out.push_back(static_cast<char>('0' + milli / 100));
  append_2(out, milli % 100);
  out.push_back('Z');
}

std::string format_timestamp(TimePoint t) {
  std::string s;
  append_timestamp(s, t);
  return s;
}

std::optional<TimePoint> parse_audit_time(std::string_view s) {
  auto digits = [&](std::size_t pos, std::size_t n, int& v) {
    if (pos + n > s.size()) return false;
    v = 0;
    for (std::size_t k = pos; k < pos + n; ++k) {
      if (s[k] < '0' || s[k] > '9') return false;
      v = v * 10 + (s[k] - '0');
    }
    return true;
  };
  int y, mo, d, h, mi, sec;
  if (!digits(0, 4, y) || s.size() < 19 || s[4] != '-' || !digits(5, 2, mo) || s[7] != '-' ||
      !digits(8, 2, d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(11, 2, h) ||
      s[13] != ':' || !digits(14, 2, mi) || s[16] != ':' || !digits(17, 2, sec)) {
    return std::nullopt;
  }
  using namespace std::chrono;
  year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  std::size_t pos = 19;
  long long nanos = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    std::size_t start = pos;
    long long scale = 100'000'000;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      nanos += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return std::nullopt;
  }
  long long offset_s = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (!digits(pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !digits(pos + 4, 2, om) || oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset_s = (oh * 3600 + om * 60) * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  auto t = sys_days{ymd} + hours{h} + minutes{mi} + seconds{sec} - seconds{offset_s};
  return time_point_cast<Clock::duration>(t + nanoseconds{nanos});
}

void redact_query(std::string& url) {
  auto q = url.find_first_of("?#");
  if (q != std::string::npos) url.erase(q);
}

}  // namespace gh
