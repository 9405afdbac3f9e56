#include "io/files.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <fcntl.h>
#include <zlib.h>
#include <unistd.h>

#include "core/errors.hpp"

namespace cnn {

namespace {

// fsync of a file or folder by name; false when it cannot be opened or synced.
bool sync_to_disk(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

std::string unique_temp_name(const std::string& path) {
  static std::atomic<unsigned> count{0};
  return path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(count++);
}

std::string describe_unreadable(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status link = fs::symlink_status(path, ec);
  if (ec && ec != std::errc::no_such_file_or_directory) return "cannot be reached (" + ec.message() + ")";
  if (!fs::exists(link)) return "no such file";
  const fs::file_status target = fs::status(path, ec);
  if (ec == std::errc::no_such_file_or_directory) {
    std::error_code ec2;
    return "a symbolic link to " + fs::read_symlink(path, ec2).string() + ", which does not exist";
  }
  if (ec) return "cannot be reached (" + ec.message() + ")";  // a loop of symbolic links, a folder not searchable
  if (fs::is_directory(target)) return "is a folder, not a file";
  if (!fs::is_regular_file(target)) return "is not a regular file (a FIFO, socket or device)";
  return "";
}

void write_file_atomically(const std::string& path, std::string_view function,
                           const std::function<void(std::ostream&)>& write) {
  const std::string tmp = unique_temp_name(path);
  auto fail = [&](const std::string& what) {
    std::remove(tmp.c_str());
    throw io_error(function, path + ": " + what);
  };
  {
    errno = 0;
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw io_error(function, path + ": cannot create " + tmp + " (" + std::strerror(errno) + ")");
    try {
      write(out);
    } catch (...) {
      out.close();
      std::remove(tmp.c_str());
      throw;
    }
    out.flush();
    if (!out) fail("write failed (disk full?)");
  }
  // On disk before the rename (a crash of the machine, not only of the process, then leaves the old file or
  // the new one), and the rename itself on disk afterwards.
  if (!sync_to_disk(tmp)) fail("cannot flush " + tmp + " to disk");
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) fail("cannot replace the file with " + tmp + " (" + ec.message() + ")");
  sync_to_disk(std::filesystem::absolute(path).parent_path().string());  // best effort: not every file system can
}

std::vector<std::uint8_t> read_file(const std::string& path, std::string_view function) {
  if (const std::string why = describe_unreadable(path); !why.empty()) throw io_error(function, path + ": " + why);
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw io_error(function, path + ": cannot open (" + std::strerror(errno) + ")");
  std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw io_error(function, path + ": read error");
  return bytes;
}

std::uint32_t crc32_of(std::span<const std::uint8_t> bytes) {
  uLong crc = crc32(0L, Z_NULL, 0);
  for (std::size_t at = 0; at < bytes.size(); at += std::size_t{1} << 30) {  // zlib takes a uInt length
    const std::size_t n = std::min<std::size_t>(bytes.size() - at, std::size_t{1} << 30);
    crc = crc32(crc, bytes.data() + at, static_cast<uInt>(n));
  }
  return static_cast<std::uint32_t>(crc);
}

void check_writable_file(const std::string& path, std::string_view function) {
  namespace fs = std::filesystem;
  if (path.empty()) throw io_error(function, "the file name is empty");
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (fs::exists(st) && !fs::is_regular_file(st))
    throw io_error(function, path + ": " + (fs::is_directory(st) ? "is a folder" : "is not a regular file") +
                                 "; it cannot be replaced by a file");
  // The very operation write_file_atomically begins with: create a temporary file beside it (then remove it).
  const std::string probe = unique_temp_name(path);
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) throw io_error(function, path + ": cannot create a file beside it (" + std::strerror(errno) + ")");
  ::close(fd);
  std::remove(probe.c_str());
}

namespace {

// What a folder written by write_folder_atomically may hold: files of these kinds, in subfolders too. Another
// folder is never replaced, so that `--out ~` cannot remove a home folder.
bool only_generated_files(const std::filesystem::path& dir, std::string& found) {
  namespace fs = std::filesystem;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, fs::directory_options::none, ec), end; !ec && it != end;
       it.increment(ec)) {
    const fs::file_status st = it->symlink_status(ec);
    if (fs::is_directory(st)) continue;
    const std::string ext = it->path().extension().string();
    const bool ours = fs::is_regular_file(st) &&
                      (ext == ".csv" || ext == ".png" || ext == ".npy" || ext == ".html" || ext == ".txt" ||
                       ext == ".json" || ext == ".svg");
    if (!ours) {
      found = it->path().string();
      return false;
    }
  }
  if (ec) found = dir.string() + " (" + ec.message() + ")";
  return !ec;
}

}  // namespace

FolderWriter::FolderWriter(const std::string& dir, std::string function) : function_(std::move(function)) {
  namespace fs = std::filesystem;
  if (dir.empty()) throw io_error(function_, "the folder name is empty");
  std::error_code ec;
  fs::path target = dir;
  // A symbolic link to a folder: the folder it names is replaced, the link stays.
  if (fs::is_symlink(fs::symlink_status(target, ec))) target = fs::weakly_canonical(target, ec);
  target_ = target.lexically_normal().string();
  if (!target_.empty() && target_.back() == '/' && target_.size() > 1) target_.pop_back();
  const fs::file_status st = fs::status(target_, ec);
  if (ec && ec != std::errc::no_such_file_or_directory)
    throw io_error(function_, dir + ": cannot be reached (" + ec.message() + ")");
  if (fs::exists(st)) {
    if (!fs::is_directory(st)) throw io_error(function_, dir + ": exists and is not a folder");
    std::string other;
    if (!only_generated_files(target_, other))
      throw io_error(function_, dir + ": holds " + other +
                                    ", which cnnlab did not write; give a new or empty folder, or one an earlier run "
                                    "wrote (its contents are replaced as a whole)");
  }
  const fs::path parent = fs::absolute(target_).parent_path();
  fs::create_directories(parent, ec);
  if (ec) throw io_error(function_, dir + ": cannot create the folder " + parent.string() + " (" + ec.message() + ")");
  temp_ = unique_temp_name(target_);
  if (!fs::create_directory(temp_, ec) || ec)
    throw io_error(function_, dir + ": cannot create a folder beside it, " + temp_ + " (" +
                                  (ec ? ec.message() : std::string("it exists")) + ")");
}

FolderWriter::~FolderWriter() {
  if (temp_.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(temp_, ec);
}

void FolderWriter::commit() {
  namespace fs = std::filesystem;
  sync_to_disk(temp_);
  std::error_code ec;
  if (!fs::exists(target_, ec)) {
    fs::rename(temp_, target_, ec);
  } else if (::renameat2(AT_FDCWD, temp_.c_str(), AT_FDCWD, target_.c_str(), RENAME_EXCHANGE) != 0) {
    // A file system without an atomic exchange: two renames, the old set first moved aside whole.
    const std::string old = unique_temp_name(target_);
    fs::rename(target_, old, ec);
    if (!ec) {
      fs::rename(temp_, target_, ec);
      std::error_code ignored;
      if (ec)
        fs::rename(old, target_, ignored);  // put the old set back
      else
        fs::remove_all(old, ignored);
    }
  }
  // After an exchange, temp_ holds the previous set, which the destructor removes.
  if (ec) throw io_error(function_, target_ + ": cannot move the new files into place (" + ec.message() + ")");
  sync_to_disk(fs::absolute(target_).parent_path().string());
  if (!fs::exists(temp_, ec)) temp_.clear();
}

}  // namespace cnn
