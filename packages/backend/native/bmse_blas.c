/*
 * Optional native kernels for @bmse/backend: 2-D convolution forward and both
 * gradients as im2col + OpenBLAS sgemm (or, for few output channels, GEMMs over
 * input positions against all filter taps), computed in place on tfjs wasm-heap
 * memory (Float32Array views passed from JavaScript). Built with -DBMSE_DNNL (and
 * -ldnnl), oneDNN direct convolutions run first (see "oneDNN" below) and OpenBLAS
 * takes what oneDNN has no JIT kernel for. NHWC activations,
 * [KH, KW, Cin, Cout] filters, as tfjs. Geometry (Int32Array, 13 values):
 * N, H, W, Cin, OH, OW, Cout, KH, KW, strideH, strideW, padTop, padLeft.
 */
#include <cblas.h>
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

typedef struct {
  int N, H, W, C, OH, OW, CO, KH, KW, SH, SW, PT, PL;
} Geom;

/* The elementwise, pooling, batch-norm and im2col loops are compiled three times (AVX-512, AVX2 + FMA,
   baseline x86-64) and the loader picks the widest the CPU runs: the addon stays portable, and e.g. the
   max-pool gradient's compare-and-select loop runs 6x faster than with baseline SSE2 (no blends there). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 11
#define HOT __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define HOT
#endif

/* The oneDNN build is compiled with -fopenmp: the elementwise, pooling and batch-norm loops below run on
   oneDNN's OpenMP threads (BMSE_SERIAL_LOOPS=1 at load, or setParallelLoops(false), keeps them on one).
   Elementwise loops split rows; reductions (batch-norm statistics and gradients) sum fixed chunks of
   rows and add the chunks' sums in order, so their results do not depend on the thread count, and the
   OpenBLAS-only build (no OpenMP) gives the same numbers. With the threads sleeping between kernels
   (OMP_WAIT_POLICY=passive, the loader's default) the parallel loops are faster on the 2-core VM:
   ResNet-50 b8@224 step 967 -> 870 ms (batch norm 213 -> 133 ms), the plain net 17.6 -> 15.8 ms. */
static int par_on = 1;
#ifdef _OPENMP
#include <omp.h>
#define PAR_FOR _Pragma("omp parallel for schedule(static) if (par_on && blocks > 4)")
#define PAR_FOR_FEW _Pragma("omp parallel for schedule(static) if (par_on && blocks > 1)")
#else
#define PAR_FOR
#define PAR_FOR_FEW
#endif
#define PAR_BLOCK 16384
/* batch-norm reductions: partial sums per chunk of this many rows (fixed, so the same on any thread count) */
#define SUM_CHUNK_ROWS 1024


/* im2col tiles hold at most this many floats (4 MiB): small enough to stay in cache
   between being written and being read by sgemm, large enough for efficient sgemm calls */
static size_t cols_budget = 1024u * 1024u;
static float *scratch = NULL;
static size_t scratch_cap = 0;

static float *scratch_floats(size_t n) {
  if (n > scratch_cap) {
    free(scratch);
    scratch = (float *)malloc(n * sizeof(float));
    scratch_cap = scratch ? n : 0;
  }
  return scratch;
}

static int is_pointwise(const Geom *g) {
  return g->KH == 1 && g->KW == 1 && g->SH == 1 && g->SW == 1 && g->PT == 0 && g->PL == 0 && g->OH == g->H &&
         g->OW == g->W;
}

/* output rows (m = (n*OH + oh)*OW + ow) per im2col tile: the budget, but never so few rows that
   each sgemm call re-reads a large filter for little work (5x5x1024 filters are 50 MB) */
static size_t min_tile_rows = 512;
static size_t tile_rows(const Geom *g) {
  const size_t K = (size_t)g->KH * g->KW * g->C;
  size_t rows = cols_budget / K;
  if (rows < min_tile_rows && cols_budget >= 1024u * 1024u) rows = min_tile_rows;
  return rows < 1 ? 1 : rows;
}

/* cols[m - m0, (kh*KW+kw)*C + c] for output rows m0..m1-1 */
HOT static void im2col(const float *x, float *cols, const Geom *g, size_t m0, size_t m1) {
  const size_t K = (size_t)g->KH * g->KW * g->C, rowC = (size_t)g->C, img = (size_t)g->OH * g->OW;
  for (size_t m = m0; m < m1; m++) {
    const int n = (int)(m / img), r = (int)(m % img), oh = r / g->OW, ow = r % g->OW;
    float *dst = cols + (m - m0) * K;
    const int iw0 = ow * g->SW - g->PL;
    for (int kh = 0; kh < g->KH; kh++) {
      const int ih = oh * g->SH - g->PT + kh;
      float *d = dst + (size_t)kh * g->KW * rowC;
      if (ih < 0 || ih >= g->H) {
        memset(d, 0, sizeof(float) * g->KW * rowC);
        continue;
      }
      const float *src = x + (((size_t)n * g->H + ih) * g->W) * rowC;
      if (iw0 >= 0 && iw0 + g->KW <= g->W) {
        memcpy(d, src + (size_t)iw0 * rowC, sizeof(float) * g->KW * rowC);
      } else {
        for (int kw = 0; kw < g->KW; kw++) {
          const int iw = iw0 + kw;
          if (iw < 0 || iw >= g->W) memset(d + kw * rowC, 0, sizeof(float) * rowC);
          else memcpy(d + kw * rowC, src + (size_t)iw * rowC, sizeof(float) * rowC);
        }
      }
    }
  }
}

/* dx[n, ih, iw, c] += cols[m - m0, (kh*KW+kw)*C + c] for output rows m0..m1-1 */
HOT static void col2im_add(const float *cols, float *dx, const Geom *g, size_t m0, size_t m1) {
  const size_t K = (size_t)g->KH * g->KW * g->C, rowC = (size_t)g->C, img = (size_t)g->OH * g->OW;
  for (size_t m = m0; m < m1; m++) {
    const int n = (int)(m / img), r = (int)(m % img), oh = r / g->OW, ow = r % g->OW;
    const float *src = cols + (m - m0) * K;
    for (int kh = 0; kh < g->KH; kh++) {
      const int ih = oh * g->SH - g->PT + kh;
      if (ih < 0 || ih >= g->H) continue;
      float *row = dx + (((size_t)n * g->H + ih) * g->W) * rowC;
      for (int kw = 0; kw < g->KW; kw++) {
        const int iw = ow * g->SW - g->PL + kw;
        if (iw < 0 || iw >= g->W) continue;
        float *d = row + (size_t)iw * rowC;
        const float *s = src + ((size_t)kh * g->KW + kw) * rowC;
        for (size_t c = 0; c < rowC; c++) d[c] += s[c];
      }
    }
  }
}

/* ---- few output channels: "kernel to row" ----
   im2col makes K = KH*KW*C columns per output position and multiplies by a filter with CO
   columns: with CO = 16 and C = 2048 (the depth net's MFF 5x5 convolutions) that is a
   51,200-wide buffer written and read for a 16-column product, memory bound. Here the GEMMs
   run over input positions q = (n, ih, iw) against all T = KH*KW taps at once, P = T*CO
   columns:
     forward          Z[q, (t, co)] = sum_c x[q, c] w[t, c, co];  y[p(q, t), co] += Z[q, t, co]
     backprop input   D[q, (t, co)] = dy[p(q, t), co] (0 where tap t of q feeds no output);
                      dx[q, c] = sum_(t, co) D[q, t, co] w[t, c, co]
     backprop filter  dw[t, c, co] = sum_q x[q, c] D[q, t, co]
   where p(q, t) is the output position that input position q feeds through tap t. Every
   product has C or P >= 4*CO*SH*SW columns and no im2col buffer; with stride s the forward
   computes s*s times the needed products, so it is used only while CO*SH*SW is small next to C. */

static int use_small_cout(const Geom *g) {
  return g->CO <= 32 && g->KH * g->KW > 1 && (size_t)g->CO * g->SH * g->SW * 4 <= (size_t)g->C;
}

/* output index (n*OH + oh)*OW + ow fed by input (n, ih, iw) through tap (kh, kw), or -1 */
static inline long out_index(const Geom *g, int n, int ih, int iw, int kh, int kw) {
  const int a = ih + g->PT - kh, b = iw + g->PL - kw;
  if (a < 0 || b < 0 || a % g->SH || b % g->SW) return -1;
  const int oh = a / g->SH, ow = b / g->SW;
  if (oh >= g->OH || ow >= g->OW) return -1;
  return ((long)n * g->OH + oh) * g->OW + ow;
}

/* w[t, c, co] -> wc[c, t*CO + co] (malloc'd; NULL when out of memory) */
static float *taps_as_columns(const float *w, const Geom *g) {
  const size_t T = (size_t)g->KH * g->KW, C = g->C, CO = g->CO, P = T * CO;
  float *wc = (float *)malloc(C * P * sizeof(float));
  if (!wc) return NULL;
  for (size_t t = 0; t < T; t++)
    for (size_t c = 0; c < C; c++) memcpy(wc + c * P + t * CO, w + (t * C + c) * CO, CO * sizeof(float));
  return wc;
}

/* input positions per band: the budget, at least 256 rows per GEMM */
static size_t band_rows(const Geom *g, size_t P) {
  const size_t Q = (size_t)g->N * g->H * g->W;
  size_t rows = cols_budget / P;
  if (rows < 256) rows = 256;
  return rows < Q ? rows : Q;
}

/* D[q - q0, (t, co)] for input positions q0..q1-1 */
HOT static void gather_dy(const float *dy, float *d, const Geom *g, size_t q0, size_t q1) {
  const size_t CO = g->CO, P = (size_t)g->KH * g->KW * CO, img = (size_t)g->H * g->W;
  for (size_t q = q0; q < q1; q++) {
    const int n = (int)(q / img), r = (int)(q % img), ih = r / g->W, iw = r % g->W;
    float *row = d + (q - q0) * P;
    for (int kh = 0; kh < g->KH; kh++)
      for (int kw = 0; kw < g->KW; kw++) {
        float *dst = row + ((size_t)kh * g->KW + kw) * CO;
        const long p = out_index(g, n, ih, iw, kh, kw);
        if (p < 0) memset(dst, 0, CO * sizeof(float));
        else memcpy(dst, dy + (size_t)p * CO, CO * sizeof(float));
      }
  }
}

