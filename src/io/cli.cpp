#include "io/cli.hpp"

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <new>
#include <sstream>

#include "calculator/arch.hpp"
#include "core/errors.hpp"

namespace cnn::cli {

namespace {

// "-1", "-0.5", "-.5", "-1e3": a negative number, taken as a flag's value rather than as a flag.
bool is_negative_number(const std::string& s) {
  return s.size() > 1 && s[0] == '-' && (std::isdigit(static_cast<unsigned char>(s[1])) || s[1] == '.');
}

}  // namespace

Parsed parse(std::span<const std::string> args, std::span<const Flag> flags) {
  Parsed p;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-h" || a == "--help") {
      p.help = true;
      continue;
    }
    if (a.size() < 2 || a[0] != '-' || is_negative_number(a)) {
      p.positional.push_back(a);
      continue;
    }
    const std::size_t eq = a.find('=');
    const std::string name = a.substr(0, eq);
    const Flag* flag = nullptr;
    for (const auto& f : flags)
      if (f.name == name) flag = &f;
    if (!flag) throw usage_error("unknown option '" + printable(name) + "'");
    if (p.has(name)) throw usage_error("option " + name + " given twice");
    if (!flag->takes_value) {
      if (eq != std::string::npos) throw usage_error("option " + name + " takes no value");
      p.values[name] = "";
    } else if (eq != std::string::npos) {
      p.values[name] = a.substr(eq + 1);
    } else {
      const bool next_is_value = i + 1 < args.size() && (args[i + 1].size() < 2 || args[i + 1][0] != '-' ||
                                                         is_negative_number(args[i + 1]));
      if (!next_is_value) throw usage_error("option " + name + " needs a value");
      p.values[name] = args[++i];
    }
  }
  return p;
}

std::uint64_t count(std::string_view text, std::string_view flag, std::uint64_t min, std::uint64_t max) {
  const std::string f(flag), t = printable(text);
  const std::string too_small =
      f + " must be " + (min == 0 ? std::string("0 or more") : "at least " + arch::with_commas(min)) + ", got " + t;
  const std::string too_large = f + " must be at most " + arch::with_commas(max) + ", got " + t;
  // A negative number is out of range, not of the wrong kind: say the range (it used to wrap to 2^64 - 1).
  if (text.size() > 1 && text[0] == '-' && text.find_first_not_of("0123456789", 1) == std::string_view::npos)
    throw usage_error(too_small);
  std::uint64_t v = 0;
  const char* last = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), last, v);
  if (text.empty() || text[0] == '+' || ptr != last || (ec != std::errc() && ec != std::errc::result_out_of_range))
    throw usage_error(f + " expects a whole number, got '" + t + "'");
  if (ec == std::errc::result_out_of_range || v > max) throw usage_error(too_large);
  if (v < min) throw usage_error(too_small);
  return v;
}

double number(std::string_view text, std::string_view flag) {
  const std::string t(text), shown = printable(text);
  std::istringstream in(t);
  double v = 0.0;
  if (t.empty() || !(in >> v) || !in.eof()) {
    // "inf" and "nan" fail istream's parse; strtod reads them, to say what is wrong with them.
    char* end = nullptr;
    const double d = t.empty() ? 0.0 : std::strtod(t.c_str(), &end);
    if (!t.empty() && end == t.c_str() + t.size() && !std::isfinite(d))
      throw usage_error(std::string(flag) + " expects a finite number, got '" + shown + "'");
    throw usage_error(std::string(flag) + " expects a number, got '" + shown + "'");
  }
  if (!std::isfinite(v)) throw usage_error(std::string(flag) + " expects a finite number, got '" + shown + "'");
  return v;
}

