#include "runtime/params_npy.hpp"

#include <algorithm>
#include <filesystem>

#include "core/errors.hpp"
#include "io/npy.hpp"

namespace cnn {

namespace {

// Parameters, then buffers: the order of the files and of a checkpoint's arrays.
std::vector<ParamView> arrays_of(Model& model) {
  std::vector<ParamView> all = model.params();
  for (auto& b : model.buffers()) all.push_back(std::move(b));
  return all;
}

}  // namespace

std::vector<std::string> save_params_npy(Model& model, const std::string& dir) {
  namespace fs = std::filesystem;
  std::vector<std::string> written;
  for (const auto& a : arrays_of(model)) {
    const std::string file = a.name + ".npy";
    const fs::path path = fs::path(dir) / file;
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    if (ec)
      throw io_error("save_params_npy", path.parent_path().string() + ": cannot create the folder (" + ec.message() + ")");
    save_npy(path.string(), a.shape, a.value);
    written.push_back(file);
  }
  return written;
}

void load_params_npy(Model& model, const std::string& dir) {
  const auto arrays = arrays_of(model);
  std::vector<NpyArray> loaded;
  loaded.reserve(arrays.size());
  for (const auto& a : arrays) {
    const std::string path = (std::filesystem::path(dir) / (a.name + ".npy")).string();
    std::error_code ec;
    if (!std::filesystem::exists(std::filesystem::symlink_status(path, ec)))
      throw io_error("load_params_npy", path + ": missing; expected " + a.name + " of shape " + shape_str(a.shape) +
                                            " (a folder written by save_params_npy or `train --out`)");
    NpyArray n = load_npy(path);
    if (n.shape != a.shape)
      throw io_error("load_params_npy", path + ": " + a.name + " has shape " + shape_str(n.shape) +
                                            ", expected " + shape_str(a.shape) + " for this model");
    if (const std::string bad = first_non_finite(n.values, n.shape); !bad.empty())
      throw io_error("load_params_npy", path + ": " + a.name + " holds " + bad +
                                            "; a model cannot start from values that are not finite");
    loaded.push_back(std::move(n));
  }
  for (std::size_t i = 0; i < arrays.size(); ++i)
    std::copy(loaded[i].values.begin(), loaded[i].values.end(), arrays[i].value.begin());
}

}  // namespace cnn
