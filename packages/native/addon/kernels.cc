#include "kernels.h"

#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include <dlfcn.h>

#include <cstdlib>
#include <string>

#ifndef FLOW_OPENBLAS_PATH
#define FLOW_OPENBLAS_PATH "libopenblas.so.0"
#endif

// OpenBLAS is opened at run time, not linked: it picks its kernels from OPENBLAS_CORETYPE when it loads, and that
// must be set first (below), in the real process environment (a JS process.env write does not reach it from a
// worker thread or a test sandbox).
namespace {
using SgemmFn = void (*)(int, int, int, int, int, int, float, const float*, int, const float*, int, float, float*, int);
SgemmFn cblas_sgemm = nullptr;
void (*openblas_set_num_threads)(int) = nullptr;
char* (*openblas_get_corename)(void) = nullptr;
}  // namespace

namespace flow {
namespace {
constexpr int kRowMajor = 101, kNoTrans = 111, kTrans = 112;
// Patch-matrix budget per chunk (floats): 1 MiB, so im2col's output is still in L2 when sgemm reads it (measured best).
int64_t kChunkFloats = int64_t(1) << 18;
int g_threads = 1;
// Below this many floats touched, a loop runs on the calling thread: waking a worker costs more (and on a busy
// machine, where the worker waits to be scheduled, far more).
constexpr int64_t kParallelMin = int64_t(1) << 17;

// Scratch buffers of the calling thread, one per use (slot), so nested helpers never share one; thread_local, so
// kernels called from several JS threads (worker_threads) at once never share one either.
enum Slot { kPatches = 0, kPartials = 1, kGemmPartials = 2 };
float* scratch(int64_t floats, Slot slot) {
  static thread_local std::vector<float> bufs[3];
  std::vector<float>& buf = bufs[slot];
  if (int64_t(buf.size()) < floats) buf.resize(size_t(floats));
  return buf.data();
}

// Rows [r0, r1) of the im2col matrix of x: row (n, oy, ox), column (ky, kx, c), zeros outside the image.
void im2col_serial(const ConvGeom& g, const float* x, int64_t r0, int64_t r1, float* cols) {
  const int64_t K = int64_t(g.kh) * g.kw * g.c;
  const int64_t plane = int64_t(g.oh) * g.ow;
  for (int64_t r = r0; r < r1; r++) {
    const int64_t n = r / plane;
    const int oy = int((r % plane) / g.ow), ox = int(r % g.ow);
    float* dst = cols + (r - r0) * K;
    for (int ky = 0; ky < g.kh; ky++) {
      const int iy = oy * g.sh - g.pt + ky * g.dh;
      for (int kx = 0; kx < g.kw; kx++, dst += g.c) {
        const int ix = ox * g.sw - g.pl + kx * g.dw;
        if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) {
          std::memset(dst, 0, sizeof(float) * size_t(g.c));
        } else {
          std::memcpy(dst, x + ((n * g.h + iy) * g.w + ix) * g.c, sizeof(float) * size_t(g.c));
        }
      }
    }
  }
}

bool is_pointwise(const ConvGeom& g) {
  return g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.pt == 0 && g.pl == 0 && g.oh == g.h && g.ow == g.w;
}
}  // namespace

bool load_blas(std::string* error) {
  if (cblas_sgemm) return true;
  // OpenBLAS 0.3.21 does not know CPUs newer than itself and falls back to SSE3 kernels (~8x slower sgemm):
  // name the kernel set from the CPU's features unless the user did.
  if (!std::getenv("OPENBLAS_CORETYPE")) {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq")) {
      setenv("OPENBLAS_CORETYPE", "SkylakeX", 0);
    } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
      setenv("OPENBLAS_CORETYPE", "Haswell", 0);
    }
  }
  // Idle OpenBLAS threads must not spin (we keep it single-threaded per call anyway).
  setenv("OPENBLAS_THREAD_TIMEOUT", "4", 0);
  void* lib = nullptr;
  for (const char* name : {FLOW_OPENBLAS_PATH, "libopenblas.so.0", "libopenblas.so", "libopenblas.dylib"}) {
    lib = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (lib) break;
  }
  if (!lib) {
    const char* why = dlerror();
    *error = std::string("cannot open OpenBLAS: ") + (why ? why : "not found");
    return false;
  }
  cblas_sgemm = reinterpret_cast<SgemmFn>(dlsym(lib, "cblas_sgemm"));
  openblas_set_num_threads = reinterpret_cast<void (*)(int)>(dlsym(lib, "openblas_set_num_threads"));
  openblas_get_corename = reinterpret_cast<char* (*)(void)>(dlsym(lib, "openblas_get_corename"));
  if (!cblas_sgemm || !openblas_set_num_threads || !openblas_get_corename) {
    cblas_sgemm = nullptr;
    *error = "the OpenBLAS library lacks cblas_sgemm / openblas_set_num_threads / openblas_get_corename";
    return false;
  }
  return true;
}

void set_threads(int n) {
  g_threads = std::max(1, n);
  // All parallelism is ours (OpenMP, static partitions): OpenBLAS runs each call on the calling thread, so one
  // pool serves every kernel and no result depends on how a library splits its work.
  openblas_set_num_threads(1);
  omp_set_num_threads(g_threads);
}

