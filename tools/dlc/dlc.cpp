//===- dlc.cpp - the dlc command-line tool --------------------------------===//
//
//   dlc compile MODEL.fb [-o OUT] [--emit=so|obj|asm|llvm|llvm-mlir|
//                                 bufferized|linalg|mlir] [--batch N]
//   dlc run MODEL(.fb|.so) --input x.npy ... [--output y.npy ...]
//   dlc summary MODEL.fb [--format=table|json|mermaid|dot]
//   dlc bench MODEL(.fb|.so) [--batch N] [--iters K] [--json]
//   dlc import MODEL.tflite|MODEL.onnx -o model.fb [--list-ops]
//   dlc train MODEL.fb --data DIR -o OUT.fb [--epochs N] [--batch B] ...
//   dlc eval MODEL.fb --data DIR [--split test|train] [--json]
//
// MODEL.fb may also be a TensorFlow Lite file (.tflite), recognized by its
// file identifier, or an ONNX model (.onnx): both are converted on the fly.
//
// Every failure is one line on stderr and a non-zero exit code.
//
//===----------------------------------------------------------------------===//

#include "Commands.h"

#include "Usage.h"

#include <cstdio>
#include <cstring>
#include <string>

static int usage(FILE *out) {
  std::fprintf(out,
               "usage: dlc <command> [options]\n"
               "commands:\n"
               "  compile MODEL.fb [-o OUT] [--emit=KIND] [--batch N]\n"
               "          [--no-fusion] [--outer-tiles=a,b,..] "
               "[--inner-tiles=a,b,..] [--time]\n"
               "          [--cpu=NAME] [--target-features=+f,-g]  "
               "(another x86-64 CPU, e.g. haswell)\n"
               "          KIND: so (default), obj, asm, llvm, llvm-mlir,\n"
               "                bufferized, linalg, mlir\n"
               "  run MODEL(.fb|.so) --input x.npy [--input ...] "
               "[--output y.npy ...] [--batch N] [--threads T]\n"
               "  summary MODEL.fb [--format=table|json|mermaid|dot]\n"
               "  bench MODEL(.fb|.so) [--batch N] [--threads T] [--iters K] "
               "[--warmup W] [--json]\n"
               "  import MODEL.tflite|MODEL.onnx -o model.fb  (--list-ops: tables)\n"
               "  train MODEL.fb --data DIR -o OUT.fb [--epochs N] [--batch B] "
               "[--lr X]\n"
               "        [--optimizer sgd|adam|adagrad|rmsprop] [--loss L] "
               "[--momentum M] [--nesterov]\n"
               "        [--weight-decay W] [--schedule constant|step|cosine] "
               "[--decay-steps N]\n"
               "        [--decay-rate R] [--seed S] [--validation-split F] "
               "[--resume] [--json] [--limit N] [--threads T]\n"
               "  eval MODEL.fb --data DIR [--split test|train] [--batch B] "
               "[--threads T] [--json]\n"
               "  help COMMAND            (or dlc COMMAND --help) that "
               "command's options\n"
               "  --version               dlc's, LLVM/MLIR's version and the "
               "host CPU\n"
               "MODEL.fb may also be a TensorFlow Lite (.tflite) or ONNX (.onnx) model.\n"
               "compile, run, bench, train and eval refuse a model whose "
               "memory exceeds\n--max-memory SIZE (e.g. 512M, 4G; default: "
               "$DLC_MAX_MEMORY, else the physical memory).\n");
  return out == stderr ? 2 : 0;
}

int main(int argc, char **argv) {
  if (argc < 2)
    return usage(stderr);
  std::string command = argv[1];
  if (command == "-h" || command == "--help")
    return usage(stdout);
  if (command == "--version" || command == "-V")
    return dlc::tool::printVersion();
  if (command == "help") {
    if (argc < 3)
      return usage(stdout);
    if (const char *text = dlc::tool::commandUsage(argv[2])) {
      std::fputs(text, stdout);
      return 0;
    }
    std::fprintf(stderr, "dlc: help: unknown command '%s'\n", argv[2]);
    return usage(stderr);
  }
  // `dlc CMD --help` anywhere among CMD's arguments.
  if (const char *text = dlc::tool::commandUsage(command);
      text && dlc::tool::asksForHelp(argc, argv)) {
    std::fputs(text, stdout);
    return 0;
  }
  if (command == "compile")
    return dlc::tool::compileCommand(argc, argv);
  if (command == "run")
    return dlc::tool::runCommand(argc, argv);
  if (command == "summary")
    return dlc::tool::summaryCommand(argc, argv);
  if (command == "bench")
    return dlc::tool::benchCommand(argc, argv);
  if (command == "import")
    return dlc::tool::importCommand(argc, argv);
  if (command == "train")
    return dlc::tool::trainCommand(argc, argv);
  if (command == "eval")
    return dlc::tool::evalCommand(argc, argv);
  std::fprintf(stderr, "dlc: unknown command '%s' (try 'dlc --help')\n",
               command.c_str());
  return 2;
}
