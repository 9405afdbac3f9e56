#include "cnnlab/files.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <fcntl.h>
#include <unistd.h>

#include "cnnlab/errors.hpp"

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

void write_file_atomically(const std::string& path, std::string_view function,
                           const std::function<void(std::ostream&)>& write) {
  const std::string tmp = path + ".tmp";
  auto fail = [&](const std::string& what) {
    std::remove(tmp.c_str());
    throw io_error(function, path + ": " + what);
  };
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw io_error(function, path + ": cannot create " + tmp);
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
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw io_error(function, path + ": no such file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw io_error(function, path + ": cannot open");
  std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw io_error(function, path + ": read error");
  return bytes;
}

}  // namespace cnn