int get_threads() { return g_threads; }

const char* blas_core() { return openblas_get_corename(); }

int64_t set_chunk_floats(int64_t n) {
  const int64_t prev = kChunkFloats;
  kChunkFloats = std::max<int64_t>(1, n);
  return prev;
}

void sgemm(bool ta, bool tb, int m, int n, int k, float alpha, const float* a, int lda, const float* b, int ldb,
           float beta, float* c, int ldc) {
  cblas_sgemm(kRowMajor, ta ? kTrans : kNoTrans, tb ? kTrans : kNoTrans, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

namespace {
// [lo, hi) of part t of [0, n) split into parts of near-equal size, rounded to multiples of `align`.
inline void split(int64_t n, int parts, int t, int64_t align, int64_t* lo, int64_t* hi) {
  const int64_t blocks = (n + align - 1) / align;
  *lo = std::min(n, blocks * t / parts * align);
  *hi = std::min(n, blocks * (t + 1) / parts * align);
}

// Work is cut into a number of pieces that depends on the problem only (and on the thread count only above
// kMaxFixedParts threads), so results are the same bits for 1 to 8 threads; threads take pieces as they come free (dynamic schedule: on a busy machine a worker
// that is not running leaves its share to the others instead of stalling the kernel). Pieces write disjoint
// outputs, or partial sums that are added in piece order, so results never depend on timing.
constexpr int kMaxFixedParts = 8;
int parts_for(int64_t units) {
  return int(std::max<int64_t>(1, std::min<int64_t>(units, std::max(kMaxFixedParts, g_threads))));
}

// c = op(a) op(b) (beta 0): rows of c in pieces, or, when c has too few rows, the reduction dimension in pieces
// whose partial products are added in piece order.
void gemm_parallel(bool ta, bool tb, int m, int n, int k, const float* a, int lda, const float* b, int ldb, float* c, int ldc) {
  if (double(m) * n * k < double(1 << 18)) {
    sgemm(ta, tb, m, n, k, 1.f, a, lda, b, ldb, 0.f, c, ldc);
    return;
  }
  if (m >= 16 * kMaxFixedParts) {
    const int P = parts_for(m / 16);
#pragma omp parallel for schedule(dynamic, 1)
    for (int p = 0; p < P; p++) {
      int64_t r0, r1;
      split(m, P, p, 16, &r0, &r1);
      if (r1 > r0) sgemm(ta, tb, int(r1 - r0), n, k, 1.f, ta ? a + r0 : a + r0 * lda, lda, b, ldb, 0.f, c + r0 * ldc, ldc);
    }
    return;
  }
  const int64_t mn = int64_t(m) * n;
  const int P = parts_for(k / 64);
  float* partial = scratch(mn * P, kGemmPartials);
#pragma omp parallel for schedule(dynamic, 1)
  for (int p = 0; p < P; p++) {
    int64_t k0, k1;
    split(k, P, p, 1, &k0, &k1);
    float* q = partial + p * mn;
    if (k1 > k0) {
      sgemm(ta, tb, m, n, int(k1 - k0), 1.f, ta ? a + k0 * lda : a + k0, lda, tb ? b + k0 : b + k0 * ldb, ldb, 0.f, q, n);
    } else {
      std::fill(q, q + mn, 0.f);
    }
  }
#pragma omp parallel for schedule(static) if (mn * P >= kParallelMin)
  for (int64_t i = 0; i < mn; i++) {
    float acc = partial[i];
    for (int p = 1; p < P; p++) acc += partial[p * mn + i];
    c[(i / n) * ldc + i % n] = acc;
  }
}

}  // namespace

namespace {
// matmul_abt_columns, calling then(j0, j1) on each piece of columns once its product is in c.
template <typename Then>
void abt_columns(int m, int n, int k, const float* a, const float* b, float* c, Then&& then) {
  if (double(m) * n * k < double(1 << 18)) {
    sgemm(false, true, m, n, k, 1.f, a, k, b, k, 0.f, c, n);
    then(int64_t(0), int64_t(n));
    return;
  }
  const int P = parts_for(n / 64);
#pragma omp parallel for schedule(dynamic, 1)
  for (int p = 0; p < P; p++) {
    int64_t j0, j1;
    split(n, P, p, 16, &j0, &j1);
    if (j1 > j0) {
      sgemm(false, true, m, int(j1 - j0), k, 1.f, a, k, b + j0 * k, k, 0.f, c + j0, n);
      then(j0, j1);
    }
  }
}
}  // namespace

void matmul_abt_columns(int m, int n, int k, const float* a, const float* b, float* c) {
  abt_columns(m, n, k, a, b, c, [](int64_t, int64_t) {});
}

void pool_centre(int64_t n, int dim, const float* a, bool want_mean, double* mean, float* out, double* norms) {
  const bool par = n * dim >= kParallelMin;
  if (want_mean) {
    // Pieces of columns, each summing every row in order: the JS order per column, whatever the thread count.
    const int P = parts_for(dim / 16);
#pragma omp parallel for schedule(dynamic, 1) if (par)
    for (int p = 0; p < P; p++) {
      int64_t k0, k1;
      split(dim, P, p, 16, &k0, &k1);
      for (int64_t k = k0; k < k1; k++) mean[k] = 0;
      for (int64_t i = 0; i < n; i++) {
        const float* row = a + i * dim;
        for (int64_t k = k0; k < k1; k++) mean[k] += row[k];
      }
      for (int64_t k = k0; k < k1; k++) mean[k] /= double(n);
    }
  }
#pragma omp parallel for schedule(dynamic, 64) if (par)
  for (int64_t i = 0; i < n; i++) {
    const float* row = a + i * dim;
    float* o = out + i * dim;
    double s = 0;
    for (int k = 0; k < dim; k++) {
      const double v = double(row[k]) - mean[k];
      o[k] = float(v);
      s += v * v;
    }
    norms[i] = s;
  }
}

void pool_distances(int rows, int cols, int dim, const float* x, const float* z, const double* nx, const double* nz, float* c) {
  abt_columns(rows, cols, dim, x, z, c, [&](int64_t j0, int64_t j1) {
    for (int i = 0; i < rows; i++) {
      float* ci = c + int64_t(i) * cols;
      const double ni = nx[i];
      for (int64_t j = j0; j < j1; j++) {
        const double v = ni + nz[j] - 2.0 * double(ci[j]);
        ci[j] = v > 0 ? float(v) : v == v ? 0.f : float(v);
      }
    }
  });
}

int pool_greedy(int rows, int64_t ld, const float* c, int32_t* free, int n, int32_t* pick) {
  int b = 0;
  for (; b < rows && n > 0; b++) {
    const float* cb = c + int64_t(b) * ld;
    float best = std::numeric_limits<float>::infinity();
    int at = 0;
    for (int t = 0; t < n; t++) {
      const float v = cb[free[t]];
      if (v < best) {
        best = v;
        at = t;
      }
    }
    pick[b] = free[at];
    std::memmove(free + at, free + at + 1, sizeof(int32_t) * size_t(n - at - 1));
    n--;
  }
  return b;
}

namespace {
// The patch buffer of the thread running a piece (grown on demand, reused across calls).
float* thread_scratch(int64_t floats) {
  static thread_local std::vector<float> buf;
  if (int64_t(buf.size()) < floats) buf.resize(size_t(floats));
  return buf.data();
}

// dx for images [n0, n1) from their patch-gradient rows `cols` (row (n, oy, ox), column (ky, kx, c)): each pixel
// gathers its entries in a fixed order.
void col2im_gather(const ConvGeom& g, const float* cols, int64_t n0, int64_t n1, float* dx, bool parallel) {
  const int64_t K = int64_t(g.kh) * g.kw * g.c;
  const int64_t pixels = (n1 - n0) * g.h * g.w;
#pragma omp parallel for schedule(dynamic, 256) if (parallel && pixels * K >= kParallelMin)
  for (int64_t p = 0; p < pixels; p++) {
    const int64_t n = p / (int64_t(g.h) * g.w);
    const int y = int((p / g.w) % g.h), xx = int(p % g.w);
    float* out = dx + ((n0 + n) * g.h * g.w + int64_t(y) * g.w + xx) * g.c;
    std::fill(out, out + g.c, 0.f);
    for (int ky = 0; ky < g.kh; ky++) {
      const int ty = y + g.pt - ky * g.dh;
      if (ty < 0 || ty % g.sh != 0) continue;
      const int oy = ty / g.sh;
      if (oy >= g.oh) continue;
      for (int kx = 0; kx < g.kw; kx++) {
        const int tx = xx + g.pl - kx * g.dw;
        if (tx < 0 || tx % g.sw != 0) continue;
        const int ox = tx / g.sw;
        if (ox >= g.ow) continue;
        const float* src = cols + ((n * g.oh + oy) * g.ow + ox) * K + (int64_t(ky) * g.kw + kx) * g.c;
        for (int c = 0; c < g.c; c++) out[c] += src[c];
      }
    }
  }
}
}  // namespace


namespace {
// Direct 3x3 'same' stride-1 convolution for 16 or 32 output channels (AVX-512): small channel counts make im2col
// + sgemm a 9x copy plus an sgemm with 16-32 columns (measured per layer of mnist-fast and cifar10-small: 1.2-4x
// faster at 16-32 output channels, slower at 64, where sgemm's blocking wins); here each thread pads one
// image (a 1x copy) and keeps NP pixels x NV 16-lane vectors of outputs in registers over the 9 taps and the input
// channels. Every output is summed by one thread in a fixed order (taps, then input channels), so the bits do not
// depend on the thread count.
template <int NV, int NP>
__attribute__((target("avx512f"), always_inline)) inline void direct3x3_block(const float* xp, int64_t row_stride, int c, int co,
                                                                                  const float* f, float* y) {
  __m512 acc[NP][NV];
  for (int p = 0; p < NP; p++)
    for (int v = 0; v < NV; v++) acc[p][v] = _mm512_setzero_ps();
  for (int ky = 0; ky < 3; ky++)
    for (int kx = 0; kx < 3; kx++) {
      const float* xt = xp + ky * row_stride + int64_t(kx) * c;
      const float* ft = f + int64_t(ky * 3 + kx) * c * co;
      for (int ci = 0; ci < c; ci++) {
        __m512 fv[NV];
        for (int v = 0; v < NV; v++) fv[v] = _mm512_loadu_ps(ft + int64_t(ci) * co + 16 * v);
        for (int p = 0; p < NP; p++) {
          const __m512 xb = _mm512_set1_ps(xt[int64_t(p) * c + ci]);
          for (int v = 0; v < NV; v++) acc[p][v] = _mm512_fmadd_ps(xb, fv[v], acc[p][v]);
        }
      }
    }
  for (int p = 0; p < NP; p++)
    for (int v = 0; v < NV; v++) _mm512_storeu_ps(y + int64_t(p) * co + 16 * v, acc[p][v]);
}

template <int NV, int NP>
__attribute__((target("avx512f"))) void direct3x3_row(const float* xp, int64_t row_stride, int w, int c, int co, int co0, const float* f,
                                                      float* y) {
  int ox = 0;
  for (; ox + NP <= w; ox += NP) direct3x3_block<NV, NP>(xp + int64_t(ox) * c, row_stride, c, co, f + co0, y + int64_t(ox) * co + co0);
  for (; ox < w; ox++) direct3x3_block<NV, 1>(xp + int64_t(ox) * c, row_stride, c, co, f + co0, y + int64_t(ox) * co + co0);
}

__attribute__((target("avx512f"))) void direct3x3_image(const float* x, int h, int w, int c, int co, const float* f, float* y, float* pad) {
  const int64_t row_stride = int64_t(w + 2) * c;
  std::fill(pad, pad + (h + 2) * row_stride, 0.f);
  for (int r = 0; r < h; r++) std::memcpy(pad + (r + 1) * row_stride + c, x + int64_t(r) * w * c, sizeof(float) * size_t(w) * c);
  for (int oy = 0; oy < h; oy++) {
    const float* xp = pad + oy * row_stride;
    float* yr = y + int64_t(oy) * w * co;
    int co0 = 0;
    for (; co0 + 32 <= co; co0 += 32) direct3x3_row<2, 6>(xp, row_stride, w, c, co, co0, f, yr);
    for (; co0 < co; co0 += 16) direct3x3_row<1, 12>(xp, row_stride, w, c, co, co0, f, yr);
  }
}
}  // namespace

bool direct3x3_applies(const ConvGeom& g) {
  static const bool avx512 = __builtin_cpu_supports("avx512f");
  return avx512 && g.kh == 3 && g.kw == 3 && g.sh == 1 && g.sw == 1 && g.dh == 1 && g.dw == 1 && g.pt == 1 && g.pl == 1 &&
         g.oh == g.h && g.ow == g.w && (g.co == 16 || g.co == 32) && g.c >= 1;
}

// y = conv(x, f) for direct3x3_applies geometries: one image per piece, pieces taken by free threads.
void direct3x3(const ConvGeom& g, const float* x, const float* f, float* y) {
  const int64_t in_img = int64_t(g.h) * g.w * g.c, out_img = int64_t(g.h) * g.w * g.co;
  const int64_t pad_floats = int64_t(g.h + 2) * (g.w + 2) * g.c;
#pragma omp parallel for schedule(dynamic, 1) if (g.n > 1 && double(g.n) * out_img * g.c * 9 >= double(kParallelMin) * 16)
  for (int i = 0; i < g.n; i++) direct3x3_image(x + i * in_img, g.h, g.w, g.c, g.co, f, y + i * out_img, thread_scratch(pad_floats));
}

// dx = the 3x3 'same' convolution of dy with the filter flipped in space and transposed in channels.
void direct3x3_backprop_input(const ConvGeom& g, const float* dy, const float* f, float* dx) {
  std::vector<float> ft(size_t(9) * g.c * g.co);
  for (int t = 0; t < 9; t++)
    for (int ci = 0; ci < g.c; ci++)
      for (int o = 0; o < g.co; o++) ft[(size_t(8 - t) * g.co + o) * g.c + ci] = f[(size_t(t) * g.c + ci) * g.co + o];
  ConvGeom t = g;
  t.c = g.co;
  t.co = g.c;
  direct3x3(t, dy, ft.data(), dx);
}

void conv2d_forward(const ConvGeom& g, const float* x, const float* f, float* y) {
  if (direct3x3_applies(g)) return direct3x3(g, x, f, y);
  const int64_t K = int64_t(g.kh) * g.kw * g.c;
  const int64_t M = int64_t(g.n) * g.oh * g.ow;
  if (is_pointwise(g)) {
    gemm_parallel(false, false, int(M), g.co, g.c, x, g.c, f, g.co, y, g.co);
    return;
  }
  // Chunks of patch rows small enough to stay in cache between im2col and sgemm; each thread owns whole chunks.
  const int64_t rows = std::max<int64_t>(16, std::min<int64_t>(M, kChunkFloats / K));
  const int64_t chunks = (M + rows - 1) / rows;
#pragma omp parallel for schedule(dynamic, 1) if (chunks > 1)
  for (int64_t ch = 0; ch < chunks; ch++) {
    const int64_t r0 = ch * rows, r1 = std::min(M, r0 + rows);
    float* cols = thread_scratch(rows * K);
    im2col_serial(g, x, r0, r1, cols);
    sgemm(false, false, int(r1 - r0), g.co, int(K), 1.f, cols, int(K), f, g.co, 0.f, y + r0 * g.co, g.co);
  }
}

void conv2d_backprop_input(const ConvGeom& g, const float* dy, const float* f, float* dx) {
  ConvGeom t = g;
  std::swap(t.c, t.co);
  if (direct3x3_applies(t)) return direct3x3_backprop_input(g, dy, f, dx);
  const int64_t K = int64_t(g.kh) * g.kw * g.c;
  const int64_t plane = int64_t(g.oh) * g.ow;
  if (is_pointwise(g)) {
    gemm_parallel(false, true, int(g.n * plane), g.c, g.co, dy, g.co, f, g.co, dx, g.c);
    return;
  }
  // Patch gradients cols = dy . f^T per chunk of whole images, then the gather. With at least as many chunks as
  // threads each thread owns whole chunks; otherwise the chunks run in turn, each on all threads.
  const int64_t imgs = std::max<int64_t>(1, std::min<int64_t>(g.n, kChunkFloats / (plane * K)));
  const int64_t chunks = (g.n + imgs - 1) / imgs;
  if (chunks >= g_threads) {
#pragma omp parallel for schedule(dynamic, 1) if (chunks > 1)
    for (int64_t ch = 0; ch < chunks; ch++) {
      const int64_t n0 = ch * imgs, n1 = std::min<int64_t>(g.n, n0 + imgs);
      float* cols = thread_scratch(imgs * plane * K);
      sgemm(false, true, int((n1 - n0) * plane), int(K), g.co, 1.f, dy + n0 * plane * g.co, g.co, f, g.co, 0.f, cols, int(K));
      col2im_gather(g, cols, n0, n1, dx, false);
    }
    return;
  }
  float* cols = scratch(imgs * plane * K, kPatches);
  for (int64_t n0 = 0; n0 < g.n; n0 += imgs) {
    const int64_t n1 = std::min<int64_t>(g.n, n0 + imgs);
    gemm_parallel(false, true, int((n1 - n0) * plane), int(K), g.co, dy + n0 * plane * g.co, g.co, f, g.co, cols, int(K));
    col2im_gather(g, cols, n0, n1, dx, true);
  }
}

void conv2d_backprop_filter(const ConvGeom& g, const float* x, const float* dy, float* df) {
  const int64_t K = int64_t(g.kh) * g.kw * g.c;
  const int64_t M = int64_t(g.n) * g.oh * g.ow;
  if (is_pointwise(g)) {
    gemm_parallel(true, false, g.c, g.co, int(M), x, g.c, dy, g.co, df, g.co);
    return;
  }
  // Pieces of consecutive chunks each sum patches^T . dy into their own partial dW; the partials are then added
  // in piece order (the piece count depends on the problem, and on the thread count only above 8 threads).
  const int64_t rows = std::max<int64_t>(16, std::min<int64_t>(M, kChunkFloats / K));
  const int64_t chunks = (M + rows - 1) / rows;
  const int P = parts_for(chunks);
  const int64_t fs = K * g.co;
  float* partial = P == 1 ? df : scratch(fs * P, kPartials);
#pragma omp parallel for schedule(dynamic, 1) if (P > 1)
  for (int p = 0; p < P; p++) {
    int64_t c0, c1;
    split(chunks, P, p, 1, &c0, &c1);
    float* q = partial + p * fs;
    std::fill(q, q + fs, 0.f);
    float* cols = thread_scratch(rows * K);
    for (int64_t ch = c0; ch < c1; ch++) {
      const int64_t r0 = ch * rows, r1 = std::min(M, r0 + rows);
      im2col_serial(g, x, r0, r1, cols);
      sgemm(true, false, int(K), g.co, int(r1 - r0), 1.f, cols, int(K), dy + r0 * g.co, g.co, 1.f, q, g.co);
    }
  }
  if (P == 1) return;
  for (int64_t i = 0; i < fs; i++) {
    float acc = partial[i];
    for (int p = 1; p < P; p++) acc += partial[p * fs + i];
    df[i] = acc;
  }
}

void batch_matmul(int batch, const int32_t* ai, const int32_t* bi, int m, int n, int k, bool ta, bool tb,
                  const float* a, const float* b, float* out) {
  const int lda = ta ? m : k, ldb = tb ? k : n;
  const int64_t as = int64_t(m) * k, bs = int64_t(k) * n, os = int64_t(m) * n;
  if (batch == 1) {
    gemm_parallel(ta, tb, m, n, k, a + ai[0] * as, lda, b + bi[0] * bs, ldb, out, n);
    return;
  }
  // Whole products per thread (attention: many small ones).
#pragma omp parallel for schedule(dynamic, 1) if (double(batch) * os * k >= double(1 << 18))
  for (int i = 0; i < batch; i++) sgemm(ta, tb, m, n, k, 1.f, a + ai[i] * as, lda, b + bi[i] * bs, ldb, 0.f, out + i * os, n);
}

namespace {
// expf to ~2 ulp (Cephes' polynomial after range reduction by ln 2), written so the compiler vectorises it.
inline float exp_poly(float x) {
  x = x > 88.3762626647949f ? 88.3762626647949f : x;
  x = x < -87.3365478515625f ? -87.3365478515625f : x;
  // Round to nearest by adding and subtracting 1.5 * 2^23 (no call to floor, so the loop vectorises).
  const float n = (x * 1.44269504088896341f + 12582912.f) - 12582912.f;
  const float r = x - n * 0.693359375f + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const float y = p * r * r + r + 1.f;
  const int32_t bits = (int32_t(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return y * scale;
}

constexpr float kMpSiluScale = 1.f / 0.596f;

// Loop bodies for [i0, i1), compiled for AVX-512, AVX2 and baseline x86-64, picked at load time.
__attribute__((target_clones("avx512f", "avx2", "default"))) void mp_silu_range(int64_t i0, int64_t i1, const float* x, float* y) {
  for (int64_t i = i0; i < i1; i++) y[i] = x[i] / (1.f + exp_poly(-x[i])) * kMpSiluScale;
}

__attribute__((target_clones("avx512f", "avx2", "default"))) void mp_silu_grad_range(int64_t i0, int64_t i1, const float* x, const float* dy, float* dx) {
  for (int64_t i = i0; i < i1; i++) {
    const float sg = 1.f / (1.f + exp_poly(-x[i]));
    dx[i] = dy[i] * sg * (1.f + x[i] * (1.f - sg)) * kMpSiluScale;
  }
}

__attribute__((target_clones("avx512f", "avx2", "default"))) void mp_sum_range(int64_t i0, int64_t i1, const float* a, const float* b, float ca, float cb, float* y) {
  for (int64_t i = i0; i < i1; i++) y[i] = ca * a[i] + cb * b[i];
}

__attribute__((target_clones("avx512f", "avx2", "default"))) void clip_grad_range(int64_t i0, int64_t i1, const float* x, const float* dy, float lo, float hi, float* dx) {
  for (int64_t i = i0; i < i1; i++) dx[i] = (x[i] >= lo && x[i] <= hi) ? dy[i] : 0.f;
}

// Runs body(i0, i1) over [0, size) in blocks of 16k elements taken by whichever thread is free.
template <typename F>
void elementwise(int64_t size, F body) {
  constexpr int64_t kBlock = 16384;
  const int64_t blocks = (size + kBlock - 1) / kBlock;
#pragma omp parallel for schedule(dynamic, 1) if (size >= kParallelMin)
  for (int64_t b = 0; b < blocks; b++) body(b * kBlock, std::min(size, (b + 1) * kBlock));
}
}  // namespace

void mp_silu(int64_t size, const float* x, float* y) {
  elementwise(size, [&](int64_t i0, int64_t i1) { mp_silu_range(i0, i1, x, y); });
}

void mp_silu_grad(int64_t size, const float* x, const float* dy, float* dx) {
  elementwise(size, [&](int64_t i0, int64_t i1) { mp_silu_grad_range(i0, i1, x, dy, dx); });
}

void row_normalize(int64_t rows, int c, float eps, const float* x, float* y) {
  const float inv_sqrt_c = 1.f / std::sqrt(float(c));
  const int64_t block = std::max<int64_t>(1, 16384 / c);
  const int64_t blocks = (rows + block - 1) / block;
#pragma omp parallel for schedule(dynamic, 1) if (rows * c >= kParallelMin)
  for (int64_t b = 0; b < blocks; b++) {
    for (int64_t r = b * block; r < std::min(rows, (b + 1) * block); r++) {
      const float* xr = x + r * c;
      float ss = 0.f;
      for (int j = 0; j < c; j++) ss += xr[j] * xr[j];
      const float inv_d = 1.f / (eps + std::sqrt(ss) * inv_sqrt_c);
      float* yr = y + r * c;
      for (int j = 0; j < c; j++) yr[j] = xr[j] * inv_d;
    }
  }
}

void row_normalize_grad(int64_t rows, int c, float eps, const float* x, const float* dy, float* dx) {
  const float inv_sqrt_c = 1.f / std::sqrt(float(c));
  const int64_t block = std::max<int64_t>(1, 16384 / c);
  const int64_t blocks = (rows + block - 1) / block;
#pragma omp parallel for schedule(dynamic, 1) if (rows * c >= kParallelMin)
  for (int64_t b = 0; b < blocks; b++) {
    for (int64_t r = b * block; r < std::min(rows, (b + 1) * block); r++) {
      const float* xr = x + r * c;
      const float* gr = dy + r * c;
      float ss = 0.f, dot = 0.f;
      for (int j = 0; j < c; j++) {
        ss += xr[j] * xr[j];
        dot += gr[j] * xr[j];
      }
      const float norm = std::sqrt(ss);
      const float d = eps + norm * inv_sqrt_c;
      const float inv_d = 1.f / d;
      const float k = norm > 0.f ? dot * inv_d * inv_d * inv_sqrt_c / norm : 0.f;
      float* o = dx + r * c;
      for (int j = 0; j < c; j++) o[j] = gr[j] * inv_d - xr[j] * k;
    }
  }
}

void clip_grad(int64_t size, const float* x, const float* dy, float lo, float hi, float* dx) {
  elementwise(size, [&](int64_t i0, int64_t i1) { clip_grad_range(i0, i1, x, dy, lo, hi, dx); });
}

void mp_sum(int64_t size, const float* a, const float* b, float ca, float cb, float* y) {
  elementwise(size, [&](int64_t i0, int64_t i1) { mp_sum_range(i0, i1, a, b, ca, cb, y); });
}

namespace {
// Rows in blocks of ~16k floats taken by whichever thread is free.
template <typename F>
void row_blocks(int64_t rows, int64_t row_floats, F body) {
  const int64_t block = std::max<int64_t>(1, 16384 / std::max<int64_t>(1, row_floats));
  const int64_t blocks = (rows + block - 1) / block;
#pragma omp parallel for schedule(dynamic, 1) if (rows * row_floats >= kParallelMin)
  for (int64_t b = 0; b < blocks; b++) body(b * block, std::min(rows, (b + 1) * block));
}

__attribute__((target_clones("avx512f", "avx2", "default"))) void scale_copy(int n, float c, const float* x, float* y) {
  for (int j = 0; j < n; j++) y[j] = c * x[j];
}
}  // namespace

void mp_cat(int64_t rows, int na, int nb, float ca, float cb, const float* a, const float* b, float* y) {
  const int64_t nc = int64_t(na) + nb;
  row_blocks(rows, nc, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      scale_copy(na, ca, a + r * na, y + r * nc);
      scale_copy(nb, cb, b + r * nb, y + r * nc + na);
    }
  });
}

void mp_cat_grad(int64_t rows, int na, int nb, float ca, float cb, const float* dy, float* da, float* db) {
  const int64_t nc = int64_t(na) + nb;
  row_blocks(rows, nc, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      scale_copy(na, ca, dy + r * nc, da + r * na);
      scale_copy(nb, cb, dy + r * nc + na, db + r * nb);
    }
  });
}

