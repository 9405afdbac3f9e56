// The training report: charts and pictures as SVG, and report.html tying them together (src/runtime/report.hpp).
#include "runtime/report.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>
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

std::vector<UpdateVerdict> update_verdicts(const UpdateRatios& ratios) {
  std::vector<UpdateVerdict> out;
  for (const auto& t : ratios.tracks()) {
    std::vector<double> r;
    for (double v : t.ratio)
      if (std::isfinite(v)) r.push_back(v);
    if (r.empty()) continue;
    std::sort(r.begin(), r.end());
    const std::size_t m = r.size() / 2;
    const double median = r.size() % 2 ? r[m] : (r[m - 1] + r[m]) / 2;
    out.push_back({t.name, median, median < kUpdateRatioLow ? -1 : median > kUpdateRatioHigh ? 1 : 0});
  }
  return out;
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

// Steps per epoch as the history records them (every epoch has as many steps); all steps when no epoch ended.
std::size_t steps_per_epoch(const History& h) {
  return h.val_acc.empty() ? h.loss.size() : std::max<std::size_t>(1, h.loss.size() / h.val_acc.size());
}

// A tick at every whole epoch, thinned to at most 10 ticks; none (the chart's own) for less than one epoch.
std::vector<double> epoch_ticks(double epochs) {
  std::vector<double> ticks;
  if (epochs < 1) return ticks;
  const double every = std::max(1.0, std::ceil(epochs / 10));
  for (double e = 0; e <= epochs + 1e-9; e += every) ticks.push_back(e);
  return ticks;
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

// Softmax of one row of scores.
std::vector<double> probabilities(const Tensor2& scores, std::size_t n) {
  const std::size_t K = scores.shape(1);
  double top = scores(n, 0), z = 0;
  for (std::size_t k = 1; k < K; ++k) top = std::max(top, scores(n, k));
  std::vector<double> p(K);
  for (std::size_t k = 0; k < K; ++k) z += p[k] = std::exp(scores(n, k) - top);
  for (double& v : p) v /= z;
  return p;
}

// What the network said about every test image, and the counts that follow from it.
struct Verdicts {
  std::size_t K = 0;
  std::vector<std::size_t> said;   // the predicted class of every test image
  std::vector<double> confidence;  // the probability it gave to that class
  std::vector<double> confusion;   // K x K counts, row: true class, column: predicted
  double accuracy = 0.0;
  std::vector<double> class_accuracy;  // per true class: right / images of that class (NaN when none)
};

Verdicts judge(const Dataset& test, const Tensor2& scores) {
  Verdicts v;
  v.K = test.classes;
  v.confusion.assign(v.K * v.K, 0.0);
  double right = 0;
  for (std::size_t n = 0; n < test.count; ++n) {
    const std::vector<double> p = probabilities(scores, n);
    const std::size_t said = static_cast<std::size_t>(std::max_element(p.begin(), p.end()) - p.begin());
    v.said.push_back(said);
    v.confidence.push_back(p[said]);
    v.confusion[test.labels[n] * v.K + said] += 1;
    right += said == test.labels[n];
  }
  v.accuracy = right / static_cast<double>(std::max<std::size_t>(1, test.count));
  for (std::size_t k = 0; k < v.K; ++k) {
    double row = 0;
    for (std::size_t j = 0; j < v.K; ++j) row += v.confusion[k * v.K + j];
    v.class_accuracy.push_back(row > 0 ? v.confusion[k * v.K + k] / row : NAN);
  }
  return v;
}

// The files written so far, and the HTML sections that show them.
struct Report {
  const ReportInput& in;
  std::vector<std::string> files{"report.html"};
  std::ostringstream html;

  void svg(const std::string& name, const svg::Canvas& c) {
    c.write(in.out_dir + "/" + name);
    files.push_back(name);
  }
  // A figure with its caption (HTML: escaped text and claims), and a link to the course text's section that explains it (when docs is known).
  void figure(const std::string& file, const std::string& caption, const std::string& section = "") {
    std::string alt;  // the caption without its markup
    for (std::size_t i = 0; i < caption.size(); ++i)
      if (caption[i] == '<') i = caption.find('>', i);
      else alt += caption[i];
    html << "<figure><img src=\"" << file << "\" alt=\"" << alt << "\"><figcaption>" << caption;
    if (!in.docs.empty() && !section.empty())
      html << " <a href=\"" << escape(in.docs + section) << "\">What this chart shows</a>.";
    html << "</figcaption></figure>\n";
  }
};

// A number the report states about the run, marked so that a checker can find it (docs/check_docs.py report).
std::string claim(const std::string& name, const std::string& shown) {
  return "<span data-claim=\"" + escape(name) + "\">" + escape(shown) + "</span>";
}

}  // namespace

svg::Canvas loss_chart(const History& h) {
  if (h.loss.empty()) throw value_error("loss_chart", "the history holds no step");
  const std::size_t spe = steps_per_epoch(h);
  const std::size_t window = std::clamp<std::size_t>(h.loss.size() / 20, 1, 50);
  std::vector<double> x = one_to(h.loss.size());
  for (double& v : x) v /= static_cast<double>(spe);
  return svg::line_chart({svg::Series{"loss of each step", x, h.loss},
                          svg::Series{"mean of the last " + std::to_string(window) + " steps", x, smoothed(h.loss, window)}},
                         {"Training loss", "epoch (" + std::to_string(spe) + " steps of one minibatch each)",
                          "cross-entropy loss (nats)", epoch_ticks(static_cast<double>(h.loss.size()) / static_cast<double>(spe))});
}

svg::Canvas accuracy_chart(const History& h, const std::vector<double>& test_acc) {
  if (h.train_acc.empty()) throw value_error("accuracy_chart", "the history holds no epoch");
  auto pct = [](const std::vector<double>& v) {
    std::vector<double> out;
    for (double a : v) out.push_back(100 * a);
    return out;
  };
  std::vector<svg::Series> curves = {svg::Series{"training (measured on a sample)", one_to(h.train_acc.size()), pct(h.train_acc), true}};
  if (h.best_epoch > 0) curves.push_back(svg::Series{"validation", one_to(h.val_acc.size()), pct(h.val_acc), true});  // 0: no validation set
  if (!test_acc.empty()) curves.push_back(svg::Series{"test", one_to(test_acc.size()), pct(test_acc), true});
  return svg::line_chart(curves, {"Accuracy after each epoch", "epoch", "accuracy (%)",
                                  epoch_ticks(static_cast<double>(h.train_acc.size()))});
}

svg::Canvas update_ratio_chart(const UpdateRatios& ratios, std::size_t steps_per_epoch) {
  std::vector<svg::Series> series;
  const double spe = static_cast<double>(std::max<std::size_t>(1, steps_per_epoch));
  double first = INFINITY, last = -INFINITY, lowest = kUpdateRatioLow / 10, highest = kUpdateRatioHigh * 10;
  for (const auto& t : ratios.tracks()) {
    std::vector<double> x;
    for (double s : t.step) x.push_back(s / spe);
    series.push_back(svg::Series{t.name, x, t.ratio});
    if (!x.empty()) first = std::min(first, x.front()), last = std::max(last, x.back());
    for (double r : t.ratio)
      if (r > 0) lowest = std::min(lowest, r), highest = std::max(highest, r);
  }
  if (!(first <= last)) throw value_error("update_ratio_chart", "no track has a sample");
  series.push_back(svg::Series{"rule of thumb: 1e-3", {first, last}, {1e-3, 1e-3}, false, true});
  series.push_back(svg::Series{"band: 1e-4 to 1e-2", {first, last, NAN, first, last},
                               {kUpdateRatioLow, kUpdateRatioLow, NAN, kUpdateRatioHigh, kUpdateRatioHigh}, false, true});
  svg::YAxis y;
  y.log = true;
  y.min = lowest;
  y.max = highest;
  return svg::line_chart(series, {"Size of each update relative to the weights, per layer",
                                  "epoch (" + std::to_string(steps_per_epoch) + " steps each)",
                                  "||update|| / ||weights|| (log scale)", epoch_ticks(last)},
                         y);
}

svg::Canvas predictions_chart(const Dataset& test, const Tensor2& scores, const std::vector<std::size_t>& which,
                              const std::string& title) {
  if (which.empty()) throw value_error("predictions_chart", "no image to show");
  const std::size_t K = scores.shape(1), columns = std::min<std::size_t>(3, which.size());
  const double pic = 84, bar = 110, label = 84, row = 13, panel_w = pic + label + bar + 56;
  const double panel_h = std::max(pic + 34, static_cast<double>(K) * row + 30), top = 40;
  const std::size_t rows = (which.size() + columns - 1) / columns;
  svg::Canvas c(static_cast<double>(columns) * panel_w + 10, top + static_cast<double>(rows) * panel_h);
  svg::title(c, title);
  for (std::size_t i = 0; i < which.size(); ++i) {
    const std::size_t n = which[i];
    if (n >= test.count || n >= scores.shape(0))
      throw value_error("predictions_chart", "image " + std::to_string(n) + " is outside the " +
                                                 std::to_string(std::min(test.count, scores.shape(0))) + " test images");
    const double x = 10 + static_cast<double>(i % columns) * panel_w, y = top + static_cast<double>(i / columns) * panel_h;
    const std::vector<double> p = probabilities(scores, n);
    const std::size_t said = static_cast<std::size_t>(std::max_element(p.begin(), p.end()) - p.begin());
    const std::size_t truth = test.labels[n];
    c.image(x, y, pic, pic, test_image(test, n));
    c.text(x, y + pic + 14, "#" + std::to_string(n), 12, svg::Anchor::start, "#444");
    c.text(x, y + pic + 28, said == truth ? "right" : "wrong", 12, svg::Anchor::start,
           said == truth ? "#1a7f37" : "#c62828", true);
    for (std::size_t k = 0; k < K; ++k) {
      const double by = y + static_cast<double>(k) * row;
      const std::string colour = k == truth ? "#1a7f37" : k == said ? "#c62828" : "#9e9e9e";
      c.text(x + pic + label, by + 10, class_name(test, k), 10, svg::Anchor::end, k == truth || k == said ? "#222" : "#666",
             k == truth);
      c.rect(x + pic + label + 4, by + 2, std::max(0.5, bar * p[k]), row - 4, colour);
      if (p[k] >= 0.005) c.text(x + pic + label + 8 + bar * p[k], by + 10, percent(p[k], 0), 9, svg::Anchor::start, "#444");
    }
  }
  return c;
}

namespace {

void check_input(const ReportInput& in) {
  if (!in.net || !in.model || !in.test || !in.test_scores || !in.history)
    throw value_error("write_report", "the network, model, test set, test scores and history are all needed");
  const std::size_t K = in.test->classes;
  if (in.test_scores->shape(0) != in.test->count || in.test_scores->shape(1) != K)
    throw value_error("write_report", "expected test scores of shape (" + std::to_string(in.test->count) + ", " +
                                          std::to_string(K) + "), got " + shape_str(in.test_scores->shape()));
}

void page_head(Report& r, const Verdicts& v) {
  const ReportInput& in = r.in;
  const History& h = *in.history;
  r.html << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>cnnlab training report: "
         << escape(in.net->title) << "</title>\n<style>\n"
         << "body{font-family:'DejaVu Sans',Verdana,Arial,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;"
            "color:#222;line-height:1.45}\n"
         << "h1{font-size:1.6em;margin-bottom:.2em}h2{margin-top:1.8em;border-bottom:1px solid #ddd}\n"
         << "table{border-collapse:collapse;margin:.6em 0}td,th{border:1px solid #ccc;padding:.25em .6em;"
            "text-align:right}th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}\n"
         << "figure{margin:1em 0}img{max-width:100%;height:auto;border:1px solid #eee}figcaption{color:#555;"
            "font-size:.92em}\n.big{font-size:1.3em}code{background:#f4f4f4;padding:0 .25em}\n</style>\n</head>\n<body>\n";
  r.html << "<h1>Training report: " << escape(in.net->title) << "</h1>\n";
  r.html << "<p class=\"big\">Test accuracy <b>" << claim("test_accuracy", percent(v.accuracy)) << "</b> on "
         << in.test->count << " images";
  if (h.best_epoch > 0)
    r.html << "; best validation accuracy " << claim("best_val_acc", percent(h.best_val_acc)) << " after epoch "
           << h.best_epoch << " (the parameters kept)";
  r.html << ".</p>\n<table>\n";
  if (!in.command.empty()) r.html << "<tr><td>command</td><td><code>" << escape(in.command) << "</code></td></tr>\n";
  if (!in.started.empty()) r.html << "<tr><td>started</td><td>" << escape(in.started) << "</td></tr>\n";
  {  // when this page was written: the run's date even when the caller does not say when it began
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    char when[32] = "";
    if (gmtime_r(&now, &utc)) std::strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", &utc);
    r.html << "<tr><td>written</td><td>" << when << "</td></tr>\n";
  }
  if (!in.commit.empty()) r.html << "<tr><td>commit</td><td><code>" << escape(in.commit) << "</code></td></tr>\n";
  const double training = std::accumulate(h.epoch_seconds.begin(), h.epoch_seconds.end(), 0.0);
  r.html << "<tr><td>time</td><td>";
  if (in.total_seconds > 0) r.html << svg::fmt(in.total_seconds, 3) << " s in all, ";
  r.html << claim("training_seconds", svg::fmt(training, 3)) << " s of training steps (" << h.epoch_seconds.size()
         << " epoch" << (h.epoch_seconds.size() == 1 ? "" : "s") << ")</td></tr>\n</table>\n";
  r.html << "<p>Contents: <a href=\"#curves\">curves</a> · <a href=\"#test\">test set</a> · "
            "<a href=\"#learned\">what the network learned</a> · <a href=\"#network\">network</a> · "
            "<a href=\"#settings\">hyper-parameters</a> · <a href=\"#history\">history</a> · <a href=\"#files\">files</a></p>\n";
}

void curves_section(Report& r) {
  const ReportInput& in = r.in;
  const History& h = *in.history;
  const std::size_t K = in.test->classes;
  r.html << "<h2 id=\"curves\">Curves</h2>\n";
  if (!h.loss.empty()) {
    r.svg("loss.svg", loss_chart(h));
    const double first = h.loss.front(), lnk = std::log(static_cast<double>(K));
    r.figure("loss.svg",
             "The loss of every minibatch, and its running mean. The first step's loss was " +
                 claim("first_loss", svg::fmt(first, 3)) + "; ln " + std::to_string(K) + " = " + svg::fmt(lnk, 3) +
                 " would mean " + std::to_string(K) + " equal scores for every image. " +
                 (first > lnk + 0.05 ? "It starts " + claim("first_loss_side", "above") +
                                           ": the initial scores already differ from one class to another (the last "
                                           "layer's random weights give them a spread), and the loss of spread-out "
                                           "scores is higher."
                                     : "It starts " + claim("first_loss_side", "there") +
                                           ": the initial scores are nearly equal."),
             "training.html#training_loss");
  }
  if (!h.train_acc.empty()) {
    r.svg("accuracy.svg", accuracy_chart(h, in.test_acc));
    r.figure("accuracy.svg",
             std::string("Accuracy after each epoch") + (in.test_acc.empty() ? "" : ", the test set's included") +
                 ". A widening gap between training and validation is overfitting.",
             "training.html#training_accuracy");
  }
  if (!in.learning_rates.empty()) {
    std::vector<double> x = one_to(in.learning_rates.size());
    svg::YAxis y;
    y.min = 0;
    r.svg("learning_rate.svg",
          svg::line_chart({svg::Series{"learning rate", x, in.learning_rates, true}},
                          {"Learning rate of each epoch", "epoch", "learning rate",
                           epoch_ticks(static_cast<double>(x.size()))},
                          y, 860, 300));
    r.figure("learning_rate.svg",
             "The schedule: the learning rate of each epoch (from " + svg::fmt(in.learning_rates.front(), 3) +
                 " to " + svg::fmt(in.learning_rates.back(), 3) + ").",
             "training.html#training_lr");
  }
  if (in.ratios) {
    const std::vector<UpdateVerdict> verdicts = update_verdicts(*in.ratios);
    if (!verdicts.empty()) {
      r.svg("update_ratio.svg", update_ratio_chart(*in.ratios, steps_per_epoch(h)));
      write_file_atomically(in.out_dir + "/update_ratios.csv", "write_report", [&](std::ostream& os) {
        os << "array,step,ratio\n";
        os.precision(17);
        for (const auto& t : in.ratios->tracks())
          for (std::size_t i = 0; i < t.step.size(); ++i) os << t.name << "," << t.step[i] << "," << t.ratio[i] << "\n";
      });
      r.files.push_back("update_ratios.csv");
      std::string text = "How much each weight array moves per step, relative to its size, sampled every few steps. "
                         "The rule of thumb is about 1e-3; the report calls a median within a decade of it, 1e-4 to "
                         "1e-2, a sensible pace. This run's medians: ";
      for (std::size_t k = 0; k < verdicts.size(); ++k) {
        const auto& u = verdicts[k];
        text += (k ? ", " : "") + escape(u.name) + " " + claim("update_median:" + u.name, svg::fmt(u.median, 2)) +
                " (" +
                claim("update_verdict:" + u.name, u.side < 0 ? "too low" : u.side > 0 ? "too high" : "within the band") +
                ")";
      }
      const bool high = std::any_of(verdicts.begin(), verdicts.end(), [](const auto& u) { return u.side > 0; });
      const bool low = std::any_of(verdicts.begin(), verdicts.end(), [](const auto& u) { return u.side < 0; });
      text += high && h.loss.size() < 300
                  ? ". Above the band: in a run of only " + std::to_string(h.loss.size()) +
                        " steps that may be the first steps, which move the weights most; in a longer run, the "
                        "learning rate would probably be too high."
              : high ? ". Above the band the learning rate is probably too high."
                   : low ? ". Below the band the learning rate is probably too low."
                         : ". Every layer moves at a sensible pace.";
      r.figure("update_ratio.svg", text, "training.html#training_updates");
    }
  }
}

void test_section(Report& r, const Verdicts& v) {
  const Dataset& test = *r.in.test;
  const Tensor2& scores = *r.in.test_scores;
  std::vector<std::string> names;
  for (std::size_t k = 0; k < v.K; ++k) names.push_back(class_name(test, k));
  r.html << "<h2 id=\"test\">Test set</h2>\n";
  r.svg("confusion.svg", svg::matrix_chart(v.confusion, names, names,
                                           {"Confusion matrix of the " + std::to_string(test.count) + " test images",
                                            "predicted class", "true class"},
                                           true));
  r.figure("confusion.svg", "Row: the true class; column: the class the network said. The diagonal is right, the "
                            "rest are mistakes.", "training.html#training_confusion");
  std::vector<double> shown;
  std::vector<std::string> labels;
  for (std::size_t k = 0; k < v.K; ++k)
    if (std::isfinite(v.class_accuracy[k])) shown.push_back(100 * v.class_accuracy[k]), labels.push_back(names[k]);
  if (!shown.empty()) {
    r.svg("class_accuracy.svg", svg::bar_chart(labels, shown, {"Accuracy per class on the test set", "accuracy (%)", ""}, " %"));
    std::string text = "The diagonal of the confusion matrix over each row: how often each class is recognised.";
    for (std::size_t k = 0; k < v.K; ++k)
      if (std::isfinite(v.class_accuracy[k]))
        text += " " + claim("class_accuracy:" + names[k], names[k] + " " + percent(v.class_accuracy[k], 1)) + ".";
    r.figure("class_accuracy.svg", text, "training.html#training_confusion");
  }
  // The first correct answers in the test set's order (a fair sample), then the surest mistakes.
  std::vector<std::size_t> right, wrong;
  for (std::size_t n = 0; n < test.count; ++n) (v.said[n] == test.labels[n] ? right : wrong).push_back(n);
  std::stable_sort(wrong.begin(), wrong.end(), [&](std::size_t a, std::size_t b) { return v.confidence[a] > v.confidence[b]; });
  right.resize(std::min<std::size_t>(6, right.size()));
  if (!right.empty()) {
    r.svg("correct.svg", predictions_chart(test, scores, right, "The first test images the network got right"));
    r.figure("correct.svg", "Right answers, with the probability the network gave each class (green: the true "
                            "class).", "training.html#training_predictions");
  }
  if (!wrong.empty()) {
    const std::size_t all = wrong.size();
    wrong.resize(std::min<std::size_t>(9, wrong.size()));
    r.svg("confused.svg", predictions_chart(test, scores, wrong, "The test images the network got wrong with the most confidence"));
    r.figure("confused.svg", "The mistakes the network was surest of, with its probabilities (green: the true "
                             "class, red: its answer; " + std::to_string(all) + " mistakes in all).",
             "training.html#training_predictions");
  }
}

void learned_section(Report& r) {
  const ReportInput& in = r.in;
  const Dataset& test = *in.test;
  r.html << "<h2 id=\"learned\">What the network learned</h2>\n";
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
      r.svg("filters.svg", svg::tile_grid(tiles, "The first layer's " + std::to_string(F) + " filters (" +
                                                     std::to_string(HH) + "x" + std::to_string(WW) +
                                                     "), each scaled to its own range: white = most positive",
                                          8, 80));
      r.figure("filters.svg", "The first layer's filters, as the network learned them.", "training.html#training_filters");
      break;
    }
  const std::vector<std::size_t> first = {0};
  const auto trace = in.model->trace(batch_images(test, first, in.norm));
  bool input_shown = false;
  for (std::size_t k = 0; k < trace.size(); ++k) {
    const auto& layer = in.model->layers()[k];
    if (trace[k].dimension() != 4 || layer->describe().rfind("conv", 0) != 0) continue;
    const std::size_t C = trace[k].shape(1), H = trace[k].shape(2), W = trace[k].shape(3);
    std::vector<svg::Tile> tiles;
    if (!input_shown) tiles.push_back({test_image(test, 0), "the input:\n" + class_name(test, test.labels[0])});
    input_shown = true;
    for (std::size_t c = 0; c < C; ++c) {
      std::vector<double> v(trace[k].data() + c * H * W, trace[k].data() + (c + 1) * H * W);
      tiles.push_back({scaled_image(v, H, W), layer->name() + ", channel " + std::to_string(c)});
    }
    const std::string file = "activations_" + layer->name() + ".svg";
    r.svg(file, svg::tile_grid(tiles, layer->name() + ": " + std::to_string(C) + " activation maps of " +
                                          std::to_string(H) + "x" + std::to_string(W) +
                                          " for test image 0 (each scaled to its own range)",
                               8, 96));
    r.figure(file, "What each filter of this layer makes of the first test image.", "training.html#training_filters");
  }
}

void tables_section(Report& r) {
  const ReportInput& in = r.in;
  const History& h = *in.history;
  const arch::NetworkStats stats = arch::analyze(*in.net, in.input);
  r.html << "<h2 id=\"network\">Network</h2>\n<table>\n<tr><th>layer</th><th>type</th><th>settings</th><th>output</th>"
            "<th>parameters</th></tr>\n";
  for (const auto& l : stats.layers)
    r.html << "<tr><td>" << escape(l.name) << "</td><td>" << escape(l.type) << "</td><td>" << escape(l.config)
           << "</td><td>" << arch::to_string(l.output) << "</td><td>" << arch::with_commas(l.weights + l.biases)
           << "</td></tr>\n";
  r.html << "<tr><th>total</th><th></th><th></th><th></th><th>"
         << arch::with_commas(stats.total.weights + stats.total.biases) << "</th></tr>\n</table>\n";

  r.html << "<h2 id=\"settings\">Hyper-parameters</h2>\n<table>\n";
  for (const auto& [key, value] : in.settings)
    r.html << "<tr><td>" << escape(key) << "</td><td>" << escape(value) << "</td></tr>\n";
  r.html << "</table>\n";

  const bool lr = in.learning_rates.size() >= h.train_acc.size() && !in.learning_rates.empty();
  const bool tested = in.test_acc.size() >= h.train_acc.size() && !in.test_acc.empty();
  r.html << "<h2 id=\"history\">History</h2>\n<table>\n<tr><th>epoch</th>" << (lr ? "<th>learning rate</th>" : "")
         << "<th>training accuracy</th><th>validation accuracy</th>" << (tested ? "<th>test accuracy</th>" : "")
         << "<th>mean loss</th><th>seconds</th></tr>\n";
  const std::size_t spe = steps_per_epoch(h);
  for (std::size_t e = 0; e < h.train_acc.size(); ++e) {
    const std::size_t lo = e * spe, hi = std::min(h.loss.size(), lo + spe);
    double mean = 0;
    for (std::size_t i = lo; i < hi; ++i) mean += h.loss[i];
    mean /= static_cast<double>(std::max<std::size_t>(1, hi - lo));
    r.html << "<tr><td>" << e + 1 << "</td>";
    if (lr) r.html << "<td>" << svg::fmt(in.learning_rates[e], 4) << "</td>";
    r.html << "<td>" << percent(h.train_acc[e]) << "</td><td>"
           << (e < h.val_acc.size() && h.best_epoch > 0 ? percent(h.val_acc[e]) : "") << "</td>";
    if (tested) r.html << "<td>" << percent(in.test_acc[e]) << "</td>";
    r.html << "<td>" << claim("epoch_mean_loss:" + std::to_string(e + 1), svg::fmt(mean, 4)) << "</td><td>"
           << svg::fmt(e < h.epoch_seconds.size() ? h.epoch_seconds[e] : NAN, 3) << "</td></tr>\n";
  }
  r.html << "</table>\n";

  r.html << "<h2 id=\"files\">Files</h2>\n<p>The same numbers as text: <a href=\"history.csv\">history.csv</a> (per "
            "epoch), <a href=\"loss.csv\">loss.csv</a> (per step)" << (std::find(r.files.begin(), r.files.end(), "update_ratios.csv") != r.files.end() ? ", <a href=\"update_ratios.csv\">update_ratios.csv</a> (the update sizes)" : "") << ". The parameters are in <code>&lt;layer&gt;.&lt;param&gt;.npy"
            "</code> files, the test scores in <code>test_scores.npy</code> (NumPy's format).</p>\n</body>\n</html>\n";
}

}  // namespace

std::vector<std::string> write_report(const ReportInput& in) {
  check_input(in);
  const Verdicts v = judge(*in.test, *in.test_scores);
  Report r{in, {"report.html"}, {}};
  page_head(r, v);
  curves_section(r);
  test_section(r, v);
  learned_section(r);
  tables_section(r);
  const std::string text = r.html.str();
  write_file_atomically(in.out_dir + "/report.html", "write_report", [&](std::ostream& os) { os << text; });
  return r.files;
}

}  // namespace cnn
