//===- CompileReport.cpp - what a compile cost, for --time [--json] -------===//

#include "CompileReport.h"

#include <chrono>
#include <cstdio>
#include <sys/resource.h>

namespace dlc::tool {

namespace {
const auto processStart = std::chrono::steady_clock::now();

const char *cacheText(CacheUse use) {
  switch (use) {
  case CacheUse::Hit:
    return "hit";
  case CacheUse::Miss:
    return "miss";
  case CacheUse::Off:
    break;
  }
  return "off";
}

std::string number(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3f", v);
  return text;
}
} // namespace

double secondsSinceStart() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                       processStart)
      .count();
}

uint64_t peakResidentBytes() {
  struct rusage usage {};
  if (getrusage(RUSAGE_SELF, &usage) != 0)
    return 0;
  return uint64_t(usage.ru_maxrss) * 1024; // Linux reports KiB.
}

std::string jsonString(const std::string &text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
      out += escaped;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

void printCompileReport(const std::string &model, const CompileStats &stats,
                        bool json, const std::vector<ReportField> &extra) {
  double total = stats.totalSeconds > 0
                     ? stats.totalSeconds
                     : stats.importSeconds + stats.mlirSeconds +
                           stats.llvmSeconds;
  uint64_t peak = peakResidentBytes();
  if (json) {
    std::string out = "{\"model\": " + jsonString(model) +
                      ", \"seconds\": {\"import\": " +
                      number(stats.importSeconds) +
                      ", \"mlir\": " + number(stats.mlirSeconds) +
                      ", \"llvm\": " + number(stats.llvmSeconds) +
                      ", \"total\": " + number(total) + "}" +
                      ", \"kernels\": {\"outlined\": " +
                      std::to_string(stats.kernelsOutlined) +
                      ", \"distinct\": " +
                      std::to_string(stats.kernelsDistinct) + "}" +
                      ", \"partitions\": " + std::to_string(stats.partitions) +
                      ", \"threads\": " + std::to_string(stats.codegenThreads) +
                      ", \"cache\": \"" + cacheText(stats.cache) + "\"" +
                      ", \"peak_rss_bytes\": " + std::to_string(peak);
    for (const ReportField &f : extra)
      out += ", " + jsonString(f.key) + ": " + f.json;
    std::printf("%s}\n", out.c_str());
    return;
  }
  std::fprintf(stderr,
               "compile time: import %.3f s, MLIR passes %.3f s, LLVM %.3f s "
               "(%u partitions on %u threads), total %.3f s\n",
               stats.importSeconds, stats.mlirSeconds, stats.llvmSeconds,
               stats.partitions, stats.codegenThreads, total);
  std::fprintf(stderr,
               "kernels: %lld outlined, %lld distinct; compile cache: %s; "
               "peak memory %.1f MiB\n",
               static_cast<long long>(stats.kernelsOutlined),
               static_cast<long long>(stats.kernelsDistinct),
               cacheText(stats.cache), double(peak) / (1 << 20));
  for (const ReportField &f : extra)
    std::fprintf(stderr, "%s: %s\n", f.key.c_str(), f.json.c_str());
}

} // namespace dlc::tool
