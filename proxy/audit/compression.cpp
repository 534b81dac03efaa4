#include "audit/compression.hpp"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>

#include "base/log.hpp"

namespace gh {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kChunk = 1 << 20;

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// read(2) that retries EINTR; throws on error.
std::size_t read_some(int fd, char* buf, std::size_t n, const std::string& path) {
  for (;;) {
    ssize_t r = ::read(fd, buf, n);
    if (r >= 0) return static_cast<std::size_t>(r);
    if (errno != EINTR) throw std::system_error(errno, std::generic_category(), "read " + path);
  }
}

bool write_all(int fd, const char* p, std::size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

int sync_dir(const fs::path& dir) {
  Fd d{::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  if (d.fd < 0 || ::fsync(d.fd) != 0) return errno;
  return 0;
}

// Feeds `in` through a streaming compressor into `out_fd`.
class Encoder {
 public:
  explicit Encoder(AuditCompression c) : c_(c) {
    if (c_ == AuditCompression::gzip) {
      // 15 window bits + 16: a gzip wrapper (header, CRC-32, length).
      ok_ = deflateInit2(&z_, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK;
    } else {
      zs_ = ZSTD_createCCtx();
      ok_ = zs_ != nullptr &&
            !ZSTD_isError(ZSTD_CCtx_setParameter(zs_, ZSTD_c_compressionLevel, 3)) &&
            !ZSTD_isError(ZSTD_CCtx_setParameter(zs_, ZSTD_c_checksumFlag, 1));
    }
  }
  ~Encoder() {
    if (c_ == AuditCompression::gzip)
      deflateEnd(&z_);
    else
      ZSTD_freeCCtx(zs_);
  }
  bool ok() const { return ok_; }

  // Compresses `n` bytes (finish: the last call, n may be 0); false on error.
  bool put(const char* data, std::size_t n, bool finish, int out_fd, std::vector<char>& out) {
    if (c_ == AuditCompression::gzip) {
      z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data));
      z_.avail_in = static_cast<uInt>(n);
      int rc = Z_OK;
      do {
        z_.next_out = reinterpret_cast<Bytef*>(out.data());
        z_.avail_out = static_cast<uInt>(out.size());
        rc = deflate(&z_, finish ? Z_FINISH : Z_NO_FLUSH);
        if (rc == Z_STREAM_ERROR) return false;
        if (!write_all(out_fd, out.data(), out.size() - z_.avail_out)) return false;
      } while (z_.avail_out == 0 || (finish && rc != Z_STREAM_END));
      return true;
    }
    ZSTD_inBuffer in{data, n, 0};
    for (;;) {
      ZSTD_outBuffer o{out.data(), out.size(), 0};
      std::size_t left = ZSTD_compressStream2(zs_, &o, &in, finish ? ZSTD_e_end : ZSTD_e_continue);
      if (ZSTD_isError(left)) return false;
      if (!write_all(out_fd, out.data(), o.pos)) return false;
      if (finish ? left == 0 : in.pos == in.size) return true;
    }
  }

 private:
  AuditCompression c_;
  bool ok_ = false;
  z_stream z_{};
  ZSTD_CCtx* zs_ = nullptr;
};

}  // namespace

AuditCompression compression_of(std::string_view path) noexcept {
  if (path.ends_with(".gz")) return AuditCompression::gzip;
  if (path.ends_with(".zst")) return AuditCompression::zstd;
  return AuditCompression::off;
}

std::string_view suffix_of(AuditCompression c) noexcept {
  switch (c) {
    case AuditCompression::gzip:
      return ".gz";
    case AuditCompression::zstd:
      return ".zst";
    case AuditCompression::off:
      break;
  }
  return "";
}

// ------------------------------------------------------------- reading

struct DecompressingReader::Impl {
  std::string path;
  AuditCompression c = AuditCompression::off;
  Fd file;
  std::vector<char> in = std::vector<char>(kChunk);
  std::size_t in_pos = 0, in_end = 0;
  bool eof = false;
  z_stream z{};
  bool z_init = false;
  bool member_open = false;  // gzip: inside a member; zstd: inside a frame
  ZSTD_DCtx* zs = nullptr;

  ~Impl() {
    if (z_init) inflateEnd(&z);
    ZSTD_freeDCtx(zs);
  }

