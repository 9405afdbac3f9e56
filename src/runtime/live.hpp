/// @file live.hpp
/// @brief Watching a network learn: `train --live` serves a page on the loopback address that updates while
/// training runs (the loss and accuracy curves, the update sizes, the first layer's filters, the activation
/// maps and class probabilities of one test image, the confusion matrix of the last validation, the step,
/// the speed and the time left), drawn with the report's chart code (io/svg.hpp). Page: @ref training.
///
/// Two threads and one hand-over. The training thread builds a Snapshot (plain numbers and small pictures,
/// copied out of the model) at most once a second and publishes it: a pointer swap under a mutex, never a wait
/// for the network. The server's threads answer the browser from the last snapshot published, drawing its
/// charts once per snapshot and only when a page asks. A slow, closed or absent browser costs training nothing.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "io/data.hpp"
#include "io/svg.hpp"
#include "runtime/model.hpp"
#include "runtime/report.hpp"
#include "runtime/solver.hpp"

namespace cnn::live {

/// @brief What the live page shows at one moment: numbers and small pictures, owned (no pointer into the
/// model), so the server's threads can read it while training goes on.
struct Snapshot {
  std::uint64_t version = 0;       ///< set by Server::publish: 1, 2, 3, ...
  std::string title;               ///< the network and the data, e.g. "LeNet-5 on Fashion-MNIST"
  std::size_t epoch = 0;           ///< 1-based epoch of the last step
  std::size_t epochs = 0;          ///< epochs in the run
  std::size_t step = 0;            ///< 1-based step within the epoch
  std::size_t steps = 0;           ///< steps per epoch
  std::size_t batch = 0;           ///< images per step
  double images_per_second = 0.0;  ///< this epoch so far
  double seconds_left = 0.0;       ///< of the steps still to run, at this epoch's speed
  std::vector<double> loss;        ///< the loss of every step so far
  std::vector<double> train_acc;   ///< training accuracy after each finished epoch
  std::vector<double> val_acc;     ///< validation accuracy after each finished epoch
  bool has_validation = false;     ///< whether there is a validation set (otherwise val_acc holds zeros)
  std::vector<UpdateRatios::Track> ratios;  ///< update / weight ratios per weight array
  std::vector<svg::Tile> filters;           ///< the first conv layer's filters, each scaled to its own range
  /// @brief One conv layer's activation maps of the watched test image.
  struct Maps {
    std::string layer;             ///< the layer's name, e.g. "conv1"
    std::size_t height = 0;        ///< of a map
    std::size_t width = 0;         ///< of a map
    std::size_t channels = 0;      ///< maps in the layer's output
    std::vector<svg::Tile> tiles;  ///< one per channel (the first layer's set starts with the input image)
  };
  std::vector<Maps> activations;          ///< the conv layers', in order
  std::size_t image = 0;                  ///< which test image is watched
  std::string image_label;                ///< its true class
  std::vector<std::string> class_names;   ///< one per class
  std::vector<double> probabilities;      ///< softmax of its scores, one per class
  std::vector<double> confusion;          ///< K x K counts, row: true class, column: predicted (empty: none yet)
  std::size_t confusion_epoch = 0;        ///< the epoch it was measured after
  std::size_t confusion_images = 0;       ///< how many validation images it counts
  bool finished = false;                  ///< training is over, the report written
  std::string summary;                    ///< when finished: "test accuracy 86.44 %"
  std::string report_dir;                 ///< the folder report.html is written to at the end (served once finished)
};

/// @brief The charts and numbers of @p s as the JSON document the page reads from `/data.json`:
/// `{"version", "title", "epoch", ..., "figures": [{"id": "loss", "section": "curves", "svg": "<svg..."}, ...]}`.
/// Each figure is an SVG drawn by io/svg.hpp as the report draws it; a figure without data yet (accuracy before
/// the first epoch ends) is left out. Called on the server's threads, once per snapshot.
/// @param s             the snapshot to describe
/// @param with_figures  false: the numbers only, without the "figures" key (quick to make and to read)
std::string data_json(const Snapshot& s, bool with_figures = true);

/// @brief The page itself: HTML, CSS and script in one document, nothing fetched from elsewhere. It asks
/// `/data.json` for the numbers every second and for the figures every third second, and puts them in place
/// (a hidden page asks for the numbers only); when training is over it says so and links the report; when the
/// program is gone it says that too and keeps the last picture.
const std::string& page_html();

/// @brief Whether a request's Host header names this server: `127.0.0.1` or `localhost`, with no port or
/// with @p port. Anything else (another name, another port, an empty header) is refused, so that a web page
/// elsewhere cannot reach the server through a name it controls (DNS rebinding).
bool host_allowed(const std::string& host, std::uint16_t port);

/// @brief An HTTP server on 127.0.0.1 that serves the page, the last snapshot, and after training the report.
///
/// Routes: `/` the page; `/data.json?since=V` the snapshot as data_json (only `{"version":V}` while V is still
/// the latest; with `&figures=0` the numbers only); `/report/NAME` a file of the report folder once training is over. A request whose Host header
/// fails host_allowed gets 403, and so does one that a browser makes for a page of another site
/// (`Sec-Fetch-Site: cross-site`). Listens on the loopback address only.
class Server {
 public:
  /// @brief Binds 127.0.0.1:@p port (0: a free port the system picks) and starts serving on its own threads.
  /// @throws cnn::io_error when the port cannot be bound (in use, or below 1024 without the right)
  explicit Server(std::uint16_t port);
  /// @brief Stops serving: closes the listening socket and waits for the server's threads.
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// @brief The port it listens on.
  std::uint16_t port() const;
  /// @brief `http://127.0.0.1:PORT/`.
  std::string url() const;
  /// @brief Makes @p s the snapshot every request from now on sees; sets its version. Takes a mutex for the
  /// time of a pointer swap: never waits for a browser.
  void publish(Snapshot s);
  /// @brief The last snapshot published (null before the first).
  std::shared_ptr<const Snapshot> latest() const;
  /// @brief Seconds since a page last asked for `/data.json` (a very large number if none ever did).
  double seconds_since_last_look() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// @brief What the watcher needs to know about the run besides the model.
struct WatchSetup {
  std::string title{};             ///< shown as the page's heading
  const Dataset* test = nullptr;   ///< the watched image comes from here (its class names too)
  const Dataset* val = nullptr;    ///< the confusion matrix is measured here (may be empty)
  Normalization norm{};            ///< how images become inputs, as in training
  std::size_t epochs = 1;          ///< epochs in the run (for the time left)
  std::size_t batch = 64;          ///< images per step
  std::size_t image = 0;           ///< the index of the watched test image
  std::string report_dir{};        ///< the folder the report is written to when training ends
  double every_seconds = 1.0;      ///< the least time between two snapshots
  std::size_t confusion_images = 1000;  ///< validation images in the confusion matrix (0: all)
};

/// @brief The training thread's side: called after every step, it builds and publishes a snapshot when one is
/// due (the first step, every WatchSetup::every_seconds, the last step of an epoch) and does nothing else.
class Watcher {
 public:
  /// @throws cnn::value_error when the test set is missing or empty, or the watched image is not in it
  Watcher(Server& server, WatchSetup setup);
  /// @brief Call after every training step (the solver's on_step), with the history and update ratios so far.
  /// At the last step of an epoch it also counts the confusion matrix on the validation images.
  void after_step(const StepInfo& s, Model& model, const History& history, const UpdateRatios* ratios);
  /// @brief Publishes the final snapshot: training is over, with @p summary (e.g. the test accuracy); the
  /// server then serves the report folder (WatchSetup::report_dir) under `/report/`.
  void finish(Model& model, const History& history, const UpdateRatios* ratios, const std::string& summary);

 private:
  Snapshot build(const StepInfo& s, Model& model, const History& history, const UpdateRatios* ratios);
  Server& server_;
  WatchSetup setup_;
  StepInfo last_{};
  std::vector<double> confusion_;
  std::size_t confusion_epoch_ = 0, confusion_images_ = 0;
  std::chrono::steady_clock::time_point last_publish_{};
  bool published_ = false;
};

/// @brief After training: keeps serving for @p seconds when a page has looked in the last 10 seconds, so that
/// it shows the end and its report link works; returns at once when nobody is watching. Says so on stdout.
void linger(const Server& server, double seconds);

/// @brief `--live` takes an optional port: a `--live` not followed by a number gets `0` (a free port) after
/// it, so the command-line parser can treat the flag as one with a value.
std::vector<std::string> with_live_port(std::vector<std::string> args);

}  // namespace cnn::live
