// The session loop in-process (docs/architecture.md "Life of a request"):
// a real Server with the real session handlers on a loopback port, a real
// audit writer, and blocking client sockets in the test thread.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <string>
#include <thread>

#include "../config/temp_tree.hpp"
#include "audit/fault_injection.hpp"
#include "audit/writer.hpp"
#include "http/session.hpp"
#include "http/transparent_tls.hpp"
#include "runtime/reloader.hpp"

using namespace gh;
using namespace std::chrono_literals;

namespace {

// A proxy on 127.0.0.1:<ephemeral> with `extra` appended to its config.
class Proxy {
 public:
  explicit Proxy(const std::string& extra = "") {
    tree_.write("gatehouse.yaml",
                "listen:\n  - { address: \"127.0.0.1:0\", mode: forward }\n"
                "clients: { allow: [\"127.0.0.0/8\"] }\n"
                "include:\n  categories: \"categories/*.yaml\"\n"
                "policy:\n  categories: { im: block }\n  block_private_destinations: false\n"
                "  uncategorized: allow\n"
                "audit: { path: \"audit.jsonl\" }\n" +
                    extra);
    tree_.write("categories/im.yaml",
                "category: im\napps:\n  - id: chat-web\n    domains: [.chat.example]\n");
    auto loaded = load_config(tree_.path("gatehouse.yaml"), Clock::now());
    REQUIRE(loaded.ok());
    install_rules(rt_, loaded.rules, loaded.settings, Clock::now());
    audit_ = std::make_unique<AuditWriter>(loaded.settings->audit);
    rt_.audit = audit_.get();
    SessionHandlers h{forward_session, transparent_tls_session, transparent_http_session,
                      refuse_connection};
    server_ = std::make_unique<Server>(rt_, h, EventModel::per_thread_reuseport, 1);
    server_->bind(*loaded.settings);
    server_->start();
    const std::string bound = server_->bound_addresses().at(0);
    port_ = static_cast<std::uint16_t>(std::stoi(bound.substr(bound.rfind(':') + 1)));
  }
  ~Proxy() {
    server_->stop();
    server_->wait();
    audit_->stop();
    inject_audit_write_error(0);
  }
  std::uint16_t port() const { return port_; }
  Runtime& rt() { return rt_; }
  Server& server() { return *server_; }
  std::string metrics() const { return rt_.metrics.render({}, Clock::now()); }

