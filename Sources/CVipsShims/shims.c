#define _GNU_SOURCE
#include "CVipsShims.h"

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int cvips_init(const char *argv0) { return VIPS_INIT(argv0); }

static void cvips_log_handler(const gchar *domain, GLogLevelFlags level,
                              const gchar *message, gpointer verbose) {
  if (GPOINTER_TO_INT(verbose) && (level & G_LOG_LEVEL_WARNING))
    fprintf(stderr, "libvips: %s: %s\n", domain ? domain : "", message);
}

void cvips_route_vips_log(int verbose) {
  g_log_set_handler("VIPS", G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE |
                                G_LOG_LEVEL_INFO | G_LOG_LEVEL_DEBUG,
                    cvips_log_handler, GINT_TO_POINTER(verbose));
}

static VipsFailOn fail_mode(int fail) {
  return fail ? VIPS_FAIL_ON_TRUNCATED : VIPS_FAIL_ON_NONE;
}

/* The loader for a file whose first bytes leave no doubt, or NULL to let
 * libvips choose. Asking every loader (vips_foreign_find_load) opens the file
 * a dozen times and has openslide try it as an SQLite database: ~0.3 ms, more
 * than decoding a thumbnail-sized JPEG. Only formats with a single libvips
 * loader are named here; for TIFF (which openslide may claim) and the rest,
 * libvips still decides. */
static const char *cvips_obvious_loader(const char *path) {
  unsigned char b[12];
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    return NULL;
  ssize_t n = read(fd, b, sizeof b);
  close(fd);
  if (n >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF)
    return "jpegload";
  if (n >= 8 && memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0)
    return "pngload";
  if (n >= 12 && memcmp(b, "RIFF", 4) == 0 && memcmp(b + 8, "WEBP", 4) == 0)
    return "webpload";
  if (n >= 6 && (memcmp(b, "GIF87a", 6) == 0 || memcmp(b, "GIF89a", 6) == 0))
    return "gifload";
  return NULL;
}

VipsImage *cvips_load(const char *path, int sequential, int fail) {
  VipsAccess access = sequential ? VIPS_ACCESS_SEQUENTIAL : VIPS_ACCESS_RANDOM;
  const char *loader = cvips_obvious_loader(path);
  if (loader) {
    VipsImage *out = NULL;
    /* vips_call runs the named operation like vips_image_new_from_file would
     * (blocked operations are refused the same way), with the path taken
     * literally rather than parsed for "[options]". */
    if (vips_call(loader, path, &out, "access", access, "fail_on", fail_mode(fail), NULL))
      return NULL;
    return out;
  }
  return vips_image_new_from_file(path, "access", access, "fail_on",
                                  fail_mode(fail), NULL);
}

VipsImage *cvips_jpegload_shrunk(const char *path, int shrink, int sequential, int fail) {
  VipsImage *out = NULL;
  if (vips_jpegload(path, &out, "shrink", shrink, "access",
                    sequential ? VIPS_ACCESS_SEQUENTIAL : VIPS_ACCESS_RANDOM,
                    "fail_on", fail_mode(fail), NULL))
    return NULL;
  return out;
}

int cvips_thumbnail(const char *path, VipsImage **out, int width, int height,
                    int size, int no_rotate, int fail) {
  return vips_thumbnail(path, out, width, "height", height, "size",
                        (VipsSize)size, "no_rotate", (gboolean)no_rotate,
                        "fail_on", fail_mode(fail), NULL);
}

int cvips_thumbnail_image(VipsImage *in, VipsImage **out, int width, int height,
                          int size, int no_rotate) {
  return vips_thumbnail_image(in, out, width, "height", height, "size",
                              (VipsSize)size, "no_rotate", (gboolean)no_rotate,
                              NULL);
}

