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
// - Forward before backward: a test of a backward pass first runs, in a child process, the tests of its
//   forward pass; when those fail it says "fix <forward> first" instead of reporting a gradient failure.
// - An endless loop is stopped and named. With CNNLAB_TEST_SECONDS set (./lab check sets 20), every test case
//   runs under a timer; when it expires, the main thread prints "cnnlab: <function> did not finish in 20 s" and its
//   raw call stack (./lab check names the exercise line it was running) and exits. When ctest runs the tests
//   with CNNLAB_STOPPED_DIR set (./lab check does), it also leaves a file named after the function there: the
//   function's other tests then stop at once ("not run again"), and a test of a function that needs it says
//   "fix <function> first", instead of each waiting its own 20 s.
// - `--cnnlab-list` prints every test case with its tags, one a line ("name<TAB>[tag][tag]"), which the
//   build turns into ctest tests with labels (tests/support/discover.cmake).
//
// Catch2's implementation is compiled here, so this file is built without -Werror (GCC 12 with the sanitizers
// warns inside <regex> through catch.hpp); its warnings still show.
#define CATCH_CONFIG_RUNNER
#define CATCH_CONFIG_NO_POSIX_SIGNALS
#define CATCH_CONFIG_CONSOLE_WIDTH 400  // a report or diagnosis line stays one line
#include <catch2/catch.hpp>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include <execinfo.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "instruments/exercise_table.hpp"

// The student build (CNNLAB_EXERCISE_ASAN: the exercises under AddressSanitizer) reads these options before
// main(), so a test program run by hand behaves as under ./lab check (ASAN_OPTIONS still overrides them): red
// zones of 128 bytes, so that a pointer 5 entries past a small array's end lands in one instead of in the next
// array; new memory filled with 0xff bytes, which read as NaN in a double or a float, so that an entry read
// before it is written shows as NaN in the comparison; no leak report (a leak is not what a student is looking
// for, and it would fail a test that passed).
#ifdef CNNLAB_EXERCISE_ASAN
extern "C" const char* __asan_default_options() {
  return "detect_leaks=0:redzone=128:malloc_fill_byte=255:max_malloc_fill_size=1073741824:print_legend=0";
}
#endif

