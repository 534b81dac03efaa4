// A small valid rule tree; each test breaks one file of it and asserts the
// exact diagnostic. Line numbers below are part of the tests: keep them.
#pragma once

#include "temp_tree.hpp"

namespace gh::test {

inline const char* kMain =
    "listen:\n"                                                // 1
    "  - { address: \"127.0.0.1:3128\", mode: forward }\n"     // 2
    "clients: { allow: [\"10.0.0.0/8\", \"127.0.0.0/8\"] }\n"  // 3
    "include:\n"                                               // 4
    "  categories: \"categories/*.yaml\"\n"                    // 5
    "  departments: \"departments.yaml\"\n"                    // 6
    "  approvals: \"approvals.yaml\"\n"                        // 7
    "policy:\n"                                                // 8
    "  categories: { im: block, mail: monitor }\n"             // 9
    "  timezone: \"Asia/Hong_Kong\"\n";                        // 10

inline const char* kIm =
    "category: im\n"                                            // 1
    "title: Instant messaging\n"                                // 2
    "apps:\n"                                                   // 3
    "  - id: chat-web\n"                                        // 4
    "    title: Chat Web\n"                                     // 5
    "    domains: [.web.chat.example.com, chat.example.org]\n"  // 6
    "    urls: ['^https?://[^/]+/chat-api/']\n"                 // 7
    "    networks: [\"192.0.2.0/24\"]\n";                       // 8

inline const char* kMail =
    "category: mail\n"              // 1
    "apps:\n"                       // 2
    "  - id: webmail\n"             // 3
    "    domains:\n"                // 4
    "      - .mail.example.net\n";  // 5

inline const char* kDepartments =
    "departments:\n"                       // 1
    "  - id: immigration\n"                // 2
    "    networks: [\"10.20.0.0/16\"]\n"   // 3
    "  - id: finance\n"                    // 4
    "    networks: [\"10.30.0.0/16\"]\n";  // 5

inline const char* kApprovals =
    "approvals:\n"                         // 1
    "  - id: IMM-1\n"                      // 2
    "    department: immigration\n"        // 3
    "    app: chat-web\n"                  // 4
    "    approved_by: Director\n"          // 5
    "    granted: 2026-04-01\n"            // 6
    "    expires: 2027-03-31\n"            // 7
    "    networks: [\"10.20.5.0/24\"]\n";  // 8

inline void write_base(const TempTree& t) {
  t.write("gatehouse.yaml", kMain);
  t.write("categories/im.yaml", kIm);
  t.write("categories/mail.yaml", kMail);
  t.write("departments.yaml", kDepartments);
  t.write("approvals.yaml", kApprovals);
}

// A time when the base approval is valid and not near its end.
inline TimePoint base_now() {
  return Clock::from_time_t(1'790'000'000);  // 2026-09-21
}

}  // namespace gh::test