namespace {

// The length of the UTF-8 character that starts @p s (0 when it is not one, or is cut short).
std::size_t utf8_length(std::string_view s) {
  const auto b = static_cast<unsigned char>(s[0]);
  const std::size_t n = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
  if (n == 0 || n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k)
    if ((static_cast<unsigned char>(s[k]) >> 6) != 0x2) return 0;
  return n;
}

void escape_into(std::string& out, std::string_view text, bool keep_newlines) {
  static const char* hex = "0123456789ABCDEF";
  for (std::size_t i = 0; i < text.size();) {
    const auto b = static_cast<unsigned char>(text[i]);
    const std::size_t n = utf8_length(text.substr(i));
    if (b == '\n' && keep_newlines) out += '\n';
    else if (b == '\n') out += "\\n";
    else if (b == '\t') out += "\\t";
    else if (b == '\r') out += "\\r";
    else if (n == 0 || b < 0x20 || b == 0x7F) out.append("\\x").append(1, hex[b >> 4]).append(1, hex[b & 15]);
    else {
      out.append(text.substr(i, n));
      i += n;
      continue;
    }
    ++i;
  }
}

// Where to cut @p text to at most @p max bytes without splitting a UTF-8 character.
std::size_t cut_at(std::string_view text, std::size_t max) {
  std::size_t at = std::min(max, text.size());
  while (at > 0 && at < text.size() && (static_cast<unsigned char>(text[at]) >> 6) == 0x2) --at;
  return at;
}

}  // namespace

std::string printable(std::string_view text, std::size_t max_bytes) {
  std::string out;
  escape_into(out, text.substr(0, cut_at(text, max_bytes)), false);
  if (text.size() > max_bytes) out += "... (" + arch::with_commas(text.size()) + " bytes)";
  return out;
}

std::string one_screen(std::string_view message) {
  constexpr std::size_t kMaxBytes = 2000, kMaxLines = 24;
  std::size_t end = cut_at(message, kMaxBytes);
  std::size_t lines = 0;
  for (std::size_t i = 0; i < end; ++i)
    if (message[i] == '\n' && ++lines == kMaxLines) end = i;
  std::string out;
  escape_into(out, message.substr(0, end), true);
  if (end < message.size()) out += "... (" + arch::with_commas(message.size()) + " bytes)";
  return out;
}

std::string stdout_failure() {
  errno = 0;
  std::cout.flush();
  if (std::cout && std::fflush(stdout) == 0) return "";
  const int e = errno;
  std::cout.clear();
  return e ? std::strerror(e) : "a write failed: a full disk, or an output that was closed";
}

int report(std::string_view program, const std::exception_ptr& error, std::string_view usage,
           std::string_view oom_hint, std::ostream& out) {
  out << program << ": ";
  try {
    std::rethrow_exception(error);
  } catch (const usage_error& e) {
    out << one_screen(e.what()) << "\n";
    if (!usage.empty()) out << "\n" << usage;
    return exit_usage;
  } catch (const std::bad_alloc&) {
    out << "out of memory" << (oom_hint.empty() ? "" : ": ") << oom_hint << "\n";
  } catch (const std::exception& e) {  // cnn::error, and anything the standard library throws
    out << one_screen(e.what()) << "\n";
  } catch (...) {
    out << "unknown error\n";
  }
  return exit_error;
}

int guarded(std::string_view program, std::string_view usage, std::string_view oom_hint,
            const std::function<int()>& body) {
  int status = exit_error;
  try {
    status = body();
  } catch (...) {
    std::cout.flush();
    status = report(program, std::current_exception(), usage, oom_hint, std::cerr);
  }
  if (const std::string why = stdout_failure(); !why.empty()) {
    std::cerr << program << ": cannot write the standard output (" << why << ")\n";
    return exit_error;
  }
  return status;
}

namespace {
std::string terminate_program = "cnnlab";
}

void exit_cleanly_on_uncaught(std::string_view program) {
  terminate_program = program;
  std::set_terminate([] {
    std::cout.flush();
    const std::exception_ptr e = std::current_exception();
    if (!e) std::abort();  // std::terminate for another reason than an exception: a real bug, keep the core
    std::_Exit(report(terminate_program, e, "", "", std::cerr));
  });
  std::atexit([] {
    if (const std::string why = stdout_failure(); !why.empty()) {
      std::cerr << terminate_program << ": cannot write the standard output (" << why << ")\n";
      std::_Exit(exit_error);
    }
  });
}

}  // namespace cnn::cli
