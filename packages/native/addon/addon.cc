// N-API glue: typed-array arguments in, checked against the kernel's geometry, then the kernel runs synchronously
// on the caller's buffers (no copies: a view of the tfjs wasm heap works as well as any Float32Array).
#include <node_api.h>

#include <algorithm>
#include <cstdint>
#include <exception>
#include <string>

#include "kernels.h"

namespace {

struct Args {
  napi_env env;
  napi_value argv[12];
  size_t argc = 12;
  bool failed = false;
};

bool fail(napi_env env, const std::string& msg) {
  napi_throw_type_error(env, nullptr, ("@flow/native: " + msg).c_str());
  return false;
}

bool get_args(napi_env env, napi_callback_info info, Args& a, size_t want) {
  a.env = env;
  napi_get_cb_info(env, info, &a.argc, a.argv, nullptr, nullptr);
  if (a.argc < want) return fail(env, "expected " + std::to_string(want) + " arguments");
  return true;
}

template <typename T>
bool typed(Args& a, size_t i, napi_typedarray_type want, T** data, size_t* length, const char* name) {
  bool is = false;
  napi_is_typedarray(a.env, a.argv[i], &is);
  if (!is) return fail(a.env, std::string(name) + " must be a typed array");
  napi_typedarray_type type;
  void* ptr = nullptr;
  napi_value buf;
  size_t offset = 0;
  napi_get_typedarray_info(a.env, a.argv[i], &type, length, &ptr, &buf, &offset);
  if (type != want)
    return fail(a.env, std::string(name) + (want == napi_float32_array ? " must be a Float32Array" : want == napi_float64_array ? " must be a Float64Array" : " must be an Int32Array"));
  *data = static_cast<T*>(ptr);
  return true;
}

bool number(Args& a, size_t i, double* out) {
  if (napi_get_value_double(a.env, a.argv[i], out) != napi_ok) return fail(a.env, "argument " + std::to_string(i) + " must be a number");
  return true;
}

// Runs a kernel, turning a C++ exception (out of memory for the patch buffers) into a JS error.
template <typename F>
bool guarded(napi_env env, F&& kernel) {
  try {
    kernel();
    return true;
  } catch (const std::exception& e) {
    napi_throw_error(env, nullptr, (std::string("@flow/native: ") + e.what()).c_str());
    return false;
  }
}

napi_value undefined(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

bool need(napi_env env, size_t have, int64_t want, const char* name) {
  if (want < 0 || int64_t(have) < want) return fail(env, std::string(name) + " holds " + std::to_string(have) + " floats, the geometry needs " + std::to_string(want));
  return true;
}

napi_value SetThreads(napi_env env, napi_callback_info info) {
  Args a;
  double n;
  if (!get_args(env, info, a, 1) || !number(a, 0, &n)) return nullptr;
  flow::set_threads(int(n));
  return undefined(env);
}

napi_value GetThreads(napi_env env, napi_callback_info) {
  napi_value v;
  napi_create_int32(env, flow::get_threads(), &v);
  return v;
}

napi_value SetChunkFloats(napi_env env, napi_callback_info info) {
  Args a;
  double n;
  if (!get_args(env, info, a, 1) || !number(a, 0, &n)) return nullptr;
  napi_value v;
  napi_create_double(env, double(flow::set_chunk_floats(int64_t(n))), &v);
  return v;
}

napi_value BlasCore(napi_env env, napi_callback_info) {
  napi_value v;
  napi_create_string_utf8(env, flow::blas_core(), NAPI_AUTO_LENGTH, &v);
  return v;
}

// conv2d(kind, a, b, out, geom): kind 0 = forward (x, f -> y), 1 = backprop input (dy, f -> dx), 2 = backprop filter (x, dy -> df).
// geom: Int32Array [n, h, w, c, kh, kw, co, oh, ow, sh, sw, dh, dw, pt, pl].
napi_value Conv2d(napi_env env, napi_callback_info info) {
  Args a;
  double kind;
  float *p0, *p1, *p2;
  int32_t* gv;
  size_t l0, l1, l2, lg;
  if (!get_args(env, info, a, 5) || !number(a, 0, &kind) || !typed(a, 1, napi_float32_array, &p0, &l0, "input 1") ||
      !typed(a, 2, napi_float32_array, &p1, &l1, "input 2") || !typed(a, 3, napi_float32_array, &p2, &l2, "output") ||
      !typed(a, 4, napi_int32_array, &gv, &lg, "geometry"))
    return nullptr;
  if (lg != 15) return fail(env, "geometry must hold 15 integers"), nullptr;
  flow::ConvGeom g{gv[0], gv[1], gv[2], gv[3], gv[4], gv[5], gv[6], gv[7], gv[8], gv[9], gv[10], gv[11], gv[12], gv[13], gv[14]};
  for (int i = 0; i < 13; i++)
    if (gv[i] <= 0) return fail(env, "geometry entry " + std::to_string(i) + " must be positive"), nullptr;
  const int64_t xs = int64_t(g.n) * g.h * g.w * g.c, fs = int64_t(g.kh) * g.kw * g.c * g.co, ys = int64_t(g.n) * g.oh * g.ow * g.co;
  switch (int(kind)) {
    case 0:
      if (!need(env, l0, xs, "x") || !need(env, l1, fs, "filter") || !need(env, l2, ys, "y")) return nullptr;
      if (!guarded(env, [&] { flow::conv2d_forward(g, p0, p1, p2); })) return nullptr;
      break;
    case 1:
      if (!need(env, l0, ys, "dy") || !need(env, l1, fs, "filter") || !need(env, l2, xs, "dx")) return nullptr;
      if (!guarded(env, [&] { flow::conv2d_backprop_input(g, p0, p1, p2); })) return nullptr;
      break;
    case 2:
      if (!need(env, l0, xs, "x") || !need(env, l1, ys, "dy") || !need(env, l2, fs, "dfilter")) return nullptr;
      if (!guarded(env, [&] { flow::conv2d_backprop_filter(g, p0, p1, p2); })) return nullptr;
      break;
    default:
      return fail(env, "unknown conv2d kind"), nullptr;
  }
  return undefined(env);
}

// batchMatMul(a, b, out, aIndex, bIndex, m, n, k, transposeA, transposeB)
napi_value BatchMatMul(napi_env env, napi_callback_info info) {
  Args a;
  float *pa, *pb, *po;
  int32_t *ai, *bi;
  size_t la, lb, lo, lai, lbi;
  double m, n, k, ta, tb;
  if (!get_args(env, info, a, 10) || !typed(a, 0, napi_float32_array, &pa, &la, "a") || !typed(a, 1, napi_float32_array, &pb, &lb, "b") ||
      !typed(a, 2, napi_float32_array, &po, &lo, "out") || !typed(a, 3, napi_int32_array, &ai, &lai, "aIndex") ||
      !typed(a, 4, napi_int32_array, &bi, &lbi, "bIndex") || !number(a, 5, &m) || !number(a, 6, &n) || !number(a, 7, &k) ||
      !number(a, 8, &ta) || !number(a, 9, &tb))
    return nullptr;
  if (lai != lbi) return fail(env, "aIndex and bIndex must have the same length"), nullptr;
  if (m < 1 || n < 1 || k < 1) return fail(env, "m, n, k must be positive"), nullptr;
  const int64_t as = int64_t(m) * int64_t(k), bs = int64_t(k) * int64_t(n);
  for (size_t i = 0; i < lai; i++)
    if (ai[i] < 0 || bi[i] < 0 || int64_t(ai[i] + 1) * as > int64_t(la) || int64_t(bi[i] + 1) * bs > int64_t(lb))
      return fail(env, "batch index " + std::to_string(i) + " out of range"), nullptr;
  if (!need(env, lo, int64_t(lai) * int64_t(m) * int64_t(n), "out")) return nullptr;
  if (!guarded(env, [&] { flow::batch_matmul(int(lai), ai, bi, int(m), int(n), int(k), ta != 0, tb != 0, pa, pb, po); })) return nullptr;
  return undefined(env);
}

// matMulABt(a, b, out, m, n, k): out[m, n] = a[m, k] b[n, k]^T
napi_value MatMulABt(napi_env env, napi_callback_info info) {
  Args a;
  float *pa, *pb, *po;
  size_t la, lb, lo;
  double m, n, k;
  if (!get_args(env, info, a, 6) || !typed(a, 0, napi_float32_array, &pa, &la, "a") || !typed(a, 1, napi_float32_array, &pb, &lb, "b") ||
      !typed(a, 2, napi_float32_array, &po, &lo, "out") || !number(a, 3, &m) || !number(a, 4, &n) || !number(a, 5, &k))
    return nullptr;
  if (m < 1 || n < 1 || k < 1) return fail(env, "m, n, k must be positive"), nullptr;
  if (!need(env, la, int64_t(m) * int64_t(k), "a") || !need(env, lb, int64_t(n) * int64_t(k), "b") || !need(env, lo, int64_t(m) * int64_t(n), "out"))
    return nullptr;
  if (!guarded(env, [&] { flow::matmul_abt_columns(int(m), int(n), int(k), pa, pb, po); })) return nullptr;
  return undefined(env);
}

// poolCentre(a, n, dim, wantMean, mean, out, norms): out = a - mean, norms = row sums of squares (mean first if wantMean)
napi_value PoolCentre(napi_env env, napi_callback_info info) {
  Args a;
  float *pa, *po;
  double *pm, *pn;
  size_t la, lm, lo, ln;
  double n, dim, want;
  if (!get_args(env, info, a, 7) || !typed(a, 0, napi_float32_array, &pa, &la, "a") || !number(a, 1, &n) || !number(a, 2, &dim) || !number(a, 3, &want) ||
      !typed(a, 4, napi_float64_array, &pm, &lm, "mean") || !typed(a, 5, napi_float32_array, &po, &lo, "out") || !typed(a, 6, napi_float64_array, &pn, &ln, "norms"))
    return nullptr;
  if (n < 1 || dim < 1) return fail(env, "n, dim must be positive"), nullptr;
  const int64_t size = int64_t(n) * int64_t(dim);
  if (!need(env, la, size, "a") || !need(env, lm, int64_t(dim), "mean") || !need(env, lo, size, "out") || !need(env, ln, int64_t(n), "norms")) return nullptr;
  flow::pool_centre(int64_t(n), int(dim), pa, want != 0, pm, po, pn);
  return undefined(env);
}

// poolDistances(x, rows, z, cols, dim, nx, nz, out): out[rows, cols] = max(0, nx_i + nz_j - 2 x_i . z_j)
napi_value PoolDistances(napi_env env, napi_callback_info info) {
  Args a;
  float *px, *pz, *po;
  double *pnx, *pnz;
  size_t lx, lz, lo, lnx, lnz;
  double rows, cols, dim;
  if (!get_args(env, info, a, 8) || !typed(a, 0, napi_float32_array, &px, &lx, "x") || !number(a, 1, &rows) || !typed(a, 2, napi_float32_array, &pz, &lz, "z") ||
      !number(a, 3, &cols) || !number(a, 4, &dim) || !typed(a, 5, napi_float64_array, &pnx, &lnx, "nx") || !typed(a, 6, napi_float64_array, &pnz, &lnz, "nz") ||
      !typed(a, 7, napi_float32_array, &po, &lo, "out"))
    return nullptr;
  if (rows < 1 || cols < 1 || dim < 1) return fail(env, "rows, cols, dim must be positive"), nullptr;
  if (!need(env, lx, int64_t(rows) * int64_t(dim), "x") || !need(env, lz, int64_t(cols) * int64_t(dim), "z") || !need(env, lnx, int64_t(rows), "nx") ||
      !need(env, lnz, int64_t(cols), "nz") || !need(env, lo, int64_t(rows) * int64_t(cols), "out"))
    return nullptr;
  if (!guarded(env, [&] { flow::pool_distances(int(rows), int(cols), int(dim), px, pz, pnx, pnz, po); })) return nullptr;
  return undefined(env);
}

// poolGreedy(c, rows, ld, free, n, pick): the in-order nearest-unused rule over the columns in `free`; returns rows served
napi_value PoolGreedy(napi_env env, napi_callback_info info) {
  Args a;
  float* pc;
  int32_t *pf, *pp;
  size_t lc, lf, lp;
  double rows, ld, n;
  if (!get_args(env, info, a, 6) || !typed(a, 0, napi_float32_array, &pc, &lc, "c") || !number(a, 1, &rows) || !number(a, 2, &ld) ||
      !typed(a, 3, napi_int32_array, &pf, &lf, "free") || !number(a, 4, &n) || !typed(a, 5, napi_int32_array, &pp, &lp, "pick"))
    return nullptr;
  if (rows < 0 || n < 0 || ld < 0 || double(lf) < n || double(lp) < rows) return fail(env, "free / pick shorter than n / rows"), nullptr;
  const int served = int(std::min(rows, n));
  if (served > 0 && !need(env, lc, int64_t(served - 1) * int64_t(ld) + int64_t(ld), "c")) return nullptr;
  for (int t = 0; t < int(n); t++)
    if (pf[t] < 0 || pf[t] >= ld) return fail(env, "free holds a column outside 0..ld-1"), nullptr;
  napi_value r;
  napi_create_int32(env, flow::pool_greedy(int(rows), int64_t(ld), pc, pf, int(n), pp), &r);
  return r;
}

// mpSilu(x, y) | mpSiluGrad(x, dy, dx) | mpSum(a, b, ca, cb, y)
napi_value MpSilu(napi_env env, napi_callback_info info) {
  Args a;
  float *x, *y;
  size_t lx, ly;
  if (!get_args(env, info, a, 2) || !typed(a, 0, napi_float32_array, &x, &lx, "x") || !typed(a, 1, napi_float32_array, &y, &ly, "y")) return nullptr;
  if (!need(env, ly, int64_t(lx), "y")) return nullptr;
  flow::mp_silu(int64_t(lx), x, y);
  return undefined(env);
}

napi_value MpSiluGrad(napi_env env, napi_callback_info info) {
  Args a;
  float *x, *dy, *dx;
  size_t lx, ldy, ldx;
  if (!get_args(env, info, a, 3) || !typed(a, 0, napi_float32_array, &x, &lx, "x") || !typed(a, 1, napi_float32_array, &dy, &ldy, "dy") ||
      !typed(a, 2, napi_float32_array, &dx, &ldx, "dx"))
    return nullptr;
  if (!need(env, ldy, int64_t(lx), "dy") || !need(env, ldx, int64_t(lx), "dx")) return nullptr;
  flow::mp_silu_grad(int64_t(lx), x, dy, dx);
  return undefined(env);
}

// rowNormalize(x, c, eps, y) | rowNormalizeGrad(x, dy, c, eps, dx): rows = x.length / c.
napi_value RowNormalize(napi_env env, napi_callback_info info) {
  Args a;
  float *x, *y;
  size_t lx, ly;
  double c, eps;
  if (!get_args(env, info, a, 4) || !typed(a, 0, napi_float32_array, &x, &lx, "x") || !number(a, 1, &c) || !number(a, 2, &eps) ||
      !typed(a, 3, napi_float32_array, &y, &ly, "y"))
    return nullptr;
  if (c < 1 || lx % size_t(c) != 0) return fail(env, "x must hold whole rows of c values"), nullptr;
  if (!need(env, ly, int64_t(lx), "y")) return nullptr;
  flow::row_normalize(int64_t(lx) / int64_t(c), int(c), float(eps), x, y);
  return undefined(env);
}

napi_value RowNormalizeGrad(napi_env env, napi_callback_info info) {
  Args a;
  float *x, *dy, *dx;
  size_t lx, ldy, ldx;
  double c, eps;
  if (!get_args(env, info, a, 5) || !typed(a, 0, napi_float32_array, &x, &lx, "x") || !typed(a, 1, napi_float32_array, &dy, &ldy, "dy") ||
      !number(a, 2, &c) || !number(a, 3, &eps) || !typed(a, 4, napi_float32_array, &dx, &ldx, "dx"))
    return nullptr;
  if (c < 1 || lx % size_t(c) != 0) return fail(env, "x must hold whole rows of c values"), nullptr;
  if (!need(env, ldy, int64_t(lx), "dy") || !need(env, ldx, int64_t(lx), "dx")) return nullptr;
  flow::row_normalize_grad(int64_t(lx) / int64_t(c), int(c), float(eps), x, dy, dx);
  return undefined(env);
}

// clipGrad(x, dy, lo, hi, dx)
napi_value ClipGrad(napi_env env, napi_callback_info info) {
  Args a;
  float *x, *dy, *dx;
  size_t lx, ldy, ldx;
  double lo, hi;
  if (!get_args(env, info, a, 5) || !typed(a, 0, napi_float32_array, &x, &lx, "x") || !typed(a, 1, napi_float32_array, &dy, &ldy, "dy") ||
      !number(a, 2, &lo) || !number(a, 3, &hi) || !typed(a, 4, napi_float32_array, &dx, &ldx, "dx"))
    return nullptr;
  if (!need(env, ldy, int64_t(lx), "dy") || !need(env, ldx, int64_t(lx), "dx")) return nullptr;
  flow::clip_grad(int64_t(lx), x, dy, float(lo), float(hi), dx);
  return undefined(env);
}

napi_value MpSum(napi_env env, napi_callback_info info) {
  Args a;
  float *pa, *pb, *y;
  size_t la, lb, ly;
  double ca, cb;
  if (!get_args(env, info, a, 5) || !typed(a, 0, napi_float32_array, &pa, &la, "a") || !typed(a, 1, napi_float32_array, &pb, &lb, "b") ||
      !number(a, 2, &ca) || !number(a, 3, &cb) || !typed(a, 4, napi_float32_array, &y, &ly, "y"))
    return nullptr;
  if (!need(env, lb, int64_t(la), "b") || !need(env, ly, int64_t(la), "y")) return nullptr;
  flow::mp_sum(int64_t(la), pa, pb, float(ca), float(cb), y);
  return undefined(env);
}

// mpCat(a, b, na, nb, ca, cb, y) | mpCatGrad(dy, na, nb, ca, cb, da, db): rows = a.length / na.
napi_value MpCat(napi_env env, napi_callback_info info) {
  Args a;
  float *pa, *pb, *y;
  size_t la, lb, ly;
  double na, nb, ca, cb;
  if (!get_args(env, info, a, 7) || !typed(a, 0, napi_float32_array, &pa, &la, "a") || !typed(a, 1, napi_float32_array, &pb, &lb, "b") ||
      !number(a, 2, &na) || !number(a, 3, &nb) || !number(a, 4, &ca) || !number(a, 5, &cb) || !typed(a, 6, napi_float32_array, &y, &ly, "y"))
    return nullptr;
  if (na < 1 || nb < 1 || la % size_t(na) != 0) return fail(env, "a must hold whole rows of na values"), nullptr;
  const int64_t rows = int64_t(la) / int64_t(na);
  if (!need(env, lb, rows * int64_t(nb), "b") || !need(env, ly, rows * (int64_t(na) + int64_t(nb)), "y")) return nullptr;
  flow::mp_cat(rows, int(na), int(nb), float(ca), float(cb), pa, pb, y);
  return undefined(env);
}

napi_value MpCatGrad(napi_env env, napi_callback_info info) {
  Args a;
  float *dy, *da, *db;
  size_t ldy, lda, ldb;
  double na, nb, ca, cb;
  if (!get_args(env, info, a, 7) || !typed(a, 0, napi_float32_array, &dy, &ldy, "dy") || !number(a, 1, &na) || !number(a, 2, &nb) ||
      !number(a, 3, &ca) || !number(a, 4, &cb) || !typed(a, 5, napi_float32_array, &da, &lda, "da") || !typed(a, 6, napi_float32_array, &db, &ldb, "db"))
    return nullptr;
  if (na < 1 || nb < 1 || ldy % size_t(na + nb) != 0) return fail(env, "dy must hold whole rows of na + nb values"), nullptr;
  const int64_t rows = int64_t(ldy) / int64_t(na + nb);
  if (!need(env, lda, rows * int64_t(na), "da") || !need(env, ldb, rows * int64_t(nb), "db")) return nullptr;
  flow::mp_cat_grad(rows, int(na), int(nb), float(ca), float(cb), dy, da, db);
  return undefined(env);
}

// colNormalize(w, fanIn, eps, s, y) | colNormalizeGrad(w, dy, fanIn, eps, s, dw): cols = w.length / fanIn.
napi_value ColNormalize(napi_env env, napi_callback_info info) {
  Args a;
  float *w, *y;
  size_t lw, ly;
  double n, eps, s;
  if (!get_args(env, info, a, 5) || !typed(a, 0, napi_float32_array, &w, &lw, "w") || !number(a, 1, &n) || !number(a, 2, &eps) ||
      !number(a, 3, &s) || !typed(a, 4, napi_float32_array, &y, &ly, "y"))
    return nullptr;
  if (n < 1 || lw % size_t(n) != 0) return fail(env, "w must hold fanIn whole rows"), nullptr;
  if (!need(env, ly, int64_t(lw), "y")) return nullptr;
  flow::col_normalize(int(n), int(lw / size_t(n)), float(eps), float(s), w, y);
  return undefined(env);
}

napi_value ColNormalizeGrad(napi_env env, napi_callback_info info) {
  Args a;
  float *w, *dy, *dw;
  size_t lw, ldy, ldw;
  double n, eps, s;
  if (!get_args(env, info, a, 6) || !typed(a, 0, napi_float32_array, &w, &lw, "w") || !typed(a, 1, napi_float32_array, &dy, &ldy, "dy") ||
      !number(a, 2, &n) || !number(a, 3, &eps) || !number(a, 4, &s) || !typed(a, 5, napi_float32_array, &dw, &ldw, "dw"))
    return nullptr;
  if (n < 1 || lw % size_t(n) != 0) return fail(env, "w must hold fanIn whole rows"), nullptr;
  if (!need(env, ldy, int64_t(lw), "dy") || !need(env, ldw, int64_t(lw), "dw")) return nullptr;
  flow::col_normalize_grad(int(n), int(lw / size_t(n)), float(eps), float(s), w, dy, dw);
  return undefined(env);
}

// mpSiluMod(x, s, hw, c, y) | mpSiluModGrad(x, s, dy, hw, c, dx, ds): x [n, hw, c], s [n, c].
napi_value MpSiluMod(napi_env env, napi_callback_info info) {
  Args a;
  float *x, *s, *y;
  size_t lx, ls, ly;
  double hw, c;
  if (!get_args(env, info, a, 5) || !typed(a, 0, napi_float32_array, &x, &lx, "x") || !typed(a, 1, napi_float32_array, &s, &ls, "s") ||
      !number(a, 2, &hw) || !number(a, 3, &c) || !typed(a, 4, napi_float32_array, &y, &ly, "y"))
    return nullptr;
  if (hw < 1 || c < 1 || lx % size_t(hw * c) != 0) return fail(env, "x must hold whole images of hw * c values"), nullptr;
  const int64_t n = int64_t(lx) / int64_t(hw * c);
  if (!need(env, ls, n * int64_t(c), "s") || !need(env, ly, int64_t(lx), "y")) return nullptr;
  flow::mp_silu_mod(n, int64_t(hw), int(c), x, s, y);
  return undefined(env);
}

napi_value MpSiluModGrad(napi_env env, napi_callback_info info) {
  Args a;
  float *x, *s, *dy, *dx, *ds;
  size_t lx, ls, ldy, ldx, lds;
  double hw, c;
  if (!get_args(env, info, a, 7) || !typed(a, 0, napi_float32_array, &x, &lx, "x") || !typed(a, 1, napi_float32_array, &s, &ls, "s") ||
      !typed(a, 2, napi_float32_array, &dy, &ldy, "dy") || !number(a, 3, &hw) || !number(a, 4, &c) ||
      !typed(a, 5, napi_float32_array, &dx, &ldx, "dx") || !typed(a, 6, napi_float32_array, &ds, &lds, "ds"))
    return nullptr;
  if (hw < 1 || c < 1 || lx % size_t(hw * c) != 0) return fail(env, "x must hold whole images of hw * c values"), nullptr;
  const int64_t n = int64_t(lx) / int64_t(hw * c);
  if (!need(env, ls, n * int64_t(c), "s") || !need(env, ldy, int64_t(lx), "dy") || !need(env, ldx, int64_t(lx), "dx") || !need(env, lds, n * int64_t(c), "ds"))
    return nullptr;
  flow::mp_silu_mod_grad(n, int64_t(hw), int(c), x, s, dy, dx, ds);
  return undefined(env);
}

// resample2x(x, up, h, w, c, scale, y): up 0 = down2x, 1 = up2x of images x [n, h, w, c].
napi_value Resample2x(napi_env env, napi_callback_info info) {
  Args a;
  float *x, *y;
  size_t lx, ly;
  double up, h, w, c, scale;
  if (!get_args(env, info, a, 7) || !typed(a, 0, napi_float32_array, &x, &lx, "x") || !number(a, 1, &up) || !number(a, 2, &h) ||
      !number(a, 3, &w) || !number(a, 4, &c) || !number(a, 5, &scale) || !typed(a, 6, napi_float32_array, &y, &ly, "y"))
    return nullptr;
  if (h < 1 || w < 1 || c < 1 || lx % size_t(h * w * c) != 0) return fail(env, "x must hold whole images of h * w * c values"), nullptr;
  if (up == 0 && (int64_t(h) % 2 != 0 || int64_t(w) % 2 != 0)) return fail(env, "down2x needs even h and w"), nullptr;
  const int64_t n = int64_t(lx) / int64_t(h * w * c);
  if (!need(env, ly, up != 0 ? int64_t(lx) * 4 : int64_t(lx) / 4, "y")) return nullptr;
  if (up != 0) flow::up2x(n, int(h), int(w), int(c), float(scale), x, y);
  else flow::down2x(n, int(h), int(w), int(c), float(scale), x, y);
  return undefined(env);
}

// peakGflops(threads, seconds) -> { gflops, isa }
napi_value PeakGflops(napi_env env, napi_callback_info info) {
  Args a;
  double threads, seconds;
  if (!get_args(env, info, a, 2) || !number(a, 0, &threads) || !number(a, 1, &seconds)) return nullptr;
  if (threads < 1 || !(seconds > 0)) return fail(env, "threads must be >= 1 and seconds > 0"), nullptr;
  const char* isa = "";
  const double g = flow::peak_gflops(int(threads), seconds, &isa);
  napi_value out, gv, iv;
  napi_create_object(env, &out);
  napi_create_double(env, g, &gv);
  napi_create_string_utf8(env, isa, NAPI_AUTO_LENGTH, &iv);
  napi_set_named_property(env, out, "gflops", gv);
  napi_set_named_property(env, out, "isa", iv);
  return out;
}

napi_value Init(napi_env env, napi_value exports) {
  std::string error;
  if (!flow::load_blas(&error)) {
    napi_throw_error(env, nullptr, ("@flow/native: " + error).c_str());
    return nullptr;
  }
  const napi_property_descriptor props[] = {
      {"setThreads", nullptr, SetThreads, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"getThreads", nullptr, GetThreads, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setChunkFloats", nullptr, SetChunkFloats, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"blasCore", nullptr, BlasCore, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"conv2d", nullptr, Conv2d, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"batchMatMul", nullptr, BatchMatMul, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"matMulABt", nullptr, MatMulABt, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"poolCentre", nullptr, PoolCentre, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"poolDistances", nullptr, PoolDistances, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"poolGreedy", nullptr, PoolGreedy, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"mpSilu", nullptr, MpSilu, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"mpSiluGrad", nullptr, MpSiluGrad, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"rowNormalize", nullptr, RowNormalize, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"rowNormalizeGrad", nullptr, RowNormalizeGrad, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"clipGrad", nullptr, ClipGrad, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"mpSum", nullptr, MpSum, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"mpCat", nullptr, MpCat, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"mpCatGrad", nullptr, MpCatGrad, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"peakGflops", nullptr, PeakGflops, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"mpSiluMod", nullptr, MpSiluMod, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"mpSiluModGrad", nullptr, MpSiluModGrad, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"resample2x", nullptr, Resample2x, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"colNormalize", nullptr, ColNormalize, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"colNormalizeGrad", nullptr, ColNormalizeGrad, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
