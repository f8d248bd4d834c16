#include "crypto/key_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

namespace gs::crypto {
namespace {

[[noreturn]] void fail_errno(std::string_view what, const std::filesystem::path& path, int err) {
  throw std::runtime_error(fmt::format("cannot {} {}: {}", what, path.string(), std::strerror(err)));
}

class FdGuard {
 public:
  explicit FdGuard(int fd) : fd_(fd) {}
  ~FdGuard() {
    if (fd_ >= 0) ::close(fd_);
  }
  FdGuard(const FdGuard&) = delete;
  FdGuard& operator=(const FdGuard&) = delete;
  int get() const { return fd_; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

void write_all(int fd, std::span<const std::uint8_t> bytes, const std::filesystem::path& path) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail_errno("write", path, errno);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) fail_errno("sync", path, errno);
}

}  // namespace

SecretBuffer read_key_file(const std::filesystem::path& path, std::size_t max_bytes, FileAccess access) {
  FdGuard fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) fail_errno("open", path, errno);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) fail_errno("stat", path, errno);
  if (!S_ISREG(st.st_mode)) throw std::runtime_error(fmt::format("{} is not a regular file", path.string()));
  if (access == FileAccess::owner_only && (st.st_mode & 077) != 0)
    throw std::runtime_error(
        fmt::format("{} is accessible by group or others (mode {:04o}); run: chmod 600 {}", path.string(),
                    st.st_mode & 07777, path.string()));
  if (static_cast<std::size_t>(st.st_size) > max_bytes)
    throw std::runtime_error(
        fmt::format("{} is too large ({} bytes, at most {})", path.string(), st.st_size, max_bytes));
  // One byte more than allowed, to notice a file that grew after fstat.
  SecretBuffer buf(max_bytes + 1);
  std::size_t got = 0;
  while (got < buf.size()) {
    ssize_t n = ::read(fd.get(), buf.data() + got, buf.size() - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail_errno("read", path, errno);
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  if (got > max_bytes)
    throw std::runtime_error(fmt::format("{} is too large (more than {} bytes)", path.string(), max_bytes));
  return SecretBuffer(std::span<const std::uint8_t>(buf.data(), got));
}

void write_key_file(const std::filesystem::path& path, std::span<const std::uint8_t> bytes, mode_t mode,
                    bool overwrite) {
  if (!overwrite) {
    FdGuard fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
    if (fd.get() < 0) {
      if (errno == EEXIST)
        throw std::runtime_error(
            fmt::format("{} already exists; refusing to overwrite it (use --force)", path.string()));
      fail_errno("create", path, errno);
    }
    // The umask may have removed bits; set exactly what was asked.
    if (::fchmod(fd.get(), mode) != 0) fail_errno("chmod", path, errno);
    write_all(fd.get(), bytes, path);
    if (::close(fd.release()) != 0) fail_errno("close", path, errno);
    return;
  }
  std::filesystem::path tmp = path;
  tmp += fmt::format(".tmp{}", ::getpid());
  FdGuard fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
  if (fd.get() < 0) fail_errno("create", tmp, errno);
  try {
    if (::fchmod(fd.get(), mode) != 0) fail_errno("chmod", tmp, errno);
    write_all(fd.get(), bytes, tmp);
    if (::close(fd.release()) != 0) fail_errno("close", tmp, errno);
    if (::rename(tmp.c_str(), path.c_str()) != 0) fail_errno("replace", path, errno);
  } catch (...) {
    ::unlink(tmp.c_str());
    throw;
  }
}

}  // namespace gs::crypto