  bool refill() {
    if (in_pos < in_end) return true;
    if (eof) return false;
    in_pos = 0;
    in_end = read_some(file.fd, in.data(), in.size(), path);
    if (in_end == 0) eof = true;
    return in_end > 0;
  }

  [[noreturn]] void corrupt(const char* what) {
    throw CorruptData(path + ": damaged " + (c == AuditCompression::gzip ? "gzip" : "zstd") +
                      " data (" + what + ")");
  }

  std::size_t read_gzip(char* buf, std::size_t n) {
    for (;;) {
      if (!refill()) {
        if (member_open) corrupt("truncated");
        return 0;
      }
      if (!member_open) {
        if (inflateReset(&z) != Z_OK) corrupt("reset");
        member_open = true;
      }
      z.next_in = reinterpret_cast<Bytef*>(in.data() + in_pos);
      z.avail_in = static_cast<uInt>(in_end - in_pos);
      z.next_out = reinterpret_cast<Bytef*>(buf);
      z.avail_out = static_cast<uInt>(n);
      int rc = inflate(&z, Z_NO_FLUSH);
      in_pos = in_end - z.avail_in;
      if (rc == Z_STREAM_END)
        member_open = false;  // another member may follow
      else if (rc != Z_OK && rc != Z_BUF_ERROR)
        corrupt(z.msg ? z.msg : "inflate");
      std::size_t got = n - z.avail_out;
      if (got > 0) return got;
    }
  }

