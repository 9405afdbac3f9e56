// A scratch folder for a test's files: in the temporary folder, named after the process and a counter (tests
// that ctest runs in parallel, and two folders in one test, never meet), removed with its contents at the end.
#pragma once

#include <atomic>
#include <filesystem>
#include <string>

#include <unistd.h>

namespace testing {

class Scratch {
 public:
  Scratch() {
    static std::atomic<int> count{0};
    dir_ = std::filesystem::temp_directory_path() /
           ("cnnlab_test_" + std::to_string(::getpid()) + "_" + std::to_string(count++));
    std::filesystem::create_directories(dir_);
  }
  ~Scratch() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;

  /// The path of a file named @p name in the folder (not created).
  std::string file(const std::string& name) const { return (dir_ / name).string(); }
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
};

}  // namespace testing