int cvips_load_frames(const char *path, VipsImage **out, double scale, int fail) {
  const char *loader = cvips_obvious_loader(path);
  if (!loader || (strcmp(loader, "gifload") && strcmp(loader, "webpload"))) {
    vips_error("cvips_load_frames", "%s", "not a GIF or WebP file");
    return -1;
  }
  if (scale != 1.0)
    return vips_call(loader, path, out, "n", -1, "scale", scale, "fail_on", fail_mode(fail), NULL);
  return vips_call(loader, path, out, "n", -1, "fail_on", fail_mode(fail), NULL);
}

int cvips_join_frames(VipsImage **in, int n, VipsImage **out) {
  return vips_arrayjoin(in, out, n, "across", 1, NULL);
}

int cvips_resize(VipsImage *in, VipsImage **out, double hscale, double vscale, double gap) {
  return vips_resize(in, out, hscale, "vscale", vscale, "gap", gap, NULL);
}

int cvips_autorot(VipsImage *in, VipsImage **out) {
  return vips_autorot(in, out, NULL);
}

int cvips_extract_area(VipsImage *in, VipsImage **out, int left, int top,
                       int width, int height) {
  return vips_extract_area(in, out, left, top, width, height, NULL);
}

int cvips_smartcrop(VipsImage *in, VipsImage **out, int width, int height,
                    int interesting) {
  return vips_smartcrop(in, out, width, height, "interesting",
                        (VipsInteresting)interesting, NULL);
}

int cvips_rot(VipsImage *in, VipsImage **out, int angle) {
  return vips_rot(in, out, (VipsAngle)angle, NULL);
}

int cvips_flip(VipsImage *in, VipsImage **out, int direction) {
  return vips_flip(in, out, (VipsDirection)direction, NULL);
}

int cvips_embed(VipsImage *in, VipsImage **out, int x, int y, int width,
                int height, const double *background, int n) {
  VipsArrayDouble *bg = vips_array_double_new(background, n);
  int result = vips_embed(in, out, x, y, width, height, "extend",
                          VIPS_EXTEND_BACKGROUND, "background", bg, NULL);
  vips_area_unref(VIPS_AREA(bg));
  return result;
}

int cvips_embed_copy(VipsImage *in, VipsImage **out, int x, int y, int width, int height) {
  return vips_embed(in, out, x, y, width, height, "extend", VIPS_EXTEND_COPY, NULL);
}

int cvips_replicate(VipsImage *in, VipsImage **out, int across, int down) {
  return vips_replicate(in, out, across, down, NULL);
}

int cvips_text_rgba(VipsImage **out, const char *markup, const char *font,
                    const char *fontfile) {
  if (fontfile)
    return vips_text(out, markup, "font", font, "fontfile", fontfile, "rgba",
                     TRUE, "dpi", 72, NULL);
  return vips_text(out, markup, "font", font, "rgba", TRUE, "dpi", 72, NULL);
}

int cvips_composite_over(VipsImage *base, VipsImage *overlay, VipsImage **out) {
  return vips_composite2(base, overlay, out, VIPS_BLEND_MODE_OVER, NULL);
}

int cvips_insert(VipsImage *main, VipsImage *sub, VipsImage **out, int x, int y) {
  return vips_insert(main, sub, out, x, y, NULL);
}

int cvips_linear_uchar(VipsImage *in, VipsImage **out, const double *a,
                       const double *b, int n) {
  return vips_linear(in, out, a, b, n, "uchar", TRUE, NULL);
}

int cvips_bandjoin_const(VipsImage *in, VipsImage **out, const double *c, int n) {
  return vips_bandjoin_const(in, out, (double *)c, n, NULL);
}

int cvips_extract_band(VipsImage *in, VipsImage **out, int band, int n) {
  return vips_extract_band(in, out, band, "n", n, NULL);
}

int cvips_flatten(VipsImage *in, VipsImage **out, const double *background,
                  int n) {
  VipsArrayDouble *bg = vips_array_double_new(background, n);
  int result = vips_flatten(in, out, "background", bg, NULL);
  vips_area_unref(VIPS_AREA(bg));
  return result;
}

