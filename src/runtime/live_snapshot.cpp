// The live page's numbers and pictures (src/runtime/live.hpp): snapshots taken on the training thread, and
// their charts as JSON, drawn with the report's chart code (io/svg.hpp) on the server's threads.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <sstream>

#include "core/errors.hpp"
#include "runtime/live.hpp"

namespace cnn::live {

namespace {

using Clock = std::chrono::steady_clock;

std::string class_name(const std::vector<std::string>& names, std::size_t k) {
  return k < names.size() ? names[k] : "class " + std::to_string(k);
}

// A test image as stored (bytes, not normalised): colour with 3 channels, otherwise its first channel in grey.
Image stored_image(const Dataset& d, std::size_t n) {
  const std::size_t H = d.height, W = d.width, ch = d.channels == 3 ? 3 : 1;
  Image im{W, H, ch, std::vector<std::uint8_t>(H * W * ch)};
  for (std::size_t c = 0; c < ch; ++c)  // (C, H, W) to (H, W, C)
    for (std::size_t i = 0; i < H * W; ++i) im.pixels[i * ch + c] = d.images[n * d.image_size() + c * H * W + i];
  return im;
}

std::size_t argmax(const double* v, std::size_t n) { return static_cast<std::size_t>(std::max_element(v, v + n) - v); }

// --- JSON ------------------------------------------------------------------------------------------------------

std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string number(double v) { return std::isfinite(v) ? svg::fmt(v, 6) : "null"; }

// --- the figures, as the report draws them -------------------------------------------------------------------

std::vector<double> one_to(std::size_t n) {
  std::vector<double> x(n);
  std::iota(x.begin(), x.end(), 1.0);
  return x;
}

// The mean of the last `window` values at every point.
std::vector<double> running_mean(const std::vector<double>& v, std::size_t window) {
  std::vector<double> out;
  double sum = 0.0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    sum += v[i];
    if (i >= window) sum -= v[i - window];
    out.push_back(sum / static_cast<double>(std::min(i + 1, window)));
  }
  return out;
}

std::size_t loss_window(std::size_t steps) { return std::clamp<std::size_t>(steps / 20, 1, 50); }

struct Figure {
  std::string id, section, svg;
};

std::vector<Figure> figures(const Snapshot& s) {
  std::vector<Figure> out;
  const std::string step_label = "step (one minibatch; " + std::to_string(s.steps) + " steps per epoch)";
  if (!s.loss.empty()) {
    // At most kLossPoints points per curve, every k-th step: a long run's chart stays as quick to draw and to
    // send every second as a short one's (the report draws every step).
    constexpr std::size_t kLossPoints = 1500;
    const std::size_t window = loss_window(s.loss.size()), every = (s.loss.size() + kLossPoints - 1) / kLossPoints;
    const std::vector<double> mean = running_mean(s.loss, window);
    svg::Series each{every == 1 ? "loss of each step" : "loss of one step in " + std::to_string(every), {}, {}};
    svg::Series smooth{"mean of the last " + std::to_string(window) + " steps", {}, {}};
    for (std::size_t i = 0; i < s.loss.size(); i += every) {
      each.x.push_back(static_cast<double>(i + 1));
      each.y.push_back(s.loss[i]);
      smooth.x.push_back(static_cast<double>(i + 1));
      smooth.y.push_back(mean[i]);
    }
    out.push_back({"loss", "curves",
                   svg::line_chart({each, smooth}, {"Training loss", step_label, "cross-entropy loss (nats)"}).str()});
  }
  if (!s.train_acc.empty()) {
    std::vector<double> train, val;
    for (double a : s.train_acc) train.push_back(100 * a);
    for (double a : s.val_acc) val.push_back(100 * a);
    const std::vector<double> x = one_to(train.size());
    std::vector<svg::Series> curves = {svg::Series{"training (measured on a sample)", x, train, true}};
    if (s.has_validation) curves.push_back(svg::Series{"validation", x, val, true});
    out.push_back({"accuracy", "curves",
                   svg::line_chart(curves, {"Accuracy after each epoch", "epoch", "accuracy (%)"}).str()});
  }
  if (!s.ratios.empty() && !s.ratios.front().step.empty()) {
    std::vector<svg::Series> series;
    double first = 0, last = 0, lowest = 1e-4;  // the axis reaches at least a decade below the rule of thumb
    for (const auto& t : s.ratios) {
      series.push_back(svg::Series{t.name, t.step, t.ratio});
      first = t.step.front(), last = t.step.back();
      for (double r : t.ratio)
        if (r > 0) lowest = std::min(lowest, r);
    }
    series.push_back(svg::Series{"rule of thumb: 1e-3", {first, last}, {1e-3, 1e-3}, false, true});
    svg::YAxis y;
    y.log = true;
    y.min = lowest;
    out.push_back({"ratios", "curves",
                   svg::line_chart(series, {"Size of each update relative to the weights, per layer", step_label,
                                            "||update|| / ||weights|| (log scale)"},
                                   y)
                       .str()});
  }
  if (!s.filters.empty())
    out.push_back({"filters", "network",
                   svg::tile_grid(s.filters, "The first layer's " + std::to_string(s.filters.size()) +
                                                 " filters, each scaled to its own range: white = most positive",
                                  8, 80)
                       .str()});
  for (const auto& m : s.activations)
    out.push_back({"maps_" + m.layer, "network",
                   svg::tile_grid(m.tiles, m.layer + ": " + std::to_string(m.channels) +
                                               " activation maps of " + std::to_string(m.height) + "x" +
                                               std::to_string(m.width) + " for test image " + std::to_string(s.image) +
                                               " (each scaled to its own range)",
                                  8, 96)
                       .str()});
  if (!s.probabilities.empty()) {
    std::vector<std::string> labels;
    std::vector<double> percent;
    for (std::size_t k = 0; k < s.probabilities.size(); ++k) {
      labels.push_back(class_name(s.class_names, k));
      percent.push_back(100 * s.probabilities[k]);
    }
    out.push_back({"probabilities", "network",
                   svg::bar_chart(labels, percent,
                                  {"What the network says test image " + std::to_string(s.image) + " is (it is " +
                                       s.image_label + ")",
                                   "probability (%)", ""},
                                  " %")
                       .str()});
  }
  if (!s.confusion.empty()) {
    std::vector<std::string> names;
    for (std::size_t k = 0; k * k < s.confusion.size(); ++k) names.push_back(class_name(s.class_names, k));
    out.push_back({"confusion", "validation",
                   svg::matrix_chart(s.confusion, names, names,
                                     {"Confusion matrix of " + std::to_string(s.confusion_images) +
                                          " validation images after epoch " + std::to_string(s.confusion_epoch),
                                      "predicted class", "true class"},
                                     true)
                       .str()});
  }
  return out;
}

}  // namespace

