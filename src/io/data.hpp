/// @file data.hpp
/// @brief Data sets as bytes in memory, converted to doubles one minibatch at a time: IDX (MNIST,
/// Fashion-MNIST; gzipped or plain) and the CIFAR-10 binary format.
///
/// Fashion-MNIST comes from the Debian package `dataset-fashion-mnist`, installed by `./lab setup` into
/// /usr/share/datasets/fashion-mnist. A training set of 60,000 28x28 images takes 47 MB as bytes; as doubles it
/// would take 376 MB, so images stay bytes until a batch is drawn. Page: @ref training.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/tensor.hpp"

namespace cnn {

/// @brief Where the Debian package `dataset-fashion-mnist` puts its files.
inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

/// @brief Images and labels, kept as bytes.
struct Dataset {
  std::size_t count = 0;              ///< number of images, N
  std::size_t channels = 0;           ///< C (1 for MNIST, 3 for CIFAR-10)
  std::size_t height = 0;             ///< H
  std::size_t width = 0;              ///< W
  std::size_t classes = 10;           ///< K, labels are in [0, K)
  std::vector<std::uint8_t> images;   ///< N*C*H*W bytes, image after image, each (C, H, W) row-major
  std::vector<std::uint8_t> labels;   ///< N labels
  std::vector<std::string> class_names;  ///< K names, or empty
  std::string source;                 ///< the file the images came from (for messages), or empty

  /// @brief Bytes per image, C*H*W.
  std::size_t image_size() const { return channels * height * width; }
};

/// @brief How bytes become network inputs: x = (byte / 255 - mean) / std, one mean and std for all channels.
struct Normalization {
  double mean = 0.0;  ///< subtracted after scaling to [0, 1]
  double std = 1.0;   ///< divided by after that, > 0
};

/// @brief Fashion-MNIST's training-set statistics of pixels scaled to [0, 1] (mean 0.2860, std 0.3530).
inline constexpr Normalization kFashionMnistNormalization{0.2860, 0.3530};

/// @brief The images at @p indices as a minibatch of doubles, shape (B, C, H, W), normalised.
/// @throws cnn::value_error when an index is out of range or std <= 0
Tensor4 batch_images(const Dataset& data, std::span<const std::size_t> indices, const Normalization& norm);

/// @brief The labels at @p indices, shape (B).
/// @throws cnn::value_error when an index is out of range
Labels batch_labels(const Dataset& data, std::span<const std::size_t> indices);

/// @brief Reads a whole file, gunzipping it when it starts with the gzip magic bytes (1f 8b).
/// @param path      the file
/// @param max_bytes refuse to inflate more than this (a guard against a corrupt or hostile header)
/// @throws cnn::io_error naming the file: missing, unreadable, corrupt or truncated gzip, too large
std::vector<std::uint8_t> read_maybe_gzipped(const std::string& path, std::size_t max_bytes = std::size_t{1} << 30);

/// @brief Inflates gzip bytes in memory, or returns them as they are when they do not start with the gzip magic
/// bytes (1f 8b); what read_maybe_gzipped does after reading the file. Several gzip members in a row are
/// inflated one after the other; bytes after the last member that do not start another are ignored (as gzip
/// and zlib's gzread do).
/// @param bytes     the file's bytes
/// @param name      the file name used in messages
/// @param max_bytes refuse to inflate more than this
/// @throws cnn::io_error naming the file: corrupt or truncated gzip data, too large
std::vector<std::uint8_t> gunzip_if_gzipped(std::span<const std::uint8_t> bytes, const std::string& name,
                                            std::size_t max_bytes = std::size_t{1} << 30);

/// @brief Parses an IDX file's bytes (magic 0x00000803 images or 0x00000801 labels, unsigned bytes,
/// big-endian sizes) into its dimensions and data.
struct IdxArray {
  std::vector<std::size_t> dims;    ///< sizes, e.g. (60000, 28, 28) or (60000)
  std::vector<std::uint8_t> data;   ///< product of dims bytes
};

/// @brief Parses IDX bytes; @p name is the file name used in messages.
/// @throws cnn::io_error for a wrong magic number, a type other than unsigned byte, a zero dimension, or a
///         size that does not match the bytes present (truncated or with trailing bytes)
IdxArray parse_idx(std::span<const std::uint8_t> bytes, const std::string& name);
/// @brief As the other parse_idx, taking the bytes over: the header is removed in place, so the data is never
/// held twice (a 47 MB training set needs 47 MB, not 94).
IdxArray parse_idx(std::vector<std::uint8_t>&& bytes, const std::string& name);

/// @brief Reads an images file (N, H, W) and a labels file (N) in IDX format, gzipped or plain.
/// @throws cnn::io_error naming the file: see parse_idx, plus counts that differ between the two files,
///         images that are not rank 3, labels that are not rank 1, and labels of @p classes or more
Dataset read_idx(const std::string& images_path, const std::string& labels_path, std::size_t classes = 10);

/// @brief Reads Fashion-MNIST (or MNIST, which has the same file names) from a folder.
/// @param dir   folder holding train-images-idx3-ubyte(.gz) etc.
/// @param split "train" (60,000 images) or "test" (10,000)
/// @throws cnn::io_error when the files are missing, with how to install the Debian package
Dataset load_fashion_mnist(const std::string& dir, const std::string& split);

/// @brief Parses the bytes of one CIFAR-10 binary batch (records of 1 label byte and 3072 bytes of 32x32 R, G, B
/// planes); @p name is the file name used in messages.
/// @throws cnn::io_error when the bytes are empty or not a whole number of 3073-byte records, or a label is not
///         below 10
Dataset parse_cifar10(std::span<const std::uint8_t> bytes, const std::string& name);

/// @brief Reads CIFAR-10 binary batches (each record: 1 label byte, then 3072 bytes of 32x32 R, G, B planes).
/// @throws cnn::io_error when a file is missing, empty, or not a whole number of 3073-byte records (see
///         parse_cifar10)
Dataset read_cifar10(const std::vector<std::string>& paths);

/// @brief Splits off the last @p n_val images as a validation set; returns {train, validation}.
/// @throws cnn::value_error when @p n_val is not below the number of images
std::pair<Dataset, Dataset> split_validation(const Dataset& data, std::size_t n_val);

}  // namespace cnn
