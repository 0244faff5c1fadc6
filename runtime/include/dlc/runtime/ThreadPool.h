//===- ThreadPool.h - the runtime's one thread pool -------------*- C++ -*-===//
//
// One pool of worker threads for the whole process, shared by every
// compiled model, so that two models (or a model and the caller) never fight
// over the cores with pools of their own. `parallelFor` runs tasks 0..n-1 on
// up to `threads` threads, the calling thread being one of them, and returns
// when all are done. Workers are started on first use; between calls they
// poll for new work for a short while (kSpinMicros) and then sleep, so that
// back-to-back calls (a benchmark loop, batches of an evaluation) do not pay
// for waking a sleeping thread (~15 us here, 1-2% of a batch-64 inference).
//
// Thread-safety: parallelFor may be called from several threads at once;
// calls are served one after the other (a call that finds the pool busy
// runs its tasks on the calling thread alone, so it never waits on another
// caller's work).
//
//===----------------------------------------------------------------------===//

#ifndef DLC_RUNTIME_THREADPOOL_H
#define DLC_RUNTIME_THREADPOOL_H

#include "dlc/runtime/dlc_abi.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace dlc {

class ThreadPool {
public:
  /// The process-wide pool.
  static ThreadPool &global();

  /// Runs fn(0) .. fn(n-1) on up to `threads` threads (>= 1) and returns
  /// when all have finished. Tasks are handed out dynamically.
  void parallelFor(int64_t n, int threads,
                   const std::function<void(int64_t)> &fn);

  /// Number of hardware threads (at least 1).
  static int hardwareThreads();

  ~ThreadPool();

private:
  ThreadPool() = default;
  void ensureWorkers(int count);
  void workerLoop();
  void runTasks();
  bool offerPending(uint64_t seen) const;
  void spinUntil(const std::function<bool()> &ready) const;

  std::mutex busy_;        // held by the caller whose job is running
  std::mutex mutex_;       // guards the fields below
  std::condition_variable wake_, done_;
  std::vector<std::thread> workers_;
  bool stopping_ = false;
  // The current job.
  const std::function<void(int64_t)> *fn_ = nullptr;
  int64_t next_ = 0, end_ = 0;
  // Written under mutex_; atomic so that spinning threads may read them
  // without it.
  std::atomic<int> helpersWanted_{0}, helpersActive_{0};
  std::atomic<uint64_t> generation_{0};
};

/// The pool lent to a compiled model's call (dlc_parallel in dlc_abi.h): its
/// kernels' tasks run on up to `threads` threads of ThreadPool::global().
/// Holds no threads itself; cheap to make per call.
class KernelThreads {
public:
  explicit KernelThreads(int threads);
  KernelThreads(const KernelThreads &) = delete;
  KernelThreads &operator=(const KernelThreads &) = delete;

  /// What to pass to dlc_model_infer: null for one thread (the model then
  /// runs on the calling thread without asking the pool).
  const dlc_parallel *parallel() const {
    return threads_ > 1 ? &parallel_ : nullptr;
  }

private:
  static void parallelFor(void *self, int64_t numTasks, dlc_task_fn task,
                          void *args);
  static constexpr int64_t kRunsPerThread = 4;
  int threads_;
  dlc_parallel parallel_;
};

} // namespace dlc

#endif // DLC_RUNTIME_THREADPOOL_H
