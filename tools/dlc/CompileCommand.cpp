//===- CompileCommand.cpp - `dlc compile` and `dlc run` -------------------===//

#include "Args.h"
#include "Usage.h"
#include "Commands.h"
#include "CompileReport.h"
#include "ModelLoader.h"

#include "dlc/Compiler/Compiler.h"
#include "dlc/runtime/MemoryLimit.h"
#include "dlc/runtime/Npy.h"

#include <algorithm>
#include <cstdio>

namespace dlc::tool {

namespace {

int fail(const std::string &message) {
  std::fprintf(stderr, "dlc: %s\n", message.c_str());
  return 1;
}

bool endsWith(const std::string &s, const std::string &suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string defaultOutput(const std::string &model, EmitKind kind) {
  std::string stem = model;
  if (size_t slash = stem.find_last_of('/'); slash != std::string::npos)
    stem = stem.substr(slash + 1);
  if (size_t dot = stem.find_last_of('.'); dot != std::string::npos)
    stem = stem.substr(0, dot);
  switch (kind) {
  case EmitKind::SharedLibrary:
    return stem + ".so";
  case EmitKind::Object:
    return stem + ".o";
  default:
    return "-"; // text stages go to stdout unless -o says otherwise
  }
}

/// Shared by compile and run: --batch, --no-fusion, tile overrides, the
/// target CPU.
bool readCompileOptions(const Args &args, CompileOptions &options,
                        std::string &error) {
  if (args.has("--batch") &&
      !parsePositive(args.get("--batch"), options.batchSize)) {
    error = "--batch expects a positive integer";
    return false;
  }
  options.fuse = !args.has("--no-fusion");
  options.useCache = !args.has("--no-cache");
  if (args.has("--outer-tiles") &&
      !parseIntList(args.get("--outer-tiles"), options.outerTiles)) {
    error = "--outer-tiles expects a list like 1,1,0,0";
    return false;
  }
  if (args.has("--inner-tiles") &&
      !parseIntList(args.get("--inner-tiles"), options.innerTiles)) {
    error = "--inner-tiles expects a list like 1,1,13,32";
    return false;
  }
  // Code for another x86-64 CPU (e.g. an AVX2-only haswell); an unknown
  // name is refused when compiling.
  options.targetCpu = args.get("--cpu", "");
  options.targetFeatures = args.get("--target-features", "");
  if (args.has("--cpu") && options.targetCpu.empty()) {
    error = "--cpu expects a CPU name such as haswell";
    return false;
  }
  return readMaxMemory(args, options.maxMemoryBytes, error);
}

const std::set<std::string> kCompileValues = {
    "-o",           "--emit",       "--batch",          "--outer-tiles",
    "--inner-tiles", "--max-memory", "--cpu",            "--target-features"};

/// Prints a tensor's shape and its first values.
void preview(const std::string &name, const HostTensor &t) {
  std::printf("%s: %s %s", name.c_str(), dtypeName(t.dtype()),
              shapeToString(t.shape()).c_str());
  if (t.dtype() == DType::F32) {
    const float *v = t.data<float>();
    int64_t n = std::min<int64_t>(t.numElements(), 10);
    std::printf(" [");
    for (int64_t i = 0; i < n; ++i)
      std::printf("%s%.6g", i ? ", " : "", v[i]);
    std::printf("%s]", t.numElements() > n ? ", ..." : "");
  }
  std::printf("\n");
}

} // namespace

int compileCommand(int argc, char **argv) {
  Args args;
  std::string error;
  std::set<std::string> values = kCompileValues;
  values.insert("--function");
  if (!parseArgs(argc, argv, 2, values,
                 {"--no-fusion", "--time", "--json", "--no-cache"}, args,
                 error))
    return usageError("compile", error);
  if (args.positional.size() != 1)
    return fail("compile: expects exactly one model file");
  CompileOptions options;
  if (!readCompileOptions(args, options, error))
    return fail("compile: " + error);
  auto kind = parseEmitKind(args.get("--emit", "so"));
  if (!kind)
    return fail("compile: unknown --emit kind '" + args.get("--emit") + "'");
  const std::string &modelPath = args.positional[0];
  std::string output = args.get("-o", defaultOutput(modelPath, *kind));
  if ((*kind == EmitKind::SharedLibrary || *kind == EmitKind::Object) &&
      output == "-")
    return fail("compile: binary output needs a file name (-o)");

  // Reading the file, and converting a TFLite or ONNX model (or taking the
  // conversion from the cache), before the compiler's own stages.
  double loadStart = secondsSinceStart();
  auto file = loadModel(modelPath, !args.has("--no-cache"));
  if (!file.ok())
    return fail(file.status().message());
  if (args.has("--batch"))
    if (std::string why = batchMismatch(**file, options.batchSize);
        !why.empty())
      return fail(modelPath + ": " + why);
  double loadSeconds = secondsSinceStart() - loadStart;
  // The training step (as `dlc train` compiles it, with the model's
  // Training settings) or the forward pass reading its weights as inputs.
  std::string function = args.get("--function", "infer");
  if (function == "train_step") {
    options.function = ModelFunction::TrainStep;
    options.training = trainingConfigOf(**file);
  } else if (function == "infer_with_parameters") {
    options.function = ModelFunction::InferWithParameters;
  } else if (function != "infer") {
    return fail("compile: --function expects infer, infer_with_parameters "
                "or train_step");
  }
  CompileStats stats;
  Status status = compileModel(**file, options, *kind, output, &stats);
  if (!status.ok())
    return fail(status.message());
  if (args.has("--time") || args.has("--json")) {
    char load[32];
    std::snprintf(load, sizeof load, "%.3f", loadSeconds);
    std::vector<ReportField> extra = {{"load_seconds", load}};
    if (output != "-")
      if (FILE *f = std::fopen(output.c_str(), "rb")) {
        std::fseek(f, 0, SEEK_END);
        extra.push_back({"output_bytes", std::to_string(std::ftell(f))});
        std::fclose(f);
      }
    printCompileReport(modelPath, stats, args.has("--json"), extra);
  }
  return 0;
}

int runCommand(int argc, char **argv) {
  Args args;
  std::string error;
  std::set<std::string> values = kCompileValues;
  values.insert({"--input", "--output", "--threads"});
  if (!parseArgs(argc, argv, 2, values,
                 {"--no-fusion", "--no-cache", "--time", "--json"}, args,
                 error))
    return usageError("run", error);
  if (args.positional.size() != 1)
    return fail("run: expects exactly one model (.fb or .so)");
  const std::string &modelPath = args.positional[0];

  std::vector<HostTensor> inputs;
  for (const std::string &path : args.all("--input")) {
    auto tensor = readNpy(path);
    if (!tensor.ok())
      return fail(tensor.status().message());
    inputs.push_back(std::move(*tensor));
  }

  int64_t threads = 1;
  if (args.has("--threads") && !parsePositive(args.get("--threads"), threads))
    return fail("run: --threads expects a positive integer");

  std::unique_ptr<CompiledModel> model;
  CompileStats stats;
  if (endsWith(modelPath, ".so")) {
    uint64_t requested = 0;
    if (!readMaxMemory(args, requested, error))
      return fail("run: " + error);
    StatusOr<uint64_t> limit = resolveMemoryLimit(requested);
    if (!limit.ok())
      return fail(limit.status().message());
    auto loaded = CompiledModel::loadSharedLibrary(modelPath);
    if (!loaded.ok())
      return fail(loaded.status().message());
    model = std::move(*loaded);
    // The library's weights are mapped with its code; what the run adds is
    // its inputs, outputs and one workspace per thread.
    MemoryEstimate need = compiledModelMemory(model->desc(), int(threads));
    if (Status s = checkMemoryLimit(need, *limit, modelPath); !s.ok())
      return fail(s.message());
  } else {
    CompileOptions options;
    // Specialize for chunks of the batch we are about to run, unless told
    // otherwise.
    if (!inputs.empty() && inputs[0].rank() > 0 && inputs[0].dim(0) > 0)
      options.batchSize = chunkBatchFor(inputs[0].dim(0), int(threads));
    if (!readCompileOptions(args, options, error))
      return fail("run: " + error);
    auto file = loadModel(modelPath, !args.has("--no-cache"));
    if (!file.ok())
      return fail(file.status().message());
    auto compiled = jitCompile(**file, options, &stats);
    // A model that runs whole (no batch to split, or an output without
    // one) takes its inputs at exactly the compiled shapes, in one call:
    // specialize it for the whole batch rather than a thread's share.
    if (compiled.ok() && (*compiled)->runsWhole() && !args.has("--batch") &&
        !inputs.empty() && inputs[0].rank() > 0 && inputs[0].dim(0) > 0 &&
        inputs[0].dim(0) != options.batchSize) {
      options.batchSize = inputs[0].dim(0);
      compiled = jitCompile(**file, options, &stats);
    }
    if (!compiled.ok())
      return fail(compiled.status().message());
    model = std::move(*compiled);
  }

  const dlc_model_desc &desc = model->desc();
  if (inputs.size() != static_cast<size_t>(desc.num_inputs))
    return fail(modelPath + ": the model takes " +
                std::to_string(desc.num_inputs) + " input(s), got " +
                std::to_string(inputs.size()) + " --input");
  RunOptions runOptions;
  runOptions.threads = static_cast<int>(threads);
  double setupSeconds = secondsSinceStart();
  auto outputs = model->run(inputs, runOptions);
  if (!outputs.ok())
    return fail(outputs.status().message());
  if (args.has("--time") || args.has("--json")) {
    char figures[96];
    std::snprintf(figures, sizeof figures, "%.3f",
                  secondsSinceStart() - setupSeconds);
    std::string run = figures;
    std::snprintf(figures, sizeof figures, "%.3f", setupSeconds);
    // Before the first inference: start-up, reading the model, compiling
    // or loading the cached code.
    printCompileReport(modelPath, stats, args.has("--json"),
                       {{"setup_seconds", figures}, {"run_seconds", run}});
  }

  const std::vector<std::string> &outPaths = args.all("--output");
  if (!outPaths.empty() && outPaths.size() != outputs->size())
    return fail("run: the model has " + std::to_string(outputs->size()) +
                " output(s), got " + std::to_string(outPaths.size()) +
                " --output");
  for (size_t i = 0; i < outputs->size(); ++i) {
    preview(desc.outputs[i].name, (*outputs)[i]);
    if (!outPaths.empty())
      if (Status s = writeNpy(outPaths[i], (*outputs)[i]); !s.ok())
        return fail(s.message());
  }
  return 0;
}

} // namespace dlc::tool
