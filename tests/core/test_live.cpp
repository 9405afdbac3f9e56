// Tests of train --live's page (src/runtime/live.hpp): the snapshot a training run publishes, and the server on
// the loopback address that refuses a foreign Host header. Requests are made here with plain sockets (not with
// the library under test), and only to loopback addresses.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cmath>
#include <fstream>
#include <numeric>
#include <optional>
#include <sstream>

#include "core/errors.hpp"
#include "runtime/live.hpp"
#include "runtime/model.hpp"
#include "runtime/solver.hpp"
#include "support/scratch.hpp"
#include "support/tiny.hpp"

using namespace cnn;
using Catch::Matchers::Contains;

namespace {

// A socket connected to ip:port, or the errno of the failed connect.
struct Connection {
  int fd = -1;
  int error = 0;
  Connection(const char* ip, std::uint16_t port) {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    ::inet_pton(AF_INET, ip, &a.sin_addr);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) error = errno;
  }
  ~Connection() { ::close(fd); }
  void send(const std::string& bytes) const { REQUIRE(::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size())); }
  std::string read_all() const {  // until the server closes the connection
    std::string out;
    char buf[4096];
    for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
    return out;
  }
};

struct Reply {
  int status = 0;
  std::string head;  // the status line and the headers
  std::string body;
};

// GET @p target with the given Host header (none when empty), HTTP/1.1 with Connection: close.
Reply get(std::uint16_t port, const std::string& target, const std::string& host, const std::string& more = "") {
  Connection c("127.0.0.1", port);
  REQUIRE(c.error == 0);
  c.send("GET " + target + " HTTP/1.1\r\n" + (host.empty() ? "" : "Host: " + host + "\r\n") + more +
         "Connection: close\r\n\r\n");
  const std::string text = c.read_all();
  Reply r;
  REQUIRE(text.rfind("HTTP/1.1 ", 0) == 0);
  r.status = std::stoi(text.substr(9, 3));
  const auto body = text.find("\r\n\r\n");
  r.head = text.substr(0, body);
  if (body != std::string::npos) r.body = text.substr(body + 4);
  return r;
}

std::string here(std::uint16_t port) { return "127.0.0.1:" + std::to_string(port); }

// The local address of the listening TCP socket on @p port, as the kernel lists it in /proc/net/tcp (hex, in
// the byte order of the machine: 127.0.0.1 is 0100007F here), or "" when there is none.
std::string listening_address(std::uint16_t port) {
  std::ifstream in("/proc/net/tcp");
  std::string line;
  std::getline(in, line);  // the header
  char want[8];
  std::snprintf(want, sizeof want, "%04X", port);
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state;
    fields >> slot >> local >> remote >> state;
    if (state == "0A" && local.substr(local.find(':') + 1) == want) return local.substr(0, local.find(':'));
  }
  return "";
}

}  // namespace

TEST_CASE("live::host_allowed takes 127.0.0.1 and localhost, with this port or none, and nothing else", "[live]") {
  for (const std::string h : {"127.0.0.1", "127.0.0.1:8123", "localhost", "localhost:8123", "LocalHost:8123"}) {
    INFO(h);
    REQUIRE(live::host_allowed(h, 8123));
  }
  for (const std::string h : {"", "127.0.0.1:8124", "127.0.0.1:08123x", "localhost:", "localhost:99999999",
                              "evil.example", "evil.example:8123", "localhost.evil.example:8123",
                              "127.0.0.1.nip.io:8123", "0.0.0.0:8123", "[::1]:8123", "127.0.0.2:8123",
                              "attacker@127.0.0.1:8123"}) {
    INFO(h);
    REQUIRE_FALSE(live::host_allowed(h, 8123));
  }
}

TEST_CASE("a --live without a number after it gets port 0; a number stays its port", "[live]") {
  using V = std::vector<std::string>;
  REQUIRE(live::with_live_port(V{"--live"}) == V{"--live", "0"});
  REQUIRE(live::with_live_port(V{"--live", "--epochs", "2"}) == V{"--live", "0", "--epochs", "2"});
  REQUIRE(live::with_live_port(V{"--live", "8080", "--epochs", "2"}) == V{"--live", "8080", "--epochs", "2"});
  REQUIRE(live::with_live_port(V{"--live", "-1"}) == V{"--live", "-1"});  // the parser then names the range
  REQUIRE(live::with_live_port(V{"--live=8080"}) == V{"--live=8080"});
  REQUIRE(live::with_live_port(V{"--epochs", "2"}) == V{"--epochs", "2"});
}

