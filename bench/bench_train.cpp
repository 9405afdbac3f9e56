// cnnbench_train: one LeNet-5 training step on Fashion-MNIST-sized batches, cnnlab's runtime in double against
// libtorch in float32 and in double, in the same run; the seconds per epoch that follow, at batches of 32, 64,
// 128 and 256, and the peak memory of each.
//
//   ./build/bench/bench/cnnbench_train --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
//
// A step is what the README's main job does for one minibatch (Solver::step): gather and normalise the images,
// forward, softmax loss, backward, and an SGD-momentum update of every parameter; torch's step is the same work
// on the same images. Each step takes the next minibatch of 2,048 random images shaped like Fashion-MNIST.
// "s_per_epoch" scales the step time to the 55,000 training images of the main job.
// Threads and memory: the fair setting of bench/common.hpp, printed at the start.
//
// Peak memory. A process's peak (getrusage's ru_maxrss) only grows, so each case's peak is measured in a child
// process of its own, started before anything else has run: it builds the network, takes three steps and
// reports its peak resident memory, which includes the program itself and the libraries it has loaded (libtorch
// among them, for both sides). --figures=DIR draws both against the batch size into DIR.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "io/data.hpp"
#include "runtime/model.hpp"
#include "layers/optim.hpp"
#include "core/random.hpp"
#include "runtime/solver.hpp"
#include "io/svg.hpp"
#include "calculator/zoo.hpp"
#include "common.hpp"

