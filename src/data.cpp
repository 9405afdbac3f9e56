#include "cnnlab/data.hpp"

#include <zlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include "cnnlab/errors.hpp"

namespace cnn {

namespace {

std::string fashion_missing_hint(const std::string& dir) {
  return "Fashion-MNIST is not in " + dir +
         ": install the Debian package with `sudo apt-get install dataset-fashion-mnist` (or `./lab setup`), "
         "or pass --data DIR with train-images-idx3-ubyte.gz and its siblings";
}

std::uint32_t big_endian_u32(std::span<const std::uint8_t> b, std::size_t at) {
  return (std::uint32_t{b[at]} << 24) | (std::uint32_t{b[at + 1]} << 16) | (std::uint32_t{b[at + 2]} << 8) |
         std::uint32_t{b[at + 3]};
}

}  // namespace

std::vector<std::uint8_t> read_maybe_gzipped(const std::string& path, std::size_t max_bytes) {
  const char* fn = "read_maybe_gzipped";
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw io_error(fn, path + ": no such file");
  // gzopen reads plain files as they are and gzipped files inflated: one path for both.
  std::unique_ptr<gzFile_s, int (*)(gzFile)> f(gzopen(path.c_str(), "rb"), gzclose);
  if (!f) throw io_error(fn, path + ": cannot open");
  std::vector<std::uint8_t> out;
  std::vector<std::uint8_t> chunk(1 << 20);
  for (;;) {
    const int got = gzread(f.get(), chunk.data(), static_cast<unsigned>(chunk.size()));
    if (got < 0) {
      int code = 0;
      const char* msg = gzerror(f.get(), &code);
      throw io_error(fn, path + ": corrupt gzip data (" + std::string(msg ? msg : "unknown zlib error") + ")");
    }
    if (got == 0) break;
    if (out.size() + static_cast<std::size_t>(got) > max_bytes)
      throw io_error(fn, path + ": inflates to more than " + std::to_string(max_bytes) + " bytes");
    out.insert(out.end(), chunk.begin(), chunk.begin() + got);
  }
  // gzread stops quietly at a gzip stream cut short; gzerror tells.
  int code = 0;
  const char* msg = gzerror(f.get(), &code);
  if (code != Z_OK && code != Z_STREAM_END)
    throw io_error(fn, path + ": corrupt or truncated gzip data (" + std::string(msg ? msg : "") + ")");
  return out;
}

IdxArray parse_idx(std::span<const std::uint8_t> bytes, const std::string& name) {
  const char* fn = "parse_idx";
  if (bytes.size() < 4) throw io_error(fn, name + ": " + std::to_string(bytes.size()) + " bytes, too short for an IDX header");
  if (bytes[0] != 0 || bytes[1] != 0)
    throw io_error(fn, name + ": not an IDX file (the magic number must start with two zero bytes)");
  if (bytes[2] != 0x08)
    throw io_error(fn, name + ": IDX data type 0x" + std::to_string(bytes[2]) +
                           " is not supported; expected 0x08 (unsigned byte)");
  const std::size_t rank = bytes[3];
  if (rank == 0 || rank > 4) throw io_error(fn, name + ": IDX rank " + std::to_string(rank) + ", expected 1 to 4");
  const std::size_t header = 4 + 4 * rank;
  if (bytes.size() < header) throw io_error(fn, name + ": truncated in the IDX header");
  IdxArray a;
  std::size_t total = 1;
  for (std::size_t k = 0; k < rank; ++k) {
    const std::size_t d = big_endian_u32(bytes, 4 + 4 * k);
    if (d == 0) throw io_error(fn, name + ": dimension " + std::to_string(k) + " is 0");
    if (total > (std::size_t{1} << 40) / d) throw io_error(fn, name + ": dimensions are implausibly large");
    total *= d;
    a.dims.push_back(d);
  }
  const std::size_t have = bytes.size() - header;
  if (have < total)
    throw io_error(fn, name + ": truncated: the header promises " + std::to_string(total) + " bytes of data, found " +
                           std::to_string(have));
  if (have > total)
    throw io_error(fn, name + ": " + std::to_string(have - total) + " bytes after the " + std::to_string(total) +
                           " the header promises");
  a.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(header), bytes.end());
  return a;
}

Dataset read_idx(const std::string& images_path, const std::string& labels_path, std::size_t classes) {
  const char* fn = "read_idx";
  IdxArray images = parse_idx(read_maybe_gzipped(images_path), images_path);
  IdxArray labels = parse_idx(read_maybe_gzipped(labels_path), labels_path);
  if (images.dims.size() != 3)
    throw io_error(fn, images_path + ": images must have 3 dimensions (N, H, W), found " + shape_str(images.dims));
  if (labels.dims.size() != 1)
    throw io_error(fn, labels_path + ": labels must have 1 dimension (N), found " + shape_str(labels.dims));
  if (images.dims[0] != labels.dims[0])
    throw io_error(fn, images_path + " holds " + std::to_string(images.dims[0]) + " images but " + labels_path +
                           " holds " + std::to_string(labels.dims[0]) + " labels");
  for (std::size_t n = 0; n < labels.data.size(); ++n)
    if (labels.data[n] >= classes)
      throw io_error(fn, labels_path + ": label " + std::to_string(labels.data[n]) + " at index " + std::to_string(n) +
                             " is not below the " + std::to_string(classes) + " classes");
  Dataset d;
  d.count = images.dims[0];
  d.channels = 1;
  d.height = images.dims[1];
  d.width = images.dims[2];
  d.classes = classes;
  d.images = std::move(images.data);
  d.labels = std::move(labels.data);
  return d;
}

