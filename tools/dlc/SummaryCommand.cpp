//===- SummaryCommand.cpp - `dlc summary` ---------------------------------===//
//
//   dlc summary MODEL.fb [--format=table|json|mermaid|dot]
//
// A Keras-style table of the layers (output shape with the batch shown as
// None, parameters, FLOPs per image), the same data as one JSON object, or
// the graph as a Mermaid flowchart or a Graphviz digraph.
//
//===----------------------------------------------------------------------===//

#include "Args.h"
#include "Usage.h"
#include "Commands.h"
#include "ModelLoader.h"
#include "ModelSummary.h"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <string>

namespace dlc::tool {

namespace {

int fail(const std::string &message) {
  // One line, whatever the message holds.
  std::string line = message;
  std::replace(line.begin(), line.end(), '\n', ' ');
  std::fprintf(stderr, "dlc: %s\n", line.c_str());
  return 1;
}

/// 93322 -> "93,322".
std::string withCommas(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0)
      out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

/// 5616522 -> "5.62 M".
std::string scaled(double value, const char *unit) {
  const char *prefixes[] = {"", "K", "M", "G", "T"};
  int p = 0;
  while (value >= 1000 && p < 4) {
    value /= 1000;
    ++p;
  }
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, p ? "%.2f %s%s" : "%.0f %s%s", value,
                prefixes[p], unit);
  return buffer;
}

/// Keras' spelling: (None, 26, 26, 32).
std::string shapeText(const SummaryShape &shape) {
  std::string text = "(";
  for (size_t i = 0; i < shape.size(); ++i)
    text +=
        (i ? ", " : "") + (shape[i] == kBatchDim ? std::string("None")
                                                 : std::to_string(shape[i]));
  return text + (shape.size() == 1 ? ",)" : ")");
}

std::string typeText(const LayerSummary &layer) {
  return layer.activation.empty() ? layer.type
                                  : layer.type + "+" + layer.activation;
}

/// Graph inputs that some operator reads (a training label input is not).
std::vector<bool> usedInputs(const ModelSummary &s) {
  std::vector<bool> used(s.inputs.size(), false);
  for (const LayerSummary &layer : s.layers)
    for (const SummaryEdge &e : layer.inputs)
      if (e.fromOp < 0)
        used[e.fromInput] = true;
  return used;
}

void printTable(const ModelSummary &s, const std::string &path) {
  std::vector<std::vector<std::string>> rows = {
      {"Layer", "Type", "Output shape", "Params", "FLOPs"}};
  for (const LayerSummary &layer : s.layers)
    rows.push_back({layer.name, typeText(layer), shapeText(layer.shape),
                    withCommas(layer.params), withCommas(layer.flops)});
  std::vector<size_t> width(rows[0].size(), 0);
  for (const auto &row : rows)
    for (size_t c = 0; c < row.size(); ++c)
      width[c] = std::max(width[c], row[c].size());
  size_t total = 0;
  for (size_t w : width)
    total += w + 2;
  std::string rule(total - 2, '=');

  if (s.name.empty())
    std::printf("Model: %s\n", path.c_str());
  else
    std::printf("Model: \"%s\" (%s)\n", s.name.c_str(), path.c_str());
  std::vector<bool> used = usedInputs(s);
  for (size_t i = 0; i < s.inputs.size(); ++i)
    if (used[i])
      std::printf("Input: %s %s\n", s.inputs[i].name.c_str(),
                  shapeText(s.inputs[i].shape).c_str());
  for (size_t r = 0; r < rows.size(); ++r) {
    std::string line;
    for (size_t c = 0; c < rows[r].size(); ++c) {
      // Names left-aligned, numbers right-aligned.
      const std::string &cell = rows[r][c];
      std::string pad(width[c] - cell.size(), ' ');
      line += (c >= 3 ? pad + cell : cell + pad) +
              (c + 1 < width.size() ? "  " : "");
    }
    std::printf("%s\n", line.c_str());
    if (r == 0)
      std::printf("%s\n", rule.c_str());
  }
  std::printf("%s\n", rule.c_str());
  std::printf("Total params: %s (%s bytes, %.2f KiB)\n",
              withCommas(s.totalParams).c_str(),
              withCommas(s.paramBytes).c_str(), s.paramBytes / 1024.0);
  std::printf("Total FLOPs per image: %s (%s; conv/dense/matmul: %s)\n",
              withCommas(s.totalFlops).c_str(),
              scaled(double(s.totalFlops), "FLOP").c_str(),
              withCommas(s.matmulFlops).c_str());
  std::printf("%s\n", kFlopsExplanation);
}

std::string jsonString(const std::string &text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += char(c);
    } else if (c < 0x20) {
      char buffer[8];
      std::snprintf(buffer, sizeof buffer, "\\u%04x", c);
      out += buffer;
    } else {
      out += char(c);
    }
  }
  return out + "\"";
}

