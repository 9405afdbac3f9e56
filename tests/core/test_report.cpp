// Tests of the SVG charts (src/io/svg.hpp) and the training report (src/runtime/report.hpp).
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <numeric>

#include "core/errors.hpp"
#include "io/files.hpp"
#include "runtime/model.hpp"
#include "runtime/report.hpp"
#include "io/svg.hpp"
#include "calculator/zoo.hpp"
#include "io/data.hpp"
#include "layers/softmax.hpp"
#include "support/scratch.hpp"
#include "support/tiny.hpp"

using namespace cnn;
using Catch::Matchers::Contains;

namespace {

// Base64 decoding written here from RFC 4648's table, independently of the encoder under test.
std::vector<std::uint8_t> unbase64(const std::string& text) {
  const std::string table = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::vector<std::uint8_t> out;
  std::uint32_t bits = 0;
  int count = 0;
  for (char c : text) {
    if (c == '=') break;
    bits = (bits << 6) | static_cast<std::uint32_t>(table.find(c));
    count += 6;
    if (count >= 8) {
      count -= 8;
      out.push_back(static_cast<std::uint8_t>((bits >> count) & 0xff));
    }
  }
  return out;
}

}  // namespace

TEST_CASE("svg::escape and svg::fmt give the text a reader sees", "[report][svg]") {
  REQUIRE(svg::escape("a < b & \"c\" > d") == "a &lt; b &amp; &quot;c&quot; &gt; d");
  REQUIRE(svg::fmt(0.001) == "0.001");
  REQUIRE(svg::fmt(12.5) == "12.5");
  REQUIRE(svg::fmt(1e-5) == "1e-05");
  REQUIRE(svg::fmt(2.0 / 3.0) == "0.667");
  REQUIRE(svg::fmt(std::nan("")) == "NaN");
}

TEST_CASE("a line chart carries its title, axis labels and every series in the legend", "[report][svg]") {
  const svg::Canvas c = svg::line_chart({svg::Series{"train <a>", {1, 2, 3}, {0.5, 0.7, 0.8}},
                                         svg::Series{"val", {1, 2, 3}, {0.4, 0.6, 0.65}}},
                                        {"Accuracy & more", "epoch", "accuracy (%)"});
  const std::string doc = c.str();
  REQUIRE(doc.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0) == 0);
  REQUIRE_THAT(doc, Contains(">Accuracy &amp; more</text>"));
  REQUIRE_THAT(doc, Contains(">epoch</text>"));
  REQUIRE_THAT(doc, Contains(">accuracy (%)</text>"));
  REQUIRE_THAT(doc, Contains(">train &lt;a&gt;</text>"));
  REQUIRE_THAT(doc, Contains(">val</text>"));
  // one polyline per series
  std::size_t polylines = 0;
  for (auto at = doc.find("<polyline"); at != std::string::npos; at = doc.find("<polyline", at + 1)) ++polylines;
  REQUIRE(polylines == 2);
}

TEST_CASE("charts refuse input they cannot draw, naming what is wrong", "[report][svg]") {
  REQUIRE_THROWS_WITH(svg::line_chart({svg::Series{"s", {1, 2}, {1}}}, {"t", "x", "y"}),
                      Contains("series \"s\" has 2 x values but 1 y values"));
  REQUIRE_THROWS_AS(svg::line_chart({svg::Series{"s", {1}, {std::nan("")}}}, {"t", "x", "y"}), value_error);
  REQUIRE_THROWS_WITH(svg::bar_chart({"a"}, {-1.0}, {"t", "x", ""}), Contains("values must be 0 or more"));
  REQUIRE_THROWS_AS(svg::matrix_chart({1, 2, 3}, {"a", "b"}, {"a", "b"}, {"t", "x", "y"}, true), value_error);
  REQUIRE_THROWS_AS(svg::tile_grid({}, "t", 3), value_error);
  REQUIRE_THROWS_AS(svg::Canvas(0, 10), value_error);
}