int cvips_cast(VipsImage *in, VipsImage **out, int format) {
  return vips_cast(in, out, (VipsBandFormat)format, NULL);
}

int cvips_colourspace(VipsImage *in, VipsImage **out, int interpretation) {
  return vips_colourspace(in, out, (VipsInterpretation)interpretation, NULL);
}

int cvips_icc_to_srgb(VipsImage *in, VipsImage **out, const char *input_profile) {
  /* icc_transform writes 8 bits unless told otherwise: keep 16-bit images 16-bit. */
  int depth = in->BandFmt == VIPS_FORMAT_USHORT ? 16 : 8;
  if (input_profile)
    return vips_icc_transform(in, out, "srgb", "embedded", TRUE,
                              "input_profile", input_profile, "depth", depth, NULL);
  return vips_icc_transform(in, out, "srgb", "embedded", TRUE, "depth", depth, NULL);
}

int cvips_copy(VipsImage *in, VipsImage **out) { return vips_copy(in, out, NULL); }

int cvips_getpoint(VipsImage *in, double **values, int *n, int x, int y) {
  return vips_getpoint(in, values, n, x, y, NULL);
}

/* Whether the operation has an argument `name`; sets the libvips error if not
 * (g_object_set/get would only print a GLib warning and carry on). */
static int has_argument(VipsOperation *op, const char *name) {
  GParamSpec *pspec;
  VipsArgumentClass *argument_class;
  VipsArgumentInstance *argument_instance;
  return vips_object_get_argument(VIPS_OBJECT(op), name, &pspec,
                                  &argument_class, &argument_instance) == 0;
}

int cvips_call(const char *name, VipsImage *in, const char *options,
               VipsImage **out, const char *const *int_outputs, int *ints,
               int n_ints) {
  VipsOperation *op = vips_operation_new(name);
  if (!op)
    return -1;
  int ok = (!in || has_argument(op, "in")) && (!out || has_argument(op, "out"));
  for (int i = 0; ok && i < n_ints; i++)
    ok = has_argument(op, int_outputs[i]);
  if (ok && in)
    g_object_set(op, "in", in, NULL);
  if (!ok || (options && *options &&
              vips_object_set_from_string(VIPS_OBJECT(op), options))) {
    g_object_unref(op);
    return -1;
  }
  if (vips_cache_operation_buildp(&op)) {
    vips_object_unref_outputs(VIPS_OBJECT(op));
    g_object_unref(op);
    return -1;
  }
  if (out)
    g_object_get(op, "out", out, NULL);
  for (int i = 0; i < n_ints; i++)
    g_object_get(op, int_outputs[i], &ints[i], NULL);
  vips_object_unref_outputs(VIPS_OBJECT(op));
  g_object_unref(op);
  return 0;
}

int cvips_save_with_options(VipsImage *in, const char *name_with_options) {
  return vips_image_write_to_file(in, name_with_options, NULL);
}

int cvips_avg(VipsImage *in, double *out) { return vips_avg(in, out, NULL); }
int cvips_min(VipsImage *in, double *out) { return vips_min(in, out, NULL); }
int cvips_max(VipsImage *in, double *out) { return vips_max(in, out, NULL); }

int cvips_jpegsave(VipsImage *in, const char *path, int quality,
                   int progressive, int subsample_mode, int optimize, int strip) {
  return vips_jpegsave(in, path, "Q", quality, "interlace", (gboolean)progressive,
                       "subsample_mode", (VipsForeignSubsample)subsample_mode,
                       "strip", (gboolean)strip, "optimize_coding", (gboolean)optimize,
                       NULL);
}

int cvips_pngsave(VipsImage *in, const char *path, int compression, int palette,
                  int strip) {
  return vips_pngsave(in, path, "compression", compression, "palette",
                      (gboolean)palette, "strip", (gboolean)strip, NULL);
}

