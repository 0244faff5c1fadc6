//===- Dataset.cpp - Image classification data for training ---------------===//

#include "dlc/runtime/Dataset.h"

#include "dlc/runtime/Idx.h"
#include "dlc/runtime/Npy.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <sys/stat.h>

namespace dlc {
namespace {

/// One-hot label buffers are [B, numClasses]; a label in the millions is a
/// corrupt file, not a real class count, and would make them enormous.
constexpr int64_t kMaxClasses = int64_t(1) << 20;

bool isRegularFile(const std::string &path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

/// `dir/base.gz` or `dir/base`, whichever exists; empty if neither.
std::string findIdx(const std::string &dir, const std::string &base) {
  for (const std::string &name : {base + ".gz", base})
    if (isRegularFile(dir + "/" + name))
      return dir + "/" + name;
  return "";
}

StatusOr<HostTensor> toImages(HostTensor raw, const std::string &name) {
  if (raw.rank() != 3 && raw.rank() != 4)
    return Status::error(name + ": images must have shape [N, H, W] or "
                                "[N, H, W, C], not " +
                         shapeToString(raw.shape()));
  if (raw.dtype() != DType::U8 && raw.dtype() != DType::F32)
    return Status::error(name + ": images must be uint8 or float32, not " +
                         dtypeName(raw.dtype()));
  if (raw.dim(0) == 0)
    return Status::error(name + ": contains no images");
  for (size_t d = 1; d < raw.rank(); ++d)
    if (raw.dim(d) == 0)
      return Status::error(name + ": images of shape " +
                           shapeToString(raw.shape()) + " are empty");
  if (raw.rank() == 4 && raw.dtype() == DType::F32)
    return raw;
  std::vector<int64_t> shape = raw.shape();
  if (shape.size() == 3)
    shape.push_back(1);
  StatusOr<HostTensor> out = HostTensor::create(DType::F32, shape);
  if (!out.ok())
    return out.status().withPrefix(name);
  float *dst = out->data<float>();
  if (raw.dtype() == DType::F32) {
    std::memcpy(dst, raw.data<float>(), raw.byteSize());
  } else {
    const uint8_t *src = raw.data<uint8_t>();
    for (int64_t i = 0; i < raw.numElements(); ++i)
      dst[i] = float(src[i]) / 255.0f;
  }
  return out;
}

/// Reads label i of a rank-1 tensor as a double (exact for every integer a
/// label can plausibly be).
double labelAt(const HostTensor &t, int64_t i) {
  switch (t.dtype()) {
  case DType::U8:
    return t.data<uint8_t>()[i];
  case DType::I32:
    return t.data<int32_t>()[i];
  case DType::I64:
    return double(t.data<int64_t>()[i]);
  case DType::F32:
    return t.data<float>()[i];
  }
  return 0;
}

std::string formatLabel(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

/// Class indices from [N] integers or [N, C] one-hot rows; sets numClasses.
StatusOr<HostTensor> toClassIndices(const HostTensor &raw,
                                    const std::string &name,
                                    int64_t &numClasses) {
  bool oneHot = raw.rank() == 2 && raw.dtype() == DType::F32;
  if (raw.rank() != 1 && !oneHot)
    return Status::error(name + ": labels must be class indices [N] or "
                                "one-hot float32 rows [N, C], not " +
                         raw.describe());
  int64_t n = raw.dim(0);
  StatusOr<HostTensor> out = HostTensor::create(DType::I32, {n});
  if (!out.ok())
    return out.status().withPrefix(name);
  int32_t *dst = out->data<int32_t>();
  if (oneHot) {
    int64_t c = raw.dim(1);
    if (c < 2 || c > kMaxClasses)
      return Status::error(name + ": one-hot labels need 2.." +
                           std::to_string(kMaxClasses) + " columns, not " +
                           std::to_string(c));
    const float *src = raw.data<float>();
    for (int64_t i = 0; i < n; ++i) {
      int64_t hot = -1;
      for (int64_t j = 0; j < c; ++j) {
        float v = src[i * c + j];
        if (v == 1.0f && hot < 0) {
          hot = j;
        } else if (v != 0.0f) {
          hot = -2;
          break;
        }
      }
      if (hot < 0)
        return Status::error(name + ": row " + std::to_string(i) +
                             " is not one-hot (exactly one 1, the rest 0)");
      dst[i] = int32_t(hot);
    }
    numClasses = c;
    return out;
  }
  int64_t maxLabel = 0;
  for (int64_t i = 0; i < n; ++i) {
    double v = labelAt(raw, i);
    if (!(v >= 0) || v != std::floor(v) || v >= double(kMaxClasses))
      return Status::error(name + ": label " + formatLabel(v) + " at row " +
                           std::to_string(i) +
                           " is not a class index (an integer in 0.." +
                           std::to_string(kMaxClasses - 1) + ")");
    dst[i] = int32_t(v);
    maxLabel = std::max<int64_t>(maxLabel, dst[i]);
  }
  numClasses = std::max<int64_t>(2, maxLabel + 1);
  return out;
}

uint64_t splitMix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

/// Rows [begin, end) of `t` (any rank >= 1) as a new tensor.
StatusOr<HostTensor> sliceRows(const HostTensor &t, int64_t begin,
                               int64_t end) {
  std::vector<int64_t> shape = t.shape();
  shape[0] = end - begin;
  StatusOr<HostTensor> out = HostTensor::create(t.dtype(), shape);
  if (!out.ok())
    return out.status();
  size_t rowBytes = t.dim(0) ? t.byteSize() / size_t(t.dim(0)) : 0;
  if (end > begin)
    std::memcpy(out->rawData(),
                static_cast<const uint8_t *>(t.rawData()) +
                    size_t(begin) * rowBytes,
                size_t(end - begin) * rowBytes);
  return out;
}

} // namespace

StatusOr<Dataset> makeDataset(HostTensor images, HostTensor labels,
                              const std::string &imagesName,
                              const std::string &labelsName) {
  Dataset ds;
  StatusOr<HostTensor> x = toImages(std::move(images), imagesName);
  if (!x.ok())
    return x.status();
  StatusOr<HostTensor> y = toClassIndices(labels, labelsName, ds.numClasses);
  if (!y.ok())
    return y.status();
  if (x->dim(0) != y->dim(0))
    return Status::error(imagesName + " has " + std::to_string(x->dim(0)) +
                         " images but " + labelsName + " has " +
                         std::to_string(y->dim(0)) + " labels");
  ds.images = std::move(*x);
  ds.labels = std::move(*y);
  return ds;
}

StatusOr<Dataset> loadDataset(const std::string &dir, Split split) {
  bool train = split == Split::Train;
  const std::string idxPrefix = train ? "train" : "t10k";
  const std::string npySuffix = train ? "train" : "test";
  const std::string idxImagesBase = idxPrefix + "-images-idx3-ubyte";
  const std::string idxLabelsBase = idxPrefix + "-labels-idx1-ubyte";
  std::string imagesPath = findIdx(dir, idxImagesBase), labelsPath;
  bool idx = !imagesPath.empty();
  if (idx) {
    labelsPath = findIdx(dir, idxLabelsBase);
    if (labelsPath.empty())
      return Status::error(dir + "/" + idxLabelsBase +
                           "[.gz]: not found (the labels for " + imagesPath +
                           ")");
  } else {
    imagesPath = dir + "/x_" + npySuffix + ".npy";
    labelsPath = dir + "/y_" + npySuffix + ".npy";
    if (!isRegularFile(imagesPath))
      return Status::error(dir + ": no " + (train ? "training" : "test") +
                           " data: expected " + idxImagesBase +
                           "[.gz] and " + idxLabelsBase + "[.gz], or x_" +
                           npySuffix + ".npy and y_" + npySuffix + ".npy");
    if (!isRegularFile(labelsPath))
      return Status::error(labelsPath + ": not found (the labels for " +
                           imagesPath + ")");
  }
  StatusOr<HostTensor> images = idx ? readIdx(imagesPath) : readNpy(imagesPath);
  if (!images.ok())
    return images.status();
  StatusOr<HostTensor> labels = idx ? readIdx(labelsPath) : readNpy(labelsPath);
  if (!labels.ok())
    return labels.status();
  return makeDataset(std::move(*images), std::move(*labels), imagesPath,
                     labelsPath);
}

StatusOr<std::pair<Dataset, Dataset>> splitValidation(Dataset &&data,
                                                      double fraction) {
  if (!(fraction >= 0.0 && fraction < 1.0))
    return Status::error("validation fraction " + std::to_string(fraction) +
                         " is not in [0, 1)");
  int64_t n = data.size();
  if (data.images.rank() < 1 || data.images.dim(0) != n)
    return Status::error("splitValidation: images " + data.images.describe() +
                         " and labels " + data.labels.describe() +
                         " do not match");
  // Keras: split_at = int(num_samples * (1 - validation_split)).
  int64_t splitAt = int64_t(std::floor(double(n) * (1.0 - fraction)));
  if (splitAt == 0)
    return Status::error("validation fraction " + std::to_string(fraction) +
                         " of " + std::to_string(n) +
                         " rows leaves no training rows");
  std::pair<Dataset, Dataset> parts;
  parts.first.numClasses = parts.second.numClasses = data.numClasses;
  StatusOr<HostTensor> vx = sliceRows(data.images, splitAt, n);
  StatusOr<HostTensor> vy = sliceRows(data.labels, splitAt, n);
  if (!vx.ok() || !vy.ok())
    return (vx.ok() ? vy.status() : vx.status())
        .withPrefix("splitValidation");
  parts.second.images = std::move(*vx);
  parts.second.labels = std::move(*vy);
  if (splitAt == n) {
    // Nothing to cut off: keep the buffers instead of copying 200 MB.
    parts.first.images = std::move(data.images);
    parts.first.labels = std::move(data.labels);
  } else {
    StatusOr<HostTensor> tx = sliceRows(data.images, 0, splitAt);
    StatusOr<HostTensor> ty = sliceRows(data.labels, 0, splitAt);
    if (!tx.ok() || !ty.ok())
      return (tx.ok() ? ty.status() : tx.status())
          .withPrefix("splitValidation");
    parts.first.images = std::move(*tx);
    parts.first.labels = std::move(*ty);
    data = Dataset();
  }
  return parts;
}

std::vector<std::string> fashionMnistClassNames() {
  return {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
          "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
}

uint64_t uniformBelow(std::mt19937_64 &rng, uint64_t bound) {
  // (2^64 - bound) % bound == 2^64 % bound, computed without overflow.
  const uint64_t threshold = (0 - bound) % bound;
  for (;;) {
    uint64_t r = rng();
    if (r >= threshold)
      return r % bound;
  }
}

std::vector<int64_t> shuffledIndices(int64_t n, uint64_t seed, int64_t epoch) {
  std::vector<int64_t> order(size_t(std::max<int64_t>(n, 0)));
  for (size_t i = 0; i < order.size(); ++i)
    order[i] = int64_t(i);
  // Mixing keeps nearby (seed, epoch) pairs from giving related streams.
  std::mt19937_64 rng(splitMix64(seed ^ splitMix64(uint64_t(epoch))));
  for (size_t i = order.size(); i > 1; --i)
    std::swap(order[i - 1], order[uniformBelow(rng, i)]);
  return order;
}

StatusOr<Batcher> Batcher::create(const Dataset &data, int64_t batchSize,
                                  uint64_t seed, bool shuffle) {
  if (batchSize < 1)
    return Status::error("batch size " + std::to_string(batchSize) +
                         " is not positive");
  if (data.images.dtype() != DType::F32 || data.images.rank() != 4 ||
      data.labels.dtype() != DType::I32 || data.labels.rank() != 1 ||
      data.images.dim(0) != data.labels.dim(0) || data.numClasses < 1)
    return Status::error("Batcher: not a loaded data set (images " +
                         data.images.describe() + ", labels " +
                         data.labels.describe() + ")");
  if (data.size() == 0)
    return Status::error("Batcher: the data set is empty");
  // Checked once here so that fillBatch cannot produce an all-zero one-hot
  // row (numClasses is a public field a caller may have lowered).
  const int32_t *labels = data.labels.data<int32_t>();
  for (int64_t i = 0; i < data.size(); ++i)
    if (labels[i] < 0 || labels[i] >= data.numClasses)
      return Status::error("Batcher: label " + std::to_string(labels[i]) +
                           " of row " + std::to_string(i) +
                           " is outside the " +
                           std::to_string(data.numClasses) + " classes");
  Batcher b(data, batchSize, seed, shuffle);
  b.startEpoch(0);
  return b;
}

void Batcher::startEpoch(int64_t epoch) {
  epoch_ = epoch;
  int64_t n = data_->size();
  if (shuffle_) {
    order_ = shuffledIndices(n, seed_, epoch);
    return;
  }
  order_.resize(size_t(n));
  for (int64_t i = 0; i < n; ++i)
    order_[size_t(i)] = i;
}

int64_t Batcher::numBatches() const {
  return (numRows() + batchSize_ - 1) / batchSize_;
}

int64_t Batcher::batchRows(int64_t i) const {
  if (i < 0 || i >= numBatches())
    return 0;
  return std::min(batchSize_, numRows() - i * batchSize_);
}

StatusOr<HostTensor> Batcher::makeImageBuffer(int64_t rows) const {
  std::vector<int64_t> shape = data_->images.shape();
  shape[0] = rows;
  return HostTensor::create(DType::F32, shape);
}

StatusOr<HostTensor> Batcher::makeLabelBuffer(int64_t rows,
                                              LabelFormat format) const {
  if (format == LabelFormat::Sparse)
    return HostTensor::create(DType::I32, {rows});
  return HostTensor::create(DType::F32, {rows, data_->numClasses});
}

Status Batcher::fillBatch(int64_t i, HostTensor &images,
                          HostTensor &labels) const {
  int64_t rows = batchRows(i);
  if (rows == 0)
    return Status::error("batch " + std::to_string(i) + " is out of range (" +
                         std::to_string(numBatches()) + " batches)");
  std::vector<int64_t> want = data_->images.shape();
  want[0] = rows;
  if (images.dtype() != DType::F32 || images.shape() != want)
    return Status::error("batch " + std::to_string(i) +
                         ": the image buffer is " + images.describe() +
                         ", expected float32 " + shapeToString(want));
  bool sparse = labels.dtype() == DType::I32 &&
                labels.shape() == std::vector<int64_t>{rows};
  bool oneHot = labels.dtype() == DType::F32 &&
                labels.shape() == std::vector<int64_t>{rows, data_->numClasses};
  if (!sparse && !oneHot)
    return Status::error(
        "batch " + std::to_string(i) + ": the label buffer is " +
        labels.describe() + ", expected int32 [" + std::to_string(rows) +
        "] or float32 [" + std::to_string(rows) + ", " +
        std::to_string(data_->numClasses) + "]");
  size_t rowFloats = size_t(data_->images.numElements() / data_->size());
  const float *srcImages = data_->images.data<float>();
  const int32_t *srcLabels = data_->labels.data<int32_t>();
  float *dstImages = images.data<float>();
  int64_t first = i * batchSize_;
  if (oneHot)
    std::fill(labels.data<float>(), labels.data<float>() + labels.numElements(),
              0.0f);
  for (int64_t r = 0; r < rows; ++r) {
    int64_t src = order_[size_t(first + r)];
    std::memcpy(dstImages + size_t(r) * rowFloats,
                srcImages + size_t(src) * rowFloats, rowFloats * sizeof(float));
    int32_t label = srcLabels[src];
    if (sparse)
      labels.data<int32_t>()[r] = label;
    else
      labels.data<float>()[r * data_->numClasses + label] = 1.0f;
  }
  return Status::success();
}

} // namespace dlc
