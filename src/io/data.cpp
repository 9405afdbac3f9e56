#include "io/data.hpp"

#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include "core/errors.hpp"
#include "io/files.hpp"

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

namespace {

// gunzip_if_gzipped's work; with `stop_at`, only the first stop_at bytes or so are inflated (an IDX header, to
// check it before inflating a whole file).
std::vector<std::uint8_t> inflate_bytes(std::span<const std::uint8_t> bytes, const std::string& name,
                                        std::size_t max_bytes, std::size_t stop_at) {
  const char* fn = "gunzip_if_gzipped";
  auto gzip_at = [&](std::size_t at) { return bytes.size() - at >= 2 && bytes[at] == 0x1f && bytes[at + 1] == 0x8b; };
  auto too_large = [&]() { return io_error(fn, name + ": inflates to more than " + std::to_string(max_bytes) + " bytes"); };
  if (!gzip_at(0)) {
    if (bytes.size() > max_bytes) throw too_large();
    return {bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(std::min(bytes.size(), stop_at))};
  }
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) throw io_error(fn, name + ": zlib cannot start inflating");
  std::unique_ptr<z_stream, int (*)(z_stream*)> guard(&zs, inflateEnd);
  std::vector<std::uint8_t> out, chunk(1 << 16);
  // Memory: the gzip trailer's last 4 bytes hold the inflated size (mod 2^32) of the last member, which for a
  // file of one member is the whole size: reserved at once, the bytes are inflated into their final place
  // (1x). When the hint is wrong (several members, trailing bytes, a lie), the buffer grows by half each time,
  // so the old and the new buffer together stay within about 2.5x of the final size, never past max_bytes.
  if (bytes.size() >= 18) {
    const std::size_t n = bytes.size();
    const std::size_t isize = std::size_t{bytes[n - 4]} | std::size_t{bytes[n - 3]} << 8 |
                              std::size_t{bytes[n - 2]} << 16 | std::size_t{bytes[n - 1]} << 24;
    if (isize <= max_bytes && isize / 1032 <= n) out.reserve(std::min(isize, stop_at));  // deflate: at most 1032:1
  }
  std::size_t fed = 0;  // bytes handed to zlib so far
  for (;;) {
    if (zs.avail_in == 0 && fed < bytes.size()) {
      const std::size_t give = std::min<std::size_t>(bytes.size() - fed, std::size_t{1} << 30);
      zs.next_in = const_cast<Bytef*>(bytes.data() + fed);  // zlib's API is not const, it only reads
      zs.avail_in = static_cast<uInt>(give);
      fed += give;
    }
    zs.next_out = chunk.data();
    zs.avail_out = static_cast<uInt>(chunk.size());
    const int rc = inflate(&zs, Z_NO_FLUSH);
    const std::size_t got = chunk.size() - zs.avail_out;
    if (got > max_bytes - out.size()) throw too_large();
    if (out.size() + got > out.capacity())
      out.reserve(std::min(max_bytes, std::max(out.size() + got, out.capacity() + out.capacity() / 2)));
    out.insert(out.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(got));
    if (out.size() >= stop_at) break;
    if (rc == Z_STREAM_END) {
      // Another gzip member may follow (as `cat a.gz b.gz` makes); anything else after the last one is ignored.
      if (!gzip_at(fed - zs.avail_in)) break;
      if (inflateReset(&zs) != Z_OK) throw io_error(fn, name + ": zlib cannot restart inflating");
      continue;
    }
    if (rc == Z_BUF_ERROR)  // no progress possible: every byte was fed and the stream has not ended
      throw io_error(fn, name + ": corrupt or truncated gzip data (the stream ends after " +
                             std::to_string(bytes.size()) + " bytes without its trailer)");
    if (rc != Z_OK)
      throw io_error(fn, name + ": corrupt gzip data (" + std::string(zs.msg ? zs.msg : "unknown zlib error") + ")");
  }
  return out;
}

}  // namespace

std::vector<std::uint8_t> gunzip_if_gzipped(std::span<const std::uint8_t> bytes, const std::string& name,
                                            std::size_t max_bytes) {
  return inflate_bytes(bytes, name, max_bytes, SIZE_MAX);
}

std::vector<std::uint8_t> read_maybe_gzipped(const std::string& path, std::size_t max_bytes) {
  const char* fn = "read_maybe_gzipped";
  const std::vector<std::uint8_t> bytes = read_file(path, fn);
  return gunzip_if_gzipped(bytes, path, max_bytes);
}

namespace {

// Checks an IDX file's header against its bytes; returns the dimensions and the header's length.
std::pair<std::vector<std::size_t>, std::size_t> parse_idx_header(std::span<const std::uint8_t> bytes,
                                                                   const std::string& name) {
  const char* fn = "parse_idx";
  if (bytes.size() < 4) throw io_error(fn, name + ": " + std::to_string(bytes.size()) + " bytes, too short for an IDX header");
  if (bytes[0] != 0 || bytes[1] != 0)
    throw io_error(fn, name + ": not an IDX file (the magic number must start with two zero bytes)");
  if (bytes[2] != 0x08) {
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02X", static_cast<unsigned>(bytes[2]));
    throw io_error(fn, name + ": IDX data type " + hex + " is not supported; expected 0x08 (unsigned byte)");
  }
  const std::size_t rank = bytes[3];
  if (rank == 0 || rank > 4) throw io_error(fn, name + ": IDX rank " + std::to_string(rank) + ", expected 1 to 4");
  const std::size_t header = 4 + 4 * rank;
  if (bytes.size() < header) throw io_error(fn, name + ": truncated in the IDX header");
  std::vector<std::size_t> dims;
  std::size_t total = 1;
  for (std::size_t k = 0; k < rank; ++k) {
    const std::size_t d = big_endian_u32(bytes, 4 + 4 * k);
    if (d == 0) throw io_error(fn, name + ": dimension " + std::to_string(k) + " is 0");
    if (total > (std::size_t{1} << 40) / d) throw io_error(fn, name + ": dimensions are implausibly large");
    total *= d;
    dims.push_back(d);
  }
  const std::size_t have = bytes.size() - header;
  if (have < total)
    throw io_error(fn, name + ": truncated: the header promises " + std::to_string(total) + " bytes of data, found " +
                           std::to_string(have));
  if (have > total)
    throw io_error(fn, name + ": " + std::to_string(have - total) + " bytes after the " + std::to_string(total) +
                           " the header promises");
  return {std::move(dims), header};
}

}  // namespace

