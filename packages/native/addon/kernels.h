// Float32 kernels of @flow/native: convolutions (NHWC, filter [KH, KW, C, CO]) as im2col + OpenBLAS sgemm,
// batched matmul, and the fused magnitude-preserving elementwise ops. Every kernel is deterministic for a fixed
// thread count: work is split by output element, never reduced across threads in a varying order.
#pragma once
#include <cstdint>
#include <string>

namespace flow {

struct ConvGeom {
  int n, h, w, c;       // input (NHWC)
  int kh, kw, co;       // filter [kh, kw, c, co]
  int oh, ow;           // output spatial size
  int sh, sw, dh, dw;   // strides, dilations
  int pt, pl;           // leading pads (top, left)
};

// Opens OpenBLAS (once); false with the reason if it cannot. Call before any kernel.
bool load_blas(std::string* error);
void set_threads(int n);
int get_threads();
const char* blas_core();
// Patch-matrix budget per chunk (floats); returns the previous one. Tests use small values to exercise chunking.
int64_t set_chunk_floats(int64_t n);

void conv2d_forward(const ConvGeom& g, const float* x, const float* f, float* y);
void conv2d_backprop_input(const ConvGeom& g, const float* dy, const float* f, float* dx);
void conv2d_backprop_filter(const ConvGeom& g, const float* x, const float* dy, float* df);

// out[b] = op(a[ai[b]]) op(b[bi[b]]), row-major, a [m, k] (or [k, m] if ta), b [k, n] (or [n, k] if tb).
void batch_matmul(int batch, const int32_t* ai, const int32_t* bi, int m, int n, int k, bool ta, bool tb,
                  const float* a, const float* b, float* out);

// c[m, n] = a[m, k] b[n, k]^T, row-major: pieces over the columns of c (rows of b), fixed by the problem, so a
// wide, short product (a batch against a large pool of rows) reads b once in all, not once per thread.
void matmul_abt_columns(int m, int n, int k, const float* a, const float* b, float* c);

// DANSM's pool kernel (see @flow/matching): the same arithmetic, to the bit, as its JS path (-std=c++17 keeps
// GCC from contracting a * b + c into an FMA, as JS never does).
// out = a - mean (rounded to float), norms[i] = sum_k (a - mean)^2 in double over the unrounded differences; with
// want_mean, mean = the rows' mean first (summed in row order per column, as JS does).
void pool_centre(int64_t n, int dim, const float* a, bool want_mean, double* mean, float* out, double* norms);
// c[rows, cols] = nx_i + nz_j - 2 x_i . z_j in double, rounded to float, clamped at 0 (NaN stays): the dot products
// by matmul_abt_columns' pieces (the same bits), each piece turned into distances while it is in cache.
void pool_distances(int rows, int cols, int dim, const float* x, const float* z, const double* nx, const double* nz, float* c);
// The in-order nearest-unused rule on c (rows x ld): `free` holds the n candidate columns in tie order; row b takes
// the first column of the smallest value (the first one if none is finite), which leaves `free`. Returns the
// number of rows served (min(rows, n)); pick[b] = the column row b took.
int pool_greedy(int rows, int64_t ld, const float* c, int32_t* free, int n, int32_t* pick);

// Plain row-major sgemm: c[m, n] = alpha op(a) op(b) + beta c.
void sgemm(bool ta, bool tb, int m, int n, int k, float alpha, const float* a, int lda, const float* b, int ldb,
           float beta, float* c, int ldc);

// Elementwise (fused) ops, parallel over elements.
void mp_silu(int64_t size, const float* x, float* y);                        // x * sigmoid(x) / 0.596
void mp_silu_grad(int64_t size, const float* x, const float* dy, float* dx);  // dy * d/dx mp_silu
// EDM2's normalize over the last axis of rows x [rows, c]: y = x / (eps + |x| / sqrt(c)), and its gradient
// dx = dy / d - x (dy . x) / (d^2 |x| sqrt(c)) with d = eps + |x| / sqrt(c) (the second term 0 where |x| = 0).
void row_normalize(int64_t rows, int c, float eps, const float* x, float* y);
void row_normalize_grad(int64_t rows, int c, float eps, const float* x, const float* dy, float* dx);
// dx = dy where lo <= x <= hi, else 0 (the gradient of clip_by_value; NaN x gives 0).
void clip_grad(int64_t size, const float* x, const float* dy, float lo, float hi, float* dx);
void mp_sum(int64_t size, const float* a, const float* b, float ca, float cb, float* y);  // ca a + cb b
// EDM2's mp_cat along the last axis: y[r] = [ca a[r], cb b[r]] for rows a [rows, na], b [rows, nb]; the gradient
// splits dy the same way: da[r] = ca dy[r, :na], db[r] = cb dy[r, na:].
void mp_cat(int64_t rows, int na, int nb, float ca, float cb, const float* a, const float* b, float* y);
void mp_cat_grad(int64_t rows, int na, int nb, float ca, float cb, const float* dy, float* da, float* db);
// EDM2's weight normalisation with its scale, over the rows (fan-in) of each column of w [fan_in, cols]:
// y = s w / (eps + |w_col| / sqrt(fan_in)), and its gradient (row_normalize_grad's rule per column, times s).
// One thread, columns in a fixed order (weights are small), so the bits never depend on the thread count.
void col_normalize(int fan_in, int cols, float eps, float s, const float* w, float* y);
void col_normalize_grad(int fan_in, int cols, float eps, float s, const float* w, const float* dy, float* dw);

// EDM2's modulated activation y = mp_silu(x * s[n]) for x [n, hw, c] and per-image channel scales s [n, c], and
// its gradient: dx = g s and ds[n] = sum over hw of g x, g = dy mp_silu'(x s) (parallel over images, each summed
// in pixel order, so the bits never depend on the thread count).
void mp_silu_mod(int64_t n, int64_t hw, int c, const float* x, const float* s, float* y);
void mp_silu_mod_grad(int64_t n, int64_t hw, int c, const float* x, const float* s, const float* dy, float* dx, float* ds);
// 2x2 box resampling of NHWC images x [n, h, w, c]: down2x y [n, h/2, w/2, c] = scale (sum of each 2x2 block);
// up2x y [n, 2h, 2w, c] = scale x repeated over each 2x2 block. Each is the other's gradient.
void down2x(int64_t n, int h, int w, int c, float scale, const float* x, float* y);
void up2x(int64_t n, int h, int w, int c, float scale, const float* x, float* y);

// Peak float32 FMA throughput: `threads` threads each run independent FMA chains on registers for ~`seconds`
// (AVX-512, else AVX2+FMA, else SSE mul+add, picked at run time). Returns GFLOP/s; *isa names the path taken.
double peak_gflops(int threads, double seconds, const char** isa);

}  // namespace flow