  std::size_t read_zstd(char* buf, std::size_t n) {
    for (;;) {
      if (!refill()) {
        if (member_open) corrupt("truncated");
        return 0;
      }
      ZSTD_inBuffer i{in.data() + in_pos, in_end - in_pos, 0};
      ZSTD_outBuffer o{buf, n, 0};
      std::size_t hint = ZSTD_decompressStream(zs, &o, &i);
      in_pos += i.pos;
      if (ZSTD_isError(hint)) corrupt(ZSTD_getErrorName(hint));
      member_open = hint != 0;
      if (o.pos > 0) return o.pos;
    }
  }
};

DecompressingReader::DecompressingReader(const std::string& path) : impl_(new Impl) {
  impl_->path = path;
  impl_->c = compression_of(path);
  impl_->file.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (impl_->file.fd < 0) throw std::system_error(errno, std::generic_category(), path);
  ::posix_fadvise(impl_->file.fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  if (impl_->c == AuditCompression::gzip) {
    if (inflateInit2(&impl_->z, 15 + 16) != Z_OK) throw std::runtime_error("zlib: inflateInit2");
    impl_->z_init = true;
  } else if (impl_->c == AuditCompression::zstd) {
    impl_->zs = ZSTD_createDCtx();
    if (!impl_->zs) throw std::runtime_error("zstd: ZSTD_createDCtx");
  }
}

DecompressingReader::~DecompressingReader() = default;

std::size_t DecompressingReader::read(char* buf, std::size_t n) {
  switch (impl_->c) {
    case AuditCompression::gzip:
      return impl_->read_gzip(buf, n);
    case AuditCompression::zstd:
      return impl_->read_zstd(buf, n);
    case AuditCompression::off:
      break;
  }
  return read_some(impl_->file.fd, buf, n, impl_->path);
}

// ------------------------------------------------------------- writing

int compress_rotated(const fs::path& plain, AuditCompression c, const std::atomic<bool>& cancel,
                     std::string& error) {
  if (c == AuditCompression::off) return 0;
  const fs::path done = fs::path(plain.string() + std::string(suffix_of(c)));
  const fs::path tmp = fs::path(done.string() + ".tmp");
  auto fail = [&](int err, const std::string& what) {
    error = what + ": " + std::strerror(err);
    ::unlink(tmp.c_str());
    return err;
  };
  Fd in{::open(plain.c_str(), O_RDONLY | O_CLOEXEC)};
  if (in.fd < 0) return fail(errno, "open " + plain.string());
  Fd out{::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640)};
  if (out.fd < 0) return fail(errno, "create " + tmp.string());
  Encoder enc(c);
  if (!enc.ok()) return fail(ENOMEM, "compressor");
  std::vector<char> buf(kChunk), zbuf(kChunk);
  for (;;) {
    if (cancel.load()) return fail(ECANCELED, "compressing " + plain.string());
    std::size_t n = 0;
    try {
      n = read_some(in.fd, buf.data(), buf.size(), plain.string());
    } catch (const std::system_error& e) {
      return fail(e.code().value(), e.what());
    }
    if (!enc.put(buf.data(), n, n == 0, out.fd, zbuf))
      return fail(errno ? errno : EIO, "write " + tmp.string());
    if (n == 0) break;
  }
  if (::fsync(out.fd) != 0) return fail(errno, "fsync " + tmp.string());
  if (::rename(tmp.c_str(), done.c_str()) != 0) return fail(errno, "rename " + tmp.string());
  if (int e = sync_dir(plain.parent_path().empty() ? "." : plain.parent_path()); e != 0) {
    error = "fsync directory: " + std::string(std::strerror(e));
    return e;  // both files exist; recovery removes the plain one later
  }
  if (::unlink(plain.c_str()) != 0) {
    error = "unlink " + plain.string() + ": " + std::strerror(errno);
    return errno;
  }
  sync_dir(plain.parent_path().empty() ? "." : plain.parent_path());
  return 0;
}

std::vector<fs::path> recover_compression(const LogPaths& p, AuditCompression c) {
  std::vector<fs::path> todo;
  std::error_code ec;
  for (fs::directory_iterator it(p.dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    for (AuditCompression k : {AuditCompression::gzip, AuditCompression::zstd}) {
      const std::string tmp_suffix = std::string(".jsonl") + std::string(suffix_of(k)) + ".tmp";
      if (name.ends_with(tmp_suffix) &&
          is_rotated_name(p.stem, name.substr(0, name.size() - tmp_suffix.size() + 6))) {
        gh::log(LogLevel::info, "audit: removing %s left by an interrupted compression",
                it->path().c_str());
        ::unlink(it->path().c_str());
      }
    }
  }
  for (const fs::path& f : rotated_files(p)) {
    if (compression_of(f.string()) != AuditCompression::off) continue;
    bool twin = false;
    for (AuditCompression k : {AuditCompression::gzip, AuditCompression::zstd})
      twin = twin || fs::exists(f.string() + std::string(suffix_of(k)), ec);
    if (twin) {
      gh::log(LogLevel::info, "audit: %s has its compressed copy; removing the plain file",
              f.c_str());
      ::unlink(f.c_str());
    } else if (c != AuditCompression::off) {
      todo.push_back(f);
    }
  }
  return todo;
}

// ------------------------------------------------------------- the thread

struct AuditCompressor::Impl {
  LogPaths paths;
  AuditCompression c;
  std::mutex m;
  std::condition_variable cv, cv_idle;
  std::deque<fs::path> queue;
  bool busy = false;
  std::atomic<bool> stopping{false};
  std::thread thread;

  void run() {
    std::unique_lock lk(m);
    for (;;) {
      cv.wait(lk, [&] { return stopping.load() || !queue.empty(); });
      if (stopping.load()) break;
      fs::path f = std::move(queue.front());
      queue.pop_front();
      busy = true;
      lk.unlock();
      std::string error;
      if (int e = compress_rotated(f, c, stopping, error); e != 0 && e != ECANCELED)
        gh::log(LogLevel::error, "audit: cannot compress %s: %s (the plain file stays)", f.c_str(),
                error.c_str());
      lk.lock();
      busy = false;
      cv_idle.notify_all();
    }
    busy = false;
    cv_idle.notify_all();
  }
};

AuditCompressor::AuditCompressor(LogPaths paths, AuditCompression c) : impl_(new Impl) {
  impl_->paths = std::move(paths);
  impl_->c = c;
  for (auto& f : recover_compression(impl_->paths, c)) impl_->queue.push_back(std::move(f));
  impl_->thread = std::thread([this] { impl_->run(); });
}

AuditCompressor::~AuditCompressor() { stop(); }

void AuditCompressor::enqueue(fs::path plain) {
  if (impl_->c == AuditCompression::off) return;
  {
    std::lock_guard lk(impl_->m);
    impl_->queue.push_back(std::move(plain));
  }
  impl_->cv.notify_one();
}

void AuditCompressor::wait_idle() {
  std::unique_lock lk(impl_->m);
  impl_->cv_idle.wait(
      lk, [&] { return impl_->stopping.load() || (impl_->queue.empty() && !impl_->busy); });
}

void AuditCompressor::stop() {
  {
    std::lock_guard lk(impl_->m);
    impl_->stopping = true;
  }
  impl_->cv.notify_all();
  if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace gh