std::string jsonShape(const SummaryShape &shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    out += (i ? ", " : "") + (shape[i] == kBatchDim ? std::string("null")
                                                    : std::to_string(shape[i]));
  return out + "]";
}

void printJson(const ModelSummary &s) {
  std::printf("{\n  \"model\": %s,\n  \"inputs\": [",
              jsonString(s.name).c_str());
  std::vector<bool> used = usedInputs(s);
  const char *sep = "";
  for (size_t i = 0; i < s.inputs.size(); ++i)
    if (used[i]) {
      std::printf("%s\n    {\"name\": %s, \"shape\": %s}", sep,
                  jsonString(s.inputs[i].name).c_str(),
                  jsonShape(s.inputs[i].shape).c_str());
      sep = ",";
    }
  std::printf("\n  ],\n  \"layers\": [");
  for (size_t i = 0; i < s.layers.size(); ++i) {
    const LayerSummary &l = s.layers[i];
    std::string from;
    for (const SummaryEdge &e : l.inputs)
      from += (from.empty() ? "" : ", ") +
              jsonString(e.fromOp >= 0 ? s.layers[e.fromOp].name
                                       : s.inputs[e.fromInput].name);
    std::printf(
        "%s\n    {\"name\": %s, \"type\": %s, \"activation\": %s, "
        "\"output_shape\": %s, \"params\": %lld, \"flops\": %lld, "
        "\"inputs\": [%s]}",
        i ? "," : "", jsonString(l.name).c_str(), jsonString(l.type).c_str(),
        l.activation.empty() ? "null" : jsonString(l.activation).c_str(),
        jsonShape(l.shape).c_str(), (long long)l.params, (long long)l.flops,
        from.c_str());
  }
  std::printf("\n  ],\n  \"outputs\": [");
  for (size_t i = 0; i < s.outputs.size(); ++i)
    std::printf("%s\n    {\"name\": %s, \"shape\": %s}", i ? "," : "",
                jsonString(s.outputs[i].name).c_str(),
                jsonShape(s.outputs[i].shape).c_str());
  std::printf("\n  ],\n  \"totals\": {\"params\": %lld, \"param_bytes\": %lld, "
              "\"flops\": %lld, \"conv_dense_flops\": %lld},\n"
              "  \"flops_counting\": %s\n}\n",
              (long long)s.totalParams, (long long)s.paramBytes,
              (long long)s.totalFlops, (long long)s.matmulFlops,
              jsonString(kFlopsExplanation).c_str());
}

