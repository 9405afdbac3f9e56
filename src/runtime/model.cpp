#include "runtime/model.hpp"


namespace cnn {

Model& Model::add(std::unique_ptr<Layer> layer) {
  if (!layer) throw value_error("Model::add", "null layer");
  layers_.push_back(std::move(layer));
  return *this;
}

Tensor Model::forward(Tensor x, Mode mode) {
  for (auto& layer : layers_) x = layer->forward(std::move(x), mode);
  return x;
}

Tensor Model::backward(Tensor dout) {
  for (auto it = layers_.rbegin(); it != layers_.rend(); ++it) dout = (*it)->backward(std::move(dout));
  return dout;
}

double Model::loss_and_gradients(const Tensor4& x, const Labels& y) {
  Tensor scores = forward(Tensor(x), Mode::train);
  const LossResult r = set_.training.softmax_loss(take_rank<2>(std::move(scores), "Model::loss_and_gradients"), y);
  // As backward, except that the first layer is not asked for dL/dx (the images need no gradient).
  Tensor dout(r.dx);
  for (std::size_t k = layers_.size(); k-- > 1;) dout = layers_[k]->backward(std::move(dout));
  if (!layers_.empty()) layers_[0]->backward_params(std::move(dout));
  return r.loss;
}

Tensor2 Model::scores(const Tensor4& x) { return take_rank<2>(forward(Tensor(x), Mode::test), "Model::scores"); }

std::vector<ParamView> Model::params() {
  std::vector<ParamView> all;
  for (auto& layer : layers_)
    for (auto& p : layer->params()) all.push_back(std::move(p));
  return all;
}

std::vector<ParamView> Model::buffers() {
  std::vector<ParamView> all;
  for (auto& layer : layers_)
    for (auto& p : layer->buffers()) all.push_back(std::move(p));
  return all;
}

std::vector<Tensor> Model::trace(const Tensor4& x) {
  std::vector<Tensor> outputs;
  Tensor a(x);
  for (auto& layer : layers_) {
    a = layer->forward(std::move(a), Mode::test);
    outputs.push_back(a);
  }
  return outputs;
}

std::size_t Model::num_params() {
  std::size_t n = 0;
  for (const auto& p : params()) n += p.value.size();
  return n;
}

void Model::initialize(Rng& rng) {
  for (auto& layer : layers_) layer->initialize(rng);
}

}  // namespace cnn