int cvips_webpsave(VipsImage *in, const char *path, int quality, int lossless,
                   int effort, int strip) {
  return vips_webpsave(in, path, "Q", quality, "lossless", (gboolean)lossless,
                       "effort", effort, "strip", (gboolean)strip, NULL);
}

int cvips_avifsave(VipsImage *in, const char *path, int quality, int effort,
                   int strip) {
  return vips_heifsave(in, path, "Q", quality, "effort", effort, "compression",
                       VIPS_FOREIGN_HEIF_COMPRESSION_AV1, "strip",
                       (gboolean)strip, NULL);
}

int cvips_tiffsave(VipsImage *in, const char *path, int compression,
                   int strip) {
  return vips_tiffsave(in, path, "compression",
                       (VipsForeignTiffCompression)compression, "strip",
                       (gboolean)strip, NULL);
}

int cvips_gifsave(VipsImage *in, const char *path, int strip) {
  return vips_gifsave(in, path, "strip", (gboolean)strip, NULL);
}

int cvips_jxlsave(VipsImage *in, const char *path, int quality, double distance,
                  int effort, int lossless, int strip) {
  /* Q and distance are two ways to say the same thing (libvips derives the
   * distance from Q when only Q is set): pass the one that was asked for. */
  if (quality > 0)
    return vips_jxlsave(in, path, "Q", quality, "effort", effort, "lossless",
                        (gboolean)lossless, "strip", (gboolean)strip, NULL);
  return vips_jxlsave(in, path, "distance", distance, "effort", effort,
                      "lossless", (gboolean)lossless, "strip", (gboolean)strip,
                      NULL);
}

// --- encoding in memory ------------------------------------------------------

int cvips_jpegsave_buffer(VipsImage *in, void **buf, size_t *len, int quality,
                          int progressive, int subsample_mode, int optimize,
                          int strip) {
  return vips_jpegsave_buffer(in, buf, len, "Q", quality, "interlace",
                              (gboolean)progressive, "subsample_mode",
                              (VipsForeignSubsample)subsample_mode, "strip",
                              (gboolean)strip, "optimize_coding",
                              (gboolean)optimize, NULL);
}

int cvips_webpsave_buffer(VipsImage *in, void **buf, size_t *len, int quality,
                          int lossless, int effort, int strip) {
  return vips_webpsave_buffer(in, buf, len, "Q", quality, "lossless",
                              (gboolean)lossless, "effort", effort, "strip",
                              (gboolean)strip, NULL);
}

int cvips_avifsave_buffer(VipsImage *in, void **buf, size_t *len, int quality,
                          int effort, int strip) {
  return vips_heifsave_buffer(in, buf, len, "Q", quality, "effort", effort,
                              "compression", VIPS_FOREIGN_HEIF_COMPRESSION_AV1,
                              "strip", (gboolean)strip, NULL);
}

int cvips_jxlsave_buffer(VipsImage *in, void **buf, size_t *len, int quality,
                         int effort, int strip) {
  return vips_jxlsave_buffer(in, buf, len, "Q", quality, "effort", effort,
                             "strip", (gboolean)strip, NULL);
}