static int conv_forward_small_cout(const float *x, const float *w, float *y, const Geom *g) {
  const size_t CO = g->CO, P = (size_t)g->KH * g->KW * CO, Q = (size_t)g->N * g->H * g->W, img = (size_t)g->H * g->W;
  const size_t step = band_rows(g, P);
  float *wc = taps_as_columns(w, g), *z = scratch_floats(step * P);
  if (!wc || !z) {
    free(wc);
    return -1;
  }
  memset(y, 0, sizeof(float) * (size_t)g->N * g->OH * g->OW * CO);
  for (size_t q0 = 0; q0 < Q; q0 += step) {
    const size_t q1 = q0 + step < Q ? q0 + step : Q;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)(q1 - q0), (int)P, g->C, 1.f, x + q0 * g->C, g->C, wc,
                (int)P, 0.f, z, (int)P);
    for (size_t q = q0; q < q1; q++) {
      const int n = (int)(q / img), r = (int)(q % img), ih = r / g->W, iw = r % g->W;
      const float *zrow = z + (q - q0) * P;
      for (int kh = 0; kh < g->KH; kh++)
        for (int kw = 0; kw < g->KW; kw++) {
          const long p = out_index(g, n, ih, iw, kh, kw);
          if (p < 0) continue;
          float *dst = y + (size_t)p * CO;
          const float *src = zrow + ((size_t)kh * g->KW + kw) * CO;
          for (size_t co = 0; co < CO; co++) dst[co] += src[co];
        }
    }
  }
  free(wc);
  return 0;
}

static int conv_backprop_input_small_cout(const float *dy, const float *w, float *dx, const Geom *g) {
  const size_t P = (size_t)g->KH * g->KW * g->CO, Q = (size_t)g->N * g->H * g->W;
  const size_t step = band_rows(g, P);
  float *wc = taps_as_columns(w, g), *d = scratch_floats(step * P);
  if (!wc || !d) {
    free(wc);
    return -1;
  }
  for (size_t q0 = 0; q0 < Q; q0 += step) {
    const size_t q1 = q0 + step < Q ? q0 + step : Q;
    gather_dy(dy, d, g, q0, q1);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)(q1 - q0), g->C, (int)P, 1.f, d, (int)P, wc, (int)P, 0.f,
                dx + q0 * g->C, g->C);
  }
  free(wc);
  return 0;
}

static int conv_backprop_filter_small_cout(const float *x, const float *dy, float *dw, const Geom *g) {
  const size_t T = (size_t)g->KH * g->KW, C = g->C, CO = g->CO, P = T * CO, Q = (size_t)g->N * g->H * g->W;
  const size_t step = band_rows(g, P);
  float *dwc = (float *)malloc(C * P * sizeof(float)), *d = scratch_floats(step * P);
  if (!dwc || !d) {
    free(dwc);
    return -1;
  }
  for (size_t q0 = 0; q0 < Q; q0 += step) {
    const size_t q1 = q0 + step < Q ? q0 + step : Q;
    gather_dy(dy, d, g, q0, q1);
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)C, (int)P, (int)(q1 - q0), 1.f, x + q0 * C, (int)C, d,
                (int)P, q0 == 0 ? 0.f : 1.f, dwc, (int)P);
  }
  for (size_t t = 0; t < T; t++)
    for (size_t c = 0; c < C; c++) memcpy(dw + (t * C + c) * CO, dwc + c * P + t * CO, CO * sizeof(float));
  free(dwc);
  return 0;
}

/* y = conv(x, w) */
static int conv_forward(const float *x, const float *w, float *y, const Geom *g) {
  const size_t K = (size_t)g->KH * g->KW * g->C, M = (size_t)g->N * g->OH * g->OW;
  if (is_pointwise(g)) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)M, g->CO, g->C, 1.f, x, g->C, w, g->CO, 0.f, y, g->CO);
    return 0;
  }
  if (use_small_cout(g)) return conv_forward_small_cout(x, w, y, g);
  const size_t step = tile_rows(g);
  float *cols = scratch_floats((step < M ? step : M) * K);
  if (!cols) return -1;
  for (size_t m0 = 0; m0 < M; m0 += step) {
    const size_t m1 = m0 + step < M ? m0 + step : M;
    im2col(x, cols, g, m0, m1);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)(m1 - m0), g->CO, (int)K, 1.f, cols, (int)K, w, g->CO,
                0.f, y + m0 * g->CO, g->CO);
  }
  return 0;
}

/* dx = conv2d_backprop_input(dy, w) */
static int conv_backprop_input(const float *dy, const float *w, float *dx, const Geom *g) {
  const size_t K = (size_t)g->KH * g->KW * g->C, M = (size_t)g->N * g->OH * g->OW;
  if (is_pointwise(g)) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)M, g->C, g->CO, 1.f, dy, g->CO, w, g->CO, 0.f, dx, g->C);
    return 0;
  }
  if (use_small_cout(g)) return conv_backprop_input_small_cout(dy, w, dx, g);
  const size_t step = tile_rows(g);
  float *cols = scratch_floats((step < M ? step : M) * K);
  if (!cols) return -1;
  memset(dx, 0, sizeof(float) * (size_t)g->N * g->H * g->W * g->C);
  for (size_t m0 = 0; m0 < M; m0 += step) {
    const size_t m1 = m0 + step < M ? m0 + step : M;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)(m1 - m0), (int)K, g->CO, 1.f, dy + m0 * g->CO, g->CO, w,
                g->CO, 0.f, cols, (int)K);
    col2im_add(cols, dx, g, m0, m1);
  }
  return 0;
}

/* dw = conv2d_backprop_filter(x, dy) */
static int conv_backprop_filter(const float *x, const float *dy, float *dw, const Geom *g) {
  const size_t K = (size_t)g->KH * g->KW * g->C, M = (size_t)g->N * g->OH * g->OW;
  if (is_pointwise(g)) {
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, g->C, g->CO, (int)M, 1.f, x, g->C, dy, g->CO, 0.f, dw, g->CO);
    return 0;
  }
  if (use_small_cout(g)) return conv_backprop_filter_small_cout(x, dy, dw, g);
  const size_t step = tile_rows(g);
  float *cols = scratch_floats((step < M ? step : M) * K);
  if (!cols) return -1;
  for (size_t m0 = 0; m0 < M; m0 += step) {
    const size_t m1 = m0 + step < M ? m0 + step : M;
    im2col(x, cols, g, m0, m1);
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)K, g->CO, (int)(m1 - m0), 1.f, cols, (int)K,
                dy + m0 * g->CO, g->CO, m0 == 0 ? 0.f : 1.f, dw, g->CO);
  }
  return 0;
}

/* out[c] = scale * sum_r x[r*inner + c] (float64 accumulation) */
HOT static void sum_leading(const float *x, float *out, size_t rows, size_t inner, double scale) {
  double *acc = (double *)calloc(inner, sizeof(double));
  if (!acc) return;
  for (size_t r = 0; r < rows; r++) {
    const float *row = x + r * inner;
    for (size_t c = 0; c < inner; c++) acc[c] += row[c];
  }
  for (size_t c = 0; c < inner; c++) out[c] = (float)(acc[c] * scale);
  free(acc);
}

/* y[i, c] = act(y[i, c] + bias[c]); act: 0 linear, 1 relu */
HOT static void bias_activation(float *y, size_t n, const float *bias, size_t C, int relu) {
  for (size_t i = 0; i < n; i += C) {
    float *row = y + i;
    if (bias)
      for (size_t c = 0; c < C; c++) row[c] += bias[c];
    if (relu)
      for (size_t c = 0; c < C; c++) row[c] = row[c] < 0.f ? 0.f : row[c];
  }
}


/* ---- oneDNN direct convolutions (compiled with -DBMSE_DNNL, linked with -ldnnl) ----
   Forward (with bias and ReLU as post-ops), backward data and backward weights (with the
   bias gradient) as oneDNN primitives on NHWC activations in place in the wasm heap. Filters
   stay [KH, KW, Cin, Cout] (oneDNN's hwio) for the caller; the primitives pick their own
   blocked weight layout and the (small) filter is reordered into a shared buffer each call.
   Primitives are created once per geometry and kind and cached; their scratchpads share one
   buffer. A geometry oneDNN has only a reference implementation for is marked and left to the
   OpenBLAS kernels below. */
#ifdef BMSE_DNNL
#include <dnnl.h>
#ifndef _OPENMP
extern void omp_set_num_threads(int);
#endif

static dnnl_engine_t dn_engine = NULL;
static dnnl_stream_t dn_stream = NULL;
static int dn_state = 0; /* 0 not started, 1 ready, -1 failed */
static int dn_enabled = 1;
/* Which convolutions run on oneDNN; the rest run on im2col + OpenBLAS sgemm, which wins where the filter
   is large next to the activations. Measured per geometry with the threads sleeping between kernels
   (scripts/bench/conv-geometries.ts on ResNet-18 b32@64, ResNet-50 b8@224, the depth net b2@228x304):
   - spatial kernels (3x3, 5x5, 7x7): oneDNN from `dn_min_positions` output positions (N·OH·OW, default
     512) when each output map has at least 8x8 positions — 128@8x8 3x3 b32 (2048 positions) 5.6 vs
     9.0 ms for its three passes, 256@15x19 b2 (570) 5.7 vs 7.7 ms; at 4x4 maps or 2x2 OpenBLAS ties or
     wins (512@2x2 b32: 17.8 vs 7.0 ms);
   - 1x1 kernels: from 4x as many positions at stride 1 (2048; ResNet-50's 1568-position 1x1s tie or
     lose), 8x at stride 2 (4096; the strided shortcuts lose at 2204 positions, 7.9 vs 6.4 ms).
   The loader sets dn_min_positions (DEFAULT_DNNL_MIN_POSITIONS in src/native/blas.ts, env
   BMSE_DNNL_MIN_POSITIONS); 0 sends every geometry to oneDNN (tests). */
