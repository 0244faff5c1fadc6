//===- ThreadPool.cpp - the runtime's one thread pool ---------------------===//

#include "dlc/runtime/ThreadPool.h"

#include <algorithm>
#include <chrono>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define DLC_CPU_RELAX() _mm_pause()
#else
#define DLC_CPU_RELAX() std::this_thread::yield()
#endif

namespace dlc {

ThreadPool &ThreadPool::global() {
  // Never destroyed: workers may outlive static destructors of other
  // translation units that still run models.
  static ThreadPool *pool = new ThreadPool();
  return *pool;
}

int ThreadPool::hardwareThreads() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread &t : workers_)
    t.join();
}

void ThreadPool::ensureWorkers(int count) {
  while (static_cast<int>(workers_.size()) < count)
    workers_.emplace_back([this] { workerLoop(); });
}

/// Takes task indices until none is left. Called with mutex_ unlocked.
void ThreadPool::runTasks() {
  for (;;) {
    int64_t task;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (next_ >= end_)
        return;
      task = next_++;
    }
    (*fn_)(task);
  }
}

namespace {
/// How long an idle thread polls before it blocks. Long enough to bridge
/// the gap between two calls of a loop, short enough not to matter to other
/// processes when the loop ends.
constexpr int kSpinMicros = 100;
} // namespace

bool ThreadPool::offerPending(uint64_t seen) const {
  return generation_.load(std::memory_order_acquire) != seen &&
         helpersWanted_.load(std::memory_order_acquire) > 0;
}

void ThreadPool::spinUntil(const std::function<bool()> &ready) const {
  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::microseconds(kSpinMicros);
  while (!ready()) {
    for (int i = 0; i < 8; ++i)
      DLC_CPU_RELAX();
    if (std::chrono::steady_clock::now() >= deadline)
      return;
  }
}

void ThreadPool::workerLoop() {
  uint64_t seen = 0;
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    if (!stopping_ && !offerPending(seen)) {
      lock.unlock();
      spinUntil([&] { return offerPending(seen); });
      lock.lock();
    }
    wake_.wait(lock, [&] { return stopping_ || offerPending(seen); });
    if (stopping_)
      return;
    seen = generation_;
    --helpersWanted_;
    ++helpersActive_;
    lock.unlock();
    runTasks();
    lock.lock();
    if (--helpersActive_ == 0)
      done_.notify_all();
  }
}

void ThreadPool::parallelFor(int64_t n, int threads,
                             const std::function<void(int64_t)> &fn) {
  if (n <= 0)
    return;
  int helpers = static_cast<int>(std::min<int64_t>(threads, n)) - 1;
  std::unique_lock<std::mutex> busy(busy_, std::try_to_lock);
  if (helpers <= 0 || !busy.owns_lock()) {
    for (int64_t i = 0; i < n; ++i)
      fn(i);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ensureWorkers(helpers);
    fn_ = &fn;
    next_ = 0;
    end_ = n;
    helpersWanted_ = helpers;
    ++generation_;
  }
  wake_.notify_all();
  runTasks();
  std::unique_lock<std::mutex> lock(mutex_);
  // Every task has been taken; withdraw the offer from helpers that never
  // woke up, and wait for those still running one (polling first: the last
  // task usually ends within microseconds of ours).
  helpersWanted_ = 0;
  lock.unlock();
  spinUntil([&] { return helpersActive_.load(std::memory_order_acquire) == 0; });
  lock.lock();
  done_.wait(lock, [&] { return helpersActive_ == 0; });
  fn_ = nullptr;
}

KernelThreads::KernelThreads(int threads)
    : threads_(std::max(threads, 1)), parallel_{this, &parallelFor} {}

void KernelThreads::parallelFor(void *self, int64_t numTasks, dlc_task_fn task,
                                void *args) {
  const auto *lender = static_cast<const KernelThreads *>(self);
  // A kernel's tasks can be small (a row of a small convolution: about a
  // microsecond), so they are handed out in runs of consecutive tasks, a
  // few runs per thread: enough to even out uneven threads, few enough that
  // taking the next run costs nothing next to running it.
  struct Runs {
    int64_t tasks, runs;
    dlc_task_fn task;
    void *args;
  } job{numTasks,
        std::min<int64_t>(numTasks, int64_t(lender->threads_) * kRunsPerThread),
        task, args};
  // One reference captured: the std::function holds it inline, so a
  // kernel's dispatch allocates nothing.
  ThreadPool::global().parallelFor(job.runs, lender->threads_,
                                   [&job](int64_t r) {
                                     for (int64_t i = r * job.tasks / job.runs,
                                                  end = (r + 1) * job.tasks /
                                                        job.runs;
                                          i < end; ++i)
                                       job.task(job.args, i);
                                   });
}

} // namespace dlc
