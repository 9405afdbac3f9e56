// The live page's server (src/runtime/live.hpp): cpp-httplib on 127.0.0.1, the one file that includes it.
#include "runtime/live.hpp"

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>
#include <thread>

#include "core/errors.hpp"

namespace cnn::live {

namespace {

using Clock = std::chrono::steady_clock;

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool all_digits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

// Debian's cpp-httplib compresses a response with Brotli whenever the browser accepts it (Chromium does) and
// the content type is text/..., or exactly "application/json" or "image/svg+xml": at Brotli's highest quality,
// tens of milliseconds of a core for every 100 KB snapshot, once a second, for a connection that never leaves
// the machine. A content type with its charset is none of those exact names, and goes out as it is.
const char* kJson = "application/json; charset=utf-8";

// The content type of a report file, by its extension.
std::string content_type(const std::string& name) {
  const std::string ext = std::filesystem::path(name).extension().string();
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".svg") return "image/svg+xml; charset=utf-8";
  if (ext == ".csv") return "text/csv; charset=utf-8";
  return "application/octet-stream";
}

}  // namespace

bool host_allowed(const std::string& host, std::uint16_t port) {
  const std::string h = lower(host);
  for (const std::string name : {"127.0.0.1", "localhost"}) {
    if (h == name) return true;
    if (h.rfind(name + ":", 0) == 0) {
      const std::string p = h.substr(name.size() + 1);
      return all_digits(p) && p.size() <= 5 && std::stoul(p) == port;
    }
  }
  return false;
}

struct Server::Impl {
  httplib::Server http;
  std::thread thread;
  std::uint16_t port = 0;

  mutable std::mutex mutex;  // guards latest and versions: held for a pointer copy or swap, nothing more
  std::shared_ptr<const Snapshot> latest;
  std::uint64_t versions = 0;

  std::mutex render_mutex;  // the server's threads only: the JSON of the latest snapshot, drawn once
  std::uint64_t rendered_version = 0;
  std::string rendered;

  std::atomic<Clock::rep> last_request{0};  // 0: none yet

  std::shared_ptr<const Snapshot> snapshot() const {
    std::lock_guard lock(mutex);
    return latest;
  }
  std::string json_of(const Snapshot& s) {
    std::lock_guard lock(render_mutex);
    if (rendered_version != s.version) {
      rendered = data_json(s);
      rendered_version = s.version;
    }
    return rendered;
  }
  void routes();
};

void Server::Impl::routes() {
  // Every request first: the Host header must name this server (no other name, no other port), and a browser
  // must not be fetching it for a page of another site (it says so in Sec-Fetch-Site).
  http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (!host_allowed(req.get_header_value("Host"), port) || req.get_header_value("Sec-Fetch-Site") == "cross-site") {
      res.status = 403;
      res.set_content("403 forbidden: this server answers only requests for 127.0.0.1:" + std::to_string(port) +
                          " or localhost:" + std::to_string(port) + "\n",
                      "text/plain; charset=utf-8");
      return httplib::Server::HandlerResponse::Handled;
    }
    last_request.store(Clock::now().time_since_epoch().count());
    res.set_header("Cache-Control", "no-store");
    return httplib::Server::HandlerResponse::Unhandled;
  });
  http.Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(page_html(), "text/html; charset=utf-8");
  });
  http.Get("/data.json", [this](const httplib::Request& req, httplib::Response& res) {
    const auto s = snapshot();
    if (!s) {
      res.set_content("{\"version\":0}", kJson);
      return;
    }
    if (req.get_param_value("since") == std::to_string(s->version)) {  // the page has it already
      res.set_content("{\"version\":" + std::to_string(s->version) + "}", kJson);
      return;
    }
    res.set_content(req.get_param_value("figures") == "0" ? data_json(*s, false) : json_of(*s), kJson);
  });
  // The report's files, once training is over: plain names only (no folder, no leading dot).
  http.Get(R"(/report/([A-Za-z0-9_][A-Za-z0-9_.-]*))", [this](const httplib::Request& req, httplib::Response& res) {
    const auto s = snapshot();
    const std::string name = req.matches[1];
    std::ifstream in;
    if (s && s->finished && !s->report_dir.empty()) in.open(std::filesystem::path(s->report_dir) / name, std::ios::binary);
    if (!in.is_open() || !in) {
      res.status = 404;
      res.set_content(s && s->finished ? "404: no file " + name + " in the report\n"
                                       : "404: the report is written when training ends\n",
                      "text/plain; charset=utf-8");
      return;
    }
    std::ostringstream bytes;
    bytes << in.rdbuf();
    res.set_content(bytes.str(), content_type(name));
  });
}