std::string data_json(const Snapshot& s, bool with_figures) {
  std::ostringstream j;
  const double recent_loss = s.loss.empty() ? NAN : running_mean(s.loss, loss_window(s.loss.size())).back();
  j << "{\"version\":" << s.version << ",\"title\":" << quoted(s.title) << ",\"epoch\":" << s.epoch
    << ",\"epochs\":" << s.epochs << ",\"step\":" << s.step << ",\"steps\":" << s.steps << ",\"batch\":" << s.batch
    << ",\"steps_done\":" << s.loss.size() << ",\"loss\":" << number(recent_loss)
    << ",\"images_per_second\":" << number(s.images_per_second) << ",\"seconds_left\":" << number(s.seconds_left)
    << ",\"val_acc\":" << (s.val_acc.empty() || !s.has_validation ? "null" : number(s.val_acc.back()))
    << ",\"val_epoch\":" << s.val_acc.size()
    << ",\"finished\":" << (s.finished ? "true" : "false") << ",\"summary\":" << quoted(s.summary)
    << ",\"report\":" << quoted(s.finished && !s.report_dir.empty() ? "/report/report.html" : "")
    << ",\"report_dir\":" << quoted(s.report_dir);
  if (!with_figures) return j.str() + "}";
  j << ",\"figures\":[";
  const std::vector<Figure> f = figures(s);
  for (std::size_t i = 0; i < f.size(); ++i)
    j << (i ? "," : "") << "{\"id\":" << quoted(f[i].id) << ",\"section\":" << quoted(f[i].section)
      << ",\"svg\":" << quoted(f[i].svg) << "}";
  j << "]}";
  return j.str();
}

// --- the training thread's side ------------------------------------------------------------------------------

Watcher::Watcher(Server& server, WatchSetup setup) : server_(server), setup_(std::move(setup)) {
  if (!setup_.test || setup_.test->count == 0)
    throw value_error("live::Watcher", "a test set with at least one image is needed (the watched image)");
  if (setup_.image >= setup_.test->count)
    throw value_error("live::Watcher", "the watched image " + std::to_string(setup_.image) + " is not among the " +
                                           std::to_string(setup_.test->count) + " test images");
}

