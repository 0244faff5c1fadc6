//===- ThreadPoolTest.cpp - the runtime's thread pool ----------------------===//
//
// The pool's idle threads poll for work for a short while before they block;
// these tests cover both ways a job reaches a helper (caught while polling,
// or woken from its sleep) and the end of a job seen while polling or asleep.
//
//===----------------------------------------------------------------------===//

#include "dlc/runtime/ThreadPool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace dlc {
namespace {

/// Runs `jobs` two-task jobs with `pause` between them; every task must run
/// exactly once, and with two threads some job must have used a helper.
void runJobs(int jobs, std::chrono::microseconds pause, bool longTasks) {
  std::atomic<int> ran{0};
  std::set<std::thread::id> seen;
  std::mutex seenMutex;
  for (int j = 0; j < jobs; ++j) {
    std::vector<std::atomic<int>> hits(2);
    ThreadPool::global().parallelFor(2, 2, [&](int64_t i) {
      hits[size_t(i)].fetch_add(1);
      ran.fetch_add(1);
      {
        std::lock_guard<std::mutex> lock(seenMutex);
        seen.insert(std::this_thread::get_id());
      }
      // Long enough that the caller cannot take both tasks before a helper
      // arrives, even a helper woken from its sleep.
      if (longTasks)
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    });
    ASSERT_EQ(hits[0].load(), 1) << "job " << j;
    ASSERT_EQ(hits[1].load(), 1) << "job " << j;
    if (pause.count() > 0)
      std::this_thread::sleep_for(pause);
  }
  EXPECT_EQ(ran.load(), 2 * jobs);
  if (longTasks)
    EXPECT_GE(seen.size(), 2u) << "no job ever ran on a helper thread";
}

TEST(ThreadPool, BackToBackJobsCaughtWhilePolling) {
  runJobs(2000, std::chrono::microseconds(0), false);
  runJobs(20, std::chrono::microseconds(0), true);
}

TEST(ThreadPool, JobsAfterTheHelpersWentToSleep) {
  // Pauses far beyond the polling window: every job wakes a sleeping helper.
  runJobs(20, std::chrono::microseconds(5000), true);
}

TEST(ThreadPool, CallerNeverReturnsBeforeItsTasksEnd) {
  // A helper still running a task when the caller's own tasks are done: the
  // caller must wait for it, whether it polls or sleeps meanwhile.
  for (int delayMs : {0, 1, 5}) {
    std::atomic<bool> finished{false};
    ThreadPool::global().parallelFor(2, 2, [&](int64_t i) {
      if (i == 1) {
        std::this_thread::sleep_for(std::chrono::milliseconds(delayMs));
        finished = true;
      }
    });
    EXPECT_TRUE(finished.load()) << "delay " << delayMs << " ms";
  }
}

TEST(ThreadPool, AStuckThreadDoesNotHoldBackTheOtherTasks) {
  // Tasks are handed out one at a time, not split up front: while one
  // thread is stuck in the first task it took, the other thread must be
  // able to run all the remaining ones. (With a fixed split, the stuck
  // thread's share would wait, and the first task would time out.)
  constexpr int kTasks = 16;
  std::mutex mutex;
  std::condition_variable allOthersDone;
  int done = 0;
  std::atomic<bool> stuckTaken{false};
  int seenByStuckTask = -1;
  ThreadPool::global().parallelFor(kTasks, 2, [&](int64_t) {
    bool expected = false;
    if (stuckTaken.compare_exchange_strong(expected, true)) {
      std::unique_lock<std::mutex> lock(mutex);
      allOthersDone.wait_for(lock, std::chrono::seconds(10),
                             [&] { return done == kTasks - 1; });
      seenByStuckTask = done;
      return;
    }
    std::lock_guard<std::mutex> lock(mutex);
    if (++done == kTasks - 1)
      allOthersDone.notify_all();
  });
  EXPECT_EQ(seenByStuckTask, kTasks - 1);
}

TEST(KernelThreads, OneThreadLendsNoPool) {
  // A model given null runs everything on the calling thread.
  EXPECT_EQ(KernelThreads(1).parallel(), nullptr);
  EXPECT_EQ(KernelThreads(0).parallel(), nullptr);
}

TEST(KernelThreads, RunsEveryTaskOnceThroughTheCAbi) {
  // What a compiled kernel does with the dlc_parallel it is lent: one call
  // of parallel_for with its argument array; every task index runs once.
  KernelThreads threads(3);
  const dlc_parallel *parallel = threads.parallel();
  ASSERT_NE(parallel, nullptr);
  constexpr int64_t kTasks = 37;
  std::vector<std::atomic<int>> runs(kTasks);
  struct Args {
    std::vector<std::atomic<int>> *runs;
  } args{&runs};
  parallel->parallel_for(
      parallel->pool, kTasks,
      [](void *raw, int64_t task) {
        auto *a = static_cast<Args *>(raw);
        (*a->runs)[size_t(task)].fetch_add(1);
      },
      &args);
  for (int64_t t = 0; t < kTasks; ++t)
    EXPECT_EQ(runs[size_t(t)].load(), 1) << "task " << t;
}

} // namespace
} // namespace dlc
