#include "io/files.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <set>

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

std::string what_kind(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status st = fs::symlink_status(path, ec);
  switch (st.type()) {
    case fs::file_type::regular: return "a regular file";
    case fs::file_type::directory: return "a folder";
    case fs::file_type::symlink: return "a symbolic link";
    case fs::file_type::block: return "a block device";
    case fs::file_type::character: return "a character device";
    case fs::file_type::fifo: return "a FIFO";
    case fs::file_type::socket: return "a socket";
    case fs::file_type::not_found: return "missing";
    default: return "not a regular file";
  }
}

std::string file_to_write(const std::string& path, std::string_view function) {
  namespace fs = std::filesystem;
  if (path.empty()) throw io_error(function, "the file name is empty");
  // Follow symbolic links by hand (a dangling one names the file to create); 40 links is the kernel's limit too.
  fs::path p = path;
  std::error_code ec;
  for (int links = 0; fs::is_symlink(fs::symlink_status(p, ec)); ++links) {
    if (links == 40) throw io_error(function, path + ": cannot be reached (Too many levels of symbolic links)");
    const fs::path to = fs::read_symlink(p, ec);
    if (ec) throw io_error(function, path + ": cannot read the symbolic link (" + ec.message() + ")");
    p = to.is_absolute() ? to : p.parent_path() / to;
  }
  const fs::file_status st = fs::symlink_status(p, ec);
  if (ec && ec != std::errc::no_such_file_or_directory && ec != std::errc::not_a_directory)
    throw io_error(function, path + ": cannot be reached (" + ec.message() + ")");
  if (fs::is_directory(st)) throw io_error(function, path + ": is a folder; it cannot be replaced by a file");
  if (fs::exists(st) && !fs::is_regular_file(st))
    throw io_error(function, path + ": is " + what_kind(p.string()) + ", not a regular file; cnnlab never replaces "
                                    "one (to send the output there, leave the option out and redirect: > " + path + ")");
  return p.string();
}

void write_file_atomically(const std::string& given, std::string_view function,
                           const std::function<void(std::ostream&)>& write) {
  // The file a symbolic link names is replaced, never the link; a device, FIFO or socket never.
  const std::string path = file_to_write(given, function);
  const std::string tmp = unique_temp_name(path);
  auto fail = [&](const std::string& what) {
    std::remove(tmp.c_str());
    throw io_error(function, given + ": " + what);
  };
  {
    errno = 0;
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw io_error(function, given + ": cannot create " + tmp + " (" + std::strerror(errno) + ")");
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

void check_writable_file(const std::string& given, std::string_view function) {
  const std::string path = file_to_write(given, function);
  // The very operation write_file_atomically begins with: create a temporary file beside it (then remove it).
  const std::string probe = unique_temp_name(path);
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0)
    throw io_error(function, given + (path == given ? "" : " (a symbolic link to " + path + ")") +
                                 ": cannot create a file beside it (" + std::strerror(errno) + ")");
  ::close(fd);
  std::remove(probe.c_str());
}

namespace {

namespace fs = std::filesystem;

// The manifest's first line: what the file is (a user's file of the same name without it is not a manifest).
constexpr std::string_view kManifestHeader = "# cnnlab: the files below were written by a cnnlab program";

// The files a manifest lists (relative paths), or nullopt when the folder holds no manifest of ours.
std::optional<std::set<std::string>> read_manifest(const fs::path& dir) {
  const fs::path file = dir / kManifestName;
  std::error_code ec;
  if (!fs::is_regular_file(fs::symlink_status(file, ec))) return std::nullopt;
  std::ifstream in(file);
  std::string line;
  if (!std::getline(in, line) || line != kManifestHeader) return std::nullopt;
  std::set<std::string> files;
  while (std::getline(in, line))
    if (!line.empty() && line[0] != '/' && line.find("..") == std::string::npos) files.insert(line);
  return files;
}

// A folder written before manifests existed: report.html at the top, beside it only what a run wrote then
// (history.csv, loss.csv, charts, parameters), in subfolders only parameters (a block's, .npy).
bool written_by_an_older_run(const fs::path& rel, const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_regular_file(fs::symlink_status(dir / "report.html", ec))) return false;
  const std::string name = rel.filename().string(), ext = rel.extension().string();
  if (rel.has_parent_path()) return ext == ".npy";
  return name == "report.html" || name == "history.csv" || name == "loss.csv" || ext == ".svg" || ext == ".npy";
}

// The first entry of @p dir that no cnnlab program wrote ("" when there is none): a file or link that the
// manifest does not list, or a folder that holds no listed file. A folder without a manifest must be empty
// (or an older run's). Nothing of the user's is ever in a folder that FolderWriter replaces.
std::string first_foreign_entry(const fs::path& dir) {
  const auto listed = read_manifest(dir);
  std::set<std::string> folders;  // the folders the listed files sit in
  if (listed)
    for (const auto& f : *listed)
      for (fs::path p = fs::path(f).parent_path(); !p.empty(); p = p.parent_path()) folders.insert(p.string());
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, fs::directory_options::none, ec), end; !ec && it != end;
       it.increment(ec)) {
    const fs::path rel = it->path().lexically_relative(dir);
    const fs::file_status st = it->symlink_status(ec);
    if (ec) break;
    bool ours = false;
    if (rel == kManifestName) ours = listed.has_value();
    else if (fs::is_directory(st)) ours = folders.count(rel.string()) > 0 || (!listed && written_by_an_older_run(rel / "x.npy", dir));
    else if (fs::is_regular_file(st)) ours = listed ? listed->count(rel.string()) > 0 : written_by_an_older_run(rel, dir);
    if (!ours) return it->path().string();
  }
  if (ec) return dir.string() + " (" + ec.message() + ")";
  return "";
}