namespace {

constexpr double kTrainingImages = 55000.0;
const std::vector<std::size_t> batches = {32, 64, 128, 256};

void report(benchmark::State& state, std::size_t batch) {
  state.counters["img_per_s"] = benchmark::Counter(double(batch), benchmark::Counter::kIsIterationInvariantRate);
  // seconds per step times steps per epoch: the inverse of a rate of batch / 55,000 epochs per step
  state.counters["s_per_epoch"] = benchmark::Counter(
      double(batch) / kTrainingImages, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

// A step function bound to its network and data: made once, called for every step.
using Step = std::function<void()>;

// The images both sides step through: random bytes shaped like Fashion-MNIST, with labels 0..9. A step takes the
// next minibatch of them, as an epoch does, rather than the same one again.
constexpr std::size_t kImages = 2048;

cnn::Dataset random_images() {
  cnn::Dataset d;
  d.count = kImages, d.channels = 1, d.height = 28, d.width = 28;
  cnn::Rng rng(2);
  d.images.resize(d.count * d.image_size());
  for (auto& byte : d.images) byte = static_cast<std::uint8_t>(rng.index(256));
  d.labels.resize(d.count);
  for (std::size_t i = 0; i < d.count; ++i) d.labels[i] = static_cast<std::uint8_t>(i % 10);
  return d;
}

// cnnlab's step is the README's main job's: Solver::step, which gathers and normalises the minibatch, runs
// forward, loss and backward, checks that the gradients are finite, and updates every parameter with the
// library's SGD with momentum.
Step cnnlab_step(std::size_t batch) {
  struct State {
    cnn::Dataset train = random_images(), val;
    cnn::Model model = cnn::build_model(cnn::zoo::lenet5_fashion(), 1);
    std::unique_ptr<cnn::Solver> solver;
    std::vector<std::size_t> order;
    std::size_t next = 0;
  };
  auto s = std::make_shared<State>();
  cnn::SolverConfig config;
  config.batch_size = batch;
  config.norm = cnn::kFashionMnistNormalization;
  s->solver = std::make_unique<cnn::Solver>(s->model, s->train, s->val, config);
  s->order.resize(kImages);
  for (std::size_t i = 0; i < kImages; ++i) s->order[i] = i;
  return [s, batch] {
    if (s->next + batch > kImages) s->next = 0;
    benchmark::DoNotOptimize(s->solver->step(std::span<const std::size_t>(s->order.data() + s->next, batch)));
    s->next += batch;
  };
}

#if CNNLAB_WITH_TORCH
template <class T>
Step torch_step(std::size_t batch) {
  const auto dtype = std::is_same_v<T, double> ? torch::kFloat64 : torch::kFloat32;
  torch::manual_seed(1);
  struct State {
    torch::nn::Sequential net;
    std::unique_ptr<torch::optim::SGD> opt;
    torch::Tensor x, y;
    std::size_t next = 0;
  };
  auto s = std::make_shared<State>();
  s->net = torch::nn::Sequential(
      torch::nn::Conv2d(torch::nn::Conv2dOptions(1, 6, 5).padding(2)), torch::nn::ReLU(), torch::nn::MaxPool2d(2),
      torch::nn::Conv2d(6, 16, 5), torch::nn::ReLU(), torch::nn::MaxPool2d(2), torch::nn::Flatten(),
      torch::nn::Linear(400, 120), torch::nn::ReLU(), torch::nn::Linear(120, 84), torch::nn::ReLU(),
      torch::nn::Linear(84, 10));
  s->net->to(dtype);
  s->opt = std::make_unique<torch::optim::SGD>(s->net->parameters(), torch::optim::SGDOptions(0.01).momentum(0.9));
  // the same images as cnnlab's, already normalised
  const cnn::Dataset d = random_images();
  s->x = (torch::from_blob(const_cast<std::uint8_t*>(d.images.data()), {long(kImages), 1, 28, 28}, torch::kUInt8)
              .to(dtype) / 255.0 - cnn::kFashionMnistNormalization.mean) / cnn::kFashionMnistNormalization.std;
  s->y = torch::from_blob(const_cast<std::uint8_t*>(d.labels.data()), {long(kImages)}, torch::kUInt8).to(torch::kLong);
  return [s, batch] {
    if (s->next + batch > kImages) s->next = 0;
    const long lo = long(s->next), hi = long(s->next + batch);
    s->next += batch;
    s->opt->zero_grad();
    auto loss = torch::nn::functional::cross_entropy(s->net->forward(s->x.slice(0, lo, hi)), s->y.slice(0, lo, hi));
    loss.backward();
    s->opt->step();
    benchmark::DoNotOptimize(loss.template item<double>());
  };
}
#endif

struct Case {
  std::string name;  // e.g. "cnnlab_f64/64"
  std::string side;  // cnnlab_f64, torch_f32, torch_f64
  std::size_t batch;
  std::function<Step(std::size_t)> make;
  double peak_mb = -1.0;
};

std::vector<Case> cases() {
  std::vector<Case> all;
  for (std::size_t batch : batches) {
    all.push_back({"cnnlab_f64/" + std::to_string(batch), "cnnlab_f64", batch, cnnlab_step});
#if CNNLAB_WITH_TORCH
    all.push_back({"torch_f32/" + std::to_string(batch), "torch_f32", batch, torch_step<float>});
    if (batch == 64) all.push_back({"torch_f64/64", "torch_f64", batch, torch_step<double>});
#endif
  }
  return all;
}

void bench_step(benchmark::State& state, const Case& c) {
#if CNNLAB_WITH_TORCH
  std::unique_ptr<bench::TorchSide> fair;
  if (c.side != "cnnlab_f64") fair = std::make_unique<bench::TorchSide>();
#endif
  const Step step = c.make(c.batch);
  step();  // the first step allocates what the others reuse
  for (auto _ : state) step();
  report(state, c.batch);
}

// Runs three steps of the case in a child process and returns its peak resident memory in MB (-1 on failure).
double peak_memory_mb(const Case& c) {
  int fds[2];
  if (pipe(fds) != 0) return -1.0;
  std::fflush(stdout);
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
#if CNNLAB_WITH_TORCH
    std::unique_ptr<bench::TorchSide> fair;
    if (c.side != "cnnlab_f64") fair = std::make_unique<bench::TorchSide>();
#endif
    const Step step = c.make(c.batch);
    for (int i = 0; i < 3; ++i) step();
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    const double mb = double(u.ru_maxrss) / 1024.0;  // kilobytes on Linux
    if (write(fds[1], &mb, sizeof mb) != sizeof mb) _exit(1);
    _exit(0);
  }
  close(fds[1]);
  double mb = -1.0;
  if (pid < 0 || read(fds[0], &mb, sizeof mb) != sizeof mb) mb = -1.0;
  close(fds[0]);
  if (pid > 0) waitpid(pid, nullptr, 0);
  return mb;
}

// Seconds per epoch and peak memory against the batch size, one curve per side, into DIR.
void draw(const bench::Recorder& r, const std::vector<Case>& all, const std::string& dir) {
  std::vector<cnn::svg::Series> time, memory;
  for (const char* side : {"cnnlab_f64", "torch_f32"}) {
    const std::string name = std::string(side) == "cnnlab_f64" ? "cnnlab, float64" : "libtorch, float32";
    cnn::svg::Series t{name, {}, {}, true}, m{name, {}, {}, true};
    for (const Case& c : all) {
      if (c.side != side) continue;
      if (const double s = r.counter(c.name, "s_per_epoch"); s > 0) t.x.push_back(double(c.batch)), t.y.push_back(s);
      if (c.peak_mb > 0) m.x.push_back(double(c.batch)), m.y.push_back(c.peak_mb);
    }
    if (!t.x.empty()) time.push_back(t);
    if (!m.x.empty()) memory.push_back(m);
  }
  cnn::svg::YAxis from_zero;
  from_zero.min = 0.0;
  if (!time.empty()) {
    cnn::svg::line_chart(time, {"LeNet-5 on Fashion-MNIST: seconds per epoch against the batch size",
                                "batch (images per step)", "seconds per epoch of 55,000 images"},
                         from_zero)
        .write(dir + "/train_growth.svg");
    std::printf("wrote %s/train_growth.svg\n", dir.c_str());
  }
  if (!memory.empty()) {
    cnn::svg::line_chart(memory, {"LeNet-5 training: peak memory of the process against the batch size",
                                  "batch (images per step)", "peak resident memory (MB)"},
                         from_zero)
        .write(dir + "/train_memory.svg");
    std::printf("wrote %s/train_memory.svg\n", dir.c_str());
  }
}

void print_table(const bench::Recorder& r, const std::vector<Case>& all) {
  auto epoch = [&](const std::string& name) { return r.counter(name, "s_per_epoch"); };
  std::printf("\nLeNet-5 training step, medians: seconds per epoch of 55,000 images, peak memory of a process that "
              "takes three steps;\nratio = cnnlab (float64) / torch float32 at the same batch (< 1: cnnlab faster)\n");
  std::printf("%-6s %14s %8s %14s %8s %14s %8s %8s\n", "batch", "cnnlab f64 s", "MB", "torch f32 s", "MB",
              "torch f64 s", "MB", "ratio");
  for (std::size_t batch : batches) {
    const std::string b = std::to_string(batch);
    auto find = [&](const std::string& side) -> const Case* {
      for (const Case& c : all)
        if (c.side == side && c.batch == batch) return &c;
      return nullptr;
    };
    auto seconds = [&](const Case* c) { return c ? epoch(c->name) : -1.0; };
    auto cell = [](double v, const char* format) {
      char buf[32] = "-";
      if (v > 0) std::snprintf(buf, sizeof buf, format, v);
      return std::string(buf);
    };
    const Case *ours = find("cnnlab_f64"), *f32 = find("torch_f32"), *f64 = find("torch_f64");
    const double s_ours = seconds(ours), s_f32 = seconds(f32), s_f64 = seconds(f64);
    std::printf("%-6s %14s %8s %14s %8s %14s %8s %8s\n", b.c_str(), cell(s_ours, "%.2f").c_str(),
                cell(ours ? ours->peak_mb : -1, "%.0f").c_str(), cell(s_f32, "%.2f").c_str(),
                cell(f32 ? f32->peak_mb : -1, "%.0f").c_str(), cell(s_f64, "%.2f").c_str(),
                cell(f64 ? f64->peak_mb : -1, "%.0f").c_str(),
                cell(s_ours > 0 && s_f32 > 0 ? s_ours / s_f32 : -1, "%.2f").c_str());
    if (ours != nullptr)
      bench::summary_row("train", "lenet5 epoch, batch " + b + " (torch float32)", s_ours * 1e3,
                         f32 ? s_f32 * 1e3 : -1.0, -1, -1);
  }
}

}  // namespace

int main(int argc, char** argv) {
  bench::start(argc, argv, "cnnbench_train");
  std::vector<Case> all = cases();
  bool memory = true;  // --no_peak_memory: skip the child processes (for profiling the steps alone)
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--no_peak_memory") memory = false;
    else argv[kept++] = argv[i];
    if (std::string(argv[i]).rfind("--benchmark_list_tests", 0) == 0) memory = false;
  }
  argc = kept;
  if (memory) {
    std::printf("peak memory, each case in a process of its own:");
    for (Case& c : all) {
      c.peak_mb = peak_memory_mb(c);
      std::printf(" %s %.0f MB%s", c.name.c_str(), c.peak_mb, &c == &all.back() ? "\n" : ",");
      std::fflush(stdout);
    }
  }
  for (const Case& c : all)
    bench::configure(benchmark::RegisterBenchmark(("lenet5_step/" + c.name).c_str(), bench_step, c));
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  bench::Recorder recorder;
  benchmark::RunSpecifiedBenchmarks(&recorder);
  for (Case& c : all) c.name = "lenet5_step/" + c.name;
  print_table(recorder, all);
  if (!bench::options().figures.empty()) draw(recorder, all, bench::options().figures);
  benchmark::Shutdown();
  return 0;
}
