// The main() of every cnnlab test program (instead of Catch2's own), for three things a student needs:
//
// - No signal handler that can hang. Catch2's POSIX signal handler formats its report with malloc, which
//   deadlocks when an exercise has corrupted the heap; it is off (CATCH_CONFIG_NO_POSIX_SIGNALS). A crash is
//   reported by a handler that only writes bytes: the signal, the test, and the raw call stack, which
//   `./lab check` turns into file:line (tools/labreport).
// - Tests of a function that is still a stub are skipped, not run. A test case names the exercise
//   functions it grades with tags [fn:<function>]; when ctest runs one test case and one of them is a stub,
//   this prints "not implemented: <function> (<file>)" (ctest's skip pattern) and exits. A test that would
//   pass on an untouched stub (a shape check before the stub, say) then does not count as progress.
// - `--cnnlab-list` prints every test case with its tags, one a line ("name<TAB>[tag][tag]"), which the
//   build turns into ctest tests with labels (tests/support/discover.cmake).
#define CATCH_CONFIG_RUNNER
#define CATCH_CONFIG_NO_POSIX_SIGNALS
#include <catch2/catch.hpp>

#include <csignal>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include <execinfo.h>
#include <unistd.h>

#include "cnnlab/exercise_table.hpp"

namespace {

// What a crash handler may touch: fixed buffers, filled before any test runs.
char g_test_name[512] = "";

void write_str(const char* s) {
  std::size_t n = std::strlen(s);
  while (n > 0) {
    const ssize_t w = ::write(STDERR_FILENO, s, n);
    if (w <= 0) return;
    s += w;
    n -= static_cast<std::size_t>(w);
  }
}

extern "C" void on_crash(int sig) {
  const char* what = sig == SIGSEGV ? "SIGSEGV (a memory access outside the program's memory)"
                     : sig == SIGBUS ? "SIGBUS (a misaligned or unmapped memory access)"
                     : sig == SIGFPE ? "SIGFPE (an integer division by zero)"
                     : sig == SIGILL ? "SIGILL (an illegal instruction)"
                                     : "SIGABRT (abort)";
  write_str("\ncnnlab: the test crashed with ");
  write_str(what);
  if (g_test_name[0] != '\0') {
    write_str(" in \"");
    write_str(g_test_name);
    write_str("\"");
  }
  write_str("\ncnnlab: call stack (./lab check prints it as file:line):\n");
  void* frames[64];
  const int n = ::backtrace(frames, 64);
  ::backtrace_symbols_fd(frames, n, STDERR_FILENO);
  write_str("cnnlab: end of call stack\n");
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

void install_crash_handlers() {
  void* warm[1];
  ::backtrace(warm, 1);  // loads libgcc now: backtrace() may allocate on its first call, never in a handler
  struct sigaction sa {};
  sa.sa_handler = on_crash;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESETHAND;
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) sigaction(sig, &sa, nullptr);
}

// The exercise functions a test case grades: its tags [fn:<function>].
std::vector<std::string> graded_functions(const Catch::TestCaseInfo& info) {
  std::vector<std::string> out;
  for (const std::string& tag : info.tags)
    if (tag.rfind("fn:", 0) == 0) out.push_back(tag.substr(3));
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<char*> args(argv, argv + argc);
  bool list = false;
  for (auto it = args.begin() + 1; it != args.end();)
    if (std::strcmp(*it, "--cnnlab-list") == 0) {
      list = true;
      it = args.erase(it);
    } else {
      ++it;
    }

  Catch::Session session;
  if (const int rc = session.applyCommandLine(static_cast<int>(args.size()), args.data()); rc != 0) return rc;
  const auto& config = session.config();
  const auto tests = Catch::filterTests(Catch::getAllTestCasesSorted(config), config.testSpec(), config);

  if (list) {
    for (const auto& t : tests) {
      std::cout << t.name << '\t';
      for (const auto& tag : t.tags) std::cout << '[' << tag << ']';
      std::cout << '\n';
    }
    return 0;
  }

  if (tests.size() == 1) {
    std::strncpy(g_test_name, tests.front().name.c_str(), sizeof g_test_name - 1);
    for (const auto& f : graded_functions(tests.front()))
      if (const cnn::ExerciseEntry* e = cnn::find_exercise(f); e != nullptr && !e->written) {
        std::cout << "not implemented: " << e->function << " (" << e->file << ")\n"
                  << "(skipped: this test grades " << e->function << ", which is still a stub)\n";
        return 0;
      }
  }
  install_crash_handlers();
  return session.run();
}
