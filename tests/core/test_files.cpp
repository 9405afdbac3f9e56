// write_file_atomically (src/io/files.hpp): the one way cnnlab writes files. The kill-during-save test
// of checkpoints is in test_checkpoint.cpp; here, what happens when writing fails.
#include "io/files.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <unistd.h>

#include "core/errors.hpp"
#include "support/scratch.hpp"

using Catch::Matchers::Contains;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST_CASE("write_file_atomically writes, then replaces, a file and leaves no temporary file", "[files]") {
  const testing::Scratch scratch;
  const std::string path = scratch.file("atomic.txt");
  cnn::write_file_atomically(path, "test", [](std::ostream& out) { out << "first"; });
  REQUIRE(slurp(path) == "first");
  cnn::write_file_atomically(path, "test", [](std::ostream& out) { out << "second, longer"; });
  REQUIRE(slurp(path) == "second, longer");
  REQUIRE_FALSE(std::filesystem::exists(path + ".tmp"));
}

TEST_CASE("a writer that throws half-way leaves the previous file as it was", "[files][errors]") {
  const testing::Scratch scratch;
  const std::string path = scratch.file("atomic_throw.txt");
  cnn::write_file_atomically(path, "test", [](std::ostream& out) { out << "good"; });
  REQUIRE_THROWS_WITH(cnn::write_file_atomically(path, "test",
                                                 [](std::ostream& out) {
                                                   out << "half of a new fi";
                                                   throw std::runtime_error("writer gave up");
                                                 }),
                      "writer gave up");
  REQUIRE(slurp(path) == "good");
  REQUIRE_FALSE(std::filesystem::exists(path + ".tmp"));
}

TEST_CASE("a file in a missing folder is refused with the function and the path", "[files][errors]") {
  const testing::Scratch scratch;
  const std::string path = scratch.file("no_such_folder/x.bin");
  REQUIRE_THROWS_AS(cnn::write_file_atomically(path, "save_thing", [](std::ostream& out) { out << 1; }), cnn::io_error);
  REQUIRE_THROWS_WITH(cnn::write_file_atomically(path, "save_thing", [](std::ostream& out) { out << 1; }),
                      Contains("save_thing: " + path + ": cannot create"));
}

TEST_CASE("a full disk is reported, not ignored, and the temporary file is removed", "[files][errors]") {
  const testing::Scratch scratch;
  // A failed write (disk full, I/O error) sets the stream's badbit; this writer sets it itself.
  const std::string path = scratch.file("atomic_full.txt");
  REQUIRE_THROWS_WITH(cnn::write_file_atomically(path, "test",
                                                 [](std::ostream& out) {
                                                   out << "abc";
                                                   out.setstate(std::ios::badbit);
                                                 }),
                      Contains("test: " + path + ": write failed"));
  REQUIRE_FALSE(std::filesystem::exists(path));
  REQUIRE_FALSE(std::filesystem::exists(path + ".tmp"));
}

TEST_CASE("read_file reads every byte, and refuses a missing file or a folder naming the caller", "[files][errors]") {
  const testing::Scratch scratch;
  const std::string path = scratch.file("bytes.bin");
  const std::string text("a\0b\xff\n", 5);
  cnn::write_file_atomically(path, "test", [&](std::ostream& out) { out << text; });
  const auto bytes = cnn::read_file(path, "test");
  REQUIRE(std::string(bytes.begin(), bytes.end()) == text);
  std::filesystem::remove(path);
  REQUIRE_THROWS_WITH(cnn::read_file(path, "load_thing"), "load_thing: " + path + ": no such file");
  REQUIRE_THROWS_WITH(cnn::read_file(std::filesystem::temp_directory_path().string(), "load_thing"),
                      Contains("load_thing: ") && Contains(": is a folder, not a file"));
}
