// The runner: the only program that runs a student's code when ./lab grade grades it. It is linked with the
// student's exercises/*.cpp (or, as the reference runner, with solutions/) and nothing of the tests, and runs
// inside the judge's sandbox (tools/judge/proxy.cpp starts it). It computes and never judges: it reads a call
// (a function's name and its arguments) on fd 3, runs the function, and writes what it returned, the
// arguments it changed, or the exception it threw, on fd 4; until fd 3 closes.
//
// Whatever the student's code does here (exit, print, write to fd 4 itself, crash, loop) can only spoil the
// answers of this process, which the judge checks against its tests; the verdict is the judge's.
#include <csignal>
#include <cstring>
#include <map>
#include <string>
#include <tuple>
#include <utility>

#include <execinfo.h>
#include <unistd.h>

#include "calls.hpp"
#include "wire.hpp"

namespace {

constexpr int requests = 3, replies = 4;

bool read_all(int fd, void* p, std::size_t n) {
  auto* c = static_cast<char*>(p);
  while (n > 0) {
    const ssize_t r = ::read(fd, c, n);
    if (r <= 0) return false;
    c += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

void write_all(int fd, const std::string& bytes) {
  const std::uint64_t n = bytes.size();
  std::string frame(reinterpret_cast<const char*>(&n), sizeof n);
  frame += bytes;
  const char* c = frame.data();
  std::size_t left = frame.size();
  while (left > 0) {
    const ssize_t w = ::write(fd, c, left);
    if (w <= 0) ::_exit(3);
    c += w;
    left -= static_cast<std::size_t>(w);
  }
}

// One call of F: its arguments from the request, its result and changed arguments into the reply.
template <auto F>
void serve(judge::Reader& in, judge::Writer& out) {
  using S = judge::Signature<decltype(F)>;
  using P = typename S::params;
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    std::tuple<judge::carried_t<std::tuple_element_t<I, P>>...> args;
    (in.get(std::get<I>(args)), ...);
    judge::Writer body;
    if constexpr (std::is_void_v<typename S::result>) {
      F(std::get<I>(args)...);
    } else {
      body.put(F(std::get<I>(args)...));
    }
    auto back = [&](auto& arg, auto comes_back) {
      if constexpr (decltype(comes_back)::value) body.put(arg);
    };
    (back(std::get<I>(args), std::bool_constant<judge::comes_back<std::tuple_element_t<I, P>>>{}), ...);
    out.put(std::uint8_t{0});
    out.bytes += body.bytes;
  }(std::make_index_sequence<std::tuple_size_v<P>>{});
}

using Server = void (*)(judge::Reader&, judge::Writer&);

const std::map<std::string, Server>& servers() {
#define JUDGE_SERVER(name) {#name, &serve<&cnn::name>},
  static const std::map<std::string, Server> all{JUDGE_CALLS(JUDGE_SERVER)};
#undef JUDGE_SERVER
  return all;
}

extern "C" void on_crash(int sig) {
  const char* what = sig == SIGSEGV ? "SIGSEGV" : sig == SIGBUS ? "SIGBUS" : sig == SIGFPE ? "SIGFPE"
                     : sig == SIGILL ? "SIGILL" : "SIGABRT";
  (void)!::write(STDERR_FILENO, "\ncnnlab: the test crashed with ", 31);
  (void)!::write(STDERR_FILENO, what, std::strlen(what));
  (void)!::write(STDERR_FILENO, "\ncnnlab: call stack (./lab check prints it as file:line):\n", 58);
  void* frames[64];
  ::backtrace_symbols_fd(frames, ::backtrace(frames, 64), STDERR_FILENO);
  (void)!::write(STDERR_FILENO, "cnnlab: end of call stack\n", 26);
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

}  // namespace

int main() {
  void* warm[1];
  ::backtrace(warm, 1);  // loads libgcc now, never inside the handler
  struct sigaction sa {};
  sa.sa_handler = on_crash;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESETHAND;
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) sigaction(sig, &sa, nullptr);

  for (;;) {
    std::uint64_t n = 0;
    if (!read_all(requests, &n, sizeof n)) return 0;  // the judge is done
    std::string request(n, '\0');
    if (!read_all(requests, request.data(), n)) return 0;
    judge::Reader in(request.data(), request.size());
    judge::Writer out;
    try {
      const auto name = in.get<std::string>();
      const auto it = servers().find(name);
      if (it == servers().end()) throw std::runtime_error("the runner has no function " + name);
      it->second(in, out);
    } catch (const std::exception& e) {
      out.bytes.clear();
      out.put(std::uint8_t{1});
      judge::put_exception(out, e);
    }
    write_all(replies, out.bytes);
  }
}
