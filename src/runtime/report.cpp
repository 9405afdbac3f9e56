// The training report: charts and pictures as SVG, and report.html tying them together (src/runtime/report.hpp).
#include "runtime/report.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <sstream>

#include "core/errors.hpp"
#include "io/files.hpp"
#include "io/image.hpp"
#include "io/svg.hpp"

namespace cnn {

UpdateRatios::UpdateRatios(std::size_t every) : every_(std::max<std::size_t>(1, every)) {}

void UpdateRatios::after_step(Model& model) {
  ++steps_;
  std::vector<ParamView> weights;
  for (auto& p : model.params())
    if (p.shape.size() >= 2) weights.push_back(p);
  if (!before_.empty()) {  // the step just taken is a sampled one: measure its update
    if (tracks_.empty())
      for (const auto& p : weights) tracks_.push_back(Track{p.name, {}, {}});
    for (std::size_t k = 0; k < weights.size() && k < before_.size(); ++k) {
      double du = 0, w = 0;
      for (std::size_t i = 0; i < weights[k].value.size(); ++i) {
        const double d = weights[k].value[i] - before_[k][i];
        du += d * d;
        w += weights[k].value[i] * weights[k].value[i];
      }
      tracks_[k].step.push_back(static_cast<double>(steps_));
      tracks_[k].ratio.push_back(w > 0 ? std::sqrt(du / w) : NAN);
    }
    before_.clear();
  }
  if ((steps_ + 1) % every_ == 0) {  // the next step is sampled: keep the weights as they are now
    for (const auto& p : weights) before_.emplace_back(p.value.begin(), p.value.end());
  }
}

namespace {

using svg::escape;

std::string percent(double fraction, int digits = 2) {
  std::ostringstream os;
  os.setf(std::ios::fixed);
  os.precision(digits);
  os << 100 * fraction << " %";
  return os.str();
}

// Loss per step, smoothed over a window so the trend shows through the minibatch noise.
std::vector<double> smoothed(const std::vector<double>& v, std::size_t window) {
  std::vector<double> out;
  double sum = 0.0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    sum += v[i];
    if (i >= window) sum -= v[i - window];
    out.push_back(sum / static_cast<double>(std::min(i + 1, window)));
  }
  return out;
}

std::vector<double> one_to(std::size_t n) {
  std::vector<double> x(n);
  std::iota(x.begin(), x.end(), 1.0);
  return x;
}

std::string class_name(const Dataset& d, std::size_t k) {
  return k < d.class_names.size() ? d.class_names[k] : "class " + std::to_string(k);
}

// A test image as stored: bytes, 0 black and 255 white, not rescaled. Colour when it has 3 channels, otherwise
// its first channel in grey.
Image test_image(const Dataset& d, std::size_t n) {
  const std::size_t H = d.height, W = d.width, ch = d.channels == 3 ? 3 : 1;
  Image im{W, H, ch, std::vector<std::uint8_t>(H * W * ch)};
  for (std::size_t c = 0; c < ch; ++c)  // (C, H, W) to (H, W, C)
    for (std::size_t i = 0; i < H * W; ++i) im.pixels[i * ch + c] = d.images[n * d.image_size() + c * H * W + i];
  return im;
}

struct Written {
  std::string dir;
  std::vector<std::string> files;
  void svg(const std::string& name, const svg::Canvas& c) {
    c.write(dir + "/" + name);
    files.push_back(name);
  }
};

std::string figure(const std::string& file, const std::string& caption) {
  return "<figure><img src=\"" + file + "\" alt=\"" + escape(caption) + "\"><figcaption>" + escape(caption) +
         "</figcaption></figure>\n";
}

}  // namespace