/// Emits the graph through `node(id, label lines, kind)` and `edge(from, to)`
/// callbacks; Mermaid and DOT differ only in syntax. Kinds: 'i'nput,
/// 'o'peration, 'r'esult.
void walkGraph(
    const ModelSummary &s,
    const std::function<void(const std::string &,
                             const std::vector<std::string> &, char)> &node,
    const std::function<void(const std::string &, const std::string &)> &edge) {
  std::vector<bool> used = usedInputs(s);
  for (size_t i = 0; i < s.inputs.size(); ++i)
    if (used[i])
      node("in" + std::to_string(i),
           {s.inputs[i].name, shapeText(s.inputs[i].shape)}, 'i');
  for (size_t i = 0; i < s.layers.size(); ++i) {
    const LayerSummary &l = s.layers[i];
    std::vector<std::string> lines = {l.name, typeText(l), shapeText(l.shape)};
    if (l.params)
      lines.push_back(withCommas(l.params) + " params");
    node("op" + std::to_string(i), lines, 'o');
    for (const SummaryEdge &e : l.inputs)
      edge(e.fromOp >= 0 ? "op" + std::to_string(e.fromOp)
                         : "in" + std::to_string(e.fromInput),
           "op" + std::to_string(i));
  }
  for (size_t i = 0; i < s.outputs.size(); ++i) {
    node("out" + std::to_string(i), {s.outputs[i].name}, 'r');
    if (s.outputs[i].producer >= 0)
      edge("op" + std::to_string(s.outputs[i].producer),
           "out" + std::to_string(i));
  }
}

void printMermaid(const ModelSummary &s) {
  std::printf("graph TD\n");
  walkGraph(
      s,
      [](const std::string &id, const std::vector<std::string> &lines,
         char kind) {
        std::string label;
        for (const std::string &line : lines) {
          if (!label.empty())
            label += "<br/>";
          // Mermaid has no backslash escapes; HTML entities work in labels.
          for (char c : line)
            label += c == '"' ? std::string("#quot;") : std::string(1, c);
        }
        const char *open = kind == 'o' ? "[\"" : kind == 'i' ? "[/\"" : "([\"";
        const char *close = kind == 'o' ? "\"]" : kind == 'i' ? "\"/]" : "\"])";
        std::printf("  %s%s%s%s\n", id.c_str(), open, label.c_str(), close);
      },
      [](const std::string &from, const std::string &to) {
        std::printf("  %s --> %s\n", from.c_str(), to.c_str());
      });
}

std::string dotString(const std::vector<std::string> &lines) {
  std::string out = "\"";
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i)
      out += "\\n";
    for (char c : lines[i]) {
      if (c == '"' || c == '\\')
        out += '\\';
      out += c;
    }
  }
  return out + "\"";
}

void printDot(const ModelSummary &s) {
  std::printf("digraph %s {\n  rankdir=TB;\n  node [shape=box];\n",
              dotString({s.name}).c_str());
  walkGraph(
      s,
      [](const std::string &id, const std::vector<std::string> &lines,
         char kind) {
        const char *shape = kind == 'o'   ? ""
                            : kind == 'i' ? ", shape=parallelogram"
                                          : ", shape=oval";
        std::printf("  %s [label=%s%s];\n", id.c_str(),
                    dotString(lines).c_str(), shape);
      },
      [](const std::string &from, const std::string &to) {
        std::printf("  %s -> %s;\n", from.c_str(), to.c_str());
      });
  std::printf("}\n");
}

} // namespace

int summaryCommand(int argc, char **argv) {
  Args args;
  std::string error;
  if (!parseArgs(argc, argv, 2, {"--format"}, {}, args, error))
    return usageError("summary", error);
  if (args.positional.size() != 1)
    return fail("summary: expects exactly one model file");
  std::string format = args.get("--format", "table");
  if (format != "table" && format != "json" && format != "mermaid" &&
      format != "dot")
    return fail("summary: unknown --format '" + format +
                "' (expected table, json, mermaid or dot)");

  const std::string &path = args.positional[0];
  auto file = loadModel(path);
  if (!file.ok())
    return fail(file.status().message());
  StatusOr<ModelSummary> summary = summarizeModel(**file);
  if (!summary.ok())
    return fail(summary.status().message());
  if (format == "table") {
    printTable(*summary, path);
    return 0;
  }
  // The other formats need a name; an unnamed graph takes the file's.
  if (summary->name.empty())
    summary->name = path.substr(path.find_last_of('/') + 1);
  if (format == "json")
    printJson(*summary);
  else if (format == "mermaid")
    printMermaid(*summary);
  else
    printDot(*summary);
  return 0;
}

} // namespace dlc::tool
