//===- TrainCommand.cpp - dlc train ---------------------------------------===//
//
//   dlc train MODEL.fb --data DIR -o OUT.fb [--epochs N] [--batch B] [--lr X]
//       [--optimizer sgd|adam|adagrad|rmsprop] [--loss ...] [--resume] ...
//
// Settings start from the model's Training table; flags override them. The
// model (weights, optimizer state, counters) is saved to OUT.fb after every
// epoch, with OUT.csv (metrics per epoch) and OUT.svg (training curves)
// beside it.
//
//===----------------------------------------------------------------------===//

#include "Args.h"
#include "Usage.h"
#include "Commands.h"
#include "ModelLoader.h"

#include "dlc/Compiler/Training.h"
#include "dlc/runtime/Fit.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>
#include <unistd.h>

namespace dlc::tool {
namespace {

int fail(const std::string &message) {
  std::fprintf(stderr, "dlc: train: %s\n", message.c_str());
  return 1;
}

/// Looks `text` up among the enum's names (lower case) of `names`.
template <class Enum>
bool parseEnum(const std::string &text, const char *const *names,
               Enum &out) {
  for (int i = 0; names[i]; ++i) {
    std::string lower = names[i];
    std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
    if (text == lower) {
      out = Enum(i);
      return true;
    }
  }
  return false;
}

bool parseFloat(const std::string &text, float &out) {
  char *end = nullptr;
  out = std::strtof(text.c_str(), &end);
  return !text.empty() && end && *end == 0 && std::isfinite(out);
}

/// OUT.fb -> OUT.csv / OUT.svg.
std::string beside(const std::string &path, const std::string &ext) {
  size_t dot = path.rfind('.');
  size_t slash = path.rfind('/');
  std::string stem = dot != std::string::npos &&
                             (slash == std::string::npos || dot > slash)
                         ? path.substr(0, dot)
                         : path;
  return stem + ext;
}

/// Applies the flags to `o`; returns an error message or "".
std::string applyFlags(const Args &args, TrainerOptions &o) {
  int64_t n = 0;
  if (args.has("--epochs")) {
    if (!parsePositive(args.get("--epochs"), n))
      return "--epochs expects a positive integer";
    o.epochs = int(n);
  }
  if (args.has("--batch")) {
    if (!parsePositive(args.get("--batch"), n))
      return "--batch expects a positive integer";
    o.batchSize = n;
  }
  if (args.has("--seed")) {
    if (!parsePositive(args.get("--seed"), n) && args.get("--seed") != "0")
      return "--seed expects a non-negative integer";
    o.seed = args.get("--seed") == "0" ? 0 : n;
  }
  if (args.has("--decay-steps")) {
    if (!parsePositive(args.get("--decay-steps"), n))
      return "--decay-steps expects a positive integer";
    o.decaySteps = n;
  }
  struct FloatFlag {
    const char *name;
    float *field;
  } floats[] = {{"--lr", &o.learningRate},     {"--beta1", &o.beta1},
                {"--beta2", &o.beta2},         {"--epsilon", &o.epsilon},
                {"--momentum", &o.momentum},   {"--rho", &o.rho},
                {"--weight-decay", &o.weightDecay},
                {"--decay-rate", &o.decayRate}};
  for (const FloatFlag &f : floats)
    if (args.has(f.name) && !parseFloat(args.get(f.name), *f.field))
      return std::string(f.name) + " expects a number";
  if (!(o.learningRate > 0))
    return "--lr must be positive";
  if (args.has("--optimizer") &&
      !parseEnum(args.get("--optimizer"), fb::EnumNamesOptimizer(),
                 o.optimizer))
    return "--optimizer expects sgd, adam, adagrad or rmsprop";
  if (args.has("--loss") &&
      !parseEnum(args.get("--loss"), fb::EnumNamesLoss(), o.loss))
    return "--loss expects categorical_crossentropy, "
           "sparse_categorical_crossentropy, binary_crossentropy or "
           "mean_squared_error";
  if (args.has("--schedule") &&
      !parseEnum(args.get("--schedule"), fb::EnumNamesLrSchedule(),
                 o.schedule))
    return "--schedule expects constant, step or cosine";
  if (args.has("--nesterov"))
    o.nesterov = true;
  o.resume = args.has("--resume");
  return "";
}

} // namespace

int trainCommand(int argc, char **argv) {
  Args args;
  std::string error;
  if (!parseArgs(argc, argv, 2,
                 {"--data", "-o", "--epochs", "--batch", "--lr",
                  "--optimizer", "--loss", "--beta1", "--beta2", "--epsilon",
                  "--momentum", "--rho", "--weight-decay", "--schedule",
                  "--decay-steps", "--decay-rate", "--seed",
                  "--validation-split", "--threads", "--limit", "--max-memory"},
                 {"--resume", "--json", "--nesterov", "--no-shuffle",
                  "--quiet", "--no-fusion", "--no-cache"},
                 args, error))
    return usageError("train", error);
  if (args.positional.size() != 1)
    return fail("expects exactly one model (.fb or .tflite)");
  if (!args.has("--data"))
    return fail("--data DIR is required (MNIST-format IDX files or "
                "x_train.npy/y_train.npy)");
  std::string out = args.get("-o");
  if (out.empty())
    return fail("-o OUT.fb is required");

  auto file = loadModel(args.positional[0], !args.has("--no-cache"));
  if (!file.ok())
    return fail(file.status().message());
  TrainerOptions options = TrainerOptions::fromModel(*(*file)->model());
  if (std::string why = applyFlags(args, options); !why.empty())
    return fail(why);
  // Both cores by default: a step splits its batch over the threads.
  int64_t threads = std::max(1u, std::thread::hardware_concurrency());
  if (args.has("--threads") && !parsePositive(args.get("--threads"), threads))
    return fail("--threads expects a positive integer");
  options.threads = int(std::min<int64_t>(threads, 2));
  float split = 0;
  if (args.has("--validation-split") &&
      (!parseFloat(args.get("--validation-split"), split) || split < 0 ||
       split >= 1))
    return fail("--validation-split expects a fraction in [0, 1)");

  auto train = loadDataset(args.get("--data"), Split::Train);
  if (!train.ok())
    return fail(train.status().message());
  // --limit N: the first N examples only (quick experiments).
  if (args.has("--limit")) {
    int64_t limit = 0;
    if (!parsePositive(args.get("--limit"), limit))
      return fail("--limit expects a positive integer");
    if (limit < train->size()) {
      double rest = 1.0 - double(limit) / double(train->size());
      auto parts = splitValidation(std::move(*train), rest);
      if (!parts.ok())
        return fail(parts.status().message());
      *train = std::move(parts->first);
    }
  }
  // Validation: the last fraction of the training set when asked for,
  // otherwise the test split (as Keras' validation_data), when present.
  Dataset validation;
  if (split > 0) {
    auto parts = splitValidation(std::move(*train), split);
    if (!parts.ok())
      return fail(parts.status().message());
    *train = std::move(parts->first);
    validation = std::move(parts->second);
  } else if (auto test = loadDataset(args.get("--data"), Split::Test);
             test.ok()) {
    validation = std::move(*test);
  }

  CompileOptions compile;
  compile.fuse = !args.has("--no-fusion");
  compile.useCache = !args.has("--no-cache");
  if (!readMaxMemory(args, compile.maxMemoryBytes, error))
    return fail(error);
  auto compileStart = std::chrono::steady_clock::now();
  auto trainer = createTrainer(**file, options, compile);
  if (!trainer.ok())
    return fail(trainer.status().message());
  double compileSeconds = std::chrono::duration<double>(
                              std::chrono::steady_clock::now() - compileStart)
                              .count();

  bool quiet = args.has("--quiet") || args.has("--json");
  bool tty = isatty(fileno(stderr));
  TrainingLog log(beside(out, ".csv"), beside(out, ".svg"),
                  (*file)->graph()->name() ? (*file)->graph()->name()->str()
                                           : "");
  FitOptions fitOptions;
  fitOptions.epochs = options.epochs;
  fitOptions.seed = uint64_t(options.seed);
  fitOptions.shuffle = !args.has("--no-shuffle");
  fitOptions.checkpointPath = out;
  fitOptions.threads = int(threads);
  std::vector<double> stepSeconds;
  fitOptions.stepSeconds = &stepSeconds;
  if (!quiet && tty)
    fitOptions.onProgress = [](const FitProgress &p) {
      double rate = double(p.examplesDone) / std::max(p.seconds, 1e-9);
      double eta = double(p.examplesTotal - p.examplesDone) / rate;
      std::fprintf(stderr, "\r%s",
                   formatProgress(p.examplesDone, p.examplesTotal, rate, eta,
                                  p.loss, p.accuracy, 30)
                       .c_str());
      std::fflush(stderr);
    };
  fitOptions.onEpoch = [&](const EpochRecord &r) -> Status {
    if (!quiet) {
      if (tty)
        std::fprintf(stderr, "\n");
      std::printf("epoch %lld/%d  %.1fs  %.0f img/s  loss %.4f  acc %.4f",
                  (long long)r.epoch, options.epochs, r.seconds,
                  r.imagesPerSecond, r.loss, r.accuracy);
      if (!std::isnan(r.valLoss))
        std::printf("  val_loss %.4f  val_acc %.4f", r.valLoss,
                    r.valAccuracy);
      std::printf("\n");
      std::fflush(stdout);
    }
    return log.append(r);
  };
  auto records = fit(**trainer, *train, &validation, fitOptions);
  if (!records.ok())
    return fail(records.status().message());

  std::sort(stepSeconds.begin(), stepSeconds.end());
  double stepMs =
      stepSeconds.empty() ? 0 : stepSeconds[stepSeconds.size() / 2] * 1e3;
  double seen = 0, seconds = 0;
  std::string epochSeconds;
  for (const EpochRecord &r : *records) {
    seen += r.imagesPerSecond * r.seconds;
    seconds += r.seconds;
    epochSeconds += (epochSeconds.empty() ? "" : ", ") +
                    std::to_string(r.seconds);
  }
  const EpochRecord *last = records->empty() ? nullptr : &records->back();
  if (args.has("--json")) {
    std::printf("{\"model\": \"%s\", \"epochs\": %d, \"batch\": %lld, "
                "\"images_per_s\": %.1f, \"step_ms\": %.4f, "
                "\"epoch_seconds\": [%s], \"compile_s\": %.3f, "
                "\"final_loss\": %.6f, \"final_accuracy\": %.6f, "
                "\"test_accuracy\": %.6f, \"test_loss\": %.6f}\n",
                out.c_str(), options.epochs, (long long)options.batchSize,
                seconds > 0 ? seen / seconds : 0.0, stepMs,
                epochSeconds.c_str(), compileSeconds,
                last ? last->loss : 0.0, last ? last->accuracy : 0.0,
                last ? last->valAccuracy : 0.0, last ? last->valLoss : 0.0);
  } else {
    std::printf("saved %s (and %s, %s); compile %.2fs, median step %.2f ms\n",
                out.c_str(), beside(out, ".csv").c_str(),
                beside(out, ".svg").c_str(), compileSeconds, stepMs);
    if (last && !std::isnan(last->valAccuracy))
      std::printf("%s accuracy: %.2f%%\n",
                  split > 0 ? "validation" : "test",
                  100.0 * last->valAccuracy);
  }
  return 0;
}

} // namespace dlc::tool
