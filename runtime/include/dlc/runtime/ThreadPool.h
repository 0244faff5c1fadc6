//===- ThreadPool.h - the runtime's one thread pool -------------*- C++ -*-===//
//
// One pool of worker threads for the whole process, shared by every
// compiled model, so that two models (or a model and the caller) never fight
// over the cores with pools of their own. `parallelFor` runs tasks 0..n-1 on
// up to `threads` threads, the calling thread being one of them, and returns
// when all are done. Workers are started on first use and sleep between
// calls.
//
// Thread-safety: parallelFor may be called from several threads at once;
// calls are served one after the other (a call that finds the pool busy
// runs its tasks on the calling thread alone, so it never waits on another
// caller's work).
//
//===----------------------------------------------------------------------===//

#ifndef DLC_RUNTIME_THREADPOOL_H
#define DLC_RUNTIME_THREADPOOL_H

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

  std::mutex busy_;        // held by the caller whose job is running
  std::mutex mutex_;       // guards the fields below
  std::condition_variable wake_, done_;
  std::vector<std::thread> workers_;
  bool stopping_ = false;
  // The current job.
  const std::function<void(int64_t)> *fn_ = nullptr;
  int64_t next_ = 0, end_ = 0;
  int helpersWanted_ = 0, helpersActive_ = 0;
  uint64_t generation_ = 0;
};

} // namespace dlc

#endif // DLC_RUNTIME_THREADPOOL_H
