// The judge's side of every exercise function. ./lab grade links the teacher's tests (tests/test_*.cpp and
// tests/grading/) with this file instead of any student code: each exercise function here sends its
// arguments to a runner (tools/judge/runner.cpp, linked with the student's exercises/) that runs in a
// sandbox, and returns what came back. The tests, their comparisons and gradient checks, and so the verdict,
// stay in this process, which no student code ever runs in.
//
// The sandbox (bubblewrap, see docs/teachers.md): new user, PID, network, IPC and UTS namespaces, no network;
// of the file system only /usr (and the loader's cache and /etc/alternatives) read-only, a private /tmp of its
// own, /dev's harmless nodes and the runner itself; the user nobody when the judge runs as root, no
// capabilities; limits on memory (address space), CPU time, file size (which also bounds what it prints) and
// processes; every call must answer within CNNLAB_JUDGE_SECONDS. A runner that crashes, exits or is stopped
// makes the call throw judge::student_failure and the test fail, whatever the test expected: a test that
// caught the exception still exits with status 1 (see fail_at_exit).
//
// Environment (./lab grade sets it): CNNLAB_JUDGE_RUNNER the student's runner, CNNLAB_JUDGE_REFERENCE the
// reference runner (for the hidden cases), CNNLAB_JUDGE_TABLE the student's exercise table (function, file,
// line, written; from exgen written), CNNLAB_JUDGE_STATE a folder where a function that ran out of time is
// marked so that later tests do not wait for it again, CNNLAB_JUDGE_SECONDS the time limit of one call
// (default 20), CNNLAB_JUDGE_SANDBOX "bwrap" (default) or "none" (the runner in a process of its own with the
// same limits but without the namespaces: for machines where bubblewrap cannot run).
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "calls.hpp"
#include "instruments/exercise_table.hpp"
#include "judge.hpp"
#include "wire.hpp"

