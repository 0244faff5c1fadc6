// Measures this machine's fp32 FMA peak, so that every other benchmark row can
// be read as a fraction of what the cores can do at most.
//
//   fma_peak [--threads 1,2] [--seconds S]
//
// Prints one JSON object: {"isa": ..., "lanes": ..., "gflops": {"1": x, "2": y}}.
//
// Each thread runs independent FMA chains on vector registers. The number of
// chains must cover FMA latency x FMA ports (4 cycles x 2 ports on current
// AVX-512 cores = 8 in flight); 16 leaves margin and still fits in the 32 zmm
// registers with room for the two constants. The values converge to a fixed
// point (a = a*m + c with m < 1), so they never overflow or turn denormal,
// which would slow the FMAs down. Built with -march=native, so the best ISA
// the compiler knows for this CPU is used (AVX-512, else AVX2+FMA).
#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr int kChains = 16;

#if defined(__AVX512F__)
using Vec = __m512;
constexpr int kLanes = 16;
constexpr const char *kIsa = "avx512";
inline Vec broadcast(float x) { return _mm512_set1_ps(x); }
inline Vec fma(Vec a, Vec b, Vec c) { return _mm512_fmadd_ps(a, b, c); }
inline float sum(Vec v) { return _mm512_reduce_add_ps(v); }
#elif defined(__FMA__)
using Vec = __m256;
constexpr int kLanes = 8;
constexpr const char *kIsa = "avx2-fma";
inline Vec broadcast(float x) { return _mm256_set1_ps(x); }
inline Vec fma(Vec a, Vec b, Vec c) { return _mm256_fmadd_ps(a, b, c); }
inline float sum(Vec v) {
  float lanes[8];
  _mm256_storeu_ps(lanes, v);
  float s = 0;
  for (float x : lanes)
    s += x;
  return s;
}
#else
#error "fma_peak needs a CPU with FMA (build with -march=native)"
#endif

/// Runs `iterations` rounds of kChains independent FMAs; returns a value
/// derived from every chain so the compiler cannot drop any of them.
float fmaChains(long iterations, float seed) {
  Vec acc[kChains];
  for (int i = 0; i < kChains; ++i)
    acc[i] = broadcast(seed + 0.001f * float(i));
  const Vec m = broadcast(0.999999f), c = broadcast(1e-7f);
  for (long it = 0; it < iterations; ++it) {
    // Fully unrolled by the compiler: kChains is a constant.
    for (int i = 0; i < kChains; ++i)
      acc[i] = fma(acc[i], m, c);
  }
  float total = 0;
  for (int i = 0; i < kChains; ++i)
    total += sum(acc[i]);
  return total;
}

double flopsPerIteration() { return 2.0 * kLanes * kChains; }

/// GFLOP/s of `threads` threads each running `iterations` rounds at once;
/// the wall time covers all threads, so this is the combined rate.
double measure(int threads, long iterations) {
  std::vector<std::thread> pool;
  std::vector<float> results(size_t(threads), 0.0f);
  auto start = std::chrono::steady_clock::now();
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] { results[size_t(t)] = fmaChains(iterations, 1.0f + float(t)); });
  for (std::thread &th : pool)
    th.join();
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  volatile float sink = 0;
  for (float r : results)
    sink = sink + r;
  (void)sink;
  return flopsPerIteration() * double(iterations) * threads / seconds / 1e9;
}

std::vector<int> parseList(const char *text) {
  std::vector<int> values;
  std::string s(text);
  size_t pos = 0;
  while (pos <= s.size()) {
    size_t comma = s.find(',', pos);
    if (comma == std::string::npos)
      comma = s.size();
    int v = std::atoi(s.substr(pos, comma - pos).c_str());
    if (v > 0)
      values.push_back(v);
    pos = comma + 1;
  }
  return values;
}

} // namespace

int main(int argc, char **argv) {
  std::vector<int> threadCounts = {1, 2};
  double seconds = 0.3;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--threads"))
      threadCounts = parseList(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--seconds"))
      seconds = std::atof(argv[i + 1]);
  }
  if (threadCounts.empty() || seconds <= 0) {
    std::fprintf(stderr, "usage: fma_peak [--threads 1,2] [--seconds S]\n");
    return 1;
  }

  // Calibrate the iteration count to about `seconds` per measurement on one
  // thread; short warm-up runs also bring the cores to their top clock.
  long iterations = 1 << 16;
  while (true) {
    auto start = std::chrono::steady_clock::now();
    volatile float sink = fmaChains(iterations, 1.0f);
    (void)sink;
    double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (t > 0.05) {
      iterations = long(double(iterations) * seconds / t);
      break;
    }
    iterations *= 2;
  }

  std::printf("{\"isa\": \"%s\", \"lanes\": %d, \"chains\": %d, \"gflops\": {", kIsa, kLanes,
              kChains);
  for (size_t i = 0; i < threadCounts.size(); ++i) {
    // Peak is the best of a few repeats: interference only ever slows a run.
    double best = 0;
    for (int repeat = 0; repeat < 3; ++repeat)
      best = std::max(best, measure(threadCounts[i], iterations));
    std::printf("%s\"%d\": %.1f", i ? ", " : "", threadCounts[i], best);
  }
  std::printf("}}\n");
  return 0;
}
