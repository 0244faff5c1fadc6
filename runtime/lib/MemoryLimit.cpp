// Memory estimates of models and the limit they are checked against.
#include "dlc/runtime/MemoryLimit.h"

#include "dlc/runtime/HostTensor.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <unistd.h>

namespace dlc {
namespace {

constexpr uint64_t kSaturated = std::numeric_limits<uint64_t>::max();

uint64_t addSat(uint64_t a, uint64_t b) {
  return a > kSaturated - b ? kSaturated : a + b;
}
uint64_t mulSat(uint64_t a, uint64_t b) {
  return b != 0 && a > kSaturated / b ? kSaturated : a * b;
}

uint64_t physicalMemory() {
  long pages = ::sysconf(_SC_PHYS_PAGES);
  long pageSize = ::sysconf(_SC_PAGESIZE);
  if (pages <= 0 || pageSize <= 0)
    return kSaturated; // Unknown: no default limit.
  return mulSat(uint64_t(pages), uint64_t(pageSize));
}

} // namespace

uint64_t MemoryEstimate::total() const {
  return addSat(addSat(weightBytes, ioBytes), workspaceBytes);
}

std::optional<uint64_t> parseByteSize(const std::string &text) {
  size_t i = 0;
  uint64_t value = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
    uint64_t digit = uint64_t(text[i] - '0');
    if (value > (kSaturated - digit) / 10)
      return std::nullopt;
    value = value * 10 + digit;
    ++i;
  }
  if (i == 0 || value == 0)
    return std::nullopt;
  std::string unit = text.substr(i);
  std::transform(unit.begin(), unit.end(), unit.begin(), ::tolower);
  int shift = -1;
  const char *prefixes = "kmgt";
  if (unit.empty() || unit == "b") {
    shift = 0;
  } else if (const char *p = std::strchr(prefixes, unit[0]);
             p && *p && (unit.size() == 1 || unit.substr(1) == "b" ||
                         unit.substr(1) == "ib")) {
    shift = 10 * int(p - prefixes + 1);
  }
  if (shift < 0 || value > (kSaturated >> shift))
    return std::nullopt;
  return value << shift;
}

std::string formatBytes(uint64_t bytes) {
  if (bytes < 1024)
    return std::to_string(bytes) + " bytes";
  static const char *units[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double v = double(bytes);
  int u = -1;
  while (v >= 1024 && u < 5) {
    v /= 1024;
    ++u;
  }
  char text[32];
  std::snprintf(text, sizeof text, "%.2f %s", v, units[u]);
  return std::string(text) + " (" + std::to_string(bytes) + " bytes)";
}

StatusOr<uint64_t> resolveMemoryLimit(uint64_t requested) {
  if (requested != 0)
    return requested;
  if (const char *env = std::getenv("DLC_MAX_MEMORY"); env && *env) {
    std::optional<uint64_t> limit = parseByteSize(env);
    if (!limit)
      return Status::error(std::string("DLC_MAX_MEMORY='") + env +
                           "' is not a size like 512M or 4G");
    return *limit;
  }
  return physicalMemory();
}

MemoryEstimate compiledModelMemory(const dlc_model_desc &desc, int threads) {
  MemoryEstimate e;
  e.batch = desc.batch_size;
  e.planned = true;
  auto add = [&](const dlc_tensor_desc *list, int32_t count) {
    for (int32_t i = 0; i < count; ++i) {
      uint64_t n = dtypeSize(DType(list[i].dtype));
      for (int32_t d = 0; d < list[i].rank; ++d)
        n = mulSat(n, uint64_t(std::max<int64_t>(list[i].shape[d], 0)));
      e.ioBytes = addSat(e.ioBytes, n);
    }
  };
  add(desc.inputs, desc.num_inputs);
  add(desc.outputs, desc.num_outputs);
  e.workspaceBytes =
      mulSat(uint64_t(std::max<int64_t>(desc.workspace_bytes, 0)),
             uint64_t(std::max(threads, 1)));
  return e;
}

Status checkMemoryLimit(const MemoryEstimate &e, uint64_t limit,
                        const std::string &name) {
  uint64_t total = e.total();
  if (total <= limit)
    return Status::success();
  return Status::error(
      name + ": " + (e.planned ? "planned" : "estimated") + " memory " +
      formatBytes(total) + " at batch " + std::to_string(e.batch) +
      " (weights " + formatBytes(e.weightBytes) + ", inputs and outputs " +
      formatBytes(e.ioBytes) + ", workspace " + formatBytes(e.workspaceBytes) +
      ") exceeds the memory limit of " + formatBytes(limit) +
      " (--max-memory or DLC_MAX_MEMORY)");
}

} // namespace dlc
