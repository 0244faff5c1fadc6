// Trains the example CNN from C++: the same training as `dlc train`, in a
// few lines of the embedding API.
//
//   train_mnist_cnn MODEL.fb DATA_DIR OUT.fb [EPOCHS] [LIMIT]
//
// DATA_DIR holds MNIST-format IDX files (Fashion-MNIST:
// /usr/share/datasets/fashion-mnist after `apt-get install
// dataset-fashion-mnist`) or x_train.npy / y_train.npy. LIMIT, if given,
// trains on the first LIMIT examples only (a quick check).
#include "dlc/Compiler/Training.h"
#include "dlc/runtime/Fit.h"

#include <cstdio>
#include <cstdlib>

static int fail(const dlc::Status &status) {
  std::fprintf(stderr, "error: %s\n", status.message().c_str());
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s MODEL.fb DATA_DIR OUT.fb [EPOCHS] "
                         "[LIMIT]\n", argv[0]);
    return 2;
  }
  auto file = dlc::ModelFile::open(argv[1]);
  if (!file.ok())
    return fail(file.status());
  auto train = dlc::loadDataset(argv[2], dlc::Split::Train);
  if (!train.ok())
    return fail(train.status());
  auto test = dlc::loadDataset(argv[2], dlc::Split::Test);
  if (!test.ok())
    return fail(test.status());
  if (argc > 5) { // Keep only the first LIMIT examples.
    double limit = std::atof(argv[5]);
    auto parts = dlc::splitValidation(std::move(*train),
                                      1.0 - limit / double(train->size()));
    if (!parts.ok())
      return fail(parts.status());
    *train = std::move(parts->first);
  }

  // The model carries its recipe (loss, optimizer, learning rate, batch
  // size, epochs); any field can be changed here.
  auto options = dlc::TrainerOptions::fromModel(*(*file)->model());
  if (argc > 4)
    options.epochs = std::atoi(argv[4]);
  auto trainer = dlc::createTrainer(**file, options);
  if (!trainer.ok())
    return fail(trainer.status());

  dlc::FitOptions fit;
  fit.epochs = options.epochs;
  fit.seed = uint64_t(options.seed);
  fit.checkpointPath = argv[3]; // written after every epoch
  fit.onEpoch = [](const dlc::EpochRecord &r) {
    std::printf("epoch %lld: loss %.4f, accuracy %.4f, test accuracy %.4f\n",
                (long long)r.epoch, r.loss, r.accuracy, r.valAccuracy);
    return dlc::Status::success();
  };
  auto history = dlc::fit(**trainer, *train, &*test, fit);
  if (!history.ok())
    return fail(history.status());
  std::printf("saved %s\n", argv[3]);
  return 0;
}