TEST_CASE("an embedded picture is the PNG encoder's bytes, in base64", "[report][svg]") {
  Image im{2, 2, 1, {0, 64, 128, 255}};
  svg::Canvas c(10, 10);
  c.image(0, 0, 10, 10, im);
  const std::string doc = c.str();
  const std::string key = "data:image/png;base64,";
  const auto at = doc.find(key);
  REQUIRE(at != std::string::npos);
  const auto end = doc.find('"', at);
  REQUIRE(unbase64(doc.substr(at + key.size(), end - at - key.size())) == encode_png(im));
}

TEST_CASE("UpdateRatios measures |w_after - w_before| / |w_after| on sampled steps, weights only", "[report]") {
  Model model = build_model(testing::tiny_net(), 1);
  UpdateRatios ratios(2);
  ratios.after_step(model);  // step 1: the next step is sampled, the weights are kept
  for (auto& p : model.params())
    for (double& v : p.value) v *= 1.01;  // an "update" of 1 % of every parameter
  ratios.after_step(model);  // step 2: measured
  const auto& tracks = ratios.tracks();
  REQUIRE(tracks.size() == 2);  // conv1.w and fc2.w; the biases are left out
  REQUIRE(tracks[0].name == "conv1.w");
  REQUIRE(tracks[1].name == "fc2.w");
  for (const auto& t : tracks) {
    REQUIRE(t.step == std::vector<double>{2});
    // by hand: |0.01 w| / |1.01 w| = 0.01 / 1.01
    REQUIRE_THAT(t.ratio[0], Catch::Matchers::WithinRel(0.01 / 1.01, 1e-12));
  }
  ratios.after_step(model);  // step 3: not sampled
  REQUIRE(tracks[0].step.size() == 1);
}

TEST_CASE("write_report writes report.html and every picture it shows", "[report]") {
  const testing::Scratch scratch;
  const arch::Architecture net = testing::tiny_net();
  Model model = build_model(net, 1);
  Dataset test = testing::noise_images(20, 2, 6, 6, 4, 3);
  test.class_names = {"a", "b", "c", "d"};
  const Tensor2 scores = model.scores(batch_images(test, std::vector<std::size_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19}, {}));
  History h;
  h.loss = {1.4, 1.3, 1.2, 1.25};
  h.train_acc = {0.3, 0.4};
  h.val_acc = {0.25, 0.35};
  h.epoch_seconds = {0.1, 0.1};
  h.best_epoch = 2;
  h.best_val_acc = 0.35;
  ReportInput in{.out_dir = scratch.dir().string(), .net = &net, .input = net.input, .model = &model, .test = &test,
                 .norm = {}, .test_scores = &scores, .history = &h, .ratios = nullptr,
                 .settings = {{"learning rate", "0.1"}}, .command = "train --lr 0.1"};
  const auto files = write_report(in);
  REQUIRE(files.front() == "report.html");
  const auto bytes = read_file(scratch.file("report.html"), "test");
  const std::string html(bytes.begin(), bytes.end());
  REQUIRE_THAT(html, Contains("train --lr 0.1"));
  REQUIRE_THAT(html, Contains("<td>learning rate</td><td>0.1</td>"));
  std::size_t images = 0;
  // every <img src="..."> names a file that was written (a plain search: GCC 12 under ASan warns inside <regex>)
  const std::string tag = "<img src=\"";
  for (std::size_t at = html.find(tag); at != std::string::npos; at = html.find(tag, at + 1), ++images) {
    const std::size_t begin = at + tag.size(), end = html.find('"', begin);
    REQUIRE(end != std::string::npos);
    REQUIRE(std::filesystem::exists(scratch.file(html.substr(begin, end - begin))));
  }
  REQUIRE(images >= 5);  // loss, accuracy, confusion, filters, conv1's maps (and the mistakes, if any)

  // With everything a run can add: the update sizes, the schedule, test accuracy per epoch, metadata and links.
  UpdateRatios ratios(1);
  for (int step = 0; step < 3; ++step) {
    for (auto& p : model.params())
      for (double& v : p.value) v *= 1.002;  // by hand: each update is 0.002 / 1.002 of the weights
    ratios.after_step(model);
  }
  in.ratios = &ratios;
  in.learning_rates = {0.01, 0.005};
  in.test_acc = {0.3, 0.32};
  in.started = "2026-12-08 00:12 UTC";
  in.commit = "abc1234";
  in.total_seconds = 7.5;
  in.docs = "../";
  const auto more = write_report(in);
  for (const char* f : {"update_ratio.svg", "update_ratios.csv", "learning_rate.svg", "class_accuracy.svg"})
    REQUIRE(std::find(more.begin(), more.end(), f) != more.end());
  const auto again = read_file(scratch.file("report.html"), "test");
  const std::string page(again.begin(), again.end());
  REQUIRE_THAT(page, Contains("<code>abc1234</code>") && Contains("2026-12-08 00:12 UTC") && Contains("7.5 s in all"));
  REQUIRE_THAT(page, Contains("<th>learning rate</th>") && Contains("<th>test accuracy</th>"));
  REQUIRE_THAT(page, Contains("href=\"../training.html#training_updates\""));
  // 0.002 / 1.002 = 0.0019960..., shown with 2 digits, inside the band [1e-4, 1e-2]
  REQUIRE_THAT(page, Contains("data-claim=\"update_median:conv1.w\">0.002</span>"));
  REQUIRE_THAT(page, Contains("data-claim=\"update_verdict:conv1.w\">within the band</span>"));
  // every class's accuracy, from the confusion of the scores passed in
  std::size_t right = 0;
  for (std::size_t n = 0; n < 20; ++n) {
    std::size_t best = 0;
    for (std::size_t k = 1; k < 4; ++k)
      if (scores(n, k) > scores(n, best)) best = k;
    right += best == test.labels[n];
  }
  REQUIRE_THAT(page, Contains("data-claim=\"test_accuracy\">" + std::to_string(right * 5) + ".00 %</span>"));

  const Tensor2 wrong = xt::zeros<double>({3, 4});
  in.test_scores = &wrong;
  REQUIRE_THROWS_WITH(write_report(in), Contains("expected test scores of shape (20, 4), got (3, 4)"));
}