static long dn_min_positions = 512;

static int dn_wants(const Geom *g) {
  const long positions = (long)g->N * g->OH * g->OW;
  if (dn_min_positions == 0) return 1;
  if (positions < dn_min_positions) return 0;
  if (g->KH * g->KW > 1) return (long)g->OH * g->OW >= 64;
  return positions >= (g->SH * g->SW > 1 ? 8 : 4) * dn_min_positions;
}

enum { DN_FWD = 0, DN_BWD_DATA = 1, DN_BWD_WEIGHTS = 2 };

typedef struct DnEntry {
  int kind, flags; /* flags: 1 bias (forward) / bias gradient (backward weights), 2 relu */
  Geom g;
  int usable;
  char impl[64];
  dnnl_primitive_t prim, reorder;
  /* a: src / diff_dst / src, b: weights / weights / diff_dst, c: dst / diff_src / diff_weights (prim layout) */
  dnnl_memory_t m_a, m_b, m_c, m_bias, m_user_w, m_prim_w, m_scratch;
  size_t prim_w_bytes, scratch_bytes;
  struct DnEntry *next;
} DnEntry;

static DnEntry *dn_cache = NULL;
static void *dn_wbuf = NULL, *dn_scratch = NULL;
static size_t dn_wbuf_cap = 0, dn_scratch_cap = 0;

static void *dn_grow(void **buf, size_t *cap, size_t bytes) {
  if (bytes > *cap) {
    free(*buf);
    *buf = malloc(bytes);
    *cap = *buf ? bytes : 0;
  }
  return *buf;
}

static int dn_start(void) {
  if (dn_state == 0) {
    dn_state = -1;
    if (dnnl_engine_create(&dn_engine, dnnl_cpu, 0) == dnnl_success &&
        dnnl_stream_create(&dn_stream, dn_engine, dnnl_stream_default_flags) == dnnl_success)
      dn_state = 1;
  }
  return dn_state == 1;
}

static void dn_md(dnnl_memory_desc_t *md, int n, int c, int h, int w, dnnl_format_tag_t tag) {
  dnnl_dims_t dims = {n, c, h, w};
  dnnl_memory_desc_init_by_tag(md, 4, dims, dnnl_f32, tag);
}

/* a memory object for md with no buffer yet (set per call) */
static dnnl_memory_t dn_mem(const dnnl_memory_desc_t *md) {
  dnnl_memory_t m = NULL;
  if (dnnl_memory_create(&m, md, dn_engine, DNNL_MEMORY_NONE) != dnnl_success) return NULL;
  return m;
}

#define DN_TRY(x)                   \
  do {                              \
    if ((x) != dnnl_success) goto fail; \
  } while (0)

static void dn_build(DnEntry *e) {
  const Geom *g = &e->g;
  dnnl_memory_desc_t x_md, y_md, w_user_md, w_any_md, b_md;
  dn_md(&x_md, g->N, g->C, g->H, g->W, dnnl_nhwc);
  dn_md(&y_md, g->N, g->CO, g->OH, g->OW, dnnl_nhwc);
  dn_md(&w_user_md, g->CO, g->C, g->KH, g->KW, dnnl_hwio);
  dn_md(&w_any_md, g->CO, g->C, g->KH, g->KW, dnnl_format_tag_any);
  dnnl_dims_t bdims = {g->CO};
  dnnl_memory_desc_init_by_tag(&b_md, 1, bdims, dnnl_f32, dnnl_a);
  dnnl_dims_t strides = {g->SH, g->SW}, pad_l = {g->PT, g->PL};
  const int pb = (g->OH - 1) * g->SH + g->KH - g->H - g->PT, pr = (g->OW - 1) * g->SW + g->KW - g->W - g->PL;
  dnnl_dims_t pad_r = {pb > 0 ? pb : 0, pr > 0 ? pr : 0};
  const int bias = e->flags & 1, relu = e->flags & 2;
  dnnl_convolution_desc_t fwd_d, d;
  dnnl_primitive_attr_t attr = NULL;
  dnnl_post_ops_t po = NULL;
  dnnl_primitive_desc_t fwd_pd = NULL, pd = NULL, rpd = NULL;
  DN_TRY(dnnl_primitive_attr_create(&attr));
  DN_TRY(dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user));
  DN_TRY(dnnl_convolution_forward_desc_init(&fwd_d, dnnl_forward_training, dnnl_convolution_direct, &x_md, &w_any_md,
                                            e->kind == DN_FWD && bias ? &b_md : NULL, &y_md, strides, pad_l, pad_r));
  if (e->kind == DN_FWD) {
    if (relu) {
      DN_TRY(dnnl_post_ops_create(&po));
      DN_TRY(dnnl_post_ops_append_eltwise(po, 1.f, dnnl_eltwise_relu, 0.f, 0.f));
      DN_TRY(dnnl_primitive_attr_set_post_ops(attr, po));
    }
    DN_TRY(dnnl_primitive_desc_create(&pd, &fwd_d, attr, dn_engine, NULL));
  } else {
    DN_TRY(dnnl_primitive_desc_create(&fwd_pd, &fwd_d, NULL, dn_engine, NULL));
    if (e->kind == DN_BWD_DATA)
      DN_TRY(dnnl_convolution_backward_data_desc_init(&d, dnnl_convolution_direct, &x_md, &w_any_md, &y_md, strides,
                                                      pad_l, pad_r));
    else
      DN_TRY(dnnl_convolution_backward_weights_desc_init(&d, dnnl_convolution_direct, &x_md, &w_any_md,
                                                         bias ? &b_md : NULL, &y_md, strides, pad_l, pad_r));
    DN_TRY(dnnl_primitive_desc_create(&pd, &d, attr, dn_engine, fwd_pd));
  }
  const char *impl = NULL;
  dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl);
  snprintf(e->impl, sizeof e->impl, "%s", impl ? impl : "?");
  if (!impl || strncmp(impl, "ref", 3) == 0) goto fail; /* reference loops: slower than OpenBLAS */
  const dnnl_memory_desc_t *w_md =
      dnnl_primitive_desc_query_md(pd, e->kind == DN_BWD_WEIGHTS ? dnnl_query_diff_weights_md : dnnl_query_weights_md, 0);
  const dnnl_memory_desc_t *s_md = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
  e->scratch_bytes = s_md ? dnnl_memory_desc_get_size(s_md) : 0;
  DN_TRY(dnnl_primitive_create(&e->prim, pd));
  if (!dnnl_memory_desc_equal(w_md, &w_user_md)) {
    e->prim_w_bytes = dnnl_memory_desc_get_size(w_md);
    if (e->kind == DN_BWD_WEIGHTS)
      DN_TRY(dnnl_reorder_primitive_desc_create(&rpd, w_md, dn_engine, &w_user_md, dn_engine, NULL));
    else
      DN_TRY(dnnl_reorder_primitive_desc_create(&rpd, &w_user_md, dn_engine, w_md, dn_engine, NULL));
    DN_TRY(dnnl_primitive_create(&e->reorder, rpd));
    if (!(e->m_prim_w = dn_mem(w_md))) goto fail;
  }
  if (!(e->m_user_w = dn_mem(&w_user_md))) goto fail;
  if (!(e->m_a = dn_mem(e->kind == DN_BWD_DATA ? &y_md : &x_md))) goto fail;
  if (!(e->m_b = dn_mem(e->kind == DN_BWD_WEIGHTS ? &y_md : w_md))) goto fail;
  if (!(e->m_c = dn_mem(e->kind == DN_FWD ? &y_md : e->kind == DN_BWD_DATA ? &x_md : w_md))) goto fail;
  if (bias && !(e->m_bias = dn_mem(&b_md))) goto fail;
  if (e->scratch_bytes && !(e->m_scratch = dn_mem(s_md))) goto fail;
  e->usable = 1;
fail:
  if (!e->usable && e->prim) {
    dnnl_primitive_destroy(e->prim);
    e->prim = NULL;
  }
  if (rpd) dnnl_primitive_desc_destroy(rpd);
  if (pd) dnnl_primitive_desc_destroy(pd);
  if (fwd_pd) dnnl_primitive_desc_destroy(fwd_pd);
  if (po) dnnl_post_ops_destroy(po);
  if (attr) dnnl_primitive_attr_destroy(attr);
}

static DnEntry *dn_entry(int kind, int flags, const Geom *g) {
  for (DnEntry *e = dn_cache; e; e = e->next)
    if (e->kind == kind && e->flags == flags && memcmp(&e->g, g, sizeof(Geom)) == 0) return e;
  DnEntry *e = (DnEntry *)calloc(1, sizeof(DnEntry));
  if (!e) return NULL;
  e->kind = kind;
  e->flags = flags;
  e->g = *g;
  dn_build(e);
  e->next = dn_cache;
  dn_cache = e;
  return e;
}

static int dn_exec(dnnl_primitive_t p, int n, dnnl_exec_arg_t *args) {
  return dnnl_primitive_execute(p, dn_stream, n, args) == dnnl_success && dnnl_stream_wait(dn_stream) == dnnl_success
             ? 0
             : -1;
}

/* kind DN_FWD: (a x, b w, c y, bias); DN_BWD_DATA: (a dy, b w, c dx); DN_BWD_WEIGHTS: (a x, b dy, c dw, bias: db).
   0 when done, -1 when this geometry is left to the OpenBLAS kernels. */