IdxArray parse_idx(std::span<const std::uint8_t> bytes, const std::string& name) {
  auto [dims, header] = parse_idx_header(bytes, name);
  IdxArray a;
  a.dims = std::move(dims);
  a.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(header), bytes.end());
  return a;
}

IdxArray parse_idx(std::vector<std::uint8_t>&& bytes, const std::string& name) {
  auto [dims, header] = parse_idx_header(bytes, name);
  IdxArray a;
  a.dims = std::move(dims);
  bytes.erase(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(header));  // in place: no second copy
  a.data = std::move(bytes);
  return a;
}

Dataset read_idx(const std::string& images_path, const std::string& labels_path, std::size_t classes) {
  const char* fn = "read_idx";
  IdxArray labels = parse_idx(read_maybe_gzipped(labels_path), labels_path);
  // The number of images from the header alone, before the whole file is inflated: a small gzip file can
  // promise a gigabyte, and a count that disagrees with the labels' is refused at once.
  const std::vector<std::uint8_t> packed = read_file(images_path, "read_maybe_gzipped");
  if (const auto head = inflate_bytes(packed, images_path, SIZE_MAX, 8); head.size() >= 8 && head[0] == 0 && head[1] == 0 &&
                                                                        head[2] == 0x08 && head[3] == 3 && labels.dims.size() == 1) {
    const std::size_t n = big_endian_u32(head, 4);
    if (n != labels.dims[0])
      throw io_error(fn, images_path + " holds " + std::to_string(n) + " images but " + labels_path + " holds " +
                             std::to_string(labels.dims[0]) + " labels");
  }
  IdxArray images = parse_idx(gunzip_if_gzipped(packed, images_path), images_path);
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
  d.source = images_path;
  return d;
}

Dataset load_fashion_mnist(const std::string& dir, const std::string& split) {
  const char* fn = "load_fashion_mnist";
  if (split != "train" && split != "test")
    throw value_error(fn, "split must be \"train\" or \"test\", got \"" + split + "\"");
  const std::string stem = split == "train" ? "train" : "t10k";
  // The first of base.gz and base that is there in any form; read_file then says what is wrong with it (a
  // folder, a dangling symbolic link, ...). Only a folder without either gets the hint to install the package.
  auto find = [&](const std::string& base) {
    for (const std::string& candidate : {dir + "/" + base + ".gz", dir + "/" + base}) {
      std::error_code ec;
      const auto st = std::filesystem::symlink_status(candidate, ec);
      if (ec && ec != std::errc::no_such_file_or_directory && ec != std::errc::not_a_directory)
        throw io_error(fn, candidate + ": cannot be reached (" + ec.message() + ")");
      if (std::filesystem::exists(st)) return candidate;
    }
    throw io_error(fn, fashion_missing_hint(dir) + " (looked for " + dir + "/" + base + ".gz)");
  };
  Dataset d = read_idx(find(stem + "-images-idx3-ubyte"), find(stem + "-labels-idx1-ubyte"), 10);
  d.class_names = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                   "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  return d;
}

Dataset parse_cifar10(std::span<const std::uint8_t> bytes, const std::string& name) {
  const char* fn = "parse_cifar10";
  constexpr std::size_t kRecord = 1 + 3 * 32 * 32;
  Dataset d;
  d.channels = 3;
  d.height = 32;
  d.width = 32;
  d.classes = 10;
  d.class_names = {"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"};
  if (bytes.empty() || bytes.size() % kRecord != 0)
    throw io_error(fn, name + ": " + std::to_string(bytes.size()) + " bytes is not a whole number of " +
                           std::to_string(kRecord) + "-byte CIFAR-10 records");
  d.count = bytes.size() / kRecord;
  d.labels.reserve(d.count);
  d.images.reserve(d.count * (kRecord - 1));
  for (std::size_t at = 0; at < bytes.size(); at += kRecord) {
    if (bytes[at] >= 10)
      throw io_error(fn, name + ": label " + std::to_string(bytes[at]) + " in record " + std::to_string(at / kRecord) +
                             " is not below 10");
    d.labels.push_back(bytes[at]);
    d.images.insert(d.images.end(), bytes.begin() + static_cast<std::ptrdiff_t>(at + 1),
                    bytes.begin() + static_cast<std::ptrdiff_t>(at + kRecord));
  }
  return d;
}

Dataset read_cifar10(const std::vector<std::string>& paths) {
  if (paths.empty()) throw value_error("read_cifar10", "no files given");
  Dataset d;
  for (const auto& path : paths) {
    Dataset part = parse_cifar10(read_maybe_gzipped(path), path);
    if (d.count == 0) {
      d = std::move(part);
      continue;
    }
    d.count += part.count;
    d.labels.insert(d.labels.end(), part.labels.begin(), part.labels.end());
    d.images.insert(d.images.end(), part.images.begin(), part.images.end());
  }
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