TEST_CASE("LeNet-5's own initialisation starts above ln 10 because its scores spread; small last weights start at ln 10",
          "[report][fashion]") {
  // What the training page and the report say about the first loss (docs/training.md, "The loss at the start"),
  // on real images: the first 64 training images of Debian's Fashion-MNIST, as train normalizes them.
  const Dataset train = load_fashion_mnist(kFashionMnistDir, "train");
  std::vector<std::size_t> idx(64);
  std::iota(idx.begin(), idx.end(), 0);
  const Tensor4 x = batch_images(train, idx, kFashionMnistNormalization);
  Labels y = Labels::from_shape({64});
  for (std::size_t i = 0; i < 64; ++i) y(i) = train.labels[i];
  for (std::uint64_t seed : {1, 2, 3}) {
    Model model = build_model(zoo::lenet5_fashion(), seed);
    const Tensor2 s = model.scores(x);
    double spread = 0;  // the mean over images of the variance of an image's ten scores
    for (std::size_t i = 0; i < 64; ++i) {
      double m = 0, q = 0;
      for (std::size_t k = 0; k < 10; ++k) m += s(i, k) / 10;
      for (std::size_t k = 0; k < 10; ++k) q += (s(i, k) - m) * (s(i, k) - m) / 10;
      spread += q / 64;
    }
    const double loss = softmax_loss(s, y).loss;
    INFO("seed " << seed << ": first loss " << loss << ", standard deviation of an image's scores " << std::sqrt(spread));
    CHECK(std::sqrt(spread) > 0.8);  // the page: "a standard deviation of 1 to 2"
    CHECK(std::sqrt(spread) < 2.2);
    CHECK(loss > std::log(10.0) + 0.2);  // the page: "between 2.5 and 4"
    CHECK(loss < 4.0);
    // The cause: the same network with its last layer's weights and biases scaled by 0.01 (scores 100 times
    // closer together) starts at ln 10, every class equally likely.
    auto params = model.params();
    for (std::size_t k = params.size() - 2; k < params.size(); ++k)
      for (double& v : params[k].value) v *= 0.01;
    CHECK_THAT(softmax_loss(model.scores(x), y).loss, Catch::Matchers::WithinAbs(std::log(10.0), 0.01));
  }
}