std::vector<std::string> write_report(const ReportInput& in) {
  if (!in.net || !in.model || !in.test || !in.test_scores || !in.history)
    throw value_error("write_report", "the network, model, test set, test scores and history are all needed");
  const Dataset& test = *in.test;
  const Tensor2& scores = *in.test_scores;
  const History& h = *in.history;
  const std::size_t K = test.classes;
  if (scores.shape(0) != test.count || scores.shape(1) != K)
    throw value_error("write_report", "expected test scores of shape (" + std::to_string(test.count) + ", " +
                                          std::to_string(K) + "), got " + shape_str(scores.shape()));
  Written out{in.out_dir, {"report.html"}};
  std::string html_figures;

  // --- curves ------------------------------------------------------------------------------------------------
  const std::size_t steps_per_epoch = h.val_acc.empty() ? h.loss.size() : h.loss.size() / h.val_acc.size();
  const std::string step_label = "step (one minibatch; " + std::to_string(steps_per_epoch) + " steps per epoch)";
  if (!h.loss.empty()) {
    const std::size_t window = std::clamp<std::size_t>(h.loss.size() / 20, 1, 50);
    const std::vector<double> x = one_to(h.loss.size());
    out.svg("loss.svg", svg::line_chart({svg::Series{"loss of each step", x, h.loss},
                                         svg::Series{"mean of the last " + std::to_string(window) + " steps", x, smoothed(h.loss, window)}},
                                        {"Training loss", step_label, "cross-entropy loss (nats)"}));
  }
  if (!h.val_acc.empty()) {
    std::vector<double> train, val;
    for (double a : h.train_acc) train.push_back(100 * a);
    for (double a : h.val_acc) val.push_back(100 * a);
    const std::vector<double> x = one_to(val.size());
    std::vector<svg::Series> curves = {svg::Series{"training (measured on a sample)", x, train, true}};
    if (h.best_epoch > 0) curves.push_back(svg::Series{"validation", x, val, true});  // 0: no validation set
    out.svg("accuracy.svg", svg::line_chart(curves,
                                            {"Accuracy after each epoch", "epoch", "accuracy (%)"}));
  }
  if (in.ratios && !in.ratios->tracks().empty() && !in.ratios->tracks()[0].step.empty()) {
    std::vector<svg::Series> series;
    double first = 0, last = 0, lowest = 1e-4;  // the axis reaches at least a decade below the rule of thumb
    for (const auto& t : in.ratios->tracks()) {
      series.push_back(svg::Series{t.name, t.step, t.ratio});
      first = t.step.front(), last = t.step.back();
      for (double r : t.ratio)
        if (r > 0) lowest = std::min(lowest, r);
    }
    series.push_back(svg::Series{"rule of thumb: 1e-3", {first, last}, {1e-3, 1e-3}, false, true});
    svg::YAxis y;
    y.log = true;
    y.min = lowest;
    out.svg("update_ratio.svg", svg::line_chart(series, {"Size of each update relative to the weights, per layer",
                                                         step_label, "||update|| / ||weights|| (log scale)"},
                                                y));
  }

  // --- the test set: confusion matrix, the most confident mistakes --------------------------------------------
  std::vector<double> confusion(K * K, 0.0);
  struct Mistake {
    std::size_t n, label, said;
    double p;
  };
  std::vector<Mistake> mistakes;
  for (std::size_t n = 0; n < test.count; ++n) {
    std::size_t said = 0;
    double top = scores(n, 0), z = 0;
    for (std::size_t k = 1; k < K; ++k)
      if (scores(n, k) > top) top = scores(n, k), said = k;
    for (std::size_t k = 0; k < K; ++k) z += std::exp(scores(n, k) - top);
    const std::size_t label = test.labels[n];
    confusion[label * K + said] += 1;
    if (said != label) mistakes.push_back({n, label, said, 1.0 / z});
  }
  std::vector<std::string> names;
  for (std::size_t k = 0; k < K; ++k) names.push_back(class_name(test, k));
  out.svg("confusion.svg", svg::matrix_chart(confusion, names, names,
                                             {"Confusion matrix of the " + std::to_string(test.count) + " test images",
                                              "predicted class", "true class"},
                                             true));
  std::stable_sort(mistakes.begin(), mistakes.end(), [](const Mistake& a, const Mistake& b) { return a.p > b.p; });
  if (!mistakes.empty()) {
    std::vector<svg::Tile> tiles;
    for (std::size_t i = 0; i < std::min<std::size_t>(12, mistakes.size()); ++i) {
      const Mistake& m = mistakes[i];
      std::string caption = "#";  // built by appending: g++ 12 warns (-Wrestrict) wrongly on "#" + std::string
      caption += std::to_string(m.n) + " is " + class_name(test, m.label);
      caption += "\nsaid " + class_name(test, m.said) + " (" + percent(m.p, 1) + ")";
      tiles.push_back({test_image(test, m.n), caption});
    }
    out.svg("confused.svg", svg::tile_grid(tiles, "The test images the network got wrong with the most confidence", 6, 112));
  }

  // --- what the network learned: filters and activation maps ----------------------------------------------------
  for (auto& p : in.model->params())
    if (p.shape.size() == 4) {
      const std::size_t F = p.shape[0], C = p.shape[1], HH = p.shape[2], WW = p.shape[3];
      const std::size_t ch = C == 3 ? 3 : 1;
      std::vector<svg::Tile> tiles;
      for (std::size_t f = 0; f < F; ++f) {
        std::vector<double> v;
        for (std::size_t i = 0; i < HH * WW; ++i)
          for (std::size_t c = 0; c < ch; ++c) v.push_back(p.value[(f * C + c) * HH * WW + i]);
        tiles.push_back({scaled_image(v, HH, WW, ch), "filter " + std::to_string(f)});
      }
      out.svg("filters.svg", svg::tile_grid(tiles, "The first layer's " + std::to_string(F) + " filters (" +
                                                       std::to_string(HH) + "x" + std::to_string(WW) +
                                                       "), each scaled to its own range: white = most positive",
                                            8, 80));
      break;
    }
  const std::vector<std::size_t> first = {0};
  const auto trace = in.model->trace(batch_images(test, first, in.norm));
  std::vector<std::string> map_files;
  for (std::size_t k = 0; k < trace.size(); ++k) {
    const auto& layer = in.model->layers()[k];
    if (trace[k].dimension() != 4 || layer->describe().rfind("conv", 0) != 0) continue;
    const std::size_t C = trace[k].shape(1), H = trace[k].shape(2), W = trace[k].shape(3);
    std::vector<svg::Tile> tiles;
    if (map_files.empty()) tiles.push_back({test_image(test, 0), "the input:\n" + class_name(test, test.labels[0])});
    for (std::size_t c = 0; c < C; ++c) {
      std::vector<double> v(trace[k].data() + c * H * W, trace[k].data() + (c + 1) * H * W);
      tiles.push_back({scaled_image(v, H, W), layer->name() + ", channel " + std::to_string(c)});
    }
    const std::string file = "activations_" + layer->name() + ".svg";
    out.svg(file, svg::tile_grid(tiles, layer->name() + ": " + std::to_string(C) + " activation maps of " +
                                            std::to_string(H) + "x" + std::to_string(W) +
                                            " for test image 0 (each scaled to its own range)",
                                 8, 96));
    map_files.push_back(file);
  }

  // --- report.html ------------------------------------------------------------------------------------------
  const double test_acc = [&] {
    double right = 0;
    for (std::size_t k = 0; k < K; ++k) right += confusion[k * K + k];
    return right / static_cast<double>(std::max<std::size_t>(1, test.count));
  }();
  std::ostringstream page;
  page << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>cnnlab training report: "
       << escape(in.net->title) << "</title>\n<style>\n"
       << "body{font-family:'DejaVu Sans',Verdana,Arial,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;"
          "color:#222;line-height:1.45}\n"
       << "h1{font-size:1.6em;margin-bottom:.2em}h2{margin-top:1.8em;border-bottom:1px solid #ddd}\n"
       << "table{border-collapse:collapse;margin:.6em 0}td,th{border:1px solid #ccc;padding:.25em .6em;"
          "text-align:right}th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}\n"
       << "figure{margin:1em 0}img{max-width:100%;height:auto;border:1px solid #eee}figcaption{color:#555;"
          "font-size:.92em}\n.big{font-size:1.3em}code{background:#f4f4f4;padding:0 .25em}\n</style>\n</head>\n<body>\n";
  page << "<h1>Training report: " << escape(in.net->title) << "</h1>\n";
  page << "<p class=\"big\">Test accuracy <b>" << percent(test_acc) << "</b> on " << test.count << " images";
  if (!h.val_acc.empty())
    page << "; best validation accuracy " << percent(h.best_val_acc) << " after epoch " << h.best_epoch
         << " (the parameters kept)";
  page << ".</p>\n";
  if (!in.command.empty()) page << "<p>Made by <code>" << escape(in.command) << "</code>.</p>\n";
  page << "<p>Contents: <a href=\"#curves\">curves</a> · <a href=\"#test\">test set</a> · "
          "<a href=\"#learned\">what the network learned</a> · <a href=\"#network\">network</a> · "
          "<a href=\"#settings\">hyper-parameters</a> · <a href=\"#history\">history</a> · <a href=\"#files\">files</a></p>\n";

  page << "<h2 id=\"curves\">Curves</h2>\n";
  if (!h.loss.empty())
    page << figure("loss.svg", "The loss of every minibatch, and its running mean. It should start near ln " +
                                   std::to_string(K) + " = " + svg::fmt(std::log(static_cast<double>(K)), 3) +
                                   " and fall.");
  if (!h.val_acc.empty())
    page << figure("accuracy.svg", "Accuracy after each epoch. A widening gap between the two curves is "
                                   "overfitting.");
  if (in.ratios && !in.ratios->tracks().empty() && !in.ratios->tracks()[0].step.empty())
    page << figure("update_ratio.svg", "How much each weight array moves per step, relative to its size, "
                                       "sampled every few steps. Far above 1e-3: the learning rate is probably too "
                                       "high; far below: too low.");

  page << "<h2 id=\"test\">Test set</h2>\n"
       << figure("confusion.svg", "Row: the true class; column: the class the network said. The diagonal is "
                                  "right, the rest are mistakes.");
  if (!mistakes.empty())
    page << figure("confused.svg", "The mistakes the network was surest of, with the probability it gave to its "
                                   "wrong answer (" + std::to_string(mistakes.size()) + " mistakes in all).");

  page << "<h2 id=\"learned\">What the network learned</h2>\n";
  if (std::find(out.files.begin(), out.files.end(), "filters.svg") != out.files.end())
    page << figure("filters.svg", "The first layer's filters, as the network learned them.");
  for (const auto& f : map_files)
    page << figure(f, "What each filter of this layer makes of the first test image.");

  const arch::NetworkStats stats = arch::analyze(*in.net, in.input);
  page << "<h2 id=\"network\">Network</h2>\n<table>\n<tr><th>layer</th><th>type</th><th>settings</th><th>output</th>"
          "<th>parameters</th></tr>\n";
  for (const auto& l : stats.layers)
    page << "<tr><td>" << escape(l.name) << "</td><td>" << escape(l.type) << "</td><td>" << escape(l.config)
         << "</td><td>" << arch::to_string(l.output) << "</td><td>" << arch::with_commas(l.weights + l.biases)
         << "</td></tr>\n";
  page << "<tr><th>total</th><th></th><th></th><th></th><th>"
       << arch::with_commas(stats.total.weights + stats.total.biases) << "</th></tr>\n</table>\n";

  page << "<h2 id=\"settings\">Hyper-parameters</h2>\n<table>\n";
  for (const auto& [key, value] : in.settings)
    page << "<tr><td>" << escape(key) << "</td><td>" << escape(value) << "</td></tr>\n";
  page << "</table>\n";

  page << "<h2 id=\"history\">History</h2>\n<table>\n<tr><th>epoch</th><th>training accuracy</th>"
          "<th>validation accuracy</th><th>mean loss</th><th>seconds</th></tr>\n";
  for (std::size_t e = 0; e < h.val_acc.size(); ++e) {
    const std::size_t lo = e * steps_per_epoch, hi = std::min(h.loss.size(), lo + steps_per_epoch);
    double mean = 0;
    for (std::size_t i = lo; i < hi; ++i) mean += h.loss[i];
    mean /= static_cast<double>(std::max<std::size_t>(1, hi - lo));
    page << "<tr><td>" << e + 1 << "</td><td>" << percent(h.train_acc[e]) << "</td><td>" << percent(h.val_acc[e])
         << "</td><td>" << svg::fmt(mean, 4) << "</td><td>" << svg::fmt(h.epoch_seconds[e], 3) << "</td></tr>\n";
  }
  page << "</table>\n";

  page << "<h2 id=\"files\">Files</h2>\n<p>The same numbers as text: <a href=\"history.csv\">history.csv</a> (per "
          "epoch), <a href=\"loss.csv\">loss.csv</a> (per step). The parameters are in <code>&lt;layer&gt;.&lt;param&gt;.npy"
          "</code> files, the test scores in <code>test_scores.npy</code> (NumPy's format).</p>\n</body>\n</html>\n";
  const std::string text = page.str();
  write_file_atomically(in.out_dir + "/report.html", "write_report", [&](std::ostream& os) { os << text; });
  return out.files;
}

}  // namespace cnn
