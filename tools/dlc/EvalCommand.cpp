//===- EvalCommand.cpp - dlc eval -----------------------------------------===//
//
//   dlc eval MODEL(.fb|.tflite) --data DIR [--split test|train] [--batch B]
//            [--threads T] [--json]
//
// Compiles the model for inference, runs it over a labelled data set and
// reports accuracy, per-class precision/recall/F1, macro averages, the
// confusion matrix and one-vs-rest ROC AUC.
//
//===----------------------------------------------------------------------===//

#include "Args.h"
#include "Usage.h"
#include "Commands.h"
#include "ModelLoader.h"

#include "dlc/Compiler/Compiler.h"
#include "dlc/runtime/Dataset.h"
#include "dlc/runtime/Metrics.h"

#include <cstdio>

namespace dlc::tool {
namespace {
int fail(const std::string &message) {
  std::fprintf(stderr, "dlc: eval: %s\n", message.c_str());
  return 1;
}
} // namespace

int evalCommand(int argc, char **argv) {
  Args args;
  std::string error;
  if (!parseArgs(argc, argv, 2, {"--data", "--split", "--batch", "--threads",
                                 "--max-memory"},
                 {"--json", "--no-fusion", "--no-cache"}, args, error))
    return usageError("eval", error);
  if (args.positional.size() != 1)
    return fail("expects exactly one model (.fb or .tflite)");
  if (!args.has("--data"))
    return fail("--data DIR is required");
  std::string splitName = args.get("--split", "test");
  if (splitName != "test" && splitName != "train")
    return fail("--split expects test or train");
  int64_t batch = 64, threads = 1;
  if ((args.has("--batch") && !parsePositive(args.get("--batch"), batch)) ||
      (args.has("--threads") && !parsePositive(args.get("--threads"), threads)))
    return fail("--batch and --threads expect positive integers");

  auto file = loadModel(args.positional[0], !args.has("--no-cache"));
  if (!file.ok())
    return fail(file.status().message());
  auto data = loadDataset(args.get("--data"),
                          splitName == "test" ? Split::Test : Split::Train);
  if (!data.ok())
    return fail(data.status().message());

  CompileOptions options;
  options.batchSize = batch;
  options.fuse = !args.has("--no-fusion");
  options.useCache = !args.has("--no-cache");
  if (!readMaxMemory(args, options.maxMemoryBytes, error))
    return fail(error);
  auto model = jitCompile(**file, options);
  if (!model.ok())
    return fail(model.status().message());
  if ((*model)->desc().num_inputs != 1 || (*model)->desc().num_outputs != 1)
    return fail("expects a model with one input and one output");
  std::vector<HostTensor> inputs;
  inputs.push_back(std::move(data->images));
  RunOptions run;
  run.threads = int(threads);
  auto outputs = (*model)->run(inputs, run);
  if (!outputs.ok())
    return fail(outputs.status().message());
  const HostTensor &probabilities = outputs->front();
  if (probabilities.rank() != 2)
    return fail("expects a model whose output is [N, classes], got " +
                probabilities.describe());
  auto report = evaluateClassification(probabilities, data->labels);
  if (!report.ok())
    return fail(report.status().message());
  std::vector<std::string> names;
  if (report->numClasses == 10)
    names = fashionMnistClassNames();
  if (args.has("--json")) {
    std::printf("%s\n", toJson(*report, names).c_str());
    return 0;
  }
  std::printf("%s: %lld %s images\n%s", args.positional[0].c_str(),
              (long long)report->numSamples, splitName.c_str(),
              formatReport(*report, names).c_str());
  return 0;
}

} // namespace dlc::tool