namespace judge {
namespace {

std::string env(const char* name, const char* fallback = "") {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : fallback;
}

double seconds_allowed() {
  const double s = std::atof(env("CNNLAB_JUDGE_SECONDS", "20").c_str());
  return s > 0 ? s : 20.0;
}

bool g_student_failed = false;

// A test that caught the student_failure (REQUIRE_THROWS of anything) must still fail: the process's status.
void fail_at_exit() {
  if (g_student_failed) {
    std::cout << "cnnlab judge: the student's code did not answer (see above): this test fails" << std::endl;
    std::_Exit(1);
  }
}


std::string signal_text(int sig) {
  switch (sig) {
    case SIGSEGV: return "SIGSEGV (a memory access outside the program's memory)";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE (an integer division by zero)";
    case SIGILL: return "SIGILL";
    case SIGABRT: return "SIGABRT (abort: an exception that nothing caught, or a failed assertion)";
    case SIGKILL: return "SIGKILL (out of memory or out of time)";
    case SIGXCPU: return "SIGXCPU (its CPU time ran out)";
    case SIGXFSZ: return "SIGXFSZ (it wrote more than the output limit)";
    default: return "signal " + std::to_string(sig);
  }
}

double now() {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

// The options that put a program into the sandbox; the program itself is bound at /judge/runner.
std::vector<std::string> bwrap_args(const std::string& runner) {
  std::vector<std::string> a = {"bwrap", "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
                                "--clearenv", "--setenv", "PATH", "/usr/bin", "--setenv", "OPENBLAS_NUM_THREADS", "1",
                                "--setenv", "OMP_NUM_THREADS", "1", "--ro-bind", "/usr", "/usr"};
  // merged /usr (Debian 12): /lib, /bin, ... are links into /usr; elsewhere they are folders of their own
  for (const char* top : {"/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"}) {
    std::error_code ec;
    const auto st = std::filesystem::symlink_status(top, ec);
    if (ec) continue;
    if (std::filesystem::is_symlink(st)) {
      a.insert(a.end(), {"--symlink", std::filesystem::read_symlink(top, ec).string(), top});
    } else if (std::filesystem::is_directory(st)) {
      a.insert(a.end(), {"--ro-bind", top, top});
    }
  }
  a.insert(a.end(), {"--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache", "--ro-bind-try", "/etc/alternatives",
                     "/etc/alternatives", "--dev", "/dev", "--proc", "/proc", "--size", "67108864", "--tmpfs", "/tmp",
                     "--ro-bind", runner, "/judge/runner", "--chdir", "/tmp", "/judge/runner"});
  return a;
}

struct Channel {
  pid_t pid = -1;
  int to = -1, from = -1, output = -1;
  std::string output_path;
};

// What the runner printed (its stdout and stderr), the last lines, with the sandbox's path of the runner
// replaced by the real one so that a crash's call stack can be turned into file:line.
std::string printed(const Channel& c, const std::string& runner) {
  std::ifstream in(c.output_path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.size() > 8000) text = "...\n" + text.substr(text.size() - 8000);
  for (std::size_t at = 0; (at = text.find("/judge/runner(", at)) != std::string::npos; at += runner.size())
    text.replace(at, 13, runner);
  return text;
}

void close_channel(Channel& c) {
  if (c.to >= 0) ::close(c.to);
  if (c.from >= 0) ::close(c.from);
  if (c.pid > 0) {
    ::kill(-c.pid, SIGKILL);  // its process group: what it forked too (in the sandbox, its PID namespace goes)
    ::kill(c.pid, SIGKILL);
    ::waitpid(c.pid, nullptr, 0);
  }
  if (c.output >= 0) ::close(c.output);
  if (!c.output_path.empty()) ::unlink(c.output_path.c_str());
  c = Channel{};
}

struct Side {
  const char* variable;  // the environment variable that names its runner
  Channel channel;
  ~Side() { close_channel(channel); }
};

Side g_student{"CNNLAB_JUDGE_RUNNER", {}}, g_reference{"CNNLAB_JUDGE_REFERENCE", {}};
thread_local Side* g_side = &g_student;

void start(Side& side) {
  const std::string runner = env(side.variable);
  if (runner.empty()) fail(std::string(side.variable) + " is not set: run the judge through ./lab grade");
  const bool sandbox = env("CNNLAB_JUDGE_SANDBOX", "bwrap") != "none";
  std::signal(SIGPIPE, SIG_IGN);
  int req[2], rep[2];
  if (::pipe2(req, O_CLOEXEC) != 0 || ::pipe2(rep, O_CLOEXEC) != 0) fail("cannot make a pipe for the runner");
  Channel& c = side.channel;
  char path[] = "/tmp/cnnlab_judge_output_XXXXXX";
  c.output = ::mkostemp(path, O_CLOEXEC);
  if (c.output < 0) fail("cannot make a file for the runner's output");
  c.output_path = path;
  const auto args = sandbox ? bwrap_args(runner) : std::vector<std::string>{runner};
  std::vector<char*> argv;
  for (const auto& s : args) argv.push_back(const_cast<char*>(s.c_str()));
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) fail("cannot start the runner (fork)");
  if (pid == 0) {
    const int null = ::open("/dev/null", O_RDONLY);
    ::dup2(null, 0);
    ::dup2(c.output, 1);
    ::dup2(c.output, 2);
    ::dup2(req[0], 3);
    ::dup2(rep[1], 4);
    for (int fd = 5; fd < 1024; ++fd) ::close(fd);
    ::setpgid(0, 0);
    const auto limit = [](int what, rlim_t v) {
      const rlimit r{v, v};
      ::setrlimit(what, &r);
    };
    limit(RLIMIT_AS, rlim_t{4} << 30);     // 4 GiB of address space
    limit(RLIMIT_FSIZE, rlim_t{16} << 20); // 16 MiB per file, its output included
    limit(RLIMIT_CPU, 600);                // a backstop; each call has its own time limit on the judge's clock
    limit(RLIMIT_CORE, 0);
    limit(RLIMIT_NOFILE, 64);
    if (::geteuid() == 0) {  // never root, even inside the sandbox's own user namespace
      limit(RLIMIT_NPROC, 256);
      if (::setgroups(0, nullptr) != 0 || ::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(126);
    }
    ::execvp(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(req[0]);
  ::close(rep[1]);
  c.pid = pid;
  c.to = req[1];
  c.from = rep[0];
  ::fcntl(c.to, F_SETFL, O_NONBLOCK);
}

// Moves n bytes to or from fd before the deadline; false on end of file, an error or the deadline.
bool transfer(int fd, char* p, std::size_t n, bool writing, double deadline, bool& timed_out) {
  while (n > 0) {
    const double left = deadline - now();
    if (left <= 0) {
      timed_out = true;
      return false;
    }
    pollfd pfd{fd, static_cast<short>(writing ? POLLOUT : POLLIN), 0};
    const int ready = ::poll(&pfd, 1, static_cast<int>(left * 1000) + 1);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    const ssize_t k = writing ? ::write(fd, p, n) : ::read(fd, p, n);
    if (k < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (k <= 0) return false;
    p += k;
    n -= static_cast<std::size_t>(k);
  }
  return true;
}

std::string timeout_marker(const std::string& function) {
  const std::string dir = env("CNNLAB_JUDGE_STATE");
  return dir.empty() ? "" : dir + "/" + function + ".timeout";
}

}  // namespace

void fail(const std::string& why) {
  if (!g_student_failed) std::atexit(fail_at_exit);
  g_student_failed = true;
  std::cout << "cnnlab judge: " << why << std::endl;
  throw student_failure(why);
}

std::string ask(const char* function, const std::string& request) {
  Side& side = *g_side;
  const bool student = &side == &g_student;
  const std::string marker = student ? timeout_marker(function) : "";
  const double limit = seconds_allowed();
  if (!marker.empty() && ::access(marker.c_str(), F_OK) == 0)
    fail(std::string(function) + " did not finish in " + env("CNNLAB_JUDGE_SECONDS", "20") +
         " s in an earlier test (an endless loop?); it is not run again");
  if (side.channel.pid < 0) start(side);
  Channel& c = side.channel;
  const double deadline = now() + limit;
  std::uint64_t n = request.size();
  bool timed_out = false;
  std::string frame(reinterpret_cast<const char*>(&n), sizeof n);
  frame += request;
  std::string reply;
  bool ok = transfer(c.to, frame.data(), frame.size(), true, deadline, timed_out) &&
            transfer(c.from, reinterpret_cast<char*>(&n), sizeof n, false, deadline, timed_out);
  if (ok && n > (std::uint64_t{1} << 31)) {
    close_channel(c);
    fail(std::string(function) + " sent an answer of " + std::to_string(n) + " bytes");
  }
  if (ok) {
    reply.resize(n);
    ok = transfer(c.from, reply.data(), n, false, deadline, timed_out);
  }
  if (ok) return reply;
  const std::string runner = env(side.variable);
  if (timed_out) {
    close_channel(c);
    if (!marker.empty()) std::ofstream(marker) << function << "\n";
    fail(std::string(function) + " did not finish in " + env("CNNLAB_JUDGE_SECONDS", "20") +
         " s: an endless loop? (it is not run again in later tests)");
  }
  // the runner is gone: how it ended, and what it printed
  ::close(c.to);
  c.to = -1;
  int status = 0;
  ::waitpid(c.pid, &status, 0);
  c.pid = -1;
  const std::string out = printed(c, runner);
  close_channel(c);
  // bubblewrap, the sandbox's first process, reports a signal that ended the runner as 128 + the signal
  const bool sandboxed = env("CNNLAB_JUDGE_SANDBOX", "bwrap") != "none";
  const int signal = WIFSIGNALED(status)                                         ? WTERMSIG(status)
                     : sandboxed && WIFEXITED(status) && WEXITSTATUS(status) > 128 ? WEXITSTATUS(status) - 128
                                                                                   : 0;
  std::string how = signal != 0        ? "crashed with " + signal_text(signal)
                    : WIFEXITED(status) ? "ended the program with exit status " + std::to_string(WEXITSTATUS(status))
                                        : "stopped";
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && out.find("bwrap") != std::string::npos)
    how = "could not start: the sandbox (bubblewrap) failed";
  fail("the student's code " + how + " during " + function + (out.empty() ? "" : "; it printed:\n" + out));
}

Reference::Reference() : saved_(g_side) { g_side = &g_reference; }
Reference::~Reference() { g_side = static_cast<decltype(g_side)>(saved_); }

}  // namespace judge

// --- the student's exercise table, read from the file ./lab grade wrote (exgen written) ---------------------------
namespace cnn {
std::span<const ExerciseEntry> exercise_table() {
  static const std::vector<ExerciseEntry> table = [] {
    static std::deque<std::string> text;  // the entries point into these
    std::vector<ExerciseEntry> out;
    const std::string path = judge::env("CNNLAB_JUDGE_TABLE");
    if (path.empty()) return out;
    std::ifstream in(path);
    std::string function, file;
    unsigned line = 0;
    int written = 0;
    while (in >> function >> file >> line >> written) {
      text.push_back(function);
      const char* f = text.back().c_str();
      text.push_back(file);
      out.push_back({f, text.back().c_str(), line, written != 0});
    }
    return out;
  }();
  return table;
}

// --- every exercise function, through the runner ---------------------------------------------------------------
using judge::call;
ReluForward relu_forward(const Tensor& x) { return call<&relu_forward>("relu_forward", x); }
ReluGrads relu_backward(const Tensor& dout, const ReluCache& cache) { return call<&relu_backward>("relu_backward", dout, cache); }
AffineForward affine_forward(const Tensor& x, const Tensor2& w, const Tensor1& b) { return call<&affine_forward>("affine_forward", x, w, b); }
AffineGrads affine_backward(const Tensor2& dout, const AffineCache& cache) { return call<&affine_backward>("affine_backward", dout, cache); }
AffineForward affine_forward_blas(const Tensor& x, const Tensor2& w, const Tensor1& b) { return call<&affine_forward_blas>("affine_forward_blas", x, w, b); }
AffineGrads affine_backward_blas(const Tensor2& dout, const AffineCache& cache) { return call<&affine_backward_blas>("affine_backward_blas", dout, cache); }
LossResult softmax_loss(const Tensor2& x, const Labels& y) { return call<&softmax_loss>("softmax_loss", x, y); }
LossResult svm_loss(const Tensor2& x, const Labels& y) { return call<&svm_loss>("svm_loss", x, y); }
ConvForward conv_forward_naive(const Tensor4& x, const Tensor4& w, const Tensor1& b, const ConvParam& param) { return call<&conv_forward_naive>("conv_forward_naive", x, w, b, param); }
ConvGrads conv_backward_naive(const Tensor4& dout, const ConvCache& cache) { return call<&conv_backward_naive>("conv_backward_naive", dout, cache); }
ConvForward conv_forward_im2col(const Tensor4& x, const Tensor4& w, const Tensor1& b, const ConvParam& param) { return call<&conv_forward_im2col>("conv_forward_im2col", x, w, b, param); }
ConvGrads conv_backward_im2col(const Tensor4& dout, const ConvCache& cache) { return call<&conv_backward_im2col>("conv_backward_im2col", dout, cache); }
Tensor2 im2col(const Tensor4& x, std::size_t HH, std::size_t WW, const ConvParam& param) { return call<&im2col>("im2col", x, HH, WW, param); }
Tensor4 col2im(const Tensor2& cols, const std::array<std::size_t, 4>& x_shape, std::size_t HH, std::size_t WW, const ConvParam& param) { return call<&col2im>("col2im", cols, x_shape, HH, WW, param); }
MaxPoolForward max_pool_forward_naive(const Tensor4& x, const PoolParam& param) { return call<&max_pool_forward_naive>("max_pool_forward_naive", x, param); }
PoolGrads max_pool_backward_naive(const Tensor4& dout, const MaxPoolCache& cache) { return call<&max_pool_backward_naive>("max_pool_backward_naive", dout, cache); }
AvgPoolForward avg_pool_forward_naive(const Tensor4& x, const PoolParam& param) { return call<&avg_pool_forward_naive>("avg_pool_forward_naive", x, param); }
PoolGrads avg_pool_backward_naive(const Tensor4& dout, const AvgPoolCache& cache) { return call<&avg_pool_backward_naive>("avg_pool_backward_naive", dout, cache); }
GlobalAvgPoolForward global_avg_pool_forward(const Tensor4& x) { return call<&global_avg_pool_forward>("global_avg_pool_forward", x); }
PoolGrads global_avg_pool_backward(const Tensor2& dout, const GlobalAvgPoolCache& cache) { return call<&global_avg_pool_backward>("global_avg_pool_backward", dout, cache); }
BatchNormForward batchnorm_forward(const Tensor2& x, const Tensor1& gamma, const Tensor1& beta, const BatchNormParam& param, BatchNormState& state) { return call<&batchnorm_forward>("batchnorm_forward", x, gamma, beta, param, state); }
BatchNormGrads batchnorm_backward(const Tensor2& dout, const BatchNormCache& cache) { return call<&batchnorm_backward>("batchnorm_backward", dout, cache); }
BatchNormGrads batchnorm_backward_alt(const Tensor2& dout, const BatchNormCache& cache) { return call<&batchnorm_backward_alt>("batchnorm_backward_alt", dout, cache); }
SpatialBatchNormForward spatial_batchnorm_forward(const Tensor4& x, const Tensor1& gamma, const Tensor1& beta, const BatchNormParam& param, BatchNormState& state) { return call<&spatial_batchnorm_forward>("spatial_batchnorm_forward", x, gamma, beta, param, state); }
SpatialBatchNormGrads spatial_batchnorm_backward(const Tensor4& dout, const SpatialBatchNormCache& cache) { return call<&spatial_batchnorm_backward>("spatial_batchnorm_backward", dout, cache); }
DropoutForward dropout_forward(const Tensor& x, const DropoutParam& param, Rng& rng) { return call<&dropout_forward>("dropout_forward", x, param, rng); }
DropoutGrads dropout_backward(const Tensor& dout, const DropoutCache& cache) { return call<&dropout_backward>("dropout_backward", dout, cache); }
LrnForward lrn_forward(const Tensor4& x, const LrnParam& param) { return call<&lrn_forward>("lrn_forward", x, param); }
LrnGrads lrn_backward(const Tensor4& dout, const LrnCache& cache) { return call<&lrn_backward>("lrn_backward", dout, cache); }
void sgd(std::span<double> w, std::span<const double> dw, const SgdConfig& config) { call<&sgd>("sgd", w, dw, config); }
void sgd_momentum(std::span<double> w, std::span<const double> dw, MomentumConfig& config) { call<&sgd_momentum>("sgd_momentum", w, dw, config); }
void nesterov(std::span<double> w, std::span<const double> dw, NesterovConfig& config) { call<&nesterov>("nesterov", w, dw, config); }
void adagrad(std::span<double> w, std::span<const double> dw, AdagradConfig& config) { call<&adagrad>("adagrad", w, dw, config); }
void rmsprop(std::span<double> w, std::span<const double> dw, RmspropConfig& config) { call<&rmsprop>("rmsprop", w, dw, config); }
void adam(std::span<double> w, std::span<const double> dw, AdamConfig& config) { call<&adam>("adam", w, dw, config); }
void adadelta(std::span<double> w, std::span<const double> dw, AdadeltaConfig& config) { call<&adadelta>("adadelta", w, dw, config); }
}  // namespace cnn
