#include "instruments/stack.hpp"

#include <cstdio>
#include <map>
#include <sstream>

#include <dlfcn.h>
#include <execinfo.h>

namespace cnn {

namespace {

bool in_student_code(const std::string& file) {
  return file.find("exercises/") != std::string::npos || file.find("solutions/") != std::string::npos;
}

std::string run(const std::string& command) {
  std::string out;
  FILE* p = ::popen(command.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  ::pclose(p);
  return out;
}

std::string quoted(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

}  // namespace

std::vector<std::vector<SourcePlace>> places_of(const std::string& module, const std::vector<std::uintptr_t>& offsets) {
  std::vector<std::vector<SourcePlace>> out(offsets.size());
  if (offsets.empty()) return out;
  std::ostringstream cmd;
  cmd << "addr2line -a -C -f -i -e " << quoted(module);
  for (std::uintptr_t o : offsets) cmd << " 0x" << std::hex << o;
  cmd << " 2>/dev/null";
  // "-a" starts each offset's group with the address; then pairs of lines: function, file:line
  std::istringstream in(run(cmd.str()));
  std::string line;
  long group = -1;
  while (std::getline(in, line)) {
    if (line.rfind("0x", 0) == 0) {
      ++group;
      continue;
    }
    std::string where;
    if (group < 0 || static_cast<std::size_t>(group) >= out.size() || !std::getline(in, where)) break;
    SourcePlace p;
    p.function = line;
    const auto colon = where.rfind(':');
    p.file = where.substr(0, colon);
    if (colon != std::string::npos) p.line = static_cast<unsigned>(std::strtoul(where.c_str() + colon + 1, nullptr, 10));
    out[static_cast<std::size_t>(group)].push_back(p);
  }
  return out;
}

std::optional<SourcePlace> exercise_place_on_stack() {
  void* frames[64];
  const int n = ::backtrace(frames, 64);
  // group the frames by module: one addr2line call each
  std::map<std::string, std::vector<std::pair<int, std::uintptr_t>>> by_module;
  for (int i = 0; i < n; ++i) {
    Dl_info info{};
    if (::dladdr(frames[i], &info) == 0 || info.dli_fname == nullptr) continue;
    // a return address points after the call: step back one byte to land on the call's line
    const auto offset = reinterpret_cast<std::uintptr_t>(frames[i]) - 1 - reinterpret_cast<std::uintptr_t>(info.dli_fbase);
    by_module[info.dli_fname].emplace_back(i, offset);
  }
  std::optional<std::pair<int, SourcePlace>> best;
  for (const auto& [module, frames_of] : by_module) {
    std::vector<std::uintptr_t> offsets;
    for (const auto& f : frames_of) offsets.push_back(f.second);
    const auto places = places_of(module, offsets);
    for (std::size_t k = 0; k < places.size(); ++k)
      for (const SourcePlace& p : places[k])
        if (in_student_code(p.file) && (!best || frames_of[k].first < best->first)) {
          best = std::make_pair(frames_of[k].first, p);
          break;
        }
  }
  if (!best) return std::nullopt;
  return best->second;
}

std::string describe(const SourcePlace& place) {
  std::string file = place.file;
  for (const char* dir : {"exercises/", "solutions/"})
    if (const auto at = file.rfind(dir); at != std::string::npos) {
      file = file.substr(at);
      break;
    }
  // "cnn::max_pool_backward_naive(xt::...)" -> "max_pool_backward_naive"
  std::string f = place.function.substr(0, place.function.find('('));
  if (const auto colons = f.rfind("::"); colons != std::string::npos) f = f.substr(colons + 2);
  return file + ":" + std::to_string(place.line) + (f.empty() || f == "??" ? "" : " (in " + f + ")");
}

}  // namespace cnn