void col_normalize(int fan_in, int cols, float eps, float s, const float* w, float* y) {
  const float inv_sqrt_n = 1.f / std::sqrt(float(fan_in));
  std::vector<float> ss(cols, 0.f);
  for (int i = 0; i < fan_in; i++)
    for (int j = 0; j < cols; j++) ss[j] += w[int64_t(i) * cols + j] * w[int64_t(i) * cols + j];
  for (int j = 0; j < cols; j++) ss[j] = s / (eps + std::sqrt(ss[j]) * inv_sqrt_n);
  for (int i = 0; i < fan_in; i++)
    for (int j = 0; j < cols; j++) y[int64_t(i) * cols + j] = w[int64_t(i) * cols + j] * ss[j];
}

void col_normalize_grad(int fan_in, int cols, float eps, float s, const float* w, const float* dy, float* dw) {
  const float inv_sqrt_n = 1.f / std::sqrt(float(fan_in));
  std::vector<float> ss(cols, 0.f), dot(cols, 0.f), k(cols);
  for (int i = 0; i < fan_in; i++)
    for (int j = 0; j < cols; j++) {
      const int64_t o = int64_t(i) * cols + j;
      ss[j] += w[o] * w[o];
      dot[j] += dy[o] * w[o];
    }
  for (int j = 0; j < cols; j++) {
    const float norm = std::sqrt(ss[j]);
    const float inv_d = 1.f / (eps + norm * inv_sqrt_n);
    k[j] = norm > 0.f ? s * dot[j] * inv_d * inv_d * inv_sqrt_n / norm : 0.f;
    ss[j] = s * inv_d;
  }
  for (int i = 0; i < fan_in; i++)
    for (int j = 0; j < cols; j++) {
      const int64_t o = int64_t(i) * cols + j;
      dw[o] = dy[o] * ss[j] - w[o] * k[j];
    }
}