// Every regular file under @p dir, relative to it, sorted: what a manifest lists.
std::vector<std::string> files_under(const fs::path& dir) {
  std::vector<std::string> files;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, fs::directory_options::none, ec), end; !ec && it != end; it.increment(ec))
    if (fs::is_regular_file(it->symlink_status(ec))) files.push_back(it->path().lexically_relative(dir).string());
  std::sort(files.begin(), files.end());
  return files;
}

// Exchanges two paths (both exist) in one step, or moves @p from to @p to (which does not exist).
int swap_or_move(const std::string& from, const std::string& to, bool to_exists) {
  if (!to_exists) return ::rename(from.c_str(), to.c_str());
  return ::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_EXCHANGE);
}

}  // namespace

FolderWriter::FolderWriter(const std::string& dir, std::string function) : function_(std::move(function)) {
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
  const bool exists = fs::exists(st);
  if (exists) {
    if (!fs::is_directory(st)) throw io_error(function_, dir + ": exists and is not a folder");
    if (const std::string other = first_foreign_entry(target_); !other.empty())
      throw io_error(function_, dir + ": holds " + other + ", which cnnlab did not write (no " +
                                    std::string(kManifestName) + " of a run lists it); the folder is replaced as a " +
                                    "whole, so give a new or empty folder, or one a run wrote");
  }
  const fs::path parent = fs::absolute(target_).parent_path();
  fs::create_directories(parent, ec);
  if (ec) throw io_error(function_, dir + ": cannot create the folder " + parent.string() + " (" + ec.message() + ")");
  // Beside the folder, named after its absolute path: `.` gets `/home/me.tmp.*`, not `..tmp.*` inside itself.
  std::string absolute = fs::absolute(target_).lexically_normal().string();
  if (absolute.size() > 1 && absolute.back() == '/') absolute.pop_back();
  temp_ = unique_temp_name(absolute);
  if (!fs::create_directory(temp_, ec) || ec)
    throw io_error(function_, dir + ": cannot create a folder beside it, " + temp_ + " (" +
                                  (ec ? ec.message() : std::string("it exists")) + ")");
  // What commit() will do, tried now, before any work: write a file into the new folder, then put the folder in
  // place and back. A mount point, `.` or a folder whose parent is read-only fails here, not after the work.
  const std::string probe = temp_ + "/probe";
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  const bool wrote = fd >= 0 && ::write(fd, "x", 1) == 1;
  const int write_errno = errno;
  if (fd >= 0) ::close(fd);
  std::remove(probe.c_str());
  // (A constructor that throws runs no destructor: the temporary folder is removed here.)
  auto refuse = [&](const std::string& why) {
    fs::remove_all(temp_, ec);
    throw io_error(function_, dir + ": " + why);
  };
  if (!wrote) refuse("cannot write a file into " + temp_ + " (" + std::strerror(write_errno) + ")");
  bool placed = swap_or_move(temp_, target_, exists) == 0 && swap_or_move(target_, temp_, exists) == 0;
  if (!placed && exists && errno == EINVAL) {  // no atomic exchange here: commit() moves the old set aside
    const std::string aside = unique_temp_name(target_);
    placed = ::rename(target_.c_str(), aside.c_str()) == 0 && ::rename(aside.c_str(), target_.c_str()) == 0;
  }
  if (!placed) {
    const int e = errno;
    refuse("cannot be put in place by a rename (" + std::string(std::strerror(e)) + ")" +
           (e == EBUSY ? ": it is a mount point or the current folder; give a folder inside it" : ""));
  }
}

FolderWriter::~FolderWriter() {
  if (temp_.empty() || keep_) return;
  std::error_code ec;
  fs::remove_all(temp_, ec);
}

void FolderWriter::commit() {
  // The manifest: every file this writer's folder holds, so that the next run knows what it may replace.
  const std::vector<std::string> files = files_under(temp_);
  write_file_atomically(temp_ + "/" + std::string(kManifestName), function_, [&](std::ostream& out) {
    out << kManifestHeader << "\n";
    for (const auto& f : files) out << f << "\n";
  });
  sync_to_disk(temp_);
  std::error_code ec;
  const bool exists = fs::exists(target_, ec);
  // Something of the user's may have appeared in the folder during the work: it is not replaced either.
  if (exists)
    if (const std::string other = first_foreign_entry(target_); !other.empty()) {
      keep_ = true;  // the new set stays where it is
      throw io_error(function_, target_ + ": " + other + " appeared in it, which cnnlab did not write; it is left "
                                          "alone, and the new files are in " + temp_);
    }
  if (swap_or_move(temp_, target_, exists) != 0) {
    if (exists && errno == EINVAL) {
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
    } else {
      ec = std::error_code(errno, std::generic_category());
    }
  }
  // After an exchange, temp_ holds the previous set, which the destructor removes.
  if (ec) throw io_error(function_, target_ + ": cannot move the new files into place (" + ec.message() + ")");
  sync_to_disk(fs::absolute(target_).parent_path().string());
  if (!fs::exists(temp_, ec)) temp_.clear();
}

}  // namespace cnn
