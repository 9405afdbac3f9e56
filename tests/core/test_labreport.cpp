// Tests of labreport (tools/labreport): the course file, ctest's JUnit, which function a test grades, the
// summaries of ./lab check and the grades of ./lab grade, on small inputs written here by hand.
#include "labreport.hpp"

#include <catch2/catch.hpp>

using Catch::Matchers::Contains;
using labreport::TestResult;

namespace {

const std::string kCourse =
    "# topic function points\n"
    "relu  relu_forward   2\n"
    "relu  relu_backward  3\n"
    "lrn   lrn_forward    1  optional\n";

// What ctest --output-junit writes (trimmed): one pass, one failure, one skip of a stub.
const std::string kJunit = R"(<?xml version="1.0" encoding="UTF-8"?>
<testsuite name="Linux-c++" tests="3">
	<testcase name="exercise/relu_forward by hand" classname="x" time="0.1" status="run">
		<system-out>All tests passed</system-out>
	</testcase>
	<testcase name="exercise/relu_backward gradient" classname="x" time="0.1" status="fail">
		<failure message="Failed"/>
		<system-out>Filters: relu_backward gradient
...............................................................................

../../tests/test_relu.cpp:40: FAILED:
  REQUIRE( cnnlab_gc_.passed() )
with expansion:
  false
with message:
  gradient check of dx: FAILED &amp; x &lt; 0
===============================================================================
test cases: 1 | 1 failed
</system-out>
	</testcase>
	<testcase name="exercise/lrn_forward known" classname="x" time="0.1" status="notrun">
		<skipped message="SKIP_REGULAR_EXPRESSION_MATCHED"/>
		<system-out>not implemented: lrn_forward (exercises/lrn.cpp)</system-out>
	</testcase>
</testsuite>
)";

const std::map<std::string, std::vector<std::string>> kGradedBy = {
    {"exercise/relu_forward by hand", {"relu_forward"}},
    {"exercise/relu_backward gradient", {"relu_forward", "relu_backward"}},  // grades backward, needs forward
    {"exercise/lrn_forward known", {"lrn_forward"}}};

const std::map<std::string, std::tuple<std::string, std::size_t, bool>> kWritten = {
    {"relu_forward", {"exercises/relu.cpp", 17, true}},
    {"relu_backward", {"exercises/relu.cpp", 30, true}},
    {"lrn_forward", {"exercises/lrn.cpp", 12, false}}};

}  // namespace

TEST_CASE("the course file gives topics, functions, points and optional ones in order", "[labreport]") {
  const auto c = labreport::parse_course(kCourse, "course.txt");
  REQUIRE(c.size() == 3);
  CHECK(c[1].topic == "relu");
  CHECK(c[1].function == "relu_backward");
  CHECK(c[1].points == 3.0);
  CHECK(c[2].optional);
  REQUIRE_THROWS_WITH(labreport::parse_course("relu relu_forward x\n", "c.txt"),
                      Contains("c.txt:1: points must be a number >= 0, got 'x'"));
  REQUIRE_THROWS_WITH(labreport::parse_course("a f 1\nb f 2\n", "c.txt"), Contains("c.txt:2: f is listed twice"));
  REQUIRE_THROWS_WITH(labreport::parse_course("a f 1 extra\n", "c.txt"), Contains("may only be 'optional'"));
}

TEST_CASE("ctest's JUnit is read: status, messages and output with entities decoded", "[labreport]") {
  const auto r = labreport::parse_junit(kJunit, "j.xml");
  REQUIRE(r.size() == 3);
  CHECK(r[0].status == TestResult::Status::passed);
  CHECK(r[1].status == TestResult::Status::failed);
  CHECK_THAT(r[1].output, Contains("gradient check of dx: FAILED & x < 0"));
  CHECK(r[2].status == TestResult::Status::skipped);
}

