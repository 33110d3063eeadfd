/*
 * Optional native image kernels for @bmse/datasets (built at install by scripts/build-native.mjs):
 *
 *   decodeJpeg(bytes)      baseline/progressive JPEG -> interleaved RGB with the system libjpeg-turbo, the
 *                          decoder Pillow uses (ISLOW IDCT, fancy upsampling), so the pixels equal
 *                          PIL's Image.open(f).convert('RGB'). Returns null for anything it does not handle
 *                          exactly like that (CMYK/YCCK, any libjpeg warning such as a truncated file): the
 *                          caller then decodes with sharp, which also writes the error message.
 *   resizePil8(...)        Pillow 9.4's ImagingResample for 8-bit images (src/image/resample.ts resizePil8,
 *                          the same 22-bit fixed-point taps, the same passes), bit for bit.
 */
#include <node_api.h>
#include <math.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>

/* sizes the kernels accept (larger images go to sharp / the JS path): products of three of them fit size_t and
   the int indices of the resampling tables */
#define MAX_SIDE 32768
#define MAX_CHANNELS 16

#define CHECK(call)                                                                                          \
  do {                                                                                                       \
    if ((call) != napi_ok) {                                                                                 \
      napi_throw_error(env, NULL, "bmse_image: N-API call failed: " #call);                                 \
      return NULL;                                                                                           \
    }                                                                                                        \
  } while (0)

/* ---------------------------------------------------------------- JPEG --- */

typedef struct {
  struct jpeg_error_mgr pub;
  jmp_buf jump;
  int warnings;
} ErrorMgr;

static void on_error(j_common_ptr cinfo) {
  ErrorMgr *err = (ErrorMgr *)cinfo->err;
  longjmp(err->jump, 1);
}

static void on_message(j_common_ptr cinfo, int level) {
  if (level < 0) ((ErrorMgr *)cinfo->err)->warnings++;
}

static napi_value null_value(napi_env env) {
  napi_value v;
  napi_get_null(env, &v);
  return v;
}

/* Decodes JPEG bytes to malloc'd RGB. Returns NULL and *declined = 1 for what Pillow-equal decoding cannot
   promise (not YCbCr/grey/RGB, any warning such as a truncated file), *declined = 0 when out of memory. */
static unsigned char *jpeg_to_rgb(const unsigned char *bytes, size_t length, int *width, int *height,
                                  int *declined) {
  struct jpeg_decompress_struct cinfo;
  ErrorMgr err;
  /* volatile: assigned between setjmp and a possible longjmp */
  unsigned char *volatile pixels = NULL;
  *declined = 1;
  cinfo.err = jpeg_std_error(&err.pub);
  err.pub.error_exit = on_error;
  err.pub.emit_message = on_message;
  err.warnings = 0;
  if (setjmp(err.jump)) {
    jpeg_destroy_decompress(&cinfo);
    free(pixels);
    return NULL;
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, (unsigned char *)bytes, (unsigned long)length);
  jpeg_read_header(&cinfo, TRUE);
  if (cinfo.jpeg_color_space != JCS_YCbCr && cinfo.jpeg_color_space != JCS_GRAYSCALE &&
      cinfo.jpeg_color_space != JCS_RGB) {
    jpeg_destroy_decompress(&cinfo);
    return NULL;
  }
  cinfo.out_color_space = JCS_RGB;
  cinfo.dct_method = JDCT_ISLOW;
  cinfo.do_fancy_upsampling = TRUE;
  jpeg_start_decompress(&cinfo);
  if (cinfo.output_components != 3 || cinfo.output_width > MAX_SIDE || cinfo.output_height > MAX_SIDE) {
    jpeg_destroy_decompress(&cinfo);
    return NULL;
  }
  const size_t stride = (size_t)cinfo.output_width * 3;
  pixels = (unsigned char *)malloc(stride * cinfo.output_height);
  if (!pixels) {
    jpeg_destroy_decompress(&cinfo);
    *declined = 0;
    return NULL;
  }
  JSAMPROW rows[16];
  while (cinfo.output_scanline < cinfo.output_height) {
    int n = 0;
    for (; n < 16 && cinfo.output_scanline + n < cinfo.output_height; n++)
      rows[n] = pixels + (size_t)(cinfo.output_scanline + n) * stride;
    jpeg_read_scanlines(&cinfo, rows, n);
  }
  *width = (int)cinfo.output_width;
  *height = (int)cinfo.output_height;
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  if (err.warnings > 0) {
    free(pixels);
    return NULL;
  }
  return pixels;
}

static int get_bytes(napi_env env, napi_value v, const unsigned char **data, size_t *length) {
  napi_typedarray_type type;
  void *ptr;
  napi_value ab;
  size_t offset;
  if (napi_get_typedarray_info(env, v, &type, length, &ptr, &ab, &offset) != napi_ok || type != napi_uint8_array)
    return 0;
  *data = (const unsigned char *)ptr;
  return 1;
}

static napi_value decode_jpeg(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  const unsigned char *bytes;
  size_t length;
  if (argc < 1 || !get_bytes(env, argv[0], &bytes, &length)) {
    napi_throw_type_error(env, NULL, "decodeJpeg(bytes: Uint8Array)");
    return NULL;
  }
  int width = 0, height = 0, declined;
  unsigned char *pixels = jpeg_to_rgb(bytes, length, &width, &height, &declined);
  if (!pixels) {
    if (declined) return null_value(env);
    napi_throw_error(env, NULL, "decodeJpeg: out of memory");
    return NULL;
  }
  napi_value out, data, w, h, buf;
  void *dst;
  const size_t n = (size_t)width * height * 3;
  if (napi_create_arraybuffer(env, n, &dst, &buf) != napi_ok) {
    free(pixels);
    napi_throw_error(env, NULL, "decodeJpeg: cannot allocate the output");
    return NULL;
  }
  memcpy(dst, pixels, n);
  free(pixels);
  CHECK(napi_create_typedarray(env, napi_uint8_array, n, buf, 0, &data));
  CHECK(napi_create_object(env, &out));
  CHECK(napi_create_int32(env, width, &w));
  CHECK(napi_create_int32(env, height, &h));
  CHECK(napi_set_named_property(env, out, "width", w));
  CHECK(napi_set_named_property(env, out, "height", h));
  CHECK(napi_set_named_property(env, out, "data", data));
  return out;
}

/* ------------------------------------------------------------- resize --- */

/* The resampling loops are compiled for AVX2 and for the baseline, picked at load time (GCC ifunc); elsewhere
   only the baseline. Integer arithmetic: the same result either way. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define MULTIVERSION __attribute__((target_clones("avx2", "default")))
#else
#define MULTIVERSION
#endif

#define PRECISION_BITS (32 - 8 - 2)
#define ONE (1 << PRECISION_BITS)
#define HALF (1 << (PRECISION_BITS - 1))

static double bilinear_filter(double x) {
  const double t = fabs(x);
  return t < 1.0 ? 1.0 - t : 0.0;
}

static double bicubic_filter(double x) {
  const double a = -0.5;
  const double t = fabs(x);
  if (t < 1.0) return ((a + 2.0) * t - (a + 3.0)) * t * t + 1.0;
  if (t < 2.0) return (((t - 5.0) * t + 8.0) * t - 4.0) * a;
  return 0.0;
}

typedef struct {
  int ksize;
  int *bounds; /* xmin, xmax per output pixel */
  int32_t *kk; /* ksize taps per output pixel */
} Coeffs;

