// The judge's calls into a runner (see proxy.cpp): judge::call sends an exercise function's arguments and
// returns what the runner answered; judge::Reference sends the calls of a scope to the reference runner
// (solutions/) instead of the student's, for the hidden cases of tests/grading/.
#pragma once

#include <string>
#include <tuple>
#include <utility>

#include "wire.hpp"

namespace judge {

/// Sends @p request (a function's name and arguments) to the current runner and returns its answer.
/// @throws student_failure when the runner crashes, exits, runs out of time or answers nothing
std::string ask(const char* function, const std::string& request);

/// Marks the student's code as failed (the test then fails whatever it expected), says why, and throws
/// student_failure.
[[noreturn]] void fail(const std::string& why);

/// While one lives, the calls of this thread go to the reference runner.
class Reference {
 public:
  Reference();
  ~Reference();
  Reference(const Reference&) = delete;
  Reference& operator=(const Reference&) = delete;

 private:
  void* saved_;
};

/// @p f() computed by the reference bodies.
template <class F>
auto reference(F&& f) {
  Reference scope;
  return f();
}

/// Calls F (an exercise function, whose declaration gives the types) in the runner with @p args; the
/// arguments F may change (non-const references, spans of non-const numbers) take the runner's new values.
template <auto F, class... A>
typename Signature<decltype(F)>::result call(const char* name, A&... args) {
  using S = Signature<decltype(F)>;
  using P = typename S::params;
  return [&]<std::size_t... I>(std::index_sequence<I...>) -> typename S::result {
    Writer w;
    w.put(std::string(name));
    auto send = [&]<class Q>(const auto& arg, std::type_identity<Q>) {
      if constexpr (is_span<Q>)
        w.put(carried_t<Q>(arg.begin(), arg.end()));
      else
        w.put(arg);
    };
    (send(args, std::type_identity<std::tuple_element_t<I, P>>{}), ...);
    const std::string answer = judge::ask(name, w.bytes);
    Reader in(answer.data(), answer.size());
    std::uint8_t threw = 0;
    try {
      threw = in.get<std::uint8_t>();
    } catch (const student_failure& e) {
      fail(std::string(name) + ": " + e.what());
    }
    if (threw != 0) throw_exception(in);
    auto receive_all = [&] {
      auto receive = [&]<class Q>(auto& arg, std::type_identity<Q>) {
        if constexpr (comes_back<Q>) {
          auto value = in.get<carried_t<Q>>();
          if constexpr (is_span<Q>) {  // the same length
            if (value.size() != arg.size())
              throw student_failure(std::string(name) + " changed the number of entries of an array it updates");
            std::copy(value.begin(), value.end(), arg.begin());
          } else {
            arg = std::move(value);
          }
        }
      };
      (receive(args, std::type_identity<std::tuple_element_t<I, P>>{}), ...);
      if (!in.done()) throw student_failure(std::string(name) + ": the answer is longer than it should be");
    };
    try {
      if constexpr (std::is_void_v<typename S::result>) {
        receive_all();
      } else {
        auto result = in.get<typename S::result>();
        receive_all();
        return result;
      }
    } catch (const student_failure& e) {  // an answer that is no answer: the student's process wrote it
      fail(std::string(name) + ": " + e.what());
    }
  }(std::make_index_sequence<std::tuple_size_v<P>>{});
}

}  // namespace judge