 private:
  test::TempTree tree_;
  Runtime rt_;
  std::unique_ptr<AuditWriter> audit_;
  std::unique_ptr<Server> server_;
  std::uint16_t port_ = 0;
};

// A blocking client connection with a receive timeout.
class Client {
 public:
  explicit Client(std::uint16_t port) : sock_(ioc_) {
    sock_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    timeval tv{5, 0};
    ::setsockopt(sock_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  void send(const std::string& s) { asio::write(sock_, asio::buffer(s)); }
  // One whole response (head and Content-Length body), or "" at EOF.
  std::string response() {
    for (;;) {
      auto head_end = buf_.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        std::size_t len = 0;
        auto cl = buf_.find("Content-Length: ");
        if (cl != std::string::npos && cl < head_end) len = std::stoul(buf_.substr(cl + 16));
        if (buf_.size() >= head_end + 4 + len) {
          std::string r = buf_.substr(0, head_end + 4 + len);
          buf_.erase(0, r.size());
          return r;
        }
      }
      if (!read_more()) return "";
    }
  }
  // True when the proxy closed the connection and sent nothing more.
  bool closed() { return buf_.empty() && !read_more(); }
  const std::string& leftover() const { return buf_; }

 private:
  bool read_more() {
    char b[4096];
    ssize_t n = ::recv(sock_.native_handle(), b, sizeof b, 0);
    if (n <= 0) return false;
    buf_.append(b, static_cast<std::size_t>(n));
    return true;
  }
  asio::io_context ioc_;
  tcp::socket sock_;
  std::string buf_;
};

std::string get(const std::string& url) { return "GET " + url + " HTTP/1.1\r\nHost: x\r\n\r\n"; }

bool starts(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

}  // namespace

TEST_CASE("keep-alive: two refusals on one connection") {
  Proxy px;
  Client c(px.port());
  c.send(get("http://web.chat.example/a"));
  CHECK(starts(c.response(), "HTTP/1.1 403"));
  c.send(get("http://web.chat.example/b"));
  CHECK(starts(c.response(), "HTTP/1.1 403"));
}

TEST_CASE("pipelining: two requests in one write get two answers in order") {
  Proxy px;
  Client c(px.port());
  c.send(get("http://web.chat.example/1") + "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n");
  const std::string first = c.response();
  CHECK(starts(first, "HTTP/1.1 403"));
  CHECK(first.find("Access to this site is blocked") != std::string::npos);
  CHECK(starts(c.response(), "HTTP/1.1 400"));  // origin-form, not the PAC file
  CHECK(c.closed());                            // a 400 ends the connection
}

TEST_CASE("a refused CONNECT keeps the connection for the next request") {
  Proxy px;
  Client c(px.port());
  c.send("CONNECT web.chat.example:443 HTTP/1.1\r\nHost: web.chat.example:443\r\n\r\n");
  CHECK(starts(c.response(), "HTTP/1.1 403"));
  c.send(get("http://web.chat.example/after"));
  CHECK(starts(c.response(), "HTTP/1.1 403"));
}

TEST_CASE("drain closes a connection waiting between requests") {
  Proxy px;
  Client c(px.port());
  c.send(get("http://web.chat.example/a"));
  CHECK(starts(c.response(), "HTTP/1.1 403"));
  // The session is idle now (phase idle): drain closes it without an answer.
  for (int i = 0; i < 100 && px.server().tracker().open() > 0; ++i) {
    px.server().tracker().drain_idle();
    std::this_thread::sleep_for(10ms);
  }
  CHECK(c.closed());
}

TEST_CASE("the 503 of the connection limit is framed exactly") {
  Proxy px("limits: { max_connections_per_client: 1 }\n");
  Client held(px.port());
  held.send(get("http://web.chat.example/a"));
  REQUIRE(starts(held.response(), "HTTP/1.1 403"));
  Client over(px.port());
  const std::string r = over.response();
  REQUIRE(starts(r, "HTTP/1.1 503"));
  // Nothing after the declared body: Content-Length is the body's length.
  CHECK(over.closed());
  CHECK(over.leftover().empty());
}

TEST_CASE("a failed audit log is counted once per refused request") {
  // An origin on loopback: the CONNECT is allowed, so its record is the
  // first to fail; the 503 must be counted once (it was counted twice).
  asio::io_context ioc;
  tcp::acceptor origin(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const auto oport = origin.local_endpoint().port();
  Proxy px("connect: { ports: [" + std::to_string(oport) + "] }\n");
  inject_audit_write_error(EIO);
  Client c(px.port());
  c.send("CONNECT 127.0.0.1:" + std::to_string(oport) + " HTTP/1.1\r\nHost: x\r\n\r\n");
  const std::string r = c.response();
  CHECK(starts(r, "HTTP/1.1 503"));
  CHECK(r.find("audit log is unavailable") != std::string::npos);
  CHECK(px.metrics().find("gatehouse_audit_unavailable_total 1\n") != std::string::npos);
  // The next request meets the failed log before anything else: counted once more.
  Client c2(px.port());
  c2.send(get("http://web.chat.example/x"));
  CHECK(starts(c2.response(), "HTTP/1.1 503"));
  CHECK(px.metrics().find("gatehouse_audit_unavailable_total 2\n") != std::string::npos);
}

TEST_CASE("a header field longer than 64 KiB gets 431, even when max_header_bytes allows it") {
  Proxy px("limits: { max_header_bytes: \"128KiB\" }\n");
  Client c(px.port());
  c.send("GET http://web.chat.example/ HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(70'000, 'a') +
         "\r\n\r\n");
  CHECK(starts(c.response(), "HTTP/1.1 431"));
  // The proxy is still there for the next client.
  Client d(px.port());
  d.send(get("http://web.chat.example/after"));
  CHECK(starts(d.response(), "HTTP/1.1 403"));
}