static int dn_conv(int kind, const float *a, const float *b, float *c, float *bias, int relu, const Geom *g) {
  if (!dn_enabled || !dn_wants(g) || !dn_start()) return -1;
  DnEntry *e = dn_entry(kind, (bias ? 1 : 0) | (relu ? 2 : 0), g);
  if (!e || !e->usable) return -1;
  void *wbuf = e->prim_w_bytes ? dn_grow(&dn_wbuf, &dn_wbuf_cap, e->prim_w_bytes) : NULL;
  void *sbuf = e->scratch_bytes ? dn_grow(&dn_scratch, &dn_scratch_cap, e->scratch_bytes) : NULL;
  if ((e->prim_w_bytes && !wbuf) || (e->scratch_bytes && !sbuf)) return -1;
  const int user_w_is_b = kind != DN_BWD_WEIGHTS;
  dnnl_memory_set_data_handle(e->m_a, (void *)a);
  dnnl_memory_set_data_handle(e->m_user_w, user_w_is_b ? (void *)b : (void *)c);
  if (e->m_prim_w) dnnl_memory_set_data_handle(e->m_prim_w, wbuf);
  dnnl_memory_set_data_handle(e->m_b, user_w_is_b ? (e->reorder ? wbuf : (void *)b) : (void *)b);
  dnnl_memory_set_data_handle(e->m_c, user_w_is_b ? (void *)c : (e->reorder ? wbuf : (void *)c));
  if (e->m_bias) dnnl_memory_set_data_handle(e->m_bias, bias);
  if (e->m_scratch) dnnl_memory_set_data_handle(e->m_scratch, sbuf);
  if (e->reorder && user_w_is_b) {
    dnnl_exec_arg_t r[2] = {{DNNL_ARG_FROM, e->m_user_w}, {DNNL_ARG_TO, e->m_prim_w}};
    if (dn_exec(e->reorder, 2, r)) return -1;
  }
  dnnl_exec_arg_t args[5];
  int n = 0;
  if (kind == DN_FWD) {
    args[n++] = (dnnl_exec_arg_t){DNNL_ARG_SRC, e->m_a};
    args[n++] = (dnnl_exec_arg_t){DNNL_ARG_WEIGHTS, e->m_b};
    args[n++] = (dnnl_exec_arg_t){DNNL_ARG_DST, e->m_c};
    if (e->m_bias) args[n++] = (dnnl_exec_arg_t){DNNL_ARG_BIAS, e->m_bias};
  } else if (kind == DN_BWD_DATA) {
    args[n++] = (dnnl_exec_arg_t){DNNL_ARG_DIFF_DST, e->m_a};
    args[n++] = (dnnl_exec_arg_t){DNNL_ARG_WEIGHTS, e->m_b};
    args[n++] = (dnnl_exec_arg_t){DNNL_ARG_DIFF_SRC, e->m_c};
  } else {
    args[n++] = (dnnl_exec_arg_t){DNNL_ARG_SRC, e->m_a};
    args[n++] = (dnnl_exec_arg_t){DNNL_ARG_DIFF_DST, e->m_b};
    args[n++] = (dnnl_exec_arg_t){DNNL_ARG_DIFF_WEIGHTS, e->m_c};
    if (e->m_bias) args[n++] = (dnnl_exec_arg_t){DNNL_ARG_DIFF_BIAS, e->m_bias};
  }
  if (e->m_scratch) args[n++] = (dnnl_exec_arg_t){DNNL_ARG_SCRATCHPAD, e->m_scratch};
  if (dn_exec(e->prim, n, args)) return -1;
  if (e->reorder && !user_w_is_b) {
    dnnl_exec_arg_t r[2] = {{DNNL_ARG_FROM, e->m_prim_w}, {DNNL_ARG_TO, e->m_user_w}};
    if (dn_exec(e->reorder, 2, r)) return -1;
  }
  return 0;
}

/* the implementation oneDNN chose for a geometry ("" when none was created yet) */
static const char *dn_impl(int kind, int flags, const Geom *g) {
  for (DnEntry *e = dn_cache; e; e = e->next)
    if (e->kind == kind && e->flags == flags && memcmp(&e->g, g, sizeof(Geom)) == 0) return e->impl;
  return "";
}
#endif

/* y = act(conv(x, w) + bias): oneDNN when built and enabled, else OpenBLAS and a bias/activation pass */
static int conv_forward_fused(const float *x, const float *w, float *bias, int relu, float *y, const Geom *g) {
#ifdef BMSE_DNNL
  if (dn_conv(DN_FWD, x, w, y, bias, relu, g) == 0) return 0;
#endif
  int r = conv_forward(x, w, y, g);
  if (r == 0 && (bias || relu)) bias_activation(y, (size_t)g->N * g->OH * g->OW * g->CO, bias, (size_t)g->CO, relu);
  return r;
}

static int conv_backprop_input_any(const float *dy, const float *w, float *dx, const Geom *g) {
#ifdef BMSE_DNNL
  if (dn_conv(DN_BWD_DATA, dy, w, dx, NULL, 0, g) == 0) return 0;
#endif
  return conv_backprop_input(dy, w, dx, g);
}

/* dw (and db = sum of dy over positions, when db is given) */
static int conv_backprop_filter_any(const float *x, const float *dy, float *dw, float *db, const Geom *g) {
#ifdef BMSE_DNNL
  if (dn_conv(DN_BWD_WEIGHTS, x, dy, dw, db, 0, g) == 0) return 0;
#endif
  int r = conv_backprop_filter(x, dy, dw, g);
  if (r == 0 && db) sum_leading(dy, db, (size_t)g->N * g->OH * g->OW, (size_t)g->CO, 1.0);
  return r;
}

/* torch.optim.Adam step (see src/optim/adam-update.ts) */
HOT static void adam_update(const float *p, const float *g, const float *m, const float *v, float *p1, float *m1, float *v1,
                        size_t n, const double *a) {
  const float lr = (float)a[0], b1 = (float)a[1], b2 = (float)a[2], eps = (float)a[3], wd = (float)a[4];
  const float step = (float)(a[0] / a[5]), root_bias2 = (float)sqrt(a[6]);
  const float c1 = 1.f - b1, c2 = 1.f - b2;
  (void)lr;
  /* memory-bound (7 streams): a second thread adds bandwidth; elementwise, so the numbers do not change */
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (n >= (1u << 18))
#endif
  for (size_t i = 0; i < n; i++) {
    const float gi = g[i] + wd * p[i];
    const float mi = b1 * m[i] + c1 * gi;
    const float vi = b2 * v[i] + c2 * gi * gi;
    m1[i] = mi;
    v1[i] = vi;
    p1[i] = p[i] - step * mi / (sqrtf(vi) / root_bias2 + eps);
  }
}

/* max-pool gradient: dy of each output position goes to the first maximum of its window (row-major scan).
   Per channel the running maximum and its position (ih·W + iw, int32) are kept with selects, not branches,
   so the channel loop vectorises; then dy is added at each channel's winning position. */
HOT static int max_pool_grad(const float *restrict x, const float *restrict dy, float *restrict dx, const Geom *g) {
  const size_t C = (size_t)g->C, image = (size_t)g->H * g->W * C, blocks = (size_t)g->N;
  int failed = 0;
  PAR_FOR_FEW /* one image per task: each writes only its own dx */
  for (size_t n = 0; n < blocks; n++) {
    float *best = (float *)malloc(C * sizeof(float));
    int32_t *where = (int32_t *)malloc(C * sizeof(int32_t));
    if (!best || !where) {
      free(best);
      free(where);
#ifdef _OPENMP
#pragma omp atomic write
#endif
      failed = 1;
      continue;
    }
    const float *restrict xn = x + n * image;
    float *restrict dxn = dx + n * image;
    memset(dxn, 0, sizeof(float) * image);
    for (int oh = 0; oh < g->OH; oh++) {
      const int h0 = oh * g->SH - g->PT, h1 = h0 + g->KH;
      const int ih0 = h0 < 0 ? 0 : h0, ih1 = h1 > g->H ? g->H : h1;
      for (int ow = 0; ow < g->OW; ow++) {
        const int w0 = ow * g->SW - g->PL, w1 = w0 + g->KW;
        const int iw0 = w0 < 0 ? 0 : w0, iw1 = w1 > g->W ? g->W : w1;
        if (ih0 >= ih1 || iw0 >= iw1) continue;
        const int32_t first = ih0 * g->W + iw0;
        const float *restrict in0 = xn + (size_t)first * C;
        for (size_t c = 0; c < C; c++) {
          best[c] = in0[c];
          where[c] = first;
        }
        for (int ih = ih0; ih < ih1; ih++)
          for (int iw = ih == ih0 ? iw0 + 1 : iw0; iw < iw1; iw++) {
            const int32_t pos = ih * g->W + iw;
            const float *restrict in = xn + (size_t)pos * C;
            for (size_t c = 0; c < C; c++) {
              const int gt = in[c] > best[c];
              best[c] = gt ? in[c] : best[c];
              where[c] = gt ? pos : where[c];
            }
          }
        const float *restrict gy = dy + (((size_t)n * g->OH + oh) * g->OW + ow) * C;
        for (size_t c = 0; c < C; c++) dxn[(size_t)where[c] * C + c] += gy[c];
      }
    }
    free(best);
    free(where);
  }
  return failed ? -1 : 0;
}

/* Depthwise-convolution gradients, NHWC, filter [KH, KW, C, M] (CO = C·M; output channel c·M + m reads input
   channel c), dilation 1. For each output position and tap inside the input the channel loops are
   contiguous in dy, the filter and x/dx. */
#define DW_IMAGES_PER_PART 4

/* dx: one image per task (each writes only its own image) */
HOT static void dw_backprop_input(const float *restrict dy, const float *restrict w, float *restrict dx, const Geom *g) {
  const size_t C = (size_t)g->C, M = (size_t)(g->CO / g->C), image = (size_t)g->H * g->W * C, blocks = (size_t)g->N;
  PAR_FOR_FEW
  for (size_t n = 0; n < blocks; n++) {
    float *restrict dxn = dx + n * image;
    memset(dxn, 0, sizeof(float) * image);
    for (int oh = 0; oh < g->OH; oh++)
      for (int ow = 0; ow < g->OW; ow++) {
        const float *restrict gy = dy + (((size_t)n * g->OH + oh) * g->OW + ow) * C * M;
        for (int kh = 0; kh < g->KH; kh++) {
          const int ih = oh * g->SH + kh - g->PT;
          if (ih < 0 || ih >= g->H) continue;
          for (int kw = 0; kw < g->KW; kw++) {
            const int iw = ow * g->SW + kw - g->PL;
            if (iw < 0 || iw >= g->W) continue;
            const float *restrict wt = w + ((size_t)kh * g->KW + kw) * C * M;
            float *restrict d = dxn + ((size_t)ih * g->W + iw) * C;
            if (M == 1)
              for (size_t c = 0; c < C; c++) d[c] += gy[c] * wt[c];
            else
              for (size_t c = 0; c < C; c++) {
                float s = 0.f;
                for (size_t m = 0; m < M; m++) s += gy[c * M + m] * wt[c * M + m];
                d[c] += s;
              }
          }
        }
      }
  }
}