namespace {
__attribute__((target_clones("avx512f", "avx2", "default"))) void mp_silu_mod_row(int c, const float* x, const float* s, float* y) {
  for (int j = 0; j < c; j++) {
    const float z = x[j] * s[j];
    y[j] = z / (1.f + exp_poly(-z)) * kMpSiluScale;
  }
}

__attribute__((target_clones("avx512f", "avx2", "default"))) void mp_silu_mod_grad_row(int c, const float* x, const float* s, const float* dy, float* dx, float* ds) {
  for (int j = 0; j < c; j++) {
    const float z = x[j] * s[j];
    const float sg = 1.f / (1.f + exp_poly(-z));
    const float g = dy[j] * sg * (1.f + z * (1.f - sg)) * kMpSiluScale;
    dx[j] = g * s[j];
    ds[j] += g * x[j];
  }
}

__attribute__((target_clones("avx512f", "avx2", "default"))) void add_pair_scaled(int c, float scale, const float* a, const float* b, float* y) {
  for (int j = 0; j < c; j++) y[j] = a[j] + b[j];
  if (scale != 1.f)
    for (int j = 0; j < c; j++) y[j] *= scale;
}
}  // namespace

void mp_silu_mod(int64_t n, int64_t hw, int c, const float* x, const float* s, float* y) {
  const int64_t rows = n * hw;
  row_blocks(rows, c, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) mp_silu_mod_row(c, x + r * c, s + (r / hw) * c, y + r * c);
  });
}

