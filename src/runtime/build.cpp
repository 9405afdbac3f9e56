// Runtime models built from the calculator's architecture specs (src/calculator/arch.hpp), so that the table
// `cnncalc model NAME` prints and a real forward pass come from one definition.
#include <string>

#include "calculator/arch.hpp"
#include "layers/concat.hpp"
#include "runtime/model.hpp"

namespace cnn {

namespace {

using LayerList = std::vector<std::unique_ptr<Layer>>;

Tensor run_forward(LayerList& layers, Tensor x, Mode mode) {
  for (auto& l : layers) x = l->forward(std::move(x), mode);
  return x;
}

Tensor run_backward(LayerList& layers, Tensor dout) {
  for (auto it = layers.rbegin(); it != layers.rend(); ++it) dout = (*it)->backward(std::move(dout));
  return dout;
}

// A block of parallel branches whose outputs are merged (arch::Block): GoogLeNet's inception module
// (concatenated along depth), ResNet's residual block (summed; an empty branch is the identity shortcut),
// GoogLeNet's auxiliary classifier (a side output: the block passes its input on).
class BlockLayer final : public Layer {
 public:
  BlockLayer(std::string name, std::string kind, std::vector<LayerList> branches, arch::Merge merge,
             std::vector<std::size_t> depths, LayerList after)
      : Layer(std::move(name)), kind_(std::move(kind)), branches_(std::move(branches)), merge_(merge),
        depths_(std::move(depths)), after_(std::move(after)) {}

  std::string describe() const override { return kind_ + " block of " + std::to_string(branches_.size()) + " branches"; }

  Tensor forward(Tensor x, Mode mode) override {
    std::vector<Tensor> outs;
    for (auto& branch : branches_) outs.push_back(run_forward(branch, x, mode));  // each branch sees x
    Tensor merged;
    if (merge_ == arch::Merge::concat) {
      std::vector<Tensor4> parts;
      for (auto& o : outs) parts.push_back(take_rank<4>(std::move(o), name()));
      merged = give_any(concat_channels(parts));
    } else if (merge_ == arch::Merge::sum) {
      merged = std::move(outs[0]);
      for (std::size_t k = 1; k < outs.size(); ++k) {
        if (merged.shape() != outs[k].shape())
          throw shape_error(name(), "branch " + std::to_string(k) + " gives " + shape_str(outs[k].shape()) +
                                        " but branch 0 gives " + shape_str(merged.shape()) + "; a sum needs equal shapes");
        merged += outs[k];
      }
    } else {
      merged = std::move(x);  // side output: the block passes its input on; the branch's result is not used
    }
    return run_forward(after_, std::move(merged), mode);
  }

  // The lecture's point about residual blocks: a sum hands the same upstream gradient to every branch, so
  // dL/dx = dout (through the identity shortcut) + what the convolutions' branch sends back.
  Tensor backward(Tensor dout) override {
    Tensor d = run_backward(after_, std::move(dout));
    if (merge_ == arch::Merge::side) return d;  // the side branch had no loss: nothing comes back from it
    std::vector<Tensor> douts;
    if (merge_ == arch::Merge::concat) {
      for (auto& part : split_channels(take_rank<4>(Tensor(d), name()), depths_)) douts.push_back(give_any(std::move(part)));
    } else {
      douts.assign(branches_.size(), d);
    }
    Tensor dx = run_backward(branches_[0], std::move(douts[0]));
    for (std::size_t k = 1; k < branches_.size(); ++k) dx += run_backward(branches_[k], std::move(douts[k]));
    return dx;
  }

  std::vector<ParamView> params() override { return collect(&Layer::params); }
  std::vector<ParamView> buffers() override { return collect(&Layer::buffers); }
  void initialize(Rng& rng) override {
    for (auto& branch : branches_)
      for (auto& l : branch) l->initialize(rng);
    for (auto& l : after_) l->initialize(rng);
  }

 private:
  std::vector<ParamView> collect(std::vector<ParamView> (Layer::*what)()) {
    std::vector<ParamView> all;
    for (auto& branch : branches_)
      for (auto& l : branch)
        for (auto& p : ((*l).*what)()) all.push_back(std::move(p));
    for (auto& l : after_)
      for (auto& p : ((*l).*what)()) all.push_back(std::move(p));
    return all;
  }

  std::string kind_;
  std::vector<LayerList> branches_;
  arch::Merge merge_;
  std::vector<std::size_t> depths_;
  LayerList after_;
};

// Walks specs, tracking the volume's shape (from the calculator) and whether it has been flattened.
class Builder {
 public:
  Builder(std::uint64_t seed, const LayerFunctions* mine) : seed_(seed), mine_(mine) {}

  LayerList make_all(const std::vector<arch::Layer>& specs, const std::string& prefix, arch::Shape& shape, bool& flat) {
    LayerList out;
    for (std::size_t i = 0; i < specs.size(); ++i) {
      const auto& spec = specs[i];
      const arch::Shape next = arch::analyze(spec, shape).output;
      // He initialisation for a layer whose output goes through a ReLU (perhaps after a batch norm), Xavier for
      // the others, such as the last layer: its scores then start small and the loss near ln K.
      auto is = [&](std::size_t k, auto tag) {
        return k < specs.size() && std::holds_alternative<decltype(tag)>(specs[k]);
      };
      init_ = is(i + 1, arch::ReLU{}) || (is(i + 1, arch::BatchNorm{}) && is(i + 2, arch::ReLU{})) ? Init::he : Init::xavier;
      auto layer = make(spec, prefix + arch::name_of(spec), shape, flat);
      if (layer) out.push_back(std::move(layer));
      shape = next;
    }
    return out;
  }