/* dw: partial sums over fixed groups of DW_IMAGES_PER_PART images (in parallel), added in group order in
   float64 — the same result on any thread count */
HOT static int dw_backprop_filter(const float *restrict x, const float *restrict dy, float *restrict dw, const Geom *g) {
  const size_t C = (size_t)g->C, M = (size_t)(g->CO / g->C), taps = (size_t)g->KH * g->KW, size = taps * C * M;
  const size_t blocks = ((size_t)g->N + DW_IMAGES_PER_PART - 1) / DW_IMAGES_PER_PART;
  float *part = (float *)calloc(size * blocks, sizeof(float));
  if (!part) return -1;
  PAR_FOR_FEW
  for (size_t p = 0; p < blocks; p++) {
    float *restrict acc = part + p * size;
    const size_t n1 = (p + 1) * DW_IMAGES_PER_PART < (size_t)g->N ? (p + 1) * DW_IMAGES_PER_PART : (size_t)g->N;
    for (size_t n = p * DW_IMAGES_PER_PART; n < n1; n++)
      for (int oh = 0; oh < g->OH; oh++)
        for (int ow = 0; ow < g->OW; ow++) {
          const float *restrict gy = dy + ((n * g->OH + oh) * g->OW + ow) * C * M;
          for (int kh = 0; kh < g->KH; kh++) {
            const int ih = oh * g->SH + kh - g->PT;
            if (ih < 0 || ih >= g->H) continue;
            for (int kw = 0; kw < g->KW; kw++) {
              const int iw = ow * g->SW + kw - g->PL;
              if (iw < 0 || iw >= g->W) continue;
              const float *restrict xi = x + ((n * g->H + ih) * g->W + iw) * C;
              float *restrict a = acc + ((size_t)kh * g->KW + kw) * C * M;
              if (M == 1)
                for (size_t c = 0; c < C; c++) a[c] += xi[c] * gy[c];
              else
                for (size_t c = 0; c < C; c++)
                  for (size_t m = 0; m < M; m++) a[c * M + m] += xi[c] * gy[c * M + m];
            }
          }
        }
  }
  for (size_t i = 0; i < size; i++) {
    double s = 0;
    for (size_t p = 0; p < blocks; p++) s += part[p * size + i]; /* group order */
    dw[i] = (float)s;
  }
  free(part);
  return 0;
}

/* max pooling: y = the maximum of each window's valid positions (padding excluded), channels innermost */
HOT static void max_pool(const float *restrict x, float *restrict y, const Geom *g) {
  const size_t C = (size_t)g->C, blocks = (size_t)g->N;
  PAR_FOR_FEW
  for (size_t n = 0; n < blocks; n++)
    for (int oh = 0; oh < g->OH; oh++) {
      const int h0 = oh * g->SH - g->PT, h1 = h0 + g->KH;
      for (int ow = 0; ow < g->OW; ow++) {
        const int w0 = ow * g->SW - g->PL, w1 = w0 + g->KW;
        float *restrict out = y + (((size_t)n * g->OH + oh) * g->OW + ow) * C;
        for (size_t c = 0; c < C; c++) out[c] = -INFINITY;
        for (int ih = h0 < 0 ? 0 : h0; ih < (h1 > g->H ? g->H : h1); ih++)
          for (int iw = w0 < 0 ? 0 : w0; iw < (w1 > g->W ? g->W : w1); iw++) {
            const float *restrict in = x + (((size_t)n * g->H + ih) * g->W + iw) * C;
            for (size_t c = 0; c < C; c++) out[c] = in[c] > out[c] ? in[c] : out[c];
          }
      }
    }
}

/* batch-norm statistics over rows (biased variance), float64 accumulation */
HOT static void bn_moments(const float *x, size_t rows, size_t C, float *mean, float *var) {
  const size_t blocks = (rows + SUM_CHUNK_ROWS - 1) / SUM_CHUNK_ROWS;
  double *s = (double *)calloc(2 * C * blocks, sizeof(double));
  if (!s) return;
  PAR_FOR_FEW
  for (size_t k = 0; k < blocks; k++) {
    const size_t r0 = k * SUM_CHUNK_ROWS, r1 = r0 + SUM_CHUNK_ROWS < rows ? r0 + SUM_CHUNK_ROWS : rows;
    double *st = s + 2 * C * k, *sq = st + C;
    for (size_t r = r0; r < r1; r++) {
      const float *row = x + r * C;
      for (size_t c = 0; c < C; c++) {
        st[c] += row[c];
        sq[c] += (double)row[c] * row[c];
      }
    }
  }
  for (size_t k = 1; k < blocks; k++) /* chunk order */
    for (size_t c = 0; c < 2 * C; c++) s[c] += s[2 * C * k + c];
  const double *sq = s + C;
  for (size_t c = 0; c < C; c++) {
    const double m = s[c] / rows, v = sq[c] / rows - m * m;
    mean[c] = (float)m;
    var[c] = (float)(v > 0 ? v : 0);
  }
  free(s);
}

/* y = (x - mean) / sqrt(var + eps) * gamma + beta, with the batch's own mean and var */
HOT static void bn_train_forward(const float *x, const float *gamma, const float *beta, float *y, float *mean, float *var,
                             size_t rows, size_t C, float eps, int relu) {
  bn_moments(x, rows, C, mean, var);
  float *scale = (float *)malloc(2 * C * sizeof(float));
  if (!scale) return;
  float *shift = scale + C;
  for (size_t c = 0; c < C; c++) {
    scale[c] = gamma[c] / sqrtf(var[c] + eps);
    shift[c] = beta[c] - mean[c] * scale[c];
  }
  const size_t blocks = (rows + 63) / 64;
  PAR_FOR
  for (size_t b = 0; b < blocks; b++) {
    const size_t r1 = (b + 1) * 64 < rows ? (b + 1) * 64 : rows;
    for (size_t r = b * 64; r < r1; r++) {
      const float *xr = x + r * C;
      float *yr = y + r * C;
      for (size_t c = 0; c < C; c++) yr[c] = xr[c] * scale[c] + shift[c];
      if (relu)
        for (size_t c = 0; c < C; c++) yr[c] = yr[c] < 0.f ? 0.f : yr[c];
    }
  }
  free(scale);
}

/* y[r, c] = act(x[r, c]·scale[c] + shift[c]), act ReLU or none (inference batch norm, folded statistics) */
HOT static void channel_affine(const float *restrict x, const float *restrict scale, const float *restrict shift,
                               float *restrict y, size_t rows, size_t C, int relu) {
  const size_t blocks = (rows + 63) / 64;
  PAR_FOR
  for (size_t b = 0; b < blocks; b++) {
    const size_t r1 = (b + 1) * 64 < rows ? (b + 1) * 64 : rows;
    for (size_t r = b * 64; r < r1; r++) {
      const float *restrict xr = x + r * C;
      float *restrict yr = y + r * C;
      for (size_t c = 0; c < C; c++) yr[c] = xr[c] * scale[c] + shift[c];
      if (relu)
        for (size_t c = 0; c < C; c++) yr[c] = yr[c] < 0.f ? 0.f : yr[c];
    }
  }
}

/* gradients of the above w.r.t. x, gamma, beta (mean and var depend on x); with `relu_out` (the fused ReLU's
   output) dy counts only where it is positive */
HOT static void bn_train_backward(const float *dy, const float *x, const float *gamma, const float *mean, const float *var,
                              float *dx, float *dgamma, float *dbeta, size_t rows, size_t C, float eps,
                              const float *relu_out) {
  const size_t chunks = (rows + SUM_CHUNK_ROWS - 1) / SUM_CHUNK_ROWS;
  double *s = (double *)calloc(2 * C * chunks, sizeof(double));
  float *rstd = (float *)malloc(3 * C * sizeof(float));
  if (!s || !rstd) {
    free(s);
    free(rstd);
    return;
  }
  float *k1 = rstd + C, *k2 = rstd + 2 * C;
  for (size_t c = 0; c < C; c++) rstd[c] = 1.f / sqrtf(var[c] + eps);
  { /* PAR_FOR splits `blocks`: here the chunks of the sums */
    const size_t blocks = chunks;
    PAR_FOR_FEW
    for (size_t k = 0; k < blocks; k++) {
      const size_t r0 = k * SUM_CHUNK_ROWS, r1 = r0 + SUM_CHUNK_ROWS < rows ? r0 + SUM_CHUNK_ROWS : rows;
      double *st = s + 2 * C * k, *sxh = st + C;
      for (size_t r = r0; r < r1; r++) {
        const float *g = dy + r * C, *xr = x + r * C, *o = relu_out ? relu_out + r * C : NULL;
        for (size_t c = 0; c < C; c++) {
          const float gc = o && !(o[c] > 0.f) ? 0.f : g[c];
          st[c] += gc;
          sxh[c] += (double)gc * (xr[c] - mean[c]) * rstd[c];
        }
      }
    }
  }
  for (size_t k = 1; k < chunks; k++) /* chunk order */
    for (size_t c = 0; c < 2 * C; c++) s[c] += s[2 * C * k + c];
  const double *sxh = s + C;
  for (size_t c = 0; c < C; c++) {
    dbeta[c] = (float)s[c];
    dgamma[c] = (float)sxh[c];
    /* dx = gamma*rstd*(dy - mean(dy) - xhat*mean(dy*xhat)) */
    k1[c] = (float)(s[c] / rows);
    k2[c] = (float)(sxh[c] / rows);
  }
  const size_t blocks = (rows + 63) / 64;
  PAR_FOR
  for (size_t b = 0; b < blocks; b++) {
    const size_t r1 = (b + 1) * 64 < rows ? (b + 1) * 64 : rows;
    for (size_t r = b * 64; r < r1; r++) {
      const float *g = dy + r * C, *xr = x + r * C, *o = relu_out ? relu_out + r * C : NULL;
      float *d = dx + r * C;
      for (size_t c = 0; c < C; c++) {
        const float gc = o && !(o[c] > 0.f) ? 0.f : g[c];
        const float xh = (xr[c] - mean[c]) * rstd[c];
        d[c] = gamma[c] * rstd[c] * (gc - k1[c] - xh * k2[c]);
      }
    }
  }
  free(s);
  free(rstd);
}