TEST_CASE("the live server listens on 127.0.0.1 only and refuses a foreign Host header", "[live]") {
  live::Server server(0);
  const std::uint16_t port = server.port();
  REQUIRE(port != 0);
  REQUIRE(server.url() == "http://127.0.0.1:" + std::to_string(port) + "/");

  SECTION("bound to 127.0.0.1, not to every address") {
    REQUIRE(listening_address(port) == "0100007F");
    // 127.0.0.2 is a loopback address too: a server bound to 0.0.0.0 would answer there, this one must not.
    Connection other("127.0.0.2", port);
    REQUIRE(other.error == ECONNREFUSED);
  }
  SECTION("a port in use is an io_error that says what to do") {
    REQUIRE_THROWS_AS(live::Server(port), io_error);
    REQUIRE_THROWS_WITH(live::Server(port), Contains("--live 0"));
  }
  SECTION("the page, for this server's own names") {
    for (const std::string& host : {here(port), "localhost:" + std::to_string(port), std::string("127.0.0.1")}) {
      const Reply r = get(port, "/", host);
      REQUIRE(r.status == 200);
      REQUIRE(r.body.rfind("<!DOCTYPE html>", 0) == 0);
      REQUIRE_THAT(r.body, Contains("/data.json"));
    }
  }
  SECTION("403 for any other Host, on every route") {
    for (const std::string target : {"/", "/data.json", "/report/report.html", "/nothing"})
      for (const std::string& host : {std::string("evil.example"), "evil.example:" + std::to_string(port),
                                     "127.0.0.1:" + std::to_string(port + 1), std::string()}) {
        INFO(target << " Host: " << host);
        const Reply r = get(port, target, host);
        REQUIRE(r.status == 403);
        REQUIRE_THAT(r.body, Contains("403"));
      }
  }
  SECTION("403 for a browser fetching it for another site's page; its own page's requests are fine") {
    REQUIRE(get(port, "/data.json", here(port), "Sec-Fetch-Site: cross-site\r\n").status == 403);
    REQUIRE(get(port, "/data.json", here(port), "Sec-Fetch-Site: same-origin\r\n").status == 200);
  }
  SECTION("nothing on the page is fetched from elsewhere") {
    const std::string page = get(port, "/", here(port)).body;
    REQUIRE(page.find("http://") == std::string::npos);
    REQUIRE(page.find("https://") == std::string::npos);
    REQUIRE(page.find("//cdn") == std::string::npos);
  }
}

TEST_CASE("the live server serves the last snapshot published, whole or as 'nothing new'", "[live]") {
  live::Server server(0);
  const std::uint16_t port = server.port();
  REQUIRE(get(port, "/data.json", here(port)).body == "{\"version\":0}");

  // A client that sends half a request and waits holds a server thread, not the publisher.
  Connection slow("127.0.0.1", port);
  REQUIRE(slow.error == 0);
  slow.send("GET /data.json HTTP/1.1\r\nHost: " + here(port) + "\r\n");

  live::Snapshot s;
  s.title = "a \"quoted\" title\nwith a line break";
  s.step = 7;
  s.steps = 10;
  s.loss = {2.3, 2.1, 1.9};
  server.publish(s);
  s.step = 8;
  s.loss.push_back(1.7);
  server.publish(s);
  REQUIRE(server.latest()->version == 2);

  const std::string json = get(port, "/data.json", here(port)).body;
  REQUIRE_THAT(json, Contains("\"version\":2,"));
  REQUIRE_THAT(json, Contains("\"step\":8,"));
  REQUIRE_THAT(json, Contains("\"steps_done\":4,"));
  REQUIRE_THAT(json, Contains("\"title\":\"a \\\"quoted\\\" title\\nwith a line break\""));
  REQUIRE_THAT(json, Contains("{\"id\":\"loss\",\"section\":\"curves\",\"svg\":\"<svg"));
  REQUIRE(get(port, "/data.json?since=2", here(port)).body == "{\"version\":2}");
  const std::string numbers = get(port, "/data.json?since=1&figures=0", here(port)).body;  // the numbers only
  REQUIRE(numbers == json.substr(0, json.find(",\"figures\":[")) + "}");
  // Sent as it is, even to a browser that accepts compressed answers: compressing every snapshot would cost
  // a core tens of milliseconds a second, for bytes that never leave the machine.
  const Reply plain = get(port, "/data.json", here(port), "Accept-Encoding: gzip, deflate, br\r\n");
  REQUIRE(plain.body == json);
  REQUIRE_THAT(plain.head, !Contains("Content-Encoding"));
  REQUIRE_THAT(get(port, "/data.json?since=1", here(port)).body, Contains("\"figures\":["));
  REQUIRE(get(port, "/report/report.html", here(port)).status == 404);  // not before training ends
}