TEST_CASE("a test grades the last of its functions; a stub is not written; check says what is next",
          "[labreport]") {
  const auto course = labreport::parse_course(kCourse, "course.txt");
  const auto results = labreport::parse_junit(kJunit, "j.xml");
  const auto s = labreport::states(course, kWritten, kGradedBy, results);
  CHECK(s[0].verdict() == "passing");  // the failing test grades relu_backward, not relu_forward
  CHECK(s[0].passed == 1);
  CHECK(s[1].verdict() == "failing");
  CHECK(s[2].verdict() == "not written");
  const std::string report = labreport::check_report(s, {"relu"}, {});
  CHECK_THAT(report, Contains("relu_backward: 1 test fails"));
  CHECK_THAT(report, Contains("gradient check of dx: FAILED & x < 0"));
  CHECK_THAT(report, Contains("(the check at tests/test_relu.cpp:40)"));
  CHECK_THAT(report, !Contains("REQUIRE(") && !Contains("with expansion"));
  CHECK_THAT(report, Contains("next: fix relu_backward"));
}

TEST_CASE("grades: all of a function's points when all its tests pass, else 0; 0 for a stub; Gradescope's fields",
          "[labreport]") {
  const auto course = labreport::parse_course(kCourse, "course.txt");
  const auto results = labreport::parse_junit(kJunit, "j.xml");
  const auto s = labreport::states(course, kWritten, kGradedBy, results);
  // relu_backward is graded by two tests, one of which did not run this time: it counts as not passed
  const auto g = labreport::grades(s, {{"relu_forward", 1}, {"relu_backward", 2}, {"lrn_forward", 1}});
  CHECK(g[0].score == 2.0);
  CHECK(g[1].score == 0.0);
  CHECK(g[1].total == 2);
  CHECK(g[2].score == 0.0);
  CHECK_THAT(g[2].output, Contains("not written (exercises/lrn.cpp)"));
  // the maximum is the required total, 2 + 3; the optional lrn_forward is extra credit
  const std::string table = labreport::grade_table(g);
  CHECK_THAT(table, Contains("total") && Contains("2 / 5") && Contains("extra credit 0"));
  const std::string json = labreport::gradescope_json(g);
  CHECK_THAT(json, Contains("\"score\": 2,") && Contains("\"max_score\": 3") && Contains("\"name\": \"relu: relu_backward\""));
  CHECK_THAT(json, Contains("\"output\": \"0 of 2 tests pass\\nfails: relu_backward gradient"));
  CHECK_THAT(json, Contains("\"name\": \"lrn: lrn_forward (extra credit)\", \"score\": 0, \"max_score\": 0"));
}

TEST_CASE("grades: extra credit adds to the score, not to the maximum; a file not handed in scores 0 and says so",
          "[labreport]") {
  const auto course = labreport::parse_course(kCourse, "course.txt");
  // every test passes: relu_forward's, relu_backward's two and lrn_forward's
  const std::map<std::string, std::tuple<std::string, std::size_t, bool>> all_written = {
      {"relu_forward", {"exercises/relu.cpp", 10, true}},
      {"relu_backward", {"exercises/relu.cpp", 20, true}},
      {"lrn_forward", {"exercises/lrn.cpp", 5, true}}};
  const std::map<std::string, std::vector<std::string>> graded_by = {
      {"exercise/a", {"relu_forward"}}, {"exercise/b", {"relu_forward", "relu_backward"}},
      {"exercise/c", {"relu_backward"}}, {"exercise/d", {"lrn_forward"}}};
  std::vector<labreport::TestResult> passed;
  for (const char* name : {"exercise/a", "exercise/b", "exercise/c", "exercise/d"})
    passed.push_back({name, labreport::TestResult::Status::passed, "", ""});
  const auto s = labreport::states(course, all_written, graded_by, passed);
  const std::map<std::string, std::size_t> counts = {{"relu_forward", 1}, {"relu_backward", 2}, {"lrn_forward", 1}};
  const auto full = labreport::grades(s, counts);
  const labreport::Totals t = labreport::totals(full);
  CHECK(t.required == 5.0);  // by hand: 2 + 3
  CHECK(t.bonus == 1.0);
  CHECK(t.required_max == 5.0);
  CHECK_THAT(labreport::gradescope_json(full), Contains("\"score\": 6,"));
  CHECK(labreport::class_csv(full, "alice", true) == "name,relu_forward,relu_backward,lrn_forward,total,required_total\n");
  CHECK(labreport::class_csv(full, "alice", false) == "alice,2,3,1,6,5\n");
  CHECK(labreport::class_csv(full, "o'neil, bob", false) == "\"o'neil, bob\",2,3,1,6,5\n");
  // lrn.cpp not handed in: its function scores 0 whatever its (stub's) tests did
  const auto absent = labreport::grades(s, counts, {"exercises/lrn.cpp"});
  CHECK(absent[2].score == 0.0);
  CHECK_FALSE(absent[2].handed_in);
  CHECK_THAT(absent[2].output, Contains("not handed in"));
  CHECK(absent[0].score == 2.0);
  CHECK_THAT(labreport::grade_table(absent), Contains("not handed in") && Contains("5 / 5"));
}

