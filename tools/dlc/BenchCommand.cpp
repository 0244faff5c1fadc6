//===- BenchCommand.cpp - `dlc bench` -------------------------------------===//
//
//   dlc bench MODEL(.fb|.so) [--batch N] [--threads T] [--iters K]
//             [--warmup W] [--json]
//
// Compiles (JIT) or loads the model, runs it on deterministic synthetic
// inputs, and reports the median, 10th and 90th percentile latency of one
// batch and the throughput. Like ONNX Runtime's perf test or TFLite's
// benchmark_model, it measures the model alone: no file or data handling in
// the timed loop. With T threads the JIT specializes the code for chunks of
// the batch (dlc::chunkBatchFor: about four per thread, at least 8 images)
// and the runtime hands them out to T threads of its pool. It also prints
// the compiled batch and the planned workspace (intermediate memory).
//
//===----------------------------------------------------------------------===//

#include "Args.h"
#include "Usage.h"
#include "Commands.h"
#include "ModelLoader.h"

#include "dlc/Compiler/Compiler.h"
#include "dlc/runtime/MemoryLimit.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace dlc::tool {

namespace {

int fail(const std::string &message) {
  std::fprintf(stderr, "dlc: %s\n", message.c_str());
  return 1;
}

/// Inputs of the described shapes, batched ones with batch `batch` (all at
/// the described shapes for a model that runs whole), filled with a fixed
/// pattern in [0, 1) (real data does not change the work done).
StatusOr<std::vector<HostTensor>> syntheticInputs(const CompiledModel &model,
                                                  int64_t batch) {
  const dlc_model_desc &desc = model.desc();
  std::vector<HostTensor> inputs;
  for (int32_t i = 0; i < desc.num_inputs; ++i) {
    const dlc_tensor_desc &t = desc.inputs[i];
    std::vector<int64_t> shape(t.shape, t.shape + t.rank);
    if (!shape.empty() && !(t.flags & DLC_TENSOR_UNBATCHED) &&
        !model.runsWhole())
      shape[0] = batch;
    auto tensor = HostTensor::create(static_cast<DType>(t.dtype), shape);
    if (!tensor.ok())
      return tensor.status();
    if (tensor->dtype() == DType::F32) {
      float *v = tensor->data<float>();
      for (int64_t e = 0; e < tensor->numElements(); ++e)
        v[e] = static_cast<float>((e * 2654435761u) % 1000) / 1000.0f;
    }
    inputs.push_back(std::move(*tensor));
  }
  return inputs;
}

double percentile(std::vector<double> sorted, double p) {
  size_t index = static_cast<size_t>(p * (sorted.size() - 1) + 0.5);
  return sorted[std::min(index, sorted.size() - 1)];
}

} // namespace