TEST_CASE("a browser that leaves in the middle of an answer does not end the program", "[live]") {
  live::Server server(0);
  struct sigaction now {};
  REQUIRE(::sigaction(SIGPIPE, nullptr, &now) == 0);
  REQUIRE(now.sa_handler == SIG_IGN);  // a write to a closed connection is an error, not the end of the process

  const std::uint16_t port = server.port();
  live::Snapshot s;
  s.steps = 1000;
  for (int i = 0; i < 20000; ++i) s.loss.push_back(2.3 / (1 + 0.001 * i));
  server.publish(s);
  for (int i = 0; i < 20; ++i) {  // ask for the whole snapshot, then reset the connection without reading
    Connection c("127.0.0.1", port);
    REQUIRE(c.error == 0);
    c.send("GET /data.json HTTP/1.1\r\nHost: " + here(port) + "\r\n\r\n");
    const linger reset{1, 0};
    ::setsockopt(c.fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
  }
  REQUIRE(get(port, "/data.json?since=1", here(port)).body == "{\"version\":1}");  // still answering
}

TEST_CASE("a long run's live loss chart draws one step in k, at most 1500 points a curve", "[live]") {
  live::Snapshot s;
  s.steps = 1000;
  for (int i = 0; i < 4000; ++i) s.loss.push_back(2.3 / (1 + 0.001 * i));
  const std::string json = live::data_json(s);
  REQUIRE_THAT(json, Contains("loss of one step in 3"));  // ceil(4000 / 1500)
  std::size_t curves = 0;
  const std::string key = "points=\\\"";  // points=\" inside the JSON string
  for (auto at = json.find(key); at != std::string::npos; at = json.find(key, at + 1)) {
    const std::size_t begin = at + key.size(), end = json.find("\\\"", begin);
    const std::string points = json.substr(begin, end - begin);
    REQUIRE(std::count(points.begin(), points.end(), ',') == 1334);  // steps 1, 4, ..., 4000
    ++curves;
  }
  REQUIRE(curves == 2);
}

TEST_CASE("live::Watcher publishes the run's numbers: probabilities, filters, maps, the validation's confusion",
          "[live]") {
  const Dataset train = testing::noise_images(40, 2, 6, 6, 4, 1);
  const Dataset val = testing::noise_images(30, 2, 6, 6, 4, 2);
  const Dataset test = testing::noise_images(20, 2, 6, 6, 4, 3);
  Model model = build_model(testing::tiny_net(), 1);
  SolverConfig cfg;
  cfg.batch_size = 8;  // 5 steps
  cfg.epochs = 1;
  cfg.learning_rate = 0.05;
  Solver solver(model, train, val, cfg);

  live::Server server(0);
  testing::Scratch dir;  // the report's folder
  live::WatchSetup setup{.title = "tiny", .test = &test, .val = &val, .epochs = 1, .batch = 8, .image = 3,
                         .report_dir = dir.dir().string()};
  setup.every_seconds = 1e9;  // no snapshot is due by the clock: only the first step and the epoch's end
  live::Watcher watcher(server, setup);
  std::vector<std::uint64_t> versions;
  UpdateRatios ratios(2);
  solver.train([&](const StepInfo& s) {
    ratios.after_step(model);
    watcher.after_step(s, model, solver.history(), &ratios);
    versions.push_back(server.latest()->version);
  });
  REQUIRE(versions == std::vector<std::uint64_t>{1, 1, 1, 1, 2});

  const auto s = server.latest();
  REQUIRE(s->step == 5);
  REQUIRE(s->steps == 5);
  REQUIRE(s->loss == solver.history().loss);
  REQUIRE_FALSE(s->finished);

  // The confusion matrix counts the parameters that the solver validated right after that step: its diagonal
  // is the solver's validation accuracy (computed by accuracy(), not by the watcher).
  REQUIRE(s->confusion.size() == 16);
  REQUIRE(s->confusion_images == 30);
  REQUIRE(std::accumulate(s->confusion.begin(), s->confusion.end(), 0.0) == 30);
  for (std::size_t true_class = 0; true_class < 4; ++true_class) {
    double row = 0;
    for (std::size_t k = 0; k < 4; ++k) row += s->confusion[true_class * 4 + k];
    REQUIRE(row == static_cast<double>(std::count(val.labels.begin(), val.labels.end(), true_class)));
  }
  const double right = s->confusion[0] + s->confusion[5] + s->confusion[10] + s->confusion[15];
  REQUIRE(right / 30 == Approx(solver.history().val_acc.at(0)).margin(1e-12));

  // The probabilities of test image 3 are the softmax of the model's scores for it (one epoch: the parameters
  // kept are those of the snapshot), written out here as the formula.
  const std::vector<std::size_t> three = {3};
  const Tensor2 scores = model.scores(batch_images(test, three, setup.norm));
  double z = 0;
  for (std::size_t k = 0; k < 4; ++k) z += std::exp(scores(0, k));
  REQUIRE(s->probabilities.size() == 4);
  for (std::size_t k = 0; k < 4; ++k) REQUIRE(s->probabilities[k] == Approx(std::exp(scores(0, k)) / z).epsilon(1e-12));

  REQUIRE(s->filters.size() == 3);  // conv1's 3 filters of 3x3 (channel 0 of 2 shown)
  REQUIRE(s->filters[0].image.width == 3);
  REQUIRE(s->activations.size() == 1);
  REQUIRE(s->activations[0].layer == "conv1");
  REQUIRE(s->activations[0].tiles.size() == 1 + 3);  // the input, then one map per channel
  REQUIRE(s->activations[0].tiles[1].image.width == 6);
  REQUIRE(s->ratios.size() == ratios.tracks().size());

  const std::string json = live::data_json(*s);
  for (const std::string id : {"loss", "ratios", "filters", "maps_conv1", "probabilities", "confusion"})
    REQUIRE_THAT(json, Contains("{\"id\":\"" + id + "\""));
  REQUIRE(json.find("{\"id\":\"accuracy\"") == std::string::npos);  // the solver validates after the snapshot

  SECTION("finish: the page says so and serves the report's files, and nothing outside them") {
    REQUIRE(get(server.port(), "/report/report.html", here(server.port())).status == 404);  // not yet
    std::ofstream(dir.file("report.html")) << "<html>the report</html>";
    std::ofstream(dir.file("loss.svg")) << "<svg/>";
    watcher.finish(model, solver.history(), &ratios, "test accuracy 25 %");
    const auto f = server.latest();
    REQUIRE(f->finished);
    REQUIRE(f->val_acc == solver.history().val_acc);
    const std::uint16_t port = server.port();
    const std::string done = get(port, "/data.json", here(port)).body;
    REQUIRE_THAT(done, Contains("\"finished\":true"));
    REQUIRE_THAT(done, Contains("\"summary\":\"test accuracy 25 %\""));
    REQUIRE_THAT(done, Contains("\"report\":\"/report/report.html\""));
    REQUIRE_THAT(done, Contains("{\"id\":\"accuracy\""));
    REQUIRE(get(port, "/report/report.html", here(port)).body == "<html>the report</html>");
    REQUIRE(get(port, "/report/loss.svg", here(port)).body == "<svg/>");
    REQUIRE(get(port, "/report/missing.svg", here(port)).status == 404);
    REQUIRE(get(port, "/report/../report.html", here(port)).status == 404);
    REQUIRE(get(port, "/report/.hidden", here(port)).status == 404);
  }
}

TEST_CASE("live::Watcher refuses a test set without the watched image", "[live]") {
  live::Server server(0);
  const Dataset test = testing::noise_images(2, 1, 4, 4, 3, 1);
  REQUIRE_THROWS_WITH(live::Watcher(server, live::WatchSetup{.test = &test, .image = 2}),
                      Contains("the watched image 2 is not among the 2 test images"));
  REQUIRE_THROWS_AS(live::Watcher(server, live::WatchSetup{}), value_error);
}