int cvips_luma(VipsImage *in, VipsImage **out) {
  VipsObject *scope = VIPS_OBJECT(vips_image_new());
  VipsImage **t = (VipsImage **)vips_object_local_array(scope, 6);
  VipsImage *x = in;
  int result = -1;
  /* CMYK (kept with its profile) as the colours its four inks make, so that
   * black counts: its first three bands are not red, green and blue */
  if (x->Type == VIPS_INTERPRETATION_CMYK && x->Bands >= 4) {
    if (vips_colourspace(x, &t[5], VIPS_INTERPRETATION_sRGB, NULL)) goto done;
    x = t[5];
  }
  /* 16-bit samples are compared on the 8-bit scale the constants are for */
  int ushort = x->BandFmt == VIPS_FORMAT_USHORT;
  double scale = ushort ? 1.0 / 257 : 1;
  if (vips_image_hasalpha(x)) {
    /* one value for every band but the alpha, which can be more than three:
     * libvips takes a grey image of 2 or more bands and a colour one of 4 or
     * more (CMYK 5) as having alpha, such as a TIFF with extra samples */
    double *white = g_new(double, x->Bands - 1);
    for (int b = 0; b < x->Bands - 1; b++)
      white[b] = ushort ? 65535 : 255;
    VipsArrayDouble *background = vips_array_double_new(white, x->Bands - 1);
    g_free(white);
    int status = vips_flatten(x, &t[0], "background", background, NULL);
    vips_area_unref(VIPS_AREA(background));
    if (status) goto done;
    x = t[0];
  }
  if (x->Bands >= 3) {
    if (vips_extract_band(x, &t[1], 0, "n", 3, NULL)) goto done;
    t[2] = vips_image_new_matrixv(3, 1, 0.299, 0.587, 0.114);
    if (vips_recomb(t[1], &t[3], t[2], NULL)) goto done;
    x = t[3];
  } else if (x->Bands == 2) {
    if (vips_extract_band(x, &t[1], 0, NULL)) goto done;
    x = t[1];
  }
  if (vips_linear1(x, &t[4], scale, 0, NULL)) goto done; /* float */
  if (!(*out = vips_image_copy_memory(t[4]))) goto done;
  result = 0;
done:
  g_object_unref(scope);
  return result;
}

/* gaussblur at sigma 1.5, float precision, kernel down to 1% of the peak */
static int cvips_ssim_blur(VipsImage *in, VipsImage **out) {
  return vips_gaussblur(in, out, 1.5, "min_ampl", 0.01, "precision",
                        VIPS_PRECISION_FLOAT, NULL);
}

int cvips_ssim_reference(VipsImage *a, VipsImage *b, double *ssim) {
  const double c1 = (0.01 * 255) * (0.01 * 255), c2 = (0.03 * 255) * (0.03 * 255);
  VipsObject *scope = VIPS_OBJECT(vips_image_new());
  VipsImage **t = (VipsImage **)vips_object_local_array(scope, 24);
  int result = -1;
  if (a->Xsize != b->Xsize || a->Ysize != b->Ysize) {
    vips_error("ssim", "the images differ in size");
    goto done;
  }
  /* the local means, (co)variances: E[xy] - E[x]E[y] over the window */
  if (cvips_ssim_blur(a, &t[0]) || cvips_ssim_blur(b, &t[1]) ||
      vips_multiply(a, a, &t[2], NULL) || vips_multiply(b, b, &t[3], NULL) ||
      vips_multiply(a, b, &t[4], NULL) || cvips_ssim_blur(t[2], &t[5]) ||
      cvips_ssim_blur(t[3], &t[6]) || cvips_ssim_blur(t[4], &t[7]) ||
      vips_multiply(t[0], t[0], &t[8], NULL) ||
      vips_multiply(t[1], t[1], &t[9], NULL) ||
      vips_multiply(t[0], t[1], &t[10], NULL) ||
      vips_subtract(t[5], t[8], &t[11], NULL) ||   /* var a */
      vips_subtract(t[6], t[9], &t[12], NULL) ||   /* var b */
      vips_subtract(t[7], t[10], &t[13], NULL))    /* cov */
    goto done;
  /* ((2 mu_a mu_b + c1)(2 cov + c2)) / ((mu_a^2 + mu_b^2 + c1)(var_a + var_b + c2)) */
  if (vips_linear1(t[10], &t[14], 2, c1, NULL) ||
      vips_linear1(t[13], &t[15], 2, c2, NULL) ||
      vips_multiply(t[14], t[15], &t[16], NULL) ||
      vips_add(t[8], t[9], &t[17], NULL) ||
      vips_linear1(t[17], &t[18], 1, c1, NULL) ||
      vips_add(t[11], t[12], &t[19], NULL) ||
      vips_linear1(t[19], &t[20], 1, c2, NULL) ||
      vips_multiply(t[18], t[20], &t[21], NULL) ||
      vips_divide(t[16], t[21], &t[22], NULL) || !(t[23] = vips_image_copy_memory(t[22])))
    goto done;
  /* the mean, summed in row order (vips_avg sums in the order its threads
   * take tiles: a fixed order is what the one pass can give bit for bit) */
  double total = 0;
  for (int y = 0; y < t[23]->Ysize; y++) {
    const float *row = (const float *)VIPS_IMAGE_ADDR(t[23], 0, y);
    for (int x = 0; x < t[23]->Xsize; x++) total += row[x];
  }
  if (!isfinite(total)) {
    vips_error("ssim", "the image has samples that are not finite numbers");
    goto done;
  }
  *ssim = total / ((double)t[23]->Xsize * t[23]->Ysize);
  result = 0;
done:
  g_object_unref(scope);
  return result;
}