/* Pillow's precompute_coeffs + normalize_coeffs_8bpc (the same doubles as resample.ts coeffs8) */
static int coeffs8(int in_size, int out_size, int bicubic, Coeffs *c) {
  const double base = bicubic ? 2.0 : 1.0;
  const double scale = (double)in_size / (double)out_size;
  const double filterscale = scale > 1.0 ? scale : 1.0;
  const double support = base * filterscale;
  const int ksize = (int)ceil(support) * 2 + 1;
  const double ss = 1.0 / filterscale;
  c->ksize = ksize;
  c->bounds = (int *)malloc(sizeof(int) * 2 * (size_t)out_size);
  c->kk = (int32_t *)calloc((size_t)out_size * ksize, sizeof(int32_t));
  double *w = (double *)malloc(sizeof(double) * (size_t)ksize);
  if (!c->bounds || !c->kk || !w) {
    free(w);
    return 0;
  }
  for (int xx = 0; xx < out_size; xx++) {
    const double center = (xx + 0.5) * scale;
    int xmin = (int)trunc(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    int xmax = (int)trunc(center + support + 0.5);
    if (xmax > in_size) xmax = in_size;
    xmax -= xmin;
    double ww = 0.0;
    for (int x = 0; x < xmax; x++) {
      const double arg = (x + xmin - center + 0.5) * ss;
      w[x] = bicubic ? bicubic_filter(arg) : bilinear_filter(arg);
      ww += w[x];
    }
    for (int x = 0; x < xmax; x++) {
      const double k = ww != 0.0 ? w[x] / ww : w[x];
      c->kk[(size_t)xx * ksize + x] = (int32_t)trunc(k < 0 ? -0.5 + k * ONE : 0.5 + k * ONE);
    }
    c->bounds[xx * 2] = xmin;
    c->bounds[xx * 2 + 1] = xmax;
  }
  free(w);
  return 1;
}

static void free_coeffs(Coeffs *c) {
  free(c->bounds);
  free(c->kk);
}

static inline uint8_t clip8(int32_t v) {
  if (v >= (ONE << 8)) return 255;
  if (v <= 0) return 0;
  return (uint8_t)(v >> PRECISION_BITS);
}

/* out row yy = sum over the taps of input rows; acc: one row of int32 */
MULTIVERSION static void vertical_pass(const uint8_t *img, size_t row_len, int oh, const Coeffs *vert, int first,
                                       int32_t *acc, uint8_t *dst) {
  for (int yy = 0; yy < oh; yy++) {
    const int ymin = vert->bounds[yy * 2] - first, ymax = vert->bounds[yy * 2 + 1];
    const int32_t *k = vert->kk + (size_t)yy * vert->ksize;
    for (size_t i = 0; i < row_len; i++) acc[i] = HALF;
    for (int y = 0; y < ymax; y++) {
      const uint8_t *p = img + (size_t)(ymin + y) * row_len;
      const int32_t ky = k[y];
      for (size_t i = 0; i < row_len; i++) acc[i] += p[i] * ky;
    }
    uint8_t *o = dst + (size_t)yy * row_len;
    for (size_t i = 0; i < row_len; i++) o[i] = clip8(acc[i]);
  }
}

/* one RGB output pixel of the horizontal pass: the xmax taps from p, weights k */
static inline void rgb_taps(const uint8_t *p, const int32_t *k, int xmax, uint8_t *o) {
  int32_t s0 = HALF, s1 = HALF, s2 = HALF;
  for (int x = 0; x < xmax; x++, p += 3) {
    s0 += p[0] * k[x];
    s1 += p[1] * k[x];
    s2 += p[2] * k[x];
  }
  o[0] = clip8(s0);
  o[1] = clip8(s1);
  o[2] = clip8(s2);
}

#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
#define HAVE_SSE41_PATH 1
/* RGB horizontal pass with the three channels of a tap in one vector (4 bytes loaded, the 4th lane ignored):
   the same int32 sums as the scalar loop. The 4-byte load of a row's last pixel reads the first byte of the next
   row, so the last row's last pixels take the scalar path. */
__attribute__((target("sse4.1"))) static void horizontal_rgb_sse41(const uint8_t *img, int rows, int w, int ow,
                                                                   const Coeffs *hor, uint8_t *target) {
  for (int y = 0; y < rows; y++) {
    const uint8_t *row_in = img + (size_t)y * w * 3;
    uint8_t *row_out = target + (size_t)y * ow * 3;
    for (int xx = 0; xx < ow; xx++) {
      const int xmin = hor->bounds[xx * 2], xmax = hor->bounds[xx * 2 + 1];
      const int32_t *k = hor->kk + (size_t)xx * hor->ksize;
      const uint8_t *p = row_in + (size_t)xmin * 3;
      uint8_t *o = row_out + (size_t)xx * 3;
      if (y == rows - 1 && xmin + xmax == w) {
        rgb_taps(p, k, xmax, o);
        continue;
      }
      __m128i acc = _mm_set1_epi32(HALF);
      for (int x = 0; x < xmax; x++, p += 3) {
        int32_t v;
        memcpy(&v, p, 4);
        const __m128i px = _mm_cvtepu8_epi32(_mm_cvtsi32_si128(v));
        acc = _mm_add_epi32(acc, _mm_mullo_epi32(px, _mm_set1_epi32(k[x])));
      }
      o[0] = clip8(_mm_extract_epi32(acc, 0));
      o[1] = clip8(_mm_extract_epi32(acc, 1));
      o[2] = clip8(_mm_extract_epi32(acc, 2));
    }
  }
}
#endif

/* each of the rows: out pixel xx = sum over its taps of input pixels */
MULTIVERSION static void horizontal_pass(const uint8_t *img, int rows, int w, int ch, int ow, const Coeffs *hor,
                                         uint8_t *target) {
#ifdef HAVE_SSE41_PATH
  if (ch == 3 && __builtin_cpu_supports("sse4.1")) {
    horizontal_rgb_sse41(img, rows, w, ow, hor, target);
    return;
  }
#endif
  for (int y = 0; y < rows; y++) {
    const uint8_t *row_in = img + (size_t)y * w * ch;
    uint8_t *row_out = target + (size_t)y * ow * ch;
    for (int xx = 0; xx < ow; xx++) {
      const int xmin = hor->bounds[xx * 2], xmax = hor->bounds[xx * 2 + 1];
      const int32_t *k = hor->kk + (size_t)xx * hor->ksize;
      const uint8_t *p = row_in + (size_t)xmin * ch;
      uint8_t *o = row_out + (size_t)xx * ch;
      if (ch == 3)
        rgb_taps(p, k, xmax, o);
      else
        for (int c = 0; c < ch; c++) {
          int32_t s = HALF;
          for (int x = 0; x < xmax; x++) s += p[x * ch + c] * k[x];
          o[c] = clip8(s);
        }
    }
  }
}

/* Pillow's 8-bit resize of src (w x h x ch) into dst (ow x oh x ch); 0 when out of memory */
static int resize_u8(const uint8_t *src, int w, int h, int ch, int ow, int oh, int bicubic, uint8_t *dst) {
  int ok = 0;
  Coeffs vert = {0, NULL, NULL}, hor = {0, NULL, NULL};
  uint8_t *tmp = NULL;
  int32_t *acc = NULL;
  /* the rows the vertical pass reads (all of them when there is no vertical pass) */
  int first = 0, rows = h;
  if (oh != h) {
    if (!coeffs8(h, oh, bicubic, &vert)) goto done;
    first = vert.bounds[0];
    rows = vert.bounds[oh * 2 - 2] + vert.bounds[oh * 2 - 1] - first;
  }
  const uint8_t *img = src + (size_t)first * w * ch;
  int iw = w;
  if (ow != w) {
    if (!coeffs8(w, ow, bicubic, &hor)) goto done;
    /* no vertical pass: straight into the output */
    uint8_t *target = oh != h ? (tmp = (uint8_t *)malloc((size_t)ow * rows * ch)) : dst;
    if (!target) goto done;
    horizontal_pass(img, rows, w, ch, ow, &hor, target);
    img = target;
    iw = ow;
  }
  if (oh != h) {
    const size_t row_len = (size_t)iw * ch;
    if (!(acc = (int32_t *)malloc(sizeof(int32_t) * row_len))) goto done;
    vertical_pass(img, row_len, oh, &vert, first, acc, dst);
  } else if (ow == w) {
    memcpy(dst, src, (size_t)w * h * ch);
  }
  ok = 1;
done:
  free(acc);
  free(tmp);
  free_coeffs(&hor);
  free_coeffs(&vert);
  return ok;
}

/* resizePil8(src: Uint8Array, w, h, channels, ow, oh, bicubic: boolean): Uint8Array of ow*oh*channels */
static napi_value resize_pil8(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  const unsigned char *src;
  size_t length;
  int32_t w, h, ch, ow, oh;
  bool bicubic;
  if (argc < 7 || !get_bytes(env, argv[0], &src, &length) || napi_get_value_int32(env, argv[1], &w) != napi_ok ||
      napi_get_value_int32(env, argv[2], &h) != napi_ok || napi_get_value_int32(env, argv[3], &ch) != napi_ok ||
      napi_get_value_int32(env, argv[4], &ow) != napi_ok || napi_get_value_int32(env, argv[5], &oh) != napi_ok ||
      napi_get_value_bool(env, argv[6], &bicubic) != napi_ok || w < 1 || h < 1 || ch < 1 || ow < 1 || oh < 1 ||
      w > MAX_SIDE || h > MAX_SIDE || ow > MAX_SIDE || oh > MAX_SIDE || ch > MAX_CHANNELS ||
      length < (size_t)w * h * ch) {
    napi_throw_type_error(env, NULL, "resizePil8(src: Uint8Array, w, h, channels, ow, oh, bicubic: boolean)");
    return NULL;
  }
  const size_t out_len = (size_t)ow * oh * ch;
  void *out_data;
  napi_value out_buf, out;
  CHECK(napi_create_arraybuffer(env, out_len, &out_data, &out_buf));
  CHECK(napi_create_typedarray(env, napi_uint8_array, out_len, out_buf, 0, &out));
  if (!resize_u8(src, w, h, ch, ow, oh, bicubic, (uint8_t *)out_data)) {
    napi_throw_error(env, NULL, "resizePil8: out of memory");
    return NULL;
  }
  return out;
}

/* ---------------------------------------------------------- age sample --- */

/* RandomCrop(size, padding) at (top, left) of the zero-padded image, optional horizontal flip, then the
   per-channel LUT (ToTensor + Normalize); transforms/age.ts ageTransformInto, the same floats */
static void age_crop_flip_normalize(const uint8_t *rgb, int size, int dy, int dx, int flip, const float *lut,
                                    float *out) {
  const float z0 = lut[0], z1 = lut[256], z2 = lut[512];
  int lo = flip ? (dx > 0 ? dx : 0) : (-dx > 0 ? -dx : 0);
  int hi = flip ? (size + dx < size ? size + dx : size) : (size - dx < size ? size - dx : size);
  for (int y = 0; y < size; y++) {
    const int sy = y + dy;
    float *o = out + (size_t)y * size * 3;
    const int inside = sy >= 0 && sy < size;
    const int x0 = inside ? lo : size, x1 = inside ? hi : size;
    int x = 0;
    for (; x < x0 && x < size; x++, o += 3) {
      o[0] = z0;
      o[1] = z1;
      o[2] = z2;
    }
    if (x1 > x0) {
      const uint8_t *p = rgb + ((size_t)sy * size + (flip ? size - 1 - x0 : x0) + dx) * 3;
      const int step = flip ? -3 : 3;
      for (; x < x1; x++, o += 3, p += step) {
        o[0] = lut[p[0]];
        o[1] = lut[256 + p[1]];
        o[2] = lut[512 + p[2]];
      }
    }
    for (; x < size; x++, o += 3) {
      o[0] = z0;
      o[1] = z1;
      o[2] = z2;
    }
  }
}

/* ageSampleInto(jpeg: Uint8Array, size, dy, dx, flip: boolean, lut: Float32Array(768), out: Float32Array):
   boolean. Decode (Pillow-equal), Resize((size, size)) bilinear, crop/flip/normalise into out (size*size*3
   floats). false: declined (the caller decodes with sharp). dy = top - padding, dx = left - padding. */
static napi_value age_sample_into(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  const unsigned char *bytes;
  size_t length, lut_len, out_len;
  int32_t size, dy, dx;
  bool flip;
  napi_typedarray_type t1, t2;
  void *lut_ptr, *out_ptr;
  napi_value ab;
  size_t off;
  if (argc < 7 || !get_bytes(env, argv[0], &bytes, &length) ||
      napi_get_value_int32(env, argv[1], &size) != napi_ok || napi_get_value_int32(env, argv[2], &dy) != napi_ok ||
      napi_get_value_int32(env, argv[3], &dx) != napi_ok || napi_get_value_bool(env, argv[4], &flip) != napi_ok ||
      napi_get_typedarray_info(env, argv[5], &t1, &lut_len, &lut_ptr, &ab, &off) != napi_ok ||
      t1 != napi_float32_array || lut_len != 768 ||
      napi_get_typedarray_info(env, argv[6], &t2, &out_len, &out_ptr, &ab, &off) != napi_ok ||
      t2 != napi_float32_array || size < 1 || size > MAX_SIDE || out_len < (size_t)size * size * 3) {
    napi_throw_type_error(env, NULL,
                          "ageSampleInto(jpeg: Uint8Array, size, dy, dx, flip, lut: Float32Array(768), out: Float32Array)");
    return NULL;
  }
  int width = 0, height = 0, declined;
  unsigned char *pixels = jpeg_to_rgb(bytes, length, &width, &height, &declined);
  napi_value result;
  if (!pixels) {
    if (declined) {
      napi_get_boolean(env, false, &result);
      return result;
    }
    napi_throw_error(env, NULL, "ageSampleInto: out of memory");
    return NULL;
  }
  uint8_t *resized = pixels;
  if (width != size || height != size) {
    resized = (uint8_t *)malloc((size_t)size * size * 3);
    if (!resized || !resize_u8(pixels, width, height, 3, size, size, 0, resized)) {
      free(resized);
      free(pixels);
      napi_throw_error(env, NULL, "ageSampleInto: out of memory");
      return NULL;
    }
  }
  age_crop_flip_normalize(resized, size, dy, dx, flip, (const float *)lut_ptr, (float *)out_ptr);
  if (resized != pixels) free(resized);
  free(pixels);
  napi_get_boolean(env, true, &result);
  return result;
}


/* -------------------------------------------------- order-2 spline rotation --- */
/* src/image/spline-rotate.ts (scipy.ndimage.rotate(order=2, reshape=False, mode='constant')) operation for
   operation in doubles (built with -ffp-contract=off): the same uint8 output. cos/sin, the offsets and the
   powers z^(n-1) come from the JS side, so every constant is the same double. */

#define SPLINE_Z (-0.1715728752538099)
#define SPLINE_HORIZON 50

MULTIVERSION static void spline_filter_columns(double *c, size_t row_len, int n, double gain_next, double zn1, double *acc) {
  const size_t last = (size_t)(n - 1) * row_len;
  const double Z = SPLINE_Z;
  double den = 1.0;
  if (n <= SPLINE_HORIZON) {
    for (size_t k = 0; k < row_len; k++) acc[k] = c[k] + zn1 * c[last + k];
    double zi = Z;
    for (int i = 1; i < n - 1; i++) {
      const double *a = c + (size_t)i * row_len, *b = c + (size_t)(n - 1 - i) * row_len;
      for (size_t k = 0; k < row_len; k++) acc[k] += zi * (a[k] + zn1 * b[k]);
      zi *= Z;
    }
    den = 1.0 - zn1 * zn1;
  } else {
    for (size_t k = 0; k < row_len; k++) acc[k] = c[k];
    double zi = Z;
    for (int i = 1; i < SPLINE_HORIZON; i++) {
      const double *a = c + (size_t)i * row_len;
      for (size_t k = 0; k < row_len; k++) acc[k] += zi * a[k];
      zi *= Z;
    }
  }
  for (size_t k = 0; k < row_len; k++) c[k] = acc[k] / den;
  for (int i = 1; i < n; i++) {
    double *a = c + (size_t)i * row_len;
    const double *p = a - row_len;
    for (size_t k = 0; k < row_len; k++) a[k] += Z * p[k];
  }
  const size_t prev = (size_t)(n - 2) * row_len;
  const double den2 = Z * Z - 1.0;
  double *next = acc;
  for (size_t k = 0; k < row_len; k++) {
    const double v = ((Z * c[prev + k] + c[last + k]) * Z) / den2;
    next[k] = v;
    c[last + k] = v * gain_next;
  }
  for (int i = n - 2; i >= 0; i--) {
    double *a = c + (size_t)i * row_len;
    for (size_t k = 0; k < row_len; k++) {
      const double v = Z * (next[k] - a[k]);
      next[k] = v;
      a[k] = v * gain_next;
    }
  }
}

/* causal initial value of each channel line of one row (scipy _init_causal_mirror) */
static void spline_row_init(double *c, int n, int s, double zn1) {
  const double Z = SPLINE_Z;
  const int end = (n - 1) * s;
  for (int ch = 0; ch < s; ch++) {
    double c0, den = 1.0;
    if (n <= SPLINE_HORIZON) {
      c0 = c[ch] + zn1 * c[end + ch];
      double zi = Z;
      for (int i = 1; i < n - 1; i++) {
        c0 += zi * (c[i * s + ch] + zn1 * c[(n - 1 - i) * s + ch]);
        zi *= Z;
      }
      den = 1.0 - zn1 * zn1;
    } else {
      c0 = c[ch];
      double zi = Z;
      for (int i = 1; i < SPLINE_HORIZON; i++) {
        c0 += zi * c[i * s + ch];
        zi *= Z;
      }
    }
    c[ch] = c0 / den;
  }
}

/* axis 1 on `rows` rows of row_len doubles (spline-rotate.ts filterRow on each): the recursions of four rows
   run interleaved (independent dependency chains); each row's arithmetic is unchanged */
static void spline_filter_rows(double *c, int rows, size_t row_len, int n, int s, double zn1) {
  const double Z = SPLINE_Z, den2 = Z * Z - 1.0;
  const int end = (n - 1) * s;
  for (int y0 = 0; y0 < rows; y0 += 4) {
    const int nb = rows - y0 < 4 ? rows - y0 : 4;
    double *r[4];
    for (int b = 0; b < nb; b++) {
      r[b] = c + (size_t)(y0 + b) * row_len;
      spline_row_init(r[b], n, s, zn1);
    }
    if (nb == 4) {
      double *r0 = r[0], *r1 = r[1], *r2 = r[2], *r3 = r[3];
      for (int k = s; k <= end + s - 1; k++) {
        r0[k] += Z * r0[k - s];
        r1[k] += Z * r1[k - s];
        r2[k] += Z * r2[k - s];
        r3[k] += Z * r3[k - s];
      }
    } else
      for (int b = 0; b < nb; b++)
        for (int k = s; k <= end + s - 1; k++) r[b][k] += Z * r[b][k - s];
    for (int b = 0; b < nb; b++)
      for (int ch = 0; ch < s; ch++) r[b][end + ch] = ((Z * r[b][end - s + ch] + r[b][end + ch]) * Z) / den2;
    if (nb == 4) {
      double *r0 = r[0], *r1 = r[1], *r2 = r[2], *r3 = r[3];
      for (int k = end - 1; k >= 0; k--) {
        r0[k] = Z * (r0[k + s] - r0[k]);
        r1[k] = Z * (r1[k + s] - r1[k]);
        r2[k] = Z * (r2[k + s] - r2[k]);
        r3[k] = Z * (r3[k + s] - r3[k]);
      }
    } else
      for (int b = 0; b < nb; b++)
        for (int k = end - 1; k >= 0; k--) r[b][k] = Z * (r[b][k + s] - r[b][k]);
  }
}

static inline int mirror_index(int idx, int len) {
  return len <= 1 ? 0 : idx < 0 ? -idx : idx >= len ? 2 * len - 2 - idx : idx;
}

/* offsets of the three taps f-1, f, f+1 along an axis of len samples (stride apart), mirrored at the edges */
static inline void tap_offsets(int f, int len, size_t stride, size_t *out) {
  const int inside = f >= 1 && f < len - 1;
  for (int i = 0; i < 3; i++) out[i] = (size_t)(inside ? f - 1 + i : mirror_index(f - 1 + i, len)) * stride;
}

static inline uint8_t spline_to_u8(double t) { return t > 0 ? (t < 254.5 ? (uint8_t)(int)(t + 0.5) : 255) : 0; }

#ifdef HAVE_SSE41_PATH
/* the 3x3 taps of one RGB pixel, the three channels in one 4-wide vector (the 4th lane is ignored): per lane
   the same products and sums, in the same order, as the scalar loop */
__attribute__((target("avx"))) static void spline_taps_rgb_avx(const double *coef, const size_t *taps,
                                                               const double *wy, const double *wx, uint8_t *dst) {
  __m256d t = _mm256_setzero_pd();
  for (int a = 0; a < 3; a++) {
    const __m256d vy = _mm256_set1_pd(wy[a]);
    for (int b = 0; b < 3; b++) {
      const __m256d v = _mm256_mul_pd(_mm256_mul_pd(_mm256_loadu_pd(coef + taps[a * 3 + b]), vy), _mm256_set1_pd(wx[b]));
      t = _mm256_add_pd(t, v);
    }
  }
  double r[4];
  _mm256_storeu_pd(r, t);
  dst[0] = spline_to_u8(r[0]);
  dst[1] = spline_to_u8(r[1]);
  dst[2] = spline_to_u8(r[2]);
}
#endif

/* rotateOrder2Plane(src: Uint8Array, width, height, channels, flip: boolean, geo: Float64Array [c, s, off0,
   off1, z^(height-1), z^(width-1)], window: Int32Array [left, top, w, h]): Uint8Array (h*w*channels) */
static napi_value rotate_order2_plane(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  const unsigned char *src;
  size_t length, geo_len, win_len, off;
  int32_t width, height, ch;
  bool flip;
  napi_typedarray_type t1, t2;
  void *geo_ptr, *win_ptr;
  napi_value ab;
  if (argc < 7 || !get_bytes(env, argv[0], &src, &length) || napi_get_value_int32(env, argv[1], &width) != napi_ok ||
      napi_get_value_int32(env, argv[2], &height) != napi_ok || napi_get_value_int32(env, argv[3], &ch) != napi_ok ||
      napi_get_value_bool(env, argv[4], &flip) != napi_ok ||
      napi_get_typedarray_info(env, argv[5], &t1, &geo_len, &geo_ptr, &ab, &off) != napi_ok ||
      t1 != napi_float64_array || geo_len != 6 ||
      napi_get_typedarray_info(env, argv[6], &t2, &win_len, &win_ptr, &ab, &off) != napi_ok || t2 != napi_int32_array ||
      win_len != 4 || width < 1 || height < 1 || ch < 1 || length < (size_t)width * height * ch) {
    napi_throw_type_error(env, NULL,
                          "rotateOrder2Plane(src: Uint8Array, width, height, channels, flip, geo: Float64Array(6), "
                          "window: Int32Array(4))");
    return NULL;
  }
  const double *geo = (const double *)geo_ptr;
  const int32_t *win = (const int32_t *)win_ptr;
  const int wl = win[0], wt = win[1], ww = win[2], wh = win[3];
  if (ww < 0 || wh < 0 || ww > MAX_SIDE || wh > MAX_SIDE || width > MAX_SIDE || height > MAX_SIDE || ch > MAX_CHANNELS ||
      wl < -MAX_SIDE || wl > MAX_SIDE || wt < -MAX_SIDE || wt > MAX_SIDE) {
    napi_throw_range_error(env, NULL, "rotateOrder2Plane: window or image out of range");
    return NULL;
  }
  const double GAIN = (1 - SPLINE_Z) * (1 - 1 / SPLINE_Z);
  const size_t row_len = (size_t)width * ch;
  /* + 1: the 4-wide loads of the RGB path read one double past a pixel */
  double *coef = (double *)malloc(sizeof(double) * (row_len * height + 1));
  double *acc = (double *)malloc(sizeof(double) * row_len);
  const size_t out_len = (size_t)ww * wh * ch;
  void *out_data;
  napi_value out_buf, out;
  if (!coef || !acc || napi_create_arraybuffer(env, out_len, &out_data, &out_buf) != napi_ok) {
    free(coef);
    free(acc);
    napi_throw_error(env, NULL, "rotateOrder2Plane: out of memory");
    return NULL;
  }
  /* float64 copy x the axis-0 gain (flipped when asked), then the prefilter (spline-rotate.ts prefilter) */
  const double g = height > 1 ? GAIN : 1;
  for (int y = 0; y < height; y++) {
    const unsigned char *sr = src + (size_t)y * row_len;
    double *d = coef + (size_t)y * row_len;
    if (flip)
      for (int x = 0; x < width; x++)
        for (int k = 0; k < ch; k++) d[(size_t)x * ch + k] = sr[(size_t)(width - 1 - x) * ch + k] * g;
    else
      for (size_t k = 0; k < row_len; k++) d[k] = sr[k] * g;
  }
  if (height > 1)
    spline_filter_columns(coef, row_len, height, width > 1 ? GAIN : 1, geo[4], acc);
  else if (width > 1)
    for (size_t k = 0; k < row_len * height; k++) coef[k] *= GAIN;
  if (width > 1)
    spline_filter_rows(coef, height, row_len, width, ch, geo[5]);
  /* evaluation on the window (spline-rotate.ts evalPlane) */
  const double c = geo[0], s = geo[1], off0 = geo[2], off1 = geo[3];
  uint8_t *o = (uint8_t *)out_data;
  memset(o, 0, out_len);
  const int maxY = height - 1, maxX = width - 1;
#ifdef HAVE_SSE41_PATH
  const int use_avx = __builtin_cpu_supports("avx");
#endif
  for (int oy = 0; oy < wh; oy++) {
    const int i = oy + wt;
    for (int ox = 0; ox < ww; ox++) {
      const int j = ox + wl;
      const double cy = i * c + j * s + off0;
      const double cx = i * -s + j * c + off1;
      /* outside (or NaN): cval 0, as the JS reference gives */
      if (!(cy >= 0 && cy <= maxY && cx >= 0 && cx <= maxX)) continue;
      /* cy, cx >= 0 here: truncation is floor */
      const int fy = (int)(cy + 0.5), fx = (int)(cx + 0.5);
      const double dy = cy - fy, dx = cx - fx;
      const double wy1 = 0.75 - dy * dy, ty = 0.5 - dy, wy0 = 0.5 * ty * ty, wy2 = 1 - wy0 - wy1;
      const double wx1 = 0.75 - dx * dx, tx = 0.5 - dx, wx0 = 0.5 * tx * tx, wx2 = 1 - wx0 - wx1;
      size_t r[3], c[3];
      tap_offsets(fy, height, row_len, r);
      tap_offsets(fx, width, (size_t)ch, c);
      uint8_t *dst = o + ((size_t)oy * ww + ox) * ch;
      const size_t taps[9] = {r[0] + c[0], r[0] + c[1], r[0] + c[2], r[1] + c[0], r[1] + c[1],
                              r[1] + c[2], r[2] + c[0], r[2] + c[1], r[2] + c[2]};
      const double wy[3] = {wy0, wy1, wy2}, wx[3] = {wx0, wx1, wx2};
#ifdef HAVE_SSE41_PATH
      if (ch == 3 && use_avx) {
        spline_taps_rgb_avx(coef, taps, wy, wx, dst);
        continue;
      }
#endif
      for (int k = 0; k < ch; k++) {
        double t = 0;
        for (int a = 0; a < 3; a++)
          for (int b = 0; b < 3; b++) t += coef[taps[a * 3 + b] + k] * wy[a] * wx[b];
        dst[k] = spline_to_u8(t);
      }
    }
  }
  free(coef);
  free(acc);
  CHECK(napi_create_typedarray(env, napi_uint8_array, out_len, out_buf, 0, &out));
  return out;
}


/* -------------------------------------------------------- NYUD2 colour --- */
/* transforms/color.ts toTensorColorNormalize: ToTensor (v/255) -> lighting -> brightness/contrast/saturation in
   the drawn order -> Normalize, two passes, float32 after each op exactly where the JS rounds (the same doubles:
   -ffp-contract=off). params (Float64Array(12)): lighting offsets [3], alphas [brightness, contrast, saturation],
   ops before contrast (count, two op ids), ops after contrast (count, two op ids); stats: mean [3], std [3]. */

static inline void color_pixel_ops(double *px, const double *ops, int count, double ab, double as) {
  for (int i = 0; i < count; i++) {
    if (ops[i] == 0) {
      for (int c = 0; c < 3; c++) px[c] = (float)(px[c] + ab * (0 - px[c]));
    } else {
      const double g = 0.299 * px[0] + 0.587 * px[1] + 0.114 * px[2];
      for (int c = 0; c < 3; c++) px[c] = (float)(px[c] + as * (g - px[c]));
    }
  }
}

/* colorNormalizeInto(rgb: Uint8Array, out: Float32Array, params: Float64Array(12) | null, stats: Float64Array(6)) */
static napi_value color_normalize_into(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  const unsigned char *rgb;
  size_t n, out_len, p_len = 0, s_len, off;
  napi_typedarray_type t1, t2, t3;
  void *out_ptr, *p_ptr = NULL, *s_ptr;
  napi_value ab;
  napi_valuetype pt = napi_undefined;
  if (argc >= 3) napi_typeof(env, argv[2], &pt);
  if (argc < 4 || !get_bytes(env, argv[0], &rgb, &n) ||
      napi_get_typedarray_info(env, argv[1], &t1, &out_len, &out_ptr, &ab, &off) != napi_ok ||
      t1 != napi_float32_array || out_len < n || n % 3 != 0 ||
      (pt != napi_null && (napi_get_typedarray_info(env, argv[2], &t2, &p_len, &p_ptr, &ab, &off) != napi_ok ||
                           t2 != napi_float64_array || p_len != 12)) ||
      napi_get_typedarray_info(env, argv[3], &t3, &s_len, &s_ptr, &ab, &off) != napi_ok ||
      t3 != napi_float64_array || s_len != 6) {
    napi_throw_type_error(env, NULL,
                          "colorNormalizeInto(rgb: Uint8Array, out: Float32Array, params: Float64Array(12) | null, "
                          "stats: Float64Array(6))");
    return NULL;
  }
  float *out = (float *)out_ptr;
  const double *st = (const double *)s_ptr;
  const double m0 = st[0], m1 = st[1], m2 = st[2], s0 = st[3], s1 = st[4], s2 = st[5];
  if (!p_ptr) {
    for (size_t i = 0; i < n; i += 3) {
      out[i] = (float)(((double)(float)(rgb[i] / 255.0) - m0) / s0);
      out[i + 1] = (float)(((double)(float)(rgb[i + 1] / 255.0) - m1) / s1);
      out[i + 2] = (float)(((double)(float)(rgb[i + 2] / 255.0) - m2) / s2);
    }
    return argv[1];
  }
  const double *p = (const double *)p_ptr;
  const double ab_ = p[3], ac = p[4], as = p[5];
  const int n_before = p[6] >= 0 && p[6] <= 2 ? (int)p[6] : 0, n_after = p[9] >= 0 && p[9] <= 2 ? (int)p[9] : 0;
  double px[3], sum = 0;
  for (size_t i = 0; i < n; i += 3) {
    for (int c = 0; c < 3; c++) px[c] = (float)((double)(float)(rgb[i + c] / 255.0) + p[c]);
    color_pixel_ops(px, p + 7, n_before, ab_, as);
    sum += 0.299 * px[0] + 0.587 * px[1] + 0.114 * px[2];
    for (int c = 0; c < 3; c++) out[i + c] = (float)px[c];
  }
  const double m = sum / (double)(n / 3);
  for (size_t i = 0; i < n; i += 3) {
    for (int c = 0; c < 3; c++) px[c] = (float)(out[i + c] + ac * (m - out[i + c]));
    color_pixel_ops(px, p + 10, n_after, ab_, as);
    out[i] = (float)((px[0] - m0) / s0);
    out[i + 1] = (float)((px[1] - m1) / s1);
    out[i + 2] = (float)((px[2] - m2) / s2);
  }
  return argv[1];
}

NAPI_MODULE_INIT() {
  static const struct {
    const char *name;
    napi_callback fn;
  } functions[] = {
      {"decodeJpeg", decode_jpeg},
      {"resizePil8", resize_pil8},
      {"ageSampleInto", age_sample_into},
      {"rotateOrder2Plane", rotate_order2_plane},
      {"colorNormalizeInto", color_normalize_into},
  };
  for (size_t i = 0; i < sizeof functions / sizeof functions[0]; i++) {
    napi_value fn;
    if (napi_create_function(env, functions[i].name, NAPI_AUTO_LENGTH, functions[i].fn, NULL, &fn) != napi_ok ||
        napi_set_named_property(env, exports, functions[i].name, fn) != napi_ok)
      return NULL;
  }
  return exports;
}