void mp_silu_mod_grad(int64_t n, int64_t hw, int c, const float* x, const float* s, const float* dy, float* dx, float* ds) {
#pragma omp parallel for schedule(dynamic, 1) if (n * hw * c >= kParallelMin)
  for (int64_t i = 0; i < n; i++) {
    float* d = ds + i * c;
    std::fill(d, d + c, 0.f);
    for (int64_t p = 0; p < hw; p++) {
      const int64_t o = (i * hw + p) * c;
      mp_silu_mod_grad_row(c, x + o, s + i * c, dy + o, dx + o, d);
    }
  }
}

void down2x(int64_t n, int h, int w, int c, float scale, const float* x, float* y) {
  const int oh = h / 2, ow = w / 2;
  row_blocks(n * oh, int64_t(ow) * c * 4, [&](int64_t r0, int64_t r1) {
    std::vector<float> t(size_t(c) * 2);
    for (int64_t r = r0; r < r1; r++) {
      const int64_t img = r / oh, oy = r % oh;
      const float* row0 = x + ((img * h + 2 * oy) * w) * c;
      const float* row1 = row0 + int64_t(w) * c;
      for (int ox = 0; ox < ow; ox++) {
        float* out = y + ((img * oh + oy) * ow + ox) * c;
        add_pair_scaled(c, 1.f, row0 + int64_t(2 * ox) * c, row0 + int64_t(2 * ox + 1) * c, t.data());
        add_pair_scaled(c, 1.f, row1 + int64_t(2 * ox) * c, row1 + int64_t(2 * ox + 1) * c, t.data() + c);
        add_pair_scaled(c, scale, t.data(), t.data() + c, out);
      }
    }
  });
}