int benchCommand(int argc, char **argv) {
  Args args;
  std::string error;
  if (!parseArgs(argc, argv, 2,
                 {"--batch", "--iters", "--warmup", "--threads", "--max-memory"},
                 {"--json", "--no-fusion", "--no-cache"}, args, error))
    return usageError("bench", error);
  if (args.positional.size() != 1)
    return fail("bench: expects exactly one model (.fb or .so)");
  int64_t batch = 1, iters = 100, warmup = 10, threads = 1;
  if ((args.has("--batch") && !parsePositive(args.get("--batch"), batch)) ||
      (args.has("--threads") && !parsePositive(args.get("--threads"), threads)) ||
      (args.has("--iters") && !parsePositive(args.get("--iters"), iters)) ||
      (args.has("--warmup") && !parsePositive(args.get("--warmup"), warmup)))
    return fail("bench: --batch, --threads, --iters and --warmup expect "
                "positive integers");
  uint64_t maxMemory = 0;
  if (!readMaxMemory(args, maxMemory, error))
    return usageError("bench", error);

  const std::string &path = args.positional[0];
  double compileSeconds = 0;
  std::unique_ptr<CompiledModel> model;
  if (path.size() > 3 && path.compare(path.size() - 3, 3, ".so") == 0) {
    auto loaded = CompiledModel::loadSharedLibrary(path);
    if (!loaded.ok())
      return fail(loaded.status().message());
    model = std::move(*loaded);
    StatusOr<uint64_t> limit = resolveMemoryLimit(maxMemory);
    if (!limit.ok())
      return fail(limit.status().message());
    MemoryEstimate need = compiledModelMemory(model->desc(), int(threads));
    if (Status s = checkMemoryLimit(need, *limit, path); !s.ok())
      return fail(s.message());
  } else {
    auto file = loadModel(path, !args.has("--no-cache"));
    if (!file.ok())
      return fail(file.status().message());
    if (args.has("--batch"))
      if (std::string why = batchMismatch(**file, batch); !why.empty())
        return fail(path + ": " + why);
    CompileOptions options;
    options.batchSize = chunkBatchFor(batch, int(threads));
    options.fuse = !args.has("--no-fusion");
    options.useCache = !args.has("--no-cache");
    options.maxMemoryBytes = maxMemory;
    auto start = std::chrono::steady_clock::now();
    auto compiled = jitCompile(**file, options);
    // A model that runs whole (nothing to split into chunks) takes the
    // whole batch in one call: specialize it for that.
    if (compiled.ok() && (*compiled)->runsWhole() &&
        options.batchSize != batch) {
      options.batchSize = batch;
      compiled = jitCompile(**file, options);
    }
    compileSeconds = std::chrono::duration<double>(
                         std::chrono::steady_clock::now() - start)
                         .count();
    if (!compiled.ok())
      return fail(compiled.status().message());
    model = std::move(*compiled);
  }

  // A shared library was compiled for one batch size: without --batch, time
  // that one (running batch 1 through it would pad every call to its size).
  // A model that runs whole always runs at its compiled batch.
  if (!args.has("--batch") || model->runsWhole())
    batch = model->desc().batch_size * (model->runsWhole() ? 1 : threads);
  auto inputs = syntheticInputs(*model, batch);
  if (!inputs.ok())
    return fail(inputs.status().message());
  std::vector<double> ms;
  for (int64_t i = 0; i < warmup + iters; ++i) {
    auto start = std::chrono::steady_clock::now();
    RunOptions run;
    run.threads = static_cast<int>(threads);
    auto outputs = model->run(*inputs, run);
    double elapsed = std::chrono::duration<double, std::milli>(
                         std::chrono::steady_clock::now() - start)
                         .count();
    if (!outputs.ok())
      return fail(outputs.status().message());
    if (i >= warmup)
      ms.push_back(elapsed);
  }
  std::sort(ms.begin(), ms.end());
  double median = percentile(ms, 0.5), p10 = percentile(ms, 0.1),
         p90 = percentile(ms, 0.9);
  double imagesPerSecond = batch * 1000.0 / median;
  // The batch the code was specialized for (one chunk) and the intermediate
  // memory it planned for that chunk; every worker thread has its own.
  const dlc_model_desc &desc = model->desc();
  if (args.has("--json")) {
    std::printf("{\"model\": \"%s\", \"batch\": %lld, \"iters\": %lld, "
                "\"threads\": %lld, \"median_ms\": %.6f, \"p10_ms\": %.6f, "
                "\"p90_ms\": %.6f, \"images_per_s\": %.1f, \"compile_s\": "
                "%.3f, \"batch_compiled\": %lld, \"workspace_bytes\": %lld}\n",
                path.c_str(), static_cast<long long>(batch),
                static_cast<long long>(iters), static_cast<long long>(threads),
                median, p10, p90, imagesPerSecond, compileSeconds,
                static_cast<long long>(desc.batch_size),
                static_cast<long long>(desc.workspace_bytes));
  } else {
    std::printf("%s: batch %lld, %lld thread(s), %lld runs: median %.4f ms "
                "(p10 %.4f, p90 %.4f), %.0f images/s; compile %.3f s; "
                "compiled for batch %lld, workspace %lld bytes per thread\n",
                path.c_str(), static_cast<long long>(batch),
                static_cast<long long>(threads),
                static_cast<long long>(iters), median, p10, p90,
                imagesPerSecond, compileSeconds,
                static_cast<long long>(desc.batch_size),
                static_cast<long long>(desc.workspace_bytes));
  }
  return 0;
}

} // namespace dlc::tool