 private:
  std::unique_ptr<Layer> make(const arch::Layer& spec, const std::string& name, const arch::Shape& in, bool& flat) {
    using namespace arch;
    if (const auto* c = std::get_if<Conv>(&spec)) {
      if (c->groups != 1)
        throw value_error("build_model", name + ": grouped convolutions (G = " + std::to_string(c->groups) +
                                             ") are counted by the calculator but cannot run; use the one-tower model");
      conv_output_size("build_model: " + name, in.h, c->size, c->stride, c->pad, "H");  // refuses what cannot tile
      conv_output_size("build_model: " + name, in.w, c->size, c->stride, c->pad, "W");
      flat = false;
      return make_conv(name, in.c, c->filters, c->size, ConvParam{c->stride, c->pad}, init_, c->bias, mine_);
    }
    if (const auto* p = std::get_if<Pool>(&spec)) {
      // The runtime's pools round down; one that rounds otherwise runs only where its windows tile exactly.
      for (const std::size_t n : {in.h, in.w})
        if (p->rounding != Rounding::floor &&
            window_output_size("build_model: " + name, n, p->size, p->stride, p->pad, p->rounding) !=
                window_output_size("build_model: " + name, n, p->size, p->stride, p->pad, Rounding::floor))
          throw value_error("build_model", name + ": a pool that rounds up (round=ceil, as Caffe) is counted by the "
                                                  "calculator but cannot run where its windows do not tile");
      return p->kind == PoolKind::max ? make_max_pool(name, p->size, p->stride, p->pad, mine_)
                                      : make_avg_pool(name, p->size, p->stride, p->pad, mine_);
    }
    if (const auto* f = std::get_if<FullyConnected>(&spec)) {
      flat = true;
      return make_affine(name, in.size(), f->outputs, init_, f->bias, mine_);
    }
    if (std::get_if<ReLU>(&spec)) return make_relu(name, mine_);
    if (const auto* l = std::get_if<LRN>(&spec)) return make_lrn(name, LrnParam{l->size, l->k, l->alpha, l->beta}, mine_);
    if (std::get_if<BatchNorm>(&spec))
      return flat ? make_batchnorm(name, in.size(), 0.9, mine_) : make_spatial_batchnorm(name, in.c, 0.9, mine_);
    if (const auto* d = std::get_if<Dropout>(&spec)) return make_dropout(name, d->p, seed_ * 7919u + ++dropouts_, mine_);
    if (std::get_if<Softmax>(&spec)) return make_scores(name);
    if (std::get_if<GlobalAvgPool>(&spec)) {
      flat = true;
      return make_global_avg_pool(name, mine_);
    }
    if (std::get_if<Flatten>(&spec)) {
      flat = true;
      return make_flatten(name);
    }
    if (const auto* b = std::get_if<Inception>(&spec)) return block(name, "inception", expand(*b), in, flat);
    if (const auto* b = std::get_if<Residual>(&spec))
      return block(name, b->kind == BlockKind::basic ? "residual" : "bottleneck", expand(*b), in, flat);
    if (const auto* b = std::get_if<AuxClassifier>(&spec)) return block(name, "auxiliary classifier", expand(*b), in, flat);
    throw value_error("build_model", name + ": this kind of layer has no runtime version");
  }

  std::unique_ptr<Layer> block(const std::string& name, const std::string& kind, const arch::Block& b,
                               const arch::Shape& in, bool& flat) {
    std::vector<LayerList> branches;
    std::vector<std::size_t> depths;
    arch::Shape merged = in;
    for (const auto& branch : b.branches) {
      arch::Shape s = in;
      bool branch_flat = flat;
      branches.push_back(make_all(branch, name + "/", s, branch_flat));
      depths.push_back(s.c);
      merged = s;
    }
    if (b.merge == arch::Merge::concat) {
      merged.c = 0;
      for (auto d : depths) merged.c += d;
    } else if (b.merge == arch::Merge::side) {
      merged = in;
    }
    LayerList after = make_all(b.after, name + "/", merged, flat);
    return std::make_unique<BlockLayer>(name, kind, std::move(branches), b.merge, std::move(depths), std::move(after));
  }

  std::uint64_t seed_;
  const LayerFunctions* mine_;  // null: the library's layers
  std::uint64_t dropouts_ = 0;
  Init init_ = Init::he;
};

}  // namespace

Model build_model(const arch::Architecture& net, std::uint64_t seed, const LayerSet& set) {
  return build_model(net, net.input, seed, set);
}

Model build_model(const arch::Architecture& net, const arch::Shape& input, std::uint64_t seed, const LayerSet& set) {
  Model model(set);
  arch::Shape shape = input;
  bool flat = false;
  Builder builder(seed, set.layers);
  for (auto& layer : builder.make_all(net.layers, "", shape, flat)) model.add(std::move(layer));
  Rng rng(seed);
  model.initialize(rng);
  return model;
}

}  // namespace cnn