/* dx = dy * (x > 0), as tfjs-core's mul(dy, step(x)) */
HOT static void relu_grad(const float *restrict dy, const float *restrict x, float *restrict dx, size_t n) {
  const size_t blocks = (n + PAR_BLOCK - 1) / PAR_BLOCK;
  PAR_FOR
  for (size_t b = 0; b < blocks; b++) {
    const size_t i1 = (b + 1) * PAR_BLOCK < n ? (b + 1) * PAR_BLOCK : n;
    for (size_t i = b * PAR_BLOCK; i < i1; i++) {
      const float step = x[i] > 0.f ? 1.f : 0.f; /* a select, so the loop vectorises without branches */
      dx[i] = dy[i] * step;
    }
  }
}

/* dx = dy * (y > 0) and db[c] = Σ_rows dx[r, c] in one pass (the gradient of a fused conv + bias + ReLU):
   fixed chunks of SUM_CHUNK_ROWS rows summed in float64 and added in chunk order (any thread count) */
HOT static int relu_grad_bias(const float *restrict dy, const float *restrict y, float *restrict dx, float *restrict db,
                              size_t rows, size_t C) {
  const size_t blocks = (rows + SUM_CHUNK_ROWS - 1) / SUM_CHUNK_ROWS;
  double *s = (double *)calloc(C * (blocks ? blocks : 1), sizeof(double));
  if (!s) return -1;
  PAR_FOR_FEW
  for (size_t k = 0; k < blocks; k++) {
    double *st = s + C * k;
    const size_t r1 = (k + 1) * SUM_CHUNK_ROWS < rows ? (k + 1) * SUM_CHUNK_ROWS : rows;
    for (size_t r = k * SUM_CHUNK_ROWS; r < r1; r++) {
      const float *restrict g = dy + r * C, *restrict o = y + r * C;
      float *restrict d = dx + r * C;
      for (size_t c = 0; c < C; c++) {
        const float v = g[c] * (o[c] > 0.f ? 1.f : 0.f);
        d[c] = v;
        st[c] += v;
      }
    }
  }
  for (size_t k = 1; k < blocks; k++) /* chunk order */
    for (size_t c = 0; c < C; c++) s[c] += s[C * k + c];
  for (size_t c = 0; c < C; c++) db[c] = (float)s[c];
  free(s);
  return 0;
}

/* y = max(x, 0) (NaN stays NaN, as tfjs) */
HOT static void relu(const float *restrict x, float *restrict y, size_t n) {
  const size_t blocks = (n + PAR_BLOCK - 1) / PAR_BLOCK;
  PAR_FOR
  for (size_t b = 0; b < blocks; b++) {
    const size_t i1 = (b + 1) * PAR_BLOCK < n ? (b + 1) * PAR_BLOCK : n;
    for (size_t i = b * PAR_BLOCK; i < i1; i++) y[i] = x[i] < 0.f ? 0.f : x[i];
  }
}

/* out = a + b, same length */
HOT static void add_same(const float *restrict a, const float *restrict b, float *restrict out, size_t n) {
  const size_t blocks = (n + PAR_BLOCK - 1) / PAR_BLOCK;
  PAR_FOR
  for (size_t b0 = 0; b0 < blocks; b0++) {
    const size_t i1 = (b0 + 1) * PAR_BLOCK < n ? (b0 + 1) * PAR_BLOCK : n;
    for (size_t i = b0 * PAR_BLOCK; i < i1; i++) out[i] = a[i] + b[i];
  }
}

/* out = max(a + b, 0), same length (a residual sum and its ReLU in one pass) */
HOT static void add_relu(const float *restrict a, const float *restrict b, float *restrict out, size_t n) {
  const size_t blocks = (n + PAR_BLOCK - 1) / PAR_BLOCK;
  PAR_FOR
  for (size_t b0 = 0; b0 < blocks; b0++) {
    const size_t i1 = (b0 + 1) * PAR_BLOCK < n ? (b0 + 1) * PAR_BLOCK : n;
    for (size_t i = b0 * PAR_BLOCK; i < i1; i++) {
      const float v = a[i] + b[i];
      out[i] = v < 0.f ? 0.f : v;
    }
  }
}

/* acc += x (gradient accumulation in place) */
HOT static void accumulate(float *restrict acc, const float *restrict x, size_t n) {
  const size_t blocks = (n + PAR_BLOCK - 1) / PAR_BLOCK;
  PAR_FOR
  for (size_t b0 = 0; b0 < blocks; b0++) {
    const size_t i1 = (b0 + 1) * PAR_BLOCK < n ? (b0 + 1) * PAR_BLOCK : n;
    for (size_t i = b0 * PAR_BLOCK; i < i1; i++) acc[i] += x[i];
  }
}

/* ---- N-API glue ---- */

static int f32_arg(napi_env env, napi_value v, float **out, size_t *len) {
  napi_typedarray_type type;
  void *data;
  napi_value ab;
  size_t off;
  if (napi_get_typedarray_info(env, v, &type, len, &data, &ab, &off) != napi_ok || type != napi_float32_array) {
    napi_throw_type_error(env, NULL, "expected a Float32Array");
    return 0;
  }
  *out = (float *)data;
  return 1;
}

static int geom_arg(napi_env env, napi_value v, Geom *g) {
  napi_typedarray_type type;
  size_t len;
  void *data;
  napi_value ab;
  size_t off;
  if (napi_get_typedarray_info(env, v, &type, &len, &data, &ab, &off) != napi_ok || type != napi_int32_array ||
      len != 13) {
    napi_throw_type_error(env, NULL, "expected an Int32Array of 13 geometry values");
    return 0;
  }
  memcpy(g, data, sizeof(Geom));
  return 1;
}

typedef int (*ConvFn)(const float *, const float *, float *, const Geom *);

/* which: 0 forward (x, w -> y), 1 backprop input (dy, w -> dx), 2 backprop filter (x, dy -> dw),
   3 max-pool gradient (x, dy -> dx; CO = C) */
static int conv_which(int which, const float *a, const float *b, float *out, float *extra, int relu, const Geom *g) {
  switch (which) {
    case 0: return conv_forward_fused(a, b, extra, relu, out, g);
    case 1: return conv_backprop_input_any(a, b, out, g);
    case 2: return conv_backprop_filter_any(a, b, out, extra, g);
    default: return max_pool_grad(a, b, out, g);
  }
}

/* (a, b, out, geom[, extra[, relu]]) -> undefined; sizes checked against the geometry. extra: the bias
   (forward) or the bias gradient (backprop filter), a Float32Array of Cout, or null */
static napi_value call_conv(napi_env env, napi_callback_info info, int which) {
  size_t argc = 6;
  napi_value argv[6];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 4) {
    napi_throw_error(env, NULL, "expected (a, b, out, geometry[, bias[, relu]])");
    return NULL;
  }
  float *a, *b, *out, *extra = NULL;
  size_t la, lb, lo, le = 0;
  bool relu = false;
  Geom g;
  if (!f32_arg(env, argv[0], &a, &la) || !f32_arg(env, argv[1], &b, &lb) || !f32_arg(env, argv[2], &out, &lo) ||
      !geom_arg(env, argv[3], &g))
    return NULL;
  if (argc > 4 && (which == 0 || which == 2)) {
    napi_valuetype t;
    napi_typeof(env, argv[4], &t);
    if (t != napi_null && t != napi_undefined && !f32_arg(env, argv[4], &extra, &le)) return NULL;
    if (extra && le != (size_t)g.CO) {
      napi_throw_range_error(env, NULL, "bias length must equal the output channels");
      return NULL;
    }
  }
  if (argc > 5 && which == 0) napi_get_value_bool(env, argv[5], &relu);
  const size_t nx = (size_t)g.N * g.H * g.W * g.C, ny = (size_t)g.N * g.OH * g.OW * g.CO,
               nw = (size_t)g.KH * g.KW * g.C * g.CO;
  const size_t want[4][3] = {{nx, nw, ny}, {ny, nw, nx}, {nx, ny, nw}, {nx, ny, nx}};
  if (la != want[which][0] || lb != want[which][1] || lo != want[which][2]) {
    napi_throw_range_error(env, NULL, "array sizes do not match the convolution geometry");
    return NULL;
  }
  if (conv_which(which, a, b, out, extra, relu, &g) != 0) napi_throw_error(env, NULL, which == 3 ? "out of memory in the max-pool gradient" : "out of memory for the im2col buffer");
  return NULL;
}

static napi_value js_forward(napi_env env, napi_callback_info info) { return call_conv(env, info, 0); }
static napi_value js_backprop_input(napi_env env, napi_callback_info info) { return call_conv(env, info, 1); }
static napi_value js_backprop_filter(napi_env env, napi_callback_info info) { return call_conv(env, info, 2); }

static int get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc != want) {
    napi_throw_error(env, NULL, "wrong number of arguments");
    return 0;
  }
  return 1;
}

/* (x, out, scale): rows = x.length / out.length */
static napi_value js_sum_leading(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  float *x, *out;
  size_t lx, lo;
  double scale = 1;
  if (!get_args(env, info, 3, argv) || !f32_arg(env, argv[0], &x, &lx) || !f32_arg(env, argv[1], &out, &lo)) return NULL;
  napi_get_value_double(env, argv[2], &scale);
  if (lo == 0 || lx % lo != 0) {
    napi_throw_range_error(env, NULL, "x.length must be a multiple of out.length");
    return NULL;
  }
  sum_leading(x, out, lx / lo, lo, scale);
  return NULL;
}

