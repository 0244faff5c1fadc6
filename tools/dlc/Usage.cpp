//===- Usage.cpp - `dlc CMD --help`, `dlc help CMD`, `dlc --version` ------===//
//
// One usage text per command, kept beside the others so that they read
// alike: what the command does, its options with their defaults, an example.
//
//===----------------------------------------------------------------------===//

#include "Usage.h"

#include "dlc/Compiler/Compiler.h"
#include "dlc/Target/Target.h"

#include "llvm/Config/llvm-config.h"

#include <cstdio>

namespace dlc::tool {

namespace {

struct CommandUsage {
  const char *name;
  const char *text;
};

// The options shared by every command that compiles a model.
#define DLC_COMPILE_OPTIONS                                                    \
  "  --no-fusion             compile conv, activation and pool apart\n"        \
  "  --no-cache              neither read nor write the compile cache\n"       \
  "  --max-memory SIZE       refuse a model needing more (e.g. 512M, 4G;\n"    \
  "                          default $DLC_MAX_MEMORY, else the physical "      \
  "memory)\n"

const CommandUsage kUsages[] = {
    {"compile",
     "usage: dlc compile MODEL [-o OUT] [--emit=KIND] [options]\n"
     "Compiles MODEL (.fb, .onnx or .tflite) ahead of time: a shared library\n"
     "that runs without LLVM or MLIR, or any intermediate stage.\n"
     "options:\n"
     "  -o OUT                  output file (default MODEL's name with .so "
     "or .o;\n"
     "                          text stages go to stdout)\n"
     "  --emit=KIND             so (default), obj, asm, llvm, llvm-mlir,\n"
     "                          bufferized, linalg, mlir\n"
     "  --function=F            infer (default), train_step, "
     "infer_with_parameters\n"
     "  --batch N               batch size the code is compiled for "
     "(default 1)\n" DLC_COMPILE_OPTIONS
     "  --cpu=NAME              x86-64 CPU to compile for, an LLVM name such "
     "as\n"
     "                          haswell (default: this machine's)\n"
     "  --target-features=LIST  features added to it, e.g. +avx2,-avx512f\n"
     "  --outer-tiles=a,b,..    override every fusion root's task tiles\n"
     "  --inner-tiles=a,b,..    override every fusion root's register tiles\n"
     "  --time, --json          report each stage's time, the kernels and "
     "peak memory\n"
     "example:\n"
     "  dlc compile examples/mnist_cnn.fb --batch 64 -o mnist.so --time\n"},
    {"run",
     "usage: dlc run MODEL --input x.npy [--input ...] [--output y.npy ...] "
     "[options]\n"
     "Runs MODEL (.fb, .onnx, .tflite: compiled on the fly and cached; or a "
     "compiled .so)\n"
     "on NumPy arrays, one --input per graph input in order; prints the "
     "outputs\n"
     "or writes them to --output files.\n"
     "options:\n"
     "  --threads T             threads (default 1)\n"
     "  --batch N               batch the code is compiled for (default: a\n"
     "                          thread's share of the inputs' batch)\n"
     DLC_COMPILE_OPTIONS
     "  --cpu=NAME, --target-features=LIST   as for dlc compile\n"
     "  --time, --json          report setup and run times\n"
     "example:\n"
     "  dlc run examples/mnist_cnn.fb --input images.npy --output probs.npy\n"},
    {"summary",
     "usage: dlc summary MODEL [--format=table|json|mermaid|dot]\n"
     "Describes MODEL's graph: each op with its shapes, parameters and "
     "FLOPs.\n"
     "options:\n"
     "  --format=F              table (default), json, mermaid or dot\n"
     "example:\n"
     "  dlc summary examples/mnist_cnn.fb --format=mermaid\n"},
    {"bench",
     "usage: dlc bench MODEL [options]\n"
     "Times MODEL (.fb, .onnx, .tflite or a compiled .so) on random inputs.\n"
     "options:\n"
     "  --threads T             threads (default 1)\n"
     "  --iters K               timed runs (default 100)\n"
     "  --warmup W              untimed runs first (default 10)\n"
     "  --json                  one JSON line instead of text\n"
     "  --batch N               batch size (default 1)\n" DLC_COMPILE_OPTIONS
     "example:\n"
     "  dlc bench examples/mnist_cnn.fb --batch 64 --threads 2\n"},
    {"import",
     "usage: dlc import MODEL.onnx|MODEL.tflite -o MODEL.fb\n"
     "       dlc import --list-ops\n"
     "Converts an ONNX or TensorFlow Lite model into dlc's format; "
     "--list-ops\n"
     "prints the supported operators (docs/SUPPORTED_OPS.md).\n"
     "options:\n"
     "  -o OUT                  the .fb to write (required)\n"
     "  --list-ops              the operator tables, in Markdown\n"
     "example:\n"
     "  dlc import resnet18.onnx -o resnet18.fb\n"},
    {"train",
     "usage: dlc train MODEL --data DIR -o OUT.fb [options]\n"
     "Trains MODEL on an IDX data set (e.g. Fashion-MNIST) with the whole "
     "step\n"
     "compiled, and saves the trained model. Defaults come from the model's\n"
     "training settings.\n"
     "options:\n"
     "  --data DIR              IDX files (.gz or not) or .npy arrays "
     "(required)\n"
     "  -o OUT                  the trained .fb (required)\n"
     "  --epochs N, --batch B, --lr X\n"
     "  --optimizer O           sgd, adam, adagrad or rmsprop\n"
     "  --loss L                categorical_crossentropy, "
     "sparse_categorical_crossentropy,\n"
     "                          binary_crossentropy, mean_squared_error\n"
     "  --beta1, --beta2, --epsilon, --momentum, --rho, --weight-decay X\n"
     "  --nesterov              Nesterov momentum (sgd)\n"
     "  --schedule S            constant, step or cosine; --decay-steps N, "
     "--decay-rate R\n"
     "  --seed S, --no-shuffle  data order\n"
     "  --validation-split F    hold out this fraction (default: the test "
     "split)\n"
     "  --limit N               use N training examples\n"
     "  --threads T             threads (default: every core, at most 2)\n"
     "  --resume                continue from OUT's checkpoint\n"
     "  --json, --quiet         one JSON line per epoch; no progress\n"
     "  --no-fusion, --no-cache, --max-memory SIZE   as for dlc compile\n"
     "example:\n"
     "  dlc train examples/mnist_cnn.fb --data /usr/share/datasets/fashion-mnist "
     "-o trained.fb --epochs 5\n"},
    {"eval",
     "usage: dlc eval MODEL --data DIR [options]\n"
     "Accuracy and loss of MODEL on an IDX data set.\n"
     "options:\n"
     "  --data DIR              IDX files (.gz or not) or .npy arrays "
     "(required)\n"
     "  --split S               test (default) or train\n"
     "  --threads T             threads (default 1)\n"
     "  --json                  one JSON line instead of text\n"
     "  --batch N               batch size (default 64)\n" DLC_COMPILE_OPTIONS
     "example:\n"
     "  dlc eval trained.fb --data /usr/share/datasets/fashion-mnist\n"},
};

#undef DLC_COMPILE_OPTIONS

} // namespace

const char *commandUsage(const std::string &command) {
  for (const CommandUsage &usage : kUsages)
    if (command == usage.name)
      return usage.text;
  return nullptr;
}

bool asksForHelp(int argc, char **argv) {
  for (int i = 2; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-h" || arg == "--help")
      return true;
  }
  return false;
}

int usageError(const std::string &command, const std::string &error) {
  std::fprintf(stderr, "dlc: %s: %s\n", command.c_str(), error.c_str());
  if (const char *usage = commandUsage(command))
    std::fputs(usage, stderr);
  return 1;
}

int printVersion() {
  std::printf("dlc %s\n", DLC_TOOL_VERSION);
  std::printf("LLVM/MLIR %s\n", LLVM_VERSION_STRING);
  std::string error;
  std::optional<TargetDescription> host = describeTarget("", "", error);
  if (host)
    std::printf("host CPU: %s (%lld-bit vectors, %lld vector registers)\n",
                host->cpu.c_str(), static_cast<long long>(host->vectorBits),
                static_cast<long long>(host->vectorRegisters));
  else
    std::printf("host CPU: unknown (%s)\n", error.c_str());
  return 0;
}

} // namespace dlc::tool
