//===- CompileReport.h - what a compile cost, for --time [--json] -*- C++ -*-===//
//
// `dlc compile --time` and `dlc run --time` report per-stage seconds, the
// kernels before and after sharing, whether the compile cache was used, and
// the process's peak memory; with --json as one JSON object on stdout (for
// bench/compile.sh), else as lines on stderr.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_TOOLS_COMPILEREPORT_H
#define DLC_TOOLS_COMPILEREPORT_H

#include "dlc/Compiler/Compiler.h"

#include <string>
#include <vector>

namespace dlc::tool {

/// Seconds since this process started (static initialization).
double secondsSinceStart();

/// The process's peak resident memory in bytes (getrusage).
uint64_t peakResidentBytes();

/// One extra figure of a report: a JSON key and its value, already JSON.
struct ReportField {
  std::string key, json;
};

/// Writes the report of `stats` for `model`, with `extra` fields after the
/// compile figures.
void printCompileReport(const std::string &model, const CompileStats &stats,
                        bool json, const std::vector<ReportField> &extra);

/// A JSON string literal of `text`.
std::string jsonString(const std::string &text);

} // namespace dlc::tool

#endif // DLC_TOOLS_COMPILEREPORT_H
