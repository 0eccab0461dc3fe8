#include "kernels.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

// OpenBLAS entry points, declared here so any cblas.h (or none) on the include path does not matter.
extern "C" {
void cblas_sgemm(int order, int transa, int transb, int m, int n, int k, float alpha, const float* a, int lda,
                 const float* b, int ldb, float beta, float* c, int ldc);
void openblas_set_num_threads(int n);
int openblas_get_num_threads(void);
char* openblas_get_corename(void);
}

namespace flow {
namespace {
constexpr int kRowMajor = 101, kNoTrans = 111, kTrans = 112;
// Patch-matrix budget per chunk (floats): 16 MiB keeps it near the last-level cache of a small machine.
int64_t kChunkFloats = int64_t(4) << 20;
int g_threads = 1;
// Below this many floats touched, a loop runs on the calling thread: waking a worker costs more (and on a busy
// machine, where the worker waits to be scheduled, far more).
constexpr int64_t kParallelMin = int64_t(1) << 17;

// One scratch buffer per process (kernels run one at a time on the JS thread).
float* scratch(int64_t floats) {
  static std::vector<float> buf;
  if (int64_t(buf.size()) < floats) buf.resize(size_t(floats));
  return buf.data();
}

// Rows [r0, r1) of the im2col matrix of x: row (n, oy, ox), column (ky, kx, c), zeros outside the image.
void im2col(const ConvGeom& g, const float* x, int64_t r0, int64_t r1, float* cols) {
  const int64_t K = int64_t(g.kh) * g.kw * g.c;
  const int64_t plane = int64_t(g.oh) * g.ow;
#pragma omp parallel for schedule(static) if ((r1 - r0) * K >= kParallelMin)
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

void set_threads(int n) {
  g_threads = std::max(1, n);
  openblas_set_num_threads(g_threads);
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

void conv2d_forward(const ConvGeom& g, const float* x, const float* f, float* y) {
  const int64_t K = int64_t(g.kh) * g.kw * g.c;
  const int64_t M = int64_t(g.n) * g.oh * g.ow;
  if (is_pointwise(g)) {
    sgemm(false, false, int(M), g.co, g.c, 1.f, x, g.c, f, g.co, 0.f, y, g.co);
    return;
  }
  const int64_t rows = std::max<int64_t>(1, std::min<int64_t>(M, kChunkFloats / K));
  float* cols = scratch(rows * K);
  for (int64_t r0 = 0; r0 < M; r0 += rows) {
    const int64_t r1 = std::min(M, r0 + rows);
    im2col(g, x, r0, r1, cols);
    sgemm(false, false, int(r1 - r0), g.co, int(K), 1.f, cols, int(K), f, g.co, 0.f, y + r0 * g.co, g.co);
  }
}

void conv2d_backprop_input(const ConvGeom& g, const float* dy, const float* f, float* dx) {
  const int64_t K = int64_t(g.kh) * g.kw * g.c;
  const int64_t plane = int64_t(g.oh) * g.ow;
  if (is_pointwise(g)) {
    sgemm(false, true, int(g.n * plane), g.c, g.co, 1.f, dy, g.co, f, g.co, 0.f, dx, g.c);
    return;
  }
  // cols = dy . f^T per chunk of whole images, then each dx pixel gathers its (ky, kx) patch entries in a fixed order.
  const int64_t imgs = std::max<int64_t>(1, std::min<int64_t>(g.n, kChunkFloats / (plane * K)));
  float* cols = scratch(imgs * plane * K);
  for (int64_t n0 = 0; n0 < g.n; n0 += imgs) {
    const int64_t n1 = std::min<int64_t>(g.n, n0 + imgs);
    sgemm(false, true, int((n1 - n0) * plane), int(K), g.co, 1.f, dy + n0 * plane * g.co, g.co, f, g.co, 0.f, cols,
          int(K));
    const int64_t pixels = (n1 - n0) * g.h * g.w;
#pragma omp parallel for schedule(static) if (pixels * K >= kParallelMin)
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
}

void conv2d_backprop_filter(const ConvGeom& g, const float* x, const float* dy, float* df) {
  const int64_t K = int64_t(g.kh) * g.kw * g.c;
  const int64_t M = int64_t(g.n) * g.oh * g.ow;
  if (is_pointwise(g)) {
    sgemm(true, false, g.c, g.co, int(M), 1.f, x, g.c, dy, g.co, 0.f, df, g.co);
    return;
  }
  const int64_t rows = std::max<int64_t>(1, std::min<int64_t>(M, kChunkFloats / K));
  float* cols = scratch(rows * K);
  for (int64_t r0 = 0; r0 < M; r0 += rows) {
    const int64_t r1 = std::min(M, r0 + rows);
    im2col(g, x, r0, r1, cols);
    sgemm(true, false, int(K), g.co, int(r1 - r0), 1.f, cols, int(K), dy + r0 * g.co, g.co, r0 == 0 ? 0.f : 1.f, df,
          g.co);
  }
}

void batch_matmul(int batch, const int32_t* ai, const int32_t* bi, int m, int n, int k, bool ta, bool tb,
                  const float* a, const float* b, float* out) {
  const int lda = ta ? m : k, ldb = tb ? k : n;
  const int64_t as = int64_t(m) * k, bs = int64_t(k) * n, os = int64_t(m) * n;
  // Small products (attention at low resolution) gain nothing from BLAS threads: run whole products per thread.
  if (batch > 1 && os * k < (int64_t(1) << 21)) {
    const int saved = openblas_get_num_threads();
    openblas_set_num_threads(1);
#pragma omp parallel for schedule(static)
    for (int i = 0; i < batch; i++) sgemm(ta, tb, m, n, k, 1.f, a + ai[i] * as, lda, b + bi[i] * bs, ldb, 0.f, out + i * os, n);
    openblas_set_num_threads(saved);
    return;
  }
  for (int i = 0; i < batch; i++) sgemm(ta, tb, m, n, k, 1.f, a + ai[i] * as, lda, b + bi[i] * bs, ldb, 0.f, out + i * os, n);
}

void mp_silu(int64_t size, const float* x, float* y) {
  const float s = 1.f / 0.596f;
#pragma omp parallel for schedule(static) if (size >= kParallelMin)
  for (int64_t i = 0; i < size; i++) y[i] = x[i] / (1.f + std::exp(-x[i])) * s;
}

void mp_silu_grad(int64_t size, const float* x, const float* dy, float* dx) {
  const float s = 1.f / 0.596f;
#pragma omp parallel for schedule(static) if (size >= kParallelMin)
  for (int64_t i = 0; i < size; i++) {
    const float sg = 1.f / (1.f + std::exp(-x[i]));
    dx[i] = dy[i] * sg * (1.f + x[i] * (1.f - sg)) * s;
  }
}

void mp_sum(int64_t size, const float* a, const float* b, float ca, float cb, float* y) {
#pragma omp parallel for schedule(static) if (size >= kParallelMin)
  for (int64_t i = 0; i < size; i++) y[i] = ca * a[i] + cb * b[i];
}

}  // namespace flow
