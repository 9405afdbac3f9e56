#include "runtime/run_check.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iomanip>
#include <sstream>

#include "layers/conv.hpp"
#include "runtime/layer_set.hpp"
#include "runtime/model.hpp"

namespace cnn {

namespace {

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

std::string calc_shape_of(const arch::Shape& s, bool flat) {
  std::ostringstream os;  // (a stream: g++ 12 warns falsely on some chains of std::string +)
  if (flat)
    os << "(" << s.size() << ")";
  else
    os << s.h << "x" << s.w << "x" << s.c;
  return os.str();
}

// The runtime's (N, C, H, W) or (N, D) against the calculator's (C, H, W): the same numbers in another order.
bool same_shape(const Tensor& t, const arch::Shape& s, std::size_t batch) {
  if (t.shape(0) != batch) return false;
  if (t.dimension() == 4) return t.shape(1) == s.c && t.shape(2) == s.h && t.shape(3) == s.w;
  if (t.dimension() == 2) return t.shape(1) == s.size();
  return false;
}

}  // namespace

RunReport run_and_check(const arch::Architecture& net, const arch::Shape& input, std::size_t batch, std::uint64_t seed,
                        std::size_t naive_budget, const LayerSet& set) {
  RunReport report;
  report.input = input;
  report.batch = batch;
  const arch::NetworkStats stats = arch::analyze(net, input);
  Model model = build_model(net, input, seed, set);
  report.parameters = model.num_params();
  Rng rng(seed + 1);
  Tensor a = randn<Tensor4>({batch, input.c, input.h, input.w}, rng);
  report.all_match = true;
  for (std::size_t k = 0; k < model.layers().size(); ++k) {
    Layer& layer = *model.layers()[k];
    const auto& s = stats.layers[k];
    RunRow row;
    row.name = layer.name();
    const auto* c = std::get_if<arch::Conv>(&net.layers[k]);
    if (set.layers && c && c->groups == 1 && s.mult_adds * batch <= naive_budget) {
      // Time both implementations on this layer's input and weights.
      auto params = layer.params();
      Tensor4 w = Tensor4::from_shape({params[0].shape[0], params[0].shape[1], params[0].shape[2], params[0].shape[3]});
      std::copy(params[0].value.begin(), params[0].value.end(), w.begin());
      const Tensor1 b = xt::zeros<double>({w.shape(0)});
      const Tensor4 x4 = take_rank<4>(Tensor(a), "run_and_check");
      auto t0 = std::chrono::steady_clock::now();
      const auto naive = set.layers->conv_forward_naive(x4, w, b, ConvParam{c->stride, c->pad});
      row.naive_ms = ms_since(t0);
      t0 = std::chrono::steady_clock::now();
      const auto fast = set.layers->conv_forward(x4, w, b, ConvParam{c->stride, c->pad});
      row.im2col_ms = ms_since(t0);
    }
    const auto t0 = std::chrono::steady_clock::now();
    a = layer.forward(std::move(a), Mode::train);
    row.forward_ms = ms_since(t0);
    const bool flat = a.dimension() == 2;
    std::ostringstream rt;
    rt << shape_str(a.shape());
    row.runtime_shape = rt.str();
    row.calc_shape = calc_shape_of(s.output, flat);
    row.match = same_shape(a, s.output, batch);
    report.all_match = report.all_match && row.match;
    report.rows.push_back(row);
  }
  Tensor d = Tensor::from_shape(a.shape());
  for (auto& v : d) v = rng.normal();
  for (std::size_t k = model.layers().size(); k-- > 0;) {
    const auto t0 = std::chrono::steady_clock::now();
    d = model.layers()[k]->backward(std::move(d));
    report.rows[k].backward_ms = ms_since(t0);
  }
  double sq = 0.0;
  for (double v : d) sq += v * v;
  report.dx_norm = std::sqrt(sq);
  return report;
}

std::string RunReport::table() const {
  std::ostringstream os;
  const bool timed = std::any_of(rows.begin(), rows.end(), [](const RunRow& r) { return r.naive_ms >= 0; });
  os << std::left << std::setw(16) << "layer" << std::setw(22) << "output in the run" << std::setw(14) << "calculator"
     << std::setw(6) << "same" << std::right << std::setw(11) << "fwd ms" << std::setw(11) << "bwd ms";
  if (timed) os << std::setw(13) << "naive ms" << std::setw(12) << "im2col ms";
  os << "\n";
  os << std::fixed << std::setprecision(2);
  for (const auto& r : rows) {
    os << std::left << std::setw(16) << r.name << std::setw(22) << r.runtime_shape << std::setw(14) << r.calc_shape
       << std::setw(6) << (r.match ? "yes" : "NO") << std::right << std::setw(11) << r.forward_ms << std::setw(11)
       << r.backward_ms;
    if (r.naive_ms >= 0)
      os << std::setw(13) << r.naive_ms << std::setw(12) << r.im2col_ms;
    os << "\n";
  }
  os << (all_match ? "every layer's output shape equals the calculator's" : "SOME SHAPES DIFFER from the calculator's")
     << "; batch " << batch << ", input " << arch::to_string(input) << ", " << parameters
     << " parameters; the backward pass reached the input (|dx| = " << std::setprecision(3) << dx_norm << ")\n";
  return os.str();
}

}  // namespace cnn