namespace {

// What a crash handler may touch: fixed buffers, filled before any test runs.
char g_test_name[512] = "";
char g_function[128] = "";      // the exercise function the running test grades
char g_stopped_file[1024] = ""; // CNNLAB_STOPPED_DIR/<function> for the running test, "" when not set
char g_seconds_text[16] = "20";
int g_seconds = 20;
pid_t g_main_thread = 0;

void write_str(const char* s) {
  std::size_t n = std::strlen(s);
  while (n > 0) {
    const ssize_t w = ::write(STDERR_FILENO, s, n);
    if (w <= 0) return;
    s += w;
    n -= static_cast<std::size_t>(w);
  }
}

// The rest of a stop line (the test's name between @p before and @p after) and the raw call stack, which
// ./lab check turns into file:line (tools/labreport); only writes bytes.
void write_test_and_stack(const char* before, const char* after) {
  if (g_test_name[0] != '\0') {
    write_str(before);
    write_str(g_test_name);
    write_str(after);
  }
  write_str("\ncnnlab: call stack (./lab check prints it as file:line):\n");
  void* frames[64];
  const int n = ::backtrace(frames, 64);
  ::backtrace_symbols_fd(frames, n, STDERR_FILENO);
  write_str("cnnlab: end of call stack\n");
}

extern "C" void on_crash(int sig) {
  const char* what = sig == SIGSEGV ? "SIGSEGV (a memory access outside the program's memory)"
                     : sig == SIGBUS ? "SIGBUS (a misaligned or unmapped memory access)"
                     : sig == SIGFPE ? "SIGFPE (an integer division by zero)"
                     : sig == SIGILL ? "SIGILL (an illegal instruction)"
                                     : "SIGABRT (abort)";
  write_str("\ncnnlab: the test crashed with ");
  write_str(what);
  write_test_and_stack(" in \"", "\"");
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

// The timer of the running test case: the main thread stops the program and says where it was.
extern "C" void on_timeout(int) {
  // the timer's signal goes to any thread of the process (OpenBLAS has some): pass it on to the main thread,
  // whose call stack is the one running the exercise
  if (static_cast<pid_t>(::syscall(SYS_gettid)) != g_main_thread) {
    ::syscall(SYS_tgkill, ::getpid(), g_main_thread, SIGALRM);
    return;
  }
  write_str("\ncnnlab: ");
  write_str(g_function[0] != '\0' ? g_function : "the test");
  write_str(" did not finish in ");
  write_str(g_seconds_text);
  write_str(" s: an endless loop?");
  write_test_and_stack(" (in \"", "\")");
  if (g_stopped_file[0] != '\0') {
    const int fd = ::open(g_stopped_file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      const ssize_t w = ::write(fd, g_test_name, std::strlen(g_test_name));
      (void)w;
      ::close(fd);
    }
  }
  ::_exit(3);
}

// The file that says @p function did not finish in an earlier test of this run, "" without CNNLAB_STOPPED_DIR.
std::string stopped_file(const std::string& function) {
  const char* dir = std::getenv("CNNLAB_STOPPED_DIR");
  if (dir == nullptr || *dir == '\0' || function.empty()) return "";
  return std::string(dir) + "/" + function;
}

bool stopped_before(const std::string& function) {
  const std::string f = stopped_file(function);
  struct stat st {};
  return !f.empty() && ::stat(f.c_str(), &st) == 0;
}

// The timer is on when CNNLAB_TEST_SECONDS says how long a test case may run (./lab check sets 20); elsewhere
// (the release and sanitizer suites, whose tests run longer) ctest's own timeout stays the only one.
void install_timer() {
  const char* s = std::getenv("CNNLAB_TEST_SECONDS");
  if (s == nullptr || std::atoi(s) <= 0) return;
  g_seconds = std::atoi(s);
  std::snprintf(g_seconds_text, sizeof g_seconds_text, "%d", g_seconds);
  g_main_thread = static_cast<pid_t>(::syscall(SYS_gettid));
  struct sigaction sa {};
  sa.sa_handler = on_timeout;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGALRM, &sa, nullptr);
}

void arm_timer(bool on) {
  if (g_main_thread == 0) return;  // no timer (CNNLAB_TEST_SECONDS not set)
  itimerval t{};
  t.it_value.tv_sec = on ? g_seconds : 0;
  ::setitimer(ITIMER_REAL, &t, nullptr);
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

// The function a test grades: the last of its [fn:] tags in the order of the exercise table (file order,
// which puts a forward pass before its backward pass); "" for a test of library code.
std::string graded_function(const Catch::TestCaseInfo& info) {
  const auto functions = graded_functions(info);
  std::string last;
  for (const cnn::ExerciseEntry& e : cnn::exercise_table())
    if (std::find(functions.begin(), functions.end(), e.function) != functions.end()) last = e.function;
  return last;
}

// Every test case runs under the timer, which knows the test and the function it grades.
struct TimerListener : Catch::TestEventListenerBase {
  using TestEventListenerBase::TestEventListenerBase;
  void testCaseStarting(const Catch::TestCaseInfo& info) override {
    std::strncpy(g_test_name, info.name.c_str(), sizeof g_test_name - 1);
    std::strncpy(g_function, graded_function(info).c_str(), sizeof g_function - 1);
    std::strncpy(g_stopped_file, stopped_file(g_function).c_str(), sizeof g_stopped_file - 1);
    arm_timer(true);
  }
  void testCaseEnded(const Catch::TestCaseStats& stats) override {
    arm_timer(false);
    TestEventListenerBase::testCaseEnded(stats);
  }
};

// The forward pass a backward function needs: "conv_backward_naive" -> "conv_forward_naive",
// "batchnorm_backward_alt" -> "batchnorm_forward"; "" when there is none among the exercises.
std::string forward_of(const std::string& function) {
  std::string f = function;
  const auto at = f.find("backward");
  if (at == std::string::npos) return "";
  f.replace(at, 8, "forward");
  if (f.size() > 4 && f.compare(f.size() - 4, 4, "_alt") == 0) f.resize(f.size() - 4);
  return cnn::find_exercise(f) != nullptr ? f : "";
}

// Forward before backward: before a test that grades a backward pass runs, the tests that grade its forward
// pass run (in a child process of this program, quietly). When they fail, a gradient check would measure the
// slope of another function than the layer's, so the test stops with "fix <forward> first".
bool forward_fails(const char* self, const std::string& forward, const std::vector<Catch::TestCase>& all) {
  if (stopped_before(forward)) return true;  // it did not finish in an earlier test: do not wait for it again
  std::string spec;
  for (const auto& t : all) {
    if (graded_function(t) != forward) continue;
    std::string name = t.name;
    std::string escaped;
    for (char c : name) {
      if (c == ',' || c == '[' || c == ']' || c == '\\') escaped += '\\';
      escaped += c;
    }
    spec += (spec.empty() ? "" : ",") + escaped;
  }
  if (spec.empty()) return false;
  const pid_t pid = ::fork();
  if (pid < 0) return false;
  if (pid == 0) {
    const int null = ::open("/dev/null", O_WRONLY);
    if (null >= 0) {
      ::dup2(null, STDOUT_FILENO);
      ::dup2(null, STDERR_FILENO);
    }
    ::execl(self, self, spec.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  if (::waitpid(pid, &status, 0) < 0) return false;
  return !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

}  // namespace

CATCH_REGISTER_LISTENER(TimerListener)

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

  install_timer();
  if (tests.size() == 1) {
    std::strncpy(g_test_name, tests.front().name.c_str(), sizeof g_test_name - 1);
    const auto functions = graded_functions(tests.front());
    for (const cnn::ExerciseEntry& entry : cnn::exercise_table())  // in file order: forward before backward
      if (const cnn::ExerciseEntry* e = &entry;
          !e->written && std::find(functions.begin(), functions.end(), e->function) != functions.end()) {
        std::cout << "not implemented: " << e->function << " (" << e->file << ")\n"
                  << "(skipped: this test grades " << e->function << ", which is still a stub)\n";
        return 0;
      }
  }
  if (tests.size() == 1) {
    // a function that did not finish in an earlier test of this run is not run again; a test that needs one
    // that did not finish waits for it (as a test of a backward pass waits for a failing forward pass)
    const std::string graded = graded_function(tests.front());
    if (stopped_before(graded)) {
      std::cout << "cnnlab: not run again: " << graded << " did not finish in " << g_seconds_text
                << " s in another of its tests (see that test's stop line)\n";
      return 1;
    }
    for (const auto& f : graded_functions(tests.front()))
      if (f != graded && stopped_before(f)) {
        const cnn::ExerciseEntry* e = cnn::find_exercise(f);
        std::cout << "fix " << f << " first (" << (e != nullptr ? e->file : "exercises") << ":"
                  << (e != nullptr ? e->line : 0) << "): it did not finish in another test, and this test of "
                  << graded << " runs it.\n";
        return 1;
      }
  }
  if (tests.size() == 1) {
    const std::string forward = forward_of(graded_function(tests.front()));
    if (!forward.empty() && cnn::exercise_written(forward) &&
        forward_fails(argv[0], forward, Catch::getAllTestCasesSorted(config))) {
      const cnn::ExerciseEntry* e = cnn::find_exercise(forward);
      std::cout << "fix " << forward << " first (" << e->file << ":" << e->line << "): its own tests fail, and this test "
                << "of " << graded_function(tests.front()) << " runs it: a gradient check of a wrong forward pass "
                << "measures the slope of another function.\n";
      return 1;
    }
  }
  install_crash_handlers();
  return session.run();
}