TEST_CASE("a submission that does not build: 0 everywhere, the reason as output, valid JSON and XML whatever it holds",
          "[labreport]") {
  const auto course = labreport::parse_course(kCourse, "course.txt");
  // the compiler's line quotes the student's source, which may hold anything: a quote, a tag, a byte that is
  // no UTF-8
  const std::string why = "the build failed: exercises/relu.cpp:3: error: \"<x>\" & \xff\x01";
  const auto g = labreport::failed_grades(course, {}, why);
  REQUIRE(g.size() == 3);
  CHECK(labreport::totals(g).required + labreport::totals(g).bonus == 0.0);
  const std::string json = labreport::gradescope_json(g);
  CHECK_THAT(json, Contains("\"score\": 0,"));
  CHECK_THAT(json, Contains("error: \\\"<x>\\\" & ?\\u0001"));
  const std::string xml = labreport::failed_junit(why);
  CHECK_THAT(xml, Contains("&quot;&lt;x&gt;&quot; &amp; ?") && Contains("failures=\"1\""));
  CHECK(labreport::failed_grades(course, {"lrn"}, why).size() == 1);
}

TEST_CASE("an endless loop's stop line names the function and its line; the function's other tests are not "
          "charged again; a function that needs it is blocked",
          "[labreport]") {
  const std::string course_text =
      "pool  avg_pool_forward_naive   2\n"
      "pool  avg_pool_backward_naive  2\n";
  const auto course = labreport::parse_course(course_text, "course.txt");
  // what the test main prints when its timer expires (tests/support/main.cpp), and the other tests' lines
  std::vector<TestResult> results(4);
  results[0] = {"exercise/avg forward known", TestResult::Status::failed, "",
                "\ncnnlab: avg_pool_forward_naive did not finish in 20 s: an endless loop? (in \"avg forward known\")\n"
                "cnnlab: call stack (./lab check prints it as file:line):\n"
                "./tests/test_pool_exercise(+0x1234) [0x55]\n"
                "cnnlab: end of call stack\n"};
  results[1] = {"exercise/avg forward shapes", TestResult::Status::failed, "",
                "cnnlab: not run again: avg_pool_forward_naive did not finish in 20 s in another of its tests\n"};
  results[2] = {"exercise/avg backward gradient", TestResult::Status::failed, "",
                "fix avg_pool_forward_naive first (exercises/pool.cpp:10): it did not finish in another test\n"};
  // a test of the backward pass that also runs the forward pass and fails: the forward pass is to blame
  results[3] = {"exercise/avg backward agrees", TestResult::Status::failed, "", "...\nmismatch\n"};
  const std::map<std::string, std::vector<std::string>> graded_by = {
      {"exercise/avg forward known", {"avg_pool_forward_naive"}},
      {"exercise/avg forward shapes", {"avg_pool_forward_naive"}},
      {"exercise/avg backward gradient", {"avg_pool_forward_naive", "avg_pool_backward_naive"}},
      {"exercise/avg backward agrees", {"avg_pool_forward_naive", "avg_pool_backward_naive"}}};
  const std::map<std::string, std::tuple<std::string, std::size_t, bool>> written = {
      {"avg_pool_forward_naive", {"exercises/pool.cpp", 10, true}},
      {"avg_pool_backward_naive", {"exercises/pool.cpp", 40, true}}};
  const auto s = labreport::states(course, written, graded_by, results);
  CHECK(s[0].verdict() == "failing");
  CHECK(s[0].failures.size() == 2);  // the stopped test and the one not run again
  CHECK(s[1].verdict() == "blocked");
  CHECK(s[1].blocked_by == "avg_pool_forward_naive");
  CHECK(s[1].failures.empty());
  const auto symbolize = [](const std::string&, const std::string& offset) {
    return offset == "+0x1234" || offset == "0x1234" ? std::string("exercises/pool.cpp:23 (in avg_pool_forward_naive)")
                                                     : std::string();
  };
  const std::string report = labreport::check_report(s, {"pool"}, symbolize);
  CHECK_THAT(report, Contains("avg_pool_forward_naive did not finish in 20 s: an endless loop? It was running "
                              "exercises/pool.cpp:23 (in avg_pool_forward_naive)"));
  CHECK_THAT(report, !Contains("did not finish in time"));
  CHECK_THAT(report, Contains("blocked: fix avg_pool_forward_naive first"));
  CHECK_THAT(report, Contains("next: fix avg_pool_forward_naive"));
}