void Watcher::after_step(const StepInfo& s, Model& model, const History& history, const UpdateRatios* ratios) {
  last_ = s;
  const bool epoch_end = s.step == s.steps;
  if (epoch_end && setup_.val && setup_.val->count > 0) {
    // The parameters the solver validates next: count which class each validation image is given.
    const Dataset& val = *setup_.val;
    const std::size_t K = val.classes,
                      n = setup_.confusion_images ? std::min(setup_.confusion_images, val.count) : val.count;
    confusion_.assign(K * K, 0.0);
    std::vector<std::size_t> idx;
    for (std::size_t start = 0; start < n; start += 500) {
      idx.resize(std::min<std::size_t>(500, n - start));
      std::iota(idx.begin(), idx.end(), start);
      const Tensor2 scores = model.scores(batch_images(val, idx, setup_.norm));
      for (std::size_t i = 0; i < idx.size(); ++i)
        confusion_[val.labels[idx[i]] * K + argmax(&scores(i, 0), K)] += 1;
    }
    confusion_epoch_ = s.epoch;
    confusion_images_ = n;
  }
  const auto now = Clock::now();
  if (published_ && !epoch_end && now - last_publish_ < std::chrono::duration<double>(setup_.every_seconds)) return;
  server_.publish(build(s, model, history, ratios));
  last_publish_ = now;
  published_ = true;
}

void Watcher::finish(Model& model, const History& history, const UpdateRatios* ratios, const std::string& summary) {
  Snapshot s = build(last_, model, history, ratios);
  s.finished = true;
  s.seconds_left = 0;
  s.summary = summary;
  server_.publish(std::move(s));
}

Snapshot Watcher::build(const StepInfo& step, Model& model, const History& history, const UpdateRatios* ratios) {
  const Dataset& test = *setup_.test;
  Snapshot s;
  s.title = setup_.title;
  s.report_dir = setup_.report_dir;
  s.epoch = step.epoch;
  s.epochs = setup_.epochs;
  s.step = step.step;
  s.steps = step.steps;
  s.batch = setup_.batch;
  s.images_per_second = step.seconds > 0 ? static_cast<double>(step.images) / step.seconds : 0.0;
  if (step.step > 0) {
    const double per_step = step.seconds / static_cast<double>(step.step);
    const std::size_t later_epochs = setup_.epochs > step.epoch ? setup_.epochs - step.epoch : 0;
    s.seconds_left = per_step * static_cast<double>(step.steps - step.step + later_epochs * step.steps);
  }
  s.loss = history.loss;
  s.train_acc = history.train_acc;
  s.val_acc = history.val_acc;
  s.has_validation = setup_.val && setup_.val->count > 0;
  if (ratios) s.ratios = ratios->tracks();

  for (auto& p : model.params())  // the first layer with 4-d weights: a conv layer's filters
    if (p.shape.size() == 4) {
      const std::size_t F = p.shape[0], C = p.shape[1], HH = p.shape[2], WW = p.shape[3], ch = C == 3 ? 3 : 1;
      for (std::size_t f = 0; f < F; ++f) {
        std::vector<double> v;
        for (std::size_t i = 0; i < HH * WW; ++i)
          for (std::size_t c = 0; c < ch; ++c) v.push_back(p.value[(f * C + c) * HH * WW + i]);
        s.filters.push_back({scaled_image(v, HH, WW, ch), "filter " + std::to_string(f)});
      }
      break;
    }

  s.image = setup_.image;
  s.class_names = test.class_names;
  s.image_label = class_name(test.class_names, test.labels[setup_.image]);
  const std::vector<std::size_t> one = {setup_.image};
  const auto trace = model.trace(batch_images(test, one, setup_.norm));
  for (std::size_t k = 0; k < trace.size(); ++k) {
    const auto& layer = model.layers()[k];
    if (trace[k].dimension() != 4 || layer->describe().rfind("conv", 0) != 0) continue;
    const std::size_t C = trace[k].shape(1), H = trace[k].shape(2), W = trace[k].shape(3);
    Snapshot::Maps m{layer->name(), H, W, C, {}};
    if (s.activations.empty()) m.tiles.push_back({stored_image(test, setup_.image), "the input:\n" + s.image_label});
    for (std::size_t c = 0; c < C; ++c) {
      std::vector<double> v(trace[k].data() + c * H * W, trace[k].data() + (c + 1) * H * W);
      m.tiles.push_back({scaled_image(v, H, W), layer->name() + ", channel " + std::to_string(c)});
    }
    s.activations.push_back(std::move(m));
  }
  if (!trace.empty() && trace.back().dimension() == 2) {  // the scores: softmax, shifted by the largest
    const Tensor& scores = trace.back();
    const std::size_t K = scores.shape(1);
    const double top = *std::max_element(scores.data(), scores.data() + K);
    double z = 0;
    for (std::size_t k = 0; k < K; ++k) z += std::exp(scores.data()[k] - top);
    for (std::size_t k = 0; k < K; ++k) s.probabilities.push_back(std::exp(scores.data()[k] - top) / z);
  }
  s.confusion = confusion_;
  s.confusion_epoch = confusion_epoch_;
  s.confusion_images = confusion_images_;
  return s;
}

}  // namespace cnn::live
