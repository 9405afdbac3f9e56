/// @file files.hpp
/// @brief Writing a file so that nobody ever sees half of it: the one way cnnlab writes checkpoints,
/// pictures, tables and parameters; and reading one whole.
#pragma once

#include <cstdint>
#include <functional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cnn {

/// @brief Writes a file through a temporary file: @p write fills unique_temp_name(path), which is flushed, synced to
/// disk (fsync) and renamed over @p path; the folder is synced after the rename. A reader, or a program
/// started after a crash at any moment, finds either the previous file or the new one, never a mix. When
/// anything fails, the temporary file is removed and the previous file is left as it was.
///
/// Only a regular file is ever replaced: when @p path is a symbolic link, the file it names is written (the link
/// stays); a folder, device, FIFO or socket is refused before anything is written.
/// @param path      the file to write
/// @param function  the public function on whose behalf it is written, named in errors
/// @param write     writes the contents to the stream it is given (binary mode); may throw
/// @throws cnn::io_error naming @p function and @p path when it is not a regular file (or a link to one, or
///         missing), or when the file cannot be created, written or renamed (anything @p write throws is passed
///         on, after the temporary file is removed)
void write_file_atomically(const std::string& path, std::string_view function,
                           const std::function<void(std::ostream&)>& write);

/// @brief A name beside @p path for a temporary file or folder, unique to this process and call:
/// `<path>.tmp.<pid>.<n>`. Two programs writing the same file at once never share a temporary.
std::string unique_temp_name(const std::string& path);

/// @brief Why @p path cannot be read as a file, in a few words ("no such file", "is a folder, not a file",
/// "a symbolic link to X, which does not exist", "cannot be reached (Too many levels of symbolic links)"), or
/// "" when it is a regular file (which may still be unreadable for lack of permission).
std::string describe_unreadable(const std::string& path);

/// @brief Reads a whole file into memory: the one way cnnlab's readers get their bytes (they then parse a span,
/// which is what the fuzz targets feed).
/// @param path      the file to read
/// @param function  the public function on whose behalf it is read, named in errors
/// @throws cnn::io_error naming @p function and @p path when it is not a regular file (describe_unreadable's
///         reason), cannot be opened (with the system's reason) or fails while being read
std::vector<std::uint8_t> read_file(const std::string& path, std::string_view function);

/// @brief zlib's crc32 of @p bytes (the checksum that ends a checkpoint file).
std::uint32_t crc32_of(std::span<const std::uint8_t> bytes);

/// @brief Checks, before any work is done, that write_file_atomically(@p path) can succeed: @p path is not
/// empty, is a regular file, a symbolic link to one or missing (not a folder, device, FIFO or socket), and a
/// file can be created beside the file it names (one is, and removed again).
/// @throws cnn::io_error naming @p function and @p path, with the system's reason
void check_writable_file(const std::string& path, std::string_view function);

/// @brief The file in which FolderWriter::commit lists the files it put in a folder: `cnnlab-manifest.txt`.
inline constexpr const char* kManifestName = "cnnlab-manifest.txt";

/// @brief Writes a folder of files as a set: everything goes into a new folder beside @p dir
/// (unique_temp_name), which commit() puts in the place of @p dir in one step (an atomic exchange where the
/// file system has one, otherwise two renames). A reader finds the old set or the new one, never a mix; after
/// a crash a `<dir>.tmp.*` folder may be left beside it, never a half-written @p dir.
///
/// A folder is replaced only when everything in it was written by a cnnlab program: commit() leaves a manifest
/// (kManifestName) listing every file it put there, and the next writer accepts a folder only when that
/// manifest lists every file in it (or when it is empty, or an older run's: report.html, charts, .csv and .npy
/// files written before manifests existed). Anything else, a user's notes.txt or another run's folder, is left
/// alone: the writer refuses at the start and names it.
///
/// The constructor does every check that can be done before the work, so that nothing fails after it: @p dir is
/// a folder or missing, holds nothing foreign, its temporary folder can be created and written, and the
/// temporary folder can be put in its place by a rename (tried, and undone: a mount point or `.` is refused
/// here). Without commit() the temporary folder is removed and @p dir left as it was.
class FolderWriter {
 public:
  /// @throws cnn::io_error naming @p function and @p dir when it cannot be written as a set
  FolderWriter(const std::string& dir, std::string function);
  ~FolderWriter();
  FolderWriter(const FolderWriter&) = delete;
  FolderWriter& operator=(const FolderWriter&) = delete;

  /// @brief The temporary folder to write the files into.
  const std::string& folder() const { return temp_; }
  /// @brief The folder that commit() replaces (@p dir, or the folder a symbolic link @p dir names).
  const std::string& target() const { return target_; }
  /// @brief Writes the manifest and puts the new set in place of the old one.
  /// @throws cnn::io_error when the folder cannot be moved into place (the old set is then left as it was), or
  ///         when a file that no cnnlab program wrote appeared in @p dir meanwhile (it is left alone, and the new
  ///         set stays in folder(), which the message names)
  void commit();

 private:
  std::string function_;
  std::string target_;
  std::string temp_;
  bool keep_ = false;  // the new set could not be put in place: it stays in temp_, which the message names
};

}  // namespace cnn