Server::Server(std::uint16_t port) : impl_(std::make_unique<Impl>()) {
  // A browser that closes its connection while an answer is being written makes the write fail; by default
  // that is SIGPIPE, which would end the training program. (cpp-httplib does this too; said here, since it
  // matters.)
  std::signal(SIGPIPE, SIG_IGN);
  Impl& m = *impl_;
  // One thread per connection a browser opens to a host at most (6); short timeouts free a thread that a
  // browser left hanging, and let the destructor end quickly.
  m.http.new_task_queue = [] { return new httplib::ThreadPool(6); };
  m.http.set_keep_alive_timeout(1);
  m.http.set_read_timeout(2);
  m.http.set_write_timeout(2);
  // SO_REUSEADDR only (not SO_REUSEPORT): a port in use by another program is refused, not shared.
  m.http.set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  m.routes();
  const int bound = port == 0 ? m.http.bind_to_any_port("127.0.0.1") : (m.http.bind_to_port("127.0.0.1", port) ? port : -1);
  if (bound <= 0)
    throw io_error("live::Server", "cannot listen on 127.0.0.1:" + std::to_string(port) +
                                       " (the port is in use, or below 1024): give another port, or --live 0 for a free one");
  m.port = static_cast<std::uint16_t>(bound);
  m.thread = std::thread([&m] { m.http.listen_after_bind(); });
  // stop() only stops a server that is running: wait until it is, so that the destructor cannot miss it.
  const auto give_up = Clock::now() + std::chrono::seconds(10);
  while (!m.http.is_running() && Clock::now() < give_up) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

Server::~Server() {
  impl_->http.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

std::uint16_t Server::port() const { return impl_->port; }

std::string Server::url() const { return "http://127.0.0.1:" + std::to_string(impl_->port) + "/"; }

void Server::publish(Snapshot s) {
  auto next = std::make_shared<Snapshot>(std::move(s));
  std::shared_ptr<const Snapshot> old;  // released after the lock: a snapshot's memory is freed outside it
  {
    std::lock_guard lock(impl_->mutex);
    next->version = ++impl_->versions;
    old = std::exchange(impl_->latest, std::move(next));
  }
}

std::shared_ptr<const Snapshot> Server::latest() const { return impl_->snapshot(); }

double Server::seconds_since_last_look() const {
  const Clock::rep t = impl_->last_request.load();
  if (t == 0) return 1e300;
  return std::chrono::duration<double>(Clock::now() - Clock::time_point(Clock::duration(t))).count();
}

void linger(const Server& server, double seconds) {
  if (server.seconds_since_last_look() > 10) return;  // nobody is watching: nothing to wait for
  std::cout << "live page: training is over; " << server.url() << " shows it and serves the report for up to "
            << svg::fmt(seconds) << " s more, while a page is open (Ctrl-C ends it sooner)" << std::endl;
  const auto end = Clock::now() + std::chrono::duration<double>(seconds);
  // The open page asks every second: once nothing has asked for 5 s, the page (or the report) has all it needs.
  while (Clock::now() < end && server.seconds_since_last_look() < 5)
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
}

std::vector<std::string> with_live_port(std::vector<std::string> args) {
  for (std::size_t i = 0; i < args.size(); ++i)
    if (args[i] == "--live") {  // a number after it is its port ("-1" too: the parser then says the range)
      const bool number = i + 1 < args.size() && all_digits(args[i + 1][0] == '-' ? args[i + 1].substr(1) : args[i + 1]);
      if (!number) args.insert(args.begin() + static_cast<std::ptrdiff_t>(i) + 1, "0");
    }
  return args;
}

}  // namespace cnn::live