/* (y, bias | null, channels, relu) */
static napi_value js_bias_activation(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  float *y, *bias = NULL;
  size_t ly, lb = 0;
  int32_t C = 0;
  bool relu = false;
  napi_valuetype t;
  if (!get_args(env, info, 4, argv) || !f32_arg(env, argv[0], &y, &ly)) return NULL;
  napi_typeof(env, argv[1], &t);
  if (t != napi_null && t != napi_undefined && !f32_arg(env, argv[1], &bias, &lb)) return NULL;
  napi_get_value_int32(env, argv[2], &C);
  napi_get_value_bool(env, argv[3], &relu);
  if (C <= 0 || ly % (size_t)C != 0 || (bias && lb != (size_t)C)) {
    napi_throw_range_error(env, NULL, "bias/channels do not match y");
    return NULL;
  }
  bias_activation(y, ly, bias, (size_t)C, relu);
  return NULL;
}

/* (p, g, m, v, p1, m1, v1, attrs Float64Array[lr, beta1, beta2, eps, weightDecay, bias1, bias2]) */
static napi_value js_adam_update(napi_env env, napi_callback_info info) {
  napi_value argv[8];
  float *arr[7];
  size_t len[7];
  if (!get_args(env, info, 8, argv)) return NULL;
  for (int i = 0; i < 7; i++)
    if (!f32_arg(env, argv[i], &arr[i], &len[i])) return NULL;
  for (int i = 1; i < 7; i++)
    if (len[i] != len[0]) {
      napi_throw_range_error(env, NULL, "adam arrays differ in length");
      return NULL;
    }
  napi_typedarray_type type;
  size_t na, off;
  void *data;
  napi_value ab;
  if (napi_get_typedarray_info(env, argv[7], &type, &na, &data, &ab, &off) != napi_ok || type != napi_float64_array ||
      na != 7) {
    napi_throw_type_error(env, NULL, "expected a Float64Array of 7 Adam attributes");
    return NULL;
  }
  adam_update(arr[0], arr[1], arr[2], arr[3], arr[4], arr[5], arr[6], len[0], (const double *)data);
  return NULL;
}

static napi_value js_max_pool_grad(napi_env env, napi_callback_info info) { return call_conv(env, info, 3); }

/* (x, y, geometry with CO = C and the window as the filter) */
static napi_value js_max_pool(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  float *x, *y;
  size_t lx, ly;
  Geom g;
  if (!get_args(env, info, 3, argv) || !f32_arg(env, argv[0], &x, &lx) || !f32_arg(env, argv[1], &y, &ly) ||
      !geom_arg(env, argv[2], &g))
    return NULL;
  if (lx != (size_t)g.N * g.H * g.W * g.C || ly != (size_t)g.N * g.OH * g.OW * g.C) {
    napi_throw_range_error(env, NULL, "max pool: sizes do not match the geometry");
    return NULL;
  }
  max_pool(x, y, &g);
  return NULL;
}

/* (a, b, out, geometry with CO = C·M): which 0 depthwise backprop input (dy, w -> dx), 1 backprop filter
   (x, dy -> dw); dilation 1 */
static napi_value call_depthwise(napi_env env, napi_callback_info info, int which) {
  napi_value argv[4];
  float *a, *b, *out;
  size_t la, lb, lo;
  Geom g;
  if (!get_args(env, info, 4, argv) || !f32_arg(env, argv[0], &a, &la) || !f32_arg(env, argv[1], &b, &lb) ||
      !f32_arg(env, argv[2], &out, &lo) || !geom_arg(env, argv[3], &g))
    return NULL;
  if (g.C <= 0 || g.CO % g.C != 0) {
    napi_throw_range_error(env, NULL, "depthwise: output channels must be a multiple of the input channels");
    return NULL;
  }
  const size_t nx = (size_t)g.N * g.H * g.W * g.C, ny = (size_t)g.N * g.OH * g.OW * g.CO,
               nw = (size_t)g.KH * g.KW * g.CO;
  if (which == 0 ? (la != ny || lb != nw || lo != nx) : (la != nx || lb != ny || lo != nw)) {
    napi_throw_range_error(env, NULL, "depthwise: array sizes do not match the geometry");
    return NULL;
  }
  if (which == 0)
    dw_backprop_input(a, b, out, &g);
  else if (dw_backprop_filter(a, b, out, &g) != 0)
    napi_throw_error(env, NULL, "out of memory in the depthwise filter gradient");
  return NULL;
}
static napi_value js_dw_backprop_input(napi_env env, napi_callback_info info) { return call_depthwise(env, info, 0); }
static napi_value js_dw_backprop_filter(napi_env env, napi_callback_info info) { return call_depthwise(env, info, 1); }

/* (x, gamma, beta, y, mean, var, eps, relu?) */
static napi_value js_bn_train_forward(napi_env env, napi_callback_info info) {
  napi_value argv[8];
  float *a[6];
  size_t n[6];
  double eps = 1e-5;
  bool relu = false;
  size_t argc = 8;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 7) {
    napi_throw_type_error(env, NULL, "batch norm: expected (x, gamma, beta, y, mean, var, eps, relu?)");
    return NULL;
  }
  for (int i = 0; i < 6; i++)
    if (!f32_arg(env, argv[i], &a[i], &n[i])) return NULL;
  napi_get_value_double(env, argv[6], &eps);
  if (argc >= 8) napi_get_value_bool(env, argv[7], &relu);
  const size_t C = n[1];
  if (C == 0 || n[0] % C || n[2] != C || n[3] != n[0] || n[4] != C || n[5] != C) {
    napi_throw_range_error(env, NULL, "batch norm: sizes do not match");
    return NULL;
  }
  bn_train_forward(a[0], a[1], a[2], a[3], a[4], a[5], n[0] / C, C, (float)eps, relu);
  return NULL;
}

/* (x, scale, shift, y, relu?): y[r, c] = act(x[r, c]·scale[c] + shift[c]) */
static napi_value js_channel_affine(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  float *a[4];
  size_t n[4];
  size_t argc = 5;
  bool relu = false;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 4) {
    napi_throw_type_error(env, NULL, "channel affine: expected (x, scale, shift, y, relu?)");
    return NULL;
  }
  if (argc >= 5) napi_get_value_bool(env, argv[4], &relu);
  for (int i = 0; i < 4; i++)
    if (!f32_arg(env, argv[i], &a[i], &n[i])) return NULL;
  const size_t C = n[1];
  if (C == 0 || n[0] % C || n[2] != C || n[3] != n[0]) {
    napi_throw_range_error(env, NULL, "channel affine: sizes do not match");
    return NULL;
  }
  channel_affine(a[0], a[1], a[2], a[3], n[0] / C, C, relu);
  return NULL;
}

/* (dy, x, gamma, mean, var, dx, dgamma, dbeta, eps, reluOut?) */
static napi_value js_bn_train_backward(napi_env env, napi_callback_info info) {
  napi_value argv[10];
  float *a[8], *relu_out = NULL;
  size_t n[8], n_out = 0;
  double eps = 1e-5;
  size_t argc = 10;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 9) {
    napi_throw_type_error(env, NULL, "batch norm gradient: expected (dy, x, gamma, mean, var, dx, dgamma, dbeta, eps, reluOut?)");
    return NULL;
  }
  for (int i = 0; i < 8; i++)
    if (!f32_arg(env, argv[i], &a[i], &n[i])) return NULL;
  napi_get_value_double(env, argv[8], &eps);
  if (argc >= 10) {
    napi_valuetype t;
    napi_typeof(env, argv[9], &t);
    if (t != napi_null && t != napi_undefined) {
      if (!f32_arg(env, argv[9], &relu_out, &n_out)) return NULL;
      if (n_out != n[0]) {
        napi_throw_range_error(env, NULL, "batch norm gradient: the ReLU output's size differs from dy's");
        return NULL;
      }
    }
  }
  const size_t C = n[2];
  if (C == 0 || n[0] % C || n[1] != n[0] || n[3] != C || n[4] != C || n[5] != n[0] || n[6] != C || n[7] != C) {
    napi_throw_range_error(env, NULL, "batch norm gradient: sizes do not match");
    return NULL;
  }
  bn_train_backward(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], n[0] / C, C, (float)eps, relu_out);
  return NULL;
}

/* `count` Float32Array arguments of one length into a[], n[0]; throws "<what>: sizes differ" otherwise */
static int same_size_f32_args(napi_env env, napi_callback_info info, size_t count, float **a, size_t *n,
                              const char *what) {
  napi_value argv[3];
  size_t len[3];
  if (count > 3 || !get_args(env, info, count, argv)) return 0;
  for (size_t i = 0; i < count; i++) {
    if (!f32_arg(env, argv[i], &a[i], &len[i])) return 0;
    if (len[i] != len[0]) {
      char msg[64];
      snprintf(msg, sizeof msg, "%s: sizes differ", what);
      napi_throw_range_error(env, NULL, msg);
      return 0;
    }
  }
  *n = len[0];
  return 1;
}

/* (a, b, out): out = max(a + b, 0) */
static napi_value js_add_relu(napi_env env, napi_callback_info info) {
  float *a[3];
  size_t n;
  if (same_size_f32_args(env, info, 3, a, &n, "add relu")) add_relu(a[0], a[1], a[2], n);
  return NULL;
}

/* (acc, x): acc += x */
static napi_value js_accumulate(napi_env env, napi_callback_info info) {
  float *a[2];
  size_t n;
  if (same_size_f32_args(env, info, 2, a, &n, "accumulate")) accumulate(a[0], a[1], n);
  return NULL;
}

/* (dy, x, dx) */
static napi_value js_relu_grad(napi_env env, napi_callback_info info) {
  float *a[3];
  size_t n;
  if (same_size_f32_args(env, info, 3, a, &n, "relu gradient")) relu_grad(a[0], a[1], a[2], n);
  return NULL;
}

/* (dy, y, dx, db): db's length is the channel count (the innermost axis) */
static napi_value js_relu_grad_bias(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  float *dy, *y, *dx, *db;
  size_t ldy, ly, ldx, ldb;
  if (!get_args(env, info, 4, argv) || !f32_arg(env, argv[0], &dy, &ldy) || !f32_arg(env, argv[1], &y, &ly) ||
      !f32_arg(env, argv[2], &dx, &ldx) || !f32_arg(env, argv[3], &db, &ldb))
    return NULL;
  if (ly != ldy || ldx != ldy || ldb == 0 || ldy % ldb != 0) {
    napi_throw_range_error(env, NULL, "relu gradient + bias sum: sizes do not match");
    return NULL;
  }
  if (relu_grad_bias(dy, y, dx, db, ldy / ldb, ldb) != 0) napi_throw_error(env, NULL, "out of memory in the relu gradient");
  return NULL;
}