void up2x(int64_t n, int h, int w, int c, float scale, const float* x, float* y) {
  const int ow = 2 * w;
  row_blocks(n * h, int64_t(w) * c * 4, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      const int64_t img = r / h, iy = r % h;
      float* out0 = y + ((img * 2 * h + 2 * iy) * ow) * c;
      for (int ix = 0; ix < w; ix++) {
        const float* src = x + ((img * h + iy) * w + ix) * c;
        scale_copy(c, scale, src, out0 + int64_t(2 * ix) * c);
        scale_copy(c, scale, src, out0 + int64_t(2 * ix + 1) * c);
      }
      std::memcpy(out0 + int64_t(ow) * c, out0, sizeof(float) * size_t(ow) * c);
    }
  });
}

namespace {
// 12 independent FMA chains per thread hide the FMA latency (4 cycles on 2 ports); the result depends on every
// chain so the compiler keeps the work. `iters` rounds of 12 FMAs on the vector width.
#define FLOW_FMA_CHAINS(V, SET1, FMA, ADD, STORE, LANES)                  \
  V a[12];                                                                \
  for (int j = 0; j < 12; j++) a[j] = SET1(1.f + float(j) * 1e-3f);       \
  const V m = SET1(0.999999f), c = SET1(1e-7f);                           \
  for (int64_t i = 0; i < iters; i++)                                     \
    for (int j = 0; j < 12; j++) a[j] = FMA(a[j], m, c);                  \
  V s = a[0];                                                             \
  for (int j = 1; j < 12; j++) s = ADD(s, a[j]);                          \
  float out[LANES];                                                       \
  STORE(out, s);                                                          \
  float r = 0.f;                                                          \
  for (int k = 0; k < LANES; k++) r += out[k];                            \
  return r;

__attribute__((target("avx512f,fma"))) float run_avx512(int64_t iters) {
  FLOW_FMA_CHAINS(__m512, _mm512_set1_ps, _mm512_fmadd_ps, _mm512_add_ps, _mm512_storeu_ps, 16)
}
__attribute__((target("avx2,fma"))) float run_avx2(int64_t iters) {
  FLOW_FMA_CHAINS(__m256, _mm256_set1_ps, _mm256_fmadd_ps, _mm256_add_ps, _mm256_storeu_ps, 8)
}
inline __m128 mul_add_sse(__m128 a, __m128 b, __m128 c) { return _mm_add_ps(_mm_mul_ps(a, b), c); }
float run_sse(int64_t iters) {
  FLOW_FMA_CHAINS(__m128, _mm_set1_ps, mul_add_sse, _mm_add_ps, _mm_storeu_ps, 4)
}
#undef FLOW_FMA_CHAINS
}  // namespace

double peak_gflops(int threads, double seconds, const char** isa) {
  int lanes = 4;
  float (*body)(int64_t) = run_sse;
  *isa = "sse (mul+add)";
  if (__builtin_cpu_supports("avx512f")) {
    lanes = 16, body = run_avx512, *isa = "avx512 fma";
  } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    lanes = 8, body = run_avx2, *isa = "avx2 fma";
  }
  threads = std::max(1, threads);
  // Calibrate on one thread, then time every thread running the same count.
  int64_t iters = 1 << 16;
  for (;;) {
    const double t0 = omp_get_wtime();
    volatile float sink = body(iters);
    (void)sink;
    if (omp_get_wtime() - t0 > seconds / 4 || iters > (int64_t(1) << 40)) break;
    iters *= 2;
  }
  const double t0 = omp_get_wtime();
  float total = 0.f;
#pragma omp parallel for num_threads(threads) schedule(static, 1) reduction(+ : total)
  for (int t = 0; t < threads; t++) total += body(iters);
  const double dt = omp_get_wtime() - t0;
  volatile float sink = total;
  (void)sink;
  return double(threads) * double(iters) * 12.0 * lanes * 2.0 / dt / 1e9;
}

}  // namespace flow