/* The reference path's work in one pass over the rows, with nothing but the
 * two images in memory: a ring of the last 2r + 1 rows of the five planes
 * (a, b, a², b², ab) blurred across, each output row blurred down from it,
 * and the SSIM of that row added to the sum. Bit for bit what
 * cvips_ssim_reference gives: the same mask (vips_gaussmat), the same edges
 * (the nearest pixel repeated, as vips_gaussblur's), and libvips 8.14's convf
 * arithmetic (each coefficient divided by the mask's scale, the taps summed in
 * double from +0 in mask order, stored as float); the SSIM terms in float, op
 * by op, as the reference's float images hold them; the mean summed in row
 * order. Two to four times faster: one pass, loops over x that vectorise, no
 * pipeline of twenty operations. */
int cvips_ssim(VipsImage *a, VipsImage *b, double *ssim) {
  /* a multiply and an add stay two roundings, as in libvips's own loops, also
   * where the target has fused multiply-add (-march=native, arm64) */
#pragma STDC FP_CONTRACT OFF
  const float c1 = (0.01 * 255) * (0.01 * 255), c2 = (0.03 * 255) * (0.03 * 255);
  if (a->Xsize != b->Xsize || a->Ysize != b->Ysize) {
    vips_error("ssim", "the images differ in size");
    return -1;
  }
  /* anything but two cvips_luma images (one float band, in memory) */
  if (a->Bands != 1 || b->Bands != 1 || a->BandFmt != VIPS_FORMAT_FLOAT ||
      b->BandFmt != VIPS_FORMAT_FLOAT || !a->data || !b->data)
    return cvips_ssim_reference(a, b, ssim);
  VipsImage *mask = NULL, *m = NULL;
  if (vips_gaussmat(&mask, 1.5, 0.01, "separable", TRUE, "precision",
                    VIPS_PRECISION_FLOAT, NULL))
    return -1;
  m = vips_image_copy_memory(mask);
  g_object_unref(mask);
  if (!m) return -1;
  if (m->BandFmt != VIPS_FORMAT_DOUBLE || m->Bands != 1 || m->Ysize != 1 ||
      m->Xsize % 2 != 1) {
    g_object_unref(m);
    return cvips_ssim_reference(a, b, ssim);
  }
  const int n = m->Xsize, r = n / 2, w = a->Xsize, h = a->Ysize;
  const double scale = vips_image_get_scale(m);
  double *k = g_new(double, n);
  /* as libvips 8.14's convf: each coefficient divided by the scale first */
  for (int i = 0; i < n; i++) k[i] = ((const double *)VIPS_IMAGE_ADDR(m, 0, 0))[i] / scale;
  g_object_unref(m);
  const size_t span = (size_t)w + 2 * r; /* a row with r repeated pixels each side */
  float *line = g_new(float, 5 * span);
  float *ring = g_new(float, (size_t)5 * n * w);
  float *blurred = g_new(float, (size_t)5 * w);
  double *sum = g_new(double, (size_t)w);
  double total = 0;
  for (int y = -r; y < h; y++) {
    /* row y + r enters the ring, blurred across (rows past the bottom are
     * never read: the window repeats row h - 1, which stays in the ring) */
    int in = y + r;
    if (in < h) {
      const float *pa = (const float *)VIPS_IMAGE_ADDR(a, 0, in);
      const float *pb = (const float *)VIPS_IMAGE_ADDR(b, 0, in);
      for (int x = -r; x < w + r; x++) {
        int sx = VIPS_CLIP(0, x, w - 1);
        float va = pa[sx], vb = pb[sx];
        size_t at = x + r;
        line[at] = va;
        line[span + at] = vb;
        line[2 * span + at] = va * va;
        line[3 * span + at] = vb * vb;
        line[4 * span + at] = va * vb;
      }
      for (int p = 0; p < 5; p++) {
        const float *from = line + p * span;
        float *restrict to = ring + ((size_t)p * n + in % n) * w;
        for (int x = 0; x < w; x++) sum[x] = 0;
        for (int i = 0; i < n; i++) {
          const float *restrict tap = from + i;
          const double ki = k[i];
          for (int x = 0; x < w; x++) sum[x] += ki * tap[x];
        }
        for (int x = 0; x < w; x++) to[x] = sum[x];
      }
    }
    if (y < 0) continue;
    /* row y blurred down from rows y - r .. y + r, the edge rows repeated */
    for (int p = 0; p < 5; p++) {
      float *restrict to = blurred + (size_t)p * w;
      for (int i = 0; i < n; i++) {
        int row = VIPS_CLIP(0, y - r + i, h - 1);
        const float *restrict tap = ring + ((size_t)p * n + row % n) * w;
        const double ki = k[i];
        if (i == 0)
          for (int x = 0; x < w; x++) sum[x] = 0;
        for (int x = 0; x < w; x++) sum[x] += ki * tap[x];
      }
      for (int x = 0; x < w; x++) to[x] = sum[x];
    }
    const float *mu_a = blurred, *mu_b = blurred + w, *e_aa = blurred + 2 * (size_t)w,
                *e_bb = blurred + 3 * (size_t)w, *e_ab = blurred + 4 * (size_t)w;
    for (int x = 0; x < w; x++) {
      float aa = mu_a[x] * mu_a[x], bb = mu_b[x] * mu_b[x], ab = mu_a[x] * mu_b[x];
      float var_a = e_aa[x] - aa, var_b = e_bb[x] - bb, cov = e_ab[x] - ab;
      float num = (2 * ab + c1) * (2 * cov + c2);
      float den = (aa + bb + c1) * (var_a + var_b + c2);
      total += num / den;
    }
  }
  g_free(k);
  g_free(line);
  g_free(ring);
  g_free(blurred);
  g_free(sum);
  /* NaN or infinite samples (a float TIFF can hold them) make the mean NaN:
   * the reference path fails there (vips_avg will not return it), and so
   * does this one, with a message */
  if (!isfinite(total)) {
    vips_error("ssim", "the image has samples that are not finite numbers");
    return -1;
  }
  *ssim = total / ((double)w * h);
  return 0;
}

int cvips_ssim_encoded(VipsImage *reference, const void *buf, size_t len,
                       double *ssim) {
  VipsImage *decoded = vips_image_new_from_buffer(buf, len, "", "access",
                                                  VIPS_ACCESS_SEQUENTIAL, NULL);
  if (!decoded) return -1;
  /* an animation (the frames of `reference` stacked, as they were encoded):
   * every frame, not the first that loaders give by default */
  if (vips_image_get_n_pages(decoded) > 1) {
    g_object_unref(decoded);
    decoded = vips_image_new_from_buffer(buf, len, "", "access",
                                         VIPS_ACCESS_SEQUENTIAL, "n", -1, NULL);
    if (!decoded) return -1;
  }
  VipsImage *luma = NULL;
  int status = cvips_luma(decoded, &luma);
  g_object_unref(decoded);
  if (status) return -1;
  status = cvips_ssim(reference, luma, ssim);
  g_object_unref(luma);
  return status;
}