/* (x, y) */
static napi_value js_relu(napi_env env, napi_callback_info info) {
  float *a[2];
  size_t n;
  if (same_size_f32_args(env, info, 2, a, &n, "relu")) relu(a[0], a[1], n);
  return NULL;
}

/* (a, b, out) */
static napi_value js_add(napi_env env, napi_callback_info info) {
  float *a[3];
  size_t n;
  if (same_size_f32_args(env, info, 3, a, &n, "add")) add_same(a[0], a[1], a[2], n);
  return NULL;
}

/* (a, b, out, Int32Array [batchA, batchB, M, N, K, transA, transB]): out[i] = op(a[i or 0]) x op(b[i or 0]) */
static napi_value js_batch_matmul(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  float *a, *b, *out;
  size_t la, lb, lo;
  if (!get_args(env, info, 4, argv) || !f32_arg(env, argv[0], &a, &la) || !f32_arg(env, argv[1], &b, &lb) ||
      !f32_arg(env, argv[2], &out, &lo))
    return NULL;
  napi_typedarray_type type;
  size_t n, off;
  void *data;
  napi_value ab;
  if (napi_get_typedarray_info(env, argv[3], &type, &n, &data, &ab, &off) != napi_ok || type != napi_int32_array ||
      n != 7) {
    napi_throw_type_error(env, NULL, "expected an Int32Array [batchA, batchB, M, N, K, transA, transB]");
    return NULL;
  }
  const int32_t *d = (const int32_t *)data;
  const size_t ba = d[0], bb = d[1], M = d[2], N = d[3], K = d[4];
  const int ta = d[5], tb = d[6];
  const size_t batch = ba > bb ? ba : bb;
  if ((ba != bb && ba != 1 && bb != 1) || la != ba * M * K || lb != bb * K * N || lo != batch * M * N) {
    napi_throw_range_error(env, NULL, "batch matmul: sizes do not match");
    return NULL;
  }
  for (size_t i = 0; i < batch; i++) {
    const float *ai = a + (ba == 1 ? 0 : i) * M * K, *bi = b + (bb == 1 ? 0 : i) * K * N;
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, (int)M, (int)N, (int)K,
                1.f, ai, ta ? (int)M : (int)K, bi, tb ? (int)K : (int)N, 0.f, out + i * M * N, (int)N);
  }
  return NULL;
}

static napi_value js_set_threads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t n = 1;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc == 1) napi_get_value_int32(env, argv[0], &n);
  openblas_set_num_threads(n < 1 ? 1 : n);
#ifdef BMSE_DNNL
  omp_set_num_threads(n < 1 ? 1 : n);
#endif
  return NULL;
}

/* (on: boolean) -> the previous setting; the elementwise/pooling/batch-norm loops on one thread or on OpenMP's */
static napi_value js_set_parallel_loops(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], v;
  bool on = true;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  napi_get_boolean(env, par_on != 0, &v);
  if (argc == 1) napi_get_value_bool(env, argv[0], &on);
  par_on = on ? 1 : 0;
  return v;
}

static napi_value js_info(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value obj, v;
  napi_create_object(env, &obj);
  napi_create_string_utf8(env, openblas_get_corename(), NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, obj, "corename", v);
  napi_create_string_utf8(env, openblas_get_config(), NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, obj, "config", v);
  napi_create_int32(env, openblas_get_num_threads(), &v);
  napi_set_named_property(env, obj, "threads", v);
#ifdef BMSE_DNNL
  const dnnl_version_t *ver = dnnl_version();
  char buf[96];
  const dnnl_cpu_isa_t isa = dnnl_get_effective_cpu_isa();
  const char *isa_name = isa == dnnl_cpu_isa_avx512_core_amx    ? "avx512_core_amx"
                         : isa == dnnl_cpu_isa_avx512_core_bf16 ? "avx512_core_bf16"
                         : isa == dnnl_cpu_isa_avx512_core_vnni ? "avx512_core_vnni"
                         : isa == dnnl_cpu_isa_avx512_core      ? "avx512_core"
                         : isa == dnnl_cpu_isa_avx2_vnni        ? "avx2_vnni"
                         : isa == dnnl_cpu_isa_avx2             ? "avx2"
                         : isa == dnnl_cpu_isa_avx              ? "avx"
                         : isa == dnnl_cpu_isa_sse41            ? "sse41"
                                                                : "other";
  snprintf(buf, sizeof buf, "oneDNN %d.%d.%d %s", ver->major, ver->minor, ver->patch, isa_name);
  napi_create_string_utf8(env, buf, NAPI_AUTO_LENGTH, &v);
#else
  napi_get_null(env, &v);
#endif
  napi_set_named_property(env, obj, "dnnl", v);
  return obj;
}

static napi_value js_set_cols_budget(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  double n = 0;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc == 1 && napi_get_value_double(env, argv[0], &n) == napi_ok && n >= 1) cols_budget = (size_t)n;
  return NULL;
}

/* (on: boolean): oneDNN convolutions on (default) or off (the OpenBLAS kernels); no-op without oneDNN */
static napi_value js_use_dnnl(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  bool on = true;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc == 1) napi_get_value_bool(env, argv[0], &on);
#ifdef BMSE_DNNL
  dn_enabled = on;
#else
  (void)on;
#endif
  return NULL;
}

/* (positions: number): the fewest output positions N·OH·OW a convolution needs to run on oneDNN (default
   512; 1x1 kernels need 4x / 8x that, see dn_wants; 0: every geometry oneDNN has a JIT kernel for); no-op
   without oneDNN */
static napi_value js_set_dnnl_min_positions(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  double n = -1;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc == 1 && napi_get_value_double(env, argv[0], &n) == napi_ok && n >= 0) {
#ifdef BMSE_DNNL
    dn_min_positions = (long)n;
#endif
  }
  return NULL;
}

/* (kind 0 forward | 1 backprop input | 2 backprop filter, geometry, flags: 1 bias, 2 relu) -> the oneDNN
   implementation in use for that call ("" before its first call or without oneDNN) */
static napi_value js_conv_impl(napi_env env, napi_callback_info info) {
  napi_value argv[3], v;
  int32_t kind = 0, flags = 0;
  Geom g;
  if (!get_args(env, info, 3, argv) || !geom_arg(env, argv[1], &g)) return NULL;
  napi_get_value_int32(env, argv[0], &kind);
  napi_get_value_int32(env, argv[2], &flags);
#ifdef BMSE_DNNL
  napi_create_string_utf8(env, dn_impl(kind, flags, &g), NAPI_AUTO_LENGTH, &v);
#else
  napi_create_string_utf8(env, "", NAPI_AUTO_LENGTH, &v);
#endif
  return v;
}

NAPI_MODULE_INIT() {
  const char *serial = getenv("BMSE_SERIAL_LOOPS");
  if (serial && strcmp(serial, "1") == 0) par_on = 0;
  napi_property_descriptor props[] = {
      {"conv2dForward", NULL, js_forward, NULL, NULL, NULL, napi_default, NULL},
      {"conv2dBackpropInput", NULL, js_backprop_input, NULL, NULL, NULL, napi_default, NULL},
      {"conv2dBackpropFilter", NULL, js_backprop_filter, NULL, NULL, NULL, napi_default, NULL},
      {"setThreads", NULL, js_set_threads, NULL, NULL, NULL, napi_default, NULL},
      {"setParallelLoops", NULL, js_set_parallel_loops, NULL, NULL, NULL, napi_default, NULL},
      {"setColsBudget", NULL, js_set_cols_budget, NULL, NULL, NULL, napi_default, NULL},
      {"info", NULL, js_info, NULL, NULL, NULL, napi_default, NULL},
      {"maxPoolGrad", NULL, js_max_pool_grad, NULL, NULL, NULL, napi_default, NULL},
      {"maxPool", NULL, js_max_pool, NULL, NULL, NULL, napi_default, NULL},
      {"depthwiseBackpropInput", NULL, js_dw_backprop_input, NULL, NULL, NULL, napi_default, NULL},
      {"depthwiseBackpropFilter", NULL, js_dw_backprop_filter, NULL, NULL, NULL, napi_default, NULL},
      {"batchNormTrainForward", NULL, js_bn_train_forward, NULL, NULL, NULL, napi_default, NULL},
      {"channelAffine", NULL, js_channel_affine, NULL, NULL, NULL, napi_default, NULL},
      {"batchNormTrainBackward", NULL, js_bn_train_backward, NULL, NULL, NULL, napi_default, NULL},
      {"batchMatMul", NULL, js_batch_matmul, NULL, NULL, NULL, napi_default, NULL},
      {"reluGrad", NULL, js_relu_grad, NULL, NULL, NULL, napi_default, NULL},
      {"reluGradBias", NULL, js_relu_grad_bias, NULL, NULL, NULL, napi_default, NULL},
      {"relu", NULL, js_relu, NULL, NULL, NULL, napi_default, NULL},
      {"add", NULL, js_add, NULL, NULL, NULL, napi_default, NULL},
      {"accumulate", NULL, js_accumulate, NULL, NULL, NULL, napi_default, NULL},
      {"addRelu", NULL, js_add_relu, NULL, NULL, NULL, napi_default, NULL},
      {"sumLeading", NULL, js_sum_leading, NULL, NULL, NULL, napi_default, NULL},
      {"biasActivation", NULL, js_bias_activation, NULL, NULL, NULL, napi_default, NULL},
      {"adamUpdate", NULL, js_adam_update, NULL, NULL, NULL, napi_default, NULL},
      {"useDnnl", NULL, js_use_dnnl, NULL, NULL, NULL, napi_default, NULL},
      {"setDnnlMinPositions", NULL, js_set_dnnl_min_positions, NULL, NULL, NULL, napi_default, NULL},
      {"convImpl", NULL, js_conv_impl, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}
