#include "audit/verify.hpp"

#include "audit/compression.hpp"

#include <nlohmann/json.hpp>

#include "audit/json_line.hpp"
#include "audit/json_text.hpp"
#include "audit/line_reader.hpp"
#include "policy/types.hpp"

namespace gh {
namespace {

// `,"prev":"` 64 hex `","hash":"` 64 hex `"}`
constexpr std::string_view kPrevKey = ",\"prev\":\"";
constexpr std::string_view kHashKey = "\",\"hash\":\"";
constexpr std::size_t kSuffix = kPrevKey.size() + 64 + kHashKey.size() + 64 + 2;

bool is_hex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string short_hash(const std::string& h) { return h.substr(0, 12) + "…"; }

}  // namespace

void ChainVerifier::begin_file(std::string name) {
  if (!current_file_.empty()) previous_file_ = current_file_;
  current_file_ = std::move(name);
  file_has_records_ = false;
  ++r_.files;
}

bool ChainVerifier::reject(std::uint64_t line_no, std::string problem) {
  r_.ok = false;
  r_.file = current_file_;
  r_.line = line_no;
  r_.problem = std::move(problem);
  return false;
}

bool ChainVerifier::line(std::string_view raw, bool terminated, std::uint64_t line_no) {
  if (!terminated) {
    return reject(line_no,
                  "torn line: no trailing newline (a write was cut short, or the file was "
                  "truncated)");
  }
  if (raw.empty()) return reject(line_no, "empty line");
  if (raw.size() < kSuffix + 2 || raw.substr(raw.size() - kSuffix, kPrevKey.size()) != kPrevKey ||
      raw.substr(raw.size() - kSuffix + kPrevKey.size() + 64, kHashKey.size()) != kHashKey ||
      raw.substr(raw.size() - 2) != "\"}") {
    return reject(line_no, "not a chained record: prev and hash are not the last two members");
  }
  std::string_view body = raw.substr(0, raw.size() - kSuffix);
  std::string_view prev = raw.substr(body.size() + kPrevKey.size(), 64);
  std::string_view hash = raw.substr(raw.size() - 66, 64);
  if (!is_hex64(prev) || !is_hex64(hash)) {
    return reject(line_no, "prev or hash is not 64 lower-case hex digits");
  }
  std::string computed = sha256_hex(prev, body);
  if (computed != hash) {
    return reject(line_no, "hash mismatch: the record was changed after it was written (stored " +
                               short_hash(std::string(hash)) + ", computed " +
                               short_hash(computed) + ")");
  }
  auto j = nlohmann::json::parse(raw.begin(), raw.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return reject(line_no, "not valid JSON");
  auto seq_it = j.find("seq");
  if (seq_it == j.end() || !seq_it->is_number_unsigned()) return reject(line_no, "no seq");
  std::uint64_t seq = seq_it->get<std::uint64_t>();
  auto field = [&](const char* key) -> std::string {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string("\x01");
  };
  std::string event = field("event");
  if (event != "decision" && event != "close")
    return reject(line_no, "unknown event '" + event + "'");
  Action action;
  if (!parse_action(field("action"), action)) {
    return reject(line_no, "action is not one of allow, block, deny");
  }
  Reason reason;
  if (!parse_reason(field("reason"), reason))
    return reject(line_no, "reason is not a known reason");
  if (!parse_audit_time(field("ts"))) return reject(line_no, "ts is not an RFC 3339 time");

  if (r_.records == 0) {
    r_.first_seq = seq;
    r_.first_prev = std::string(prev);
  } else {
    bool link_ok = prev == r_.last_hash;
    bool seq_ok = seq == r_.last_seq + 1;
    if (!file_has_records_ && !link_ok) {
      return reject(line_no, "broken link between files: prev does not match the last hash of " +
                                 last_record_file_ + " (seq " + std::to_string(r_.last_seq) +
                                 "); a file is missing, out of order, or was cut short" +
                                 (seq_ok ? ""
                                         : "; seq " + std::to_string(seq) + " follows " +
                                               std::to_string(r_.last_seq)));
    }
    if (!seq_ok) {
      return reject(line_no,
                    "seq gap: expected " + std::to_string(r_.last_seq + 1) + ", found " +
                        std::to_string(seq) +
                        (seq > r_.last_seq ? " (records deleted?)" : " (records reordered?)"));
    }
    if (!link_ok) {
      return reject(line_no,
                    "broken chain: prev does not match the hash of the previous record "
                    "(a record was deleted, inserted or reordered)");
    }
  }
  r_.last_seq = seq;
  r_.last_hash = std::string(hash);
  ++r_.records;
  file_has_records_ = true;
  last_record_file_ = current_file_;
  last_line_ = line_no;
  return true;
}

bool ChainVerifier::expect_seq(std::uint64_t anchor) {
  if (r_.records == 0) {
    current_file_ = last_record_file_.empty() ? current_file_ : last_record_file_;
    return reject(0, "no records, but the anchor says seq " + std::to_string(anchor));
  }
  if (r_.last_seq < anchor) {
    current_file_ = last_record_file_;
    return reject(last_line_, "the log ends at seq " + std::to_string(r_.last_seq) +
                                  " but the anchor says " + std::to_string(anchor) +
                                  ": records are missing from the tail");
  }
  return true;
}

VerifyResult verify_files(const std::vector<std::string>& files,
                          std::optional<std::uint64_t> expect_seq, const VerifyHooks& hooks) {
  ChainVerifier v;
  for (const auto& f : files) {
    v.begin_file(f);
    LineReader reader(f);
    std::string_view line;
    bool terminated = false;
    for (;;) {
      LineReader::Status status;
      try {
        status = reader.next(line, terminated);
      } catch (const CorruptData& e) {  // a changed byte in a compressed file, named
        v.reject(reader.line_number() + 1, e.what());
        return v.result();
      }
      if (status == LineReader::Status::end) break;
      if (hooks.record) hooks.record();
      if (status == LineReader::Status::too_long) {
        v.reject(reader.line_number(), "line longer than 16 MiB");
        return v.result();
      }
      if (!v.line(line, terminated, reader.line_number())) return v.result();
    }
    if (hooks.file_done) hooks.file_done();
  }
  if (expect_seq) v.expect_seq(*expect_seq);
  return v.result();
}

}  // namespace gh