Dataset load_fashion_mnist(const std::string& dir, const std::string& split) {
  const char* fn = "load_fashion_mnist";
  if (split != "train" && split != "test")
    throw value_error(fn, "split must be \"train\" or \"test\", got \"" + split + "\"");
  const std::string stem = split == "train" ? "train" : "t10k";
  auto find = [&](const std::string& base) {
    for (const std::string& candidate : {dir + "/" + base + ".gz", dir + "/" + base})
      if (std::filesystem::exists(candidate)) return candidate;
    throw io_error(fn, fashion_missing_hint(dir) + " (looked for " + dir + "/" + base + ".gz)");
  };
  Dataset d = read_idx(find(stem + "-images-idx3-ubyte"), find(stem + "-labels-idx1-ubyte"), 10);
  d.class_names = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                   "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  return d;
}

Dataset read_cifar10(const std::vector<std::string>& paths) {
  const char* fn = "read_cifar10";
  constexpr std::size_t kRecord = 1 + 3 * 32 * 32;
  Dataset d;
  d.channels = 3;
  d.height = 32;
  d.width = 32;
  d.classes = 10;
  d.class_names = {"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"};
  if (paths.empty()) throw value_error(fn, "no files given");
  for (const auto& path : paths) {
    const auto bytes = read_maybe_gzipped(path);
    if (bytes.empty() || bytes.size() % kRecord != 0)
      throw io_error(fn, path + ": " + std::to_string(bytes.size()) + " bytes is not a whole number of " +
                             std::to_string(kRecord) + "-byte CIFAR-10 records");
    for (std::size_t at = 0; at < bytes.size(); at += kRecord) {
      if (bytes[at] >= 10)
        throw io_error(fn, path + ": label " + std::to_string(bytes[at]) + " in record " +
                               std::to_string(at / kRecord) + " is not below 10");
      d.labels.push_back(bytes[at]);
      d.images.insert(d.images.end(), bytes.begin() + static_cast<std::ptrdiff_t>(at + 1),
                      bytes.begin() + static_cast<std::ptrdiff_t>(at + kRecord));
    }
  }
  d.count = d.labels.size();
  return d;
}

std::pair<Dataset, Dataset> split_validation(const Dataset& data, std::size_t n_val) {
  if (n_val >= data.count)
    throw value_error("split_validation", "cannot keep " + std::to_string(n_val) + " of " +
                                              std::to_string(data.count) + " images for validation");
  const std::size_t n_train = data.count - n_val, size = data.image_size();
  Dataset train = data, val = data;
  train.count = n_train;
  train.images.assign(data.images.begin(), data.images.begin() + static_cast<std::ptrdiff_t>(n_train * size));
  train.labels.assign(data.labels.begin(), data.labels.begin() + static_cast<std::ptrdiff_t>(n_train));
  val.count = n_val;
  val.images.assign(data.images.begin() + static_cast<std::ptrdiff_t>(n_train * size), data.images.end());
  val.labels.assign(data.labels.begin() + static_cast<std::ptrdiff_t>(n_train), data.labels.end());
  return {std::move(train), std::move(val)};
}

Tensor4 batch_images(const Dataset& data, std::span<const std::size_t> indices, const Normalization& norm) {
  if (!(norm.std > 0.0)) throw value_error("batch_images", "normalization std must be > 0");
  const std::size_t size = data.image_size();
  Tensor4 x = Tensor4::from_shape({indices.size(), data.channels, data.height, data.width});
  const double scale = 1.0 / (255.0 * norm.std), shift = norm.mean / norm.std;
  double* out = x.data();
  for (std::size_t b = 0; b < indices.size(); ++b) {
    if (indices[b] >= data.count)
      throw value_error("batch_images", "index " + std::to_string(indices[b]) + " is not below the " +
                                            std::to_string(data.count) + " images");
    const std::uint8_t* img = data.images.data() + indices[b] * size;
    for (std::size_t i = 0; i < size; ++i) out[b * size + i] = img[i] * scale - shift;
  }
  return x;
}

Labels batch_labels(const Dataset& data, std::span<const std::size_t> indices) {
  Labels y = Labels::from_shape({indices.size()});
  for (std::size_t b = 0; b < indices.size(); ++b) {
    if (indices[b] >= data.count)
      throw value_error("batch_labels", "index " + std::to_string(indices[b]) + " is not below the " +
                                            std::to_string(data.count) + " labels");
    y(b) = data.labels[indices[b]];
  }
  return y;
}

}  // namespace cnn