TEST_CASE("AddressSanitizer's report becomes one line with the student's file and line", "[labreport]") {
  // the shape of GCC 12's report (symbolized frames), trimmed
  const TestResult r{"exercise/relu_forward known", TestResult::Status::failed, "",
                     "=================================================================\n"
                     "==4242==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x6030 at pc 0x55 bp 0x7f sp 0x7f\n"
                     "READ of size 8 at 0x603000000058 thread T0\n"
                     "    #0 0x55a in cnn::relu_forward(xt::xtensor_container<double> const&) /home/s/lab/exercises/relu.cpp:21:30\n"
                     "    #1 0x55b in test_relu /home/s/lab/tests/test_relu.cpp:12\n"
                     "SUMMARY: AddressSanitizer: heap-buffer-overflow /home/s/lab/exercises/relu.cpp:21:30 in cnn::relu_forward\n"};
  const std::string e = labreport::excerpt(r, 10, {});
  CHECK_THAT(e, Contains("stopped by AddressSanitizer: a read past the end (or before the start) of an array, at "
                         "exercises/relu.cpp:21 (in relu_forward) (READ of size 8)"));
  const TestResult uaf{"exercise/x", TestResult::Status::failed, "",
                       "==1==ERROR: AddressSanitizer: heap-use-after-free on address 0x1\nWRITE of size 4 at 0x1 thread T0\n"
                       "    #0 0x1 in cnn::conv_forward_naive(int) /a/exercises/conv.cpp:7\n"};
  CHECK_THAT(labreport::excerpt(uaf, 10, {}), Contains("a write of memory already freed") &&
                                                  Contains("at exercises/conv.cpp:7 (in conv_forward_naive)"));
}

TEST_CASE("next: comes from this run: an old failure of another topic is said to be old", "[labreport]") {
  const auto course = labreport::parse_course(kCourse, "course.txt");
  const auto results = labreport::parse_junit(kJunit, "j.xml");
  const auto s = labreport::states(course, kWritten, kGradedBy, results);
  const std::string report = labreport::check_report(s, {"lrn"}, {});
  CHECK_THAT(report, !Contains("failures above"));
  CHECK_THAT(report, Contains("next: fix relu_backward in exercises/relu.cpp:30 (it failed at your last ./lab check relu"));
}

TEST_CASE("a NaN in a comparison says it may be an entry never written; a silent failure is never silent",
          "[labreport]") {
  const TestResult r{"exercise/affine_forward known", TestResult::Status::failed, "",
                     "....................\n\ntests/test_affine.cpp:20: FAILED:\nwith message:\n"
                     "  out differs at (0, 2): yours -nan, expected 0.5\n"};
  CHECK_THAT(labreport::excerpt(r, 10, {}), Contains("a NaN where a number belongs may be an entry your code never wrote"));
  const TestResult finance{"exercise/x", TestResult::Status::failed, "",
                           "....................\n\n  the nanny's finances differ: yours 1, expected 2\n"};
  CHECK_THAT(labreport::excerpt(finance, 10, {}), !Contains("NaN where"));
  const TestResult silent{"exercise/x", TestResult::Status::failed, "", ""};
  CHECK_THAT(labreport::excerpt(silent, 10, {}), Contains("the test stopped without a message"));
}
