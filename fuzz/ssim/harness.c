// libFuzzer target: the luma plane and the SSIM of `compress quality=auto`
// (cvips_luma, cvips_ssim, cvips_ssim_reference and cvips_ssim_encoded in
// Sources/CVipsShims/shims.c).
//
// The input says what to compare:
//   byte 0  width - 1 (mod 64)                 byte 3  b's width selector  } used when
//   byte 1  height - 1 (mod 64)                byte 4  b's height selector } flag 0x10 is set
//   byte 2  flags: bits 0-1 a's bands - 1,     the rest  pixel values, repeated: a's from
//           bits 2-3 b's bands - 1,                      the start, b's from the middle
//           0x10 b has its own sides (1 to 64 each), 0x20 compare a with itself,
//           0x40 a has two bands more, 0x80 b has two bands more
//   without flag 0x10, byte 3 bit 0 labels a CMYK and bit 1 b, if it has 4 bands or more
// Two uchar images are built in memory (1 band grey, 2 grey and alpha, 3 sRGB,
// 4 sRGB and alpha, as the loaders label them; 5 and 6 bands labelled sRGB,
// which libvips takes as having alpha, like CMYK and alpha; 4 to 6 bands
// labelled CMYK, with alpha from 5) and taken to luma with cvips_luma. Checked
// besides "no crash, no ASan report":
// - cvips_luma succeeds and gives one float band of the same size, within a
//   level of the luma computed here (Rec. 601 weights, alpha flattened on white;
//   CMYK made sRGB by libvips's vips_colourspace first);
// - with flag 0x20, ssim(a, a) is 1 within 1e-6, flat images included;
// - else ssim(a, b) succeeds for equal sizes with a finite score in [-1, 1],
//   and fails with an error message for other sizes;
// - every score cvips_ssim gives (its one pass over the rows) is bit for bit
//   the one cvips_ssim_reference gives from libvips's own operations.
// (One SSIM per input: each costs ~10 ms of libvips's per-call overhead under
// ASan whatever the size, ~5 ms without. ssim(b, a) is not computed: every
// step of cvips_ssim is symmetric in a and b, so it is exactly ssim(a, b).)
// Then the input's bytes as a whole go to cvips_ssim_encoded as the "encoded"
// buffer, with libvips's untrusted loaders blocked as in mediapipe, against a
// reference of the decoded image's sides (when its header reads and is small;
// larger images are skipped, as a huge header would only test decode time):
// it fails with an error message (unless libvips's loader itself fails on the
// bytes without one) or gives a finite score. A failed check
// aborts, a crash to libFuzzer.
#include "CVipsShims.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// Large enough for the blur's 11-pixel window to sit inside the image and
// overhang it; an SSIM's time hardly depends on the size below this.
enum { max_side = 64, max_decoded_pixels = 64 * 64 };

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  if (VIPS_INIT((*argv)[0])) abort();
  vips_concurrency_set(1);
  vips_cache_set_max(0);
  vips_block_untrusted_set(TRUE);
  return 0;
}

static void fail(const char *what, int width, int height, int bands) {
  fprintf(stderr, "ssim: %s (%dx%d, %d bands): %s\n", what, width, height, bands, vips_error_buffer());
  abort();
}

// The luma of `count` uchar pixels of `bands` bands (B_W or sRGB) as mediapipe
// defines it, computed here in plain C (into `expected`).
static void model_luma(const uint8_t *pixels, size_t count, int bands, float *expected) {
  // vips_image_hasalpha: 2 bands B_W, 4 bands not CMYK, or more than 4.
  const int colours = bands == 2 || bands >= 4 ? bands - 1 : bands;
  for (size_t i = 0; i < count; i++) {
    const uint8_t *p = pixels + i * bands;
    double c[5];
    for (int b = 0; b < colours; b++) {
      c[b] = p[b];
      if (colours < bands) {  // on white
        const double alpha = p[bands - 1] / 255.0;
        c[b] = alpha * p[b] + (1 - alpha) * 255;
      }
    }
    expected[i] = (float)(colours >= 3 ? 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2] : c[0]);
  }
}

// A uchar image labelled as a loader labels it (CMYK when asked and it has 4
// bands or more), and its luma as mediapipe defines it (into `expected`, width *
// height floats): CMYK by way of libvips's own conversion to sRGB.
static VipsImage *make_image(const uint8_t *pattern, size_t pattern_size, size_t start, int width,
                             int height, int bands, int cmyk, float *expected) {
  const size_t count = (size_t)width * height, bytes = count * bands;
  uint8_t *pixels = malloc(bytes);
  for (size_t i = 0; i < bytes; i++)
    pixels[i] = pattern_size ? pattern[(start + i) % pattern_size] : (uint8_t)(start + i * 7);
  VipsImage *image = vips_image_new_from_memory_copy(pixels, bytes, width, height, bands, VIPS_FORMAT_UCHAR);
  if (!image) abort();
  image->Type = bands >= 3 ? VIPS_INTERPRETATION_sRGB : VIPS_INTERPRETATION_B_W;
  if (cmyk && bands >= 4) {
    image->Type = VIPS_INTERPRETATION_CMYK;
    VipsImage *srgb = NULL;
    if (vips_colourspace(image, &srgb, VIPS_INTERPRETATION_sRGB, NULL)) fail("vips_colourspace", width, height, bands);
    size_t size = 0;
    uint8_t *converted = vips_image_write_to_memory(srgb, &size);
    if (!converted || srgb->BandFmt != VIPS_FORMAT_UCHAR || size != count * srgb->Bands)
      fail("vips_colourspace gave another shape", width, height, bands);
    model_luma(converted, count, srgb->Bands, expected);
    g_free(converted);
    g_object_unref(srgb);
  } else {
    model_luma(pixels, count, bands, expected);
  }
  free(pixels);
  return image;
}

static VipsImage *luma(VipsImage *image, const float *expected) {
  VipsImage *out = NULL;
  if (cvips_luma(image, &out)) fail("cvips_luma failed", image->Xsize, image->Ysize, image->Bands);
  if (out->Xsize != image->Xsize || out->Ysize != image->Ysize || out->Bands != 1 ||
      out->BandFmt != VIPS_FORMAT_FLOAT)
    fail("cvips_luma gave another shape", image->Xsize, image->Ysize, image->Bands);
  const float *got = (const float *)VIPS_IMAGE_ADDR(out, 0, 0);
  for (size_t i = 0; i < (size_t)out->Xsize * out->Ysize; i++)
    // libvips's flatten truncates to uchar: up to a level below.
    if (!(fabsf(got[i] - expected[i]) <= 1.001f)) {
      fprintf(stderr, "ssim: luma %g where %g was expected at pixel %zu\n", got[i], expected[i], i);
      fail("cvips_luma gave other values", image->Xsize, image->Ysize, image->Bands);
    }
  return out;
}

static double ssim(VipsImage *a, VipsImage *b) {
  double score = NAN, reference = NAN;
  if (cvips_ssim(a, b, &score)) fail("cvips_ssim failed on equal sizes", a->Xsize, a->Ysize, 1);
  if (!isfinite(score) || score < -1 - 1e-6 || score > 1 + 1e-6) {
    fprintf(stderr, "ssim: score %.17g\n", score);
    fail("cvips_ssim out of [-1, 1]", a->Xsize, a->Ysize, 1);
  }
  if (cvips_ssim_reference(a, b, &reference)) fail("cvips_ssim_reference failed", a->Xsize, a->Ysize, 1);
  if (memcmp(&score, &reference, sizeof score) != 0) {
    fprintf(stderr, "ssim: %.17g in one pass, %.17g from libvips's operations\n", score, reference);
    fail("cvips_ssim differs from cvips_ssim_reference", a->Xsize, a->Ysize, 1);
  }
  return score;
}

// cvips_ssim_encoded on the raw bytes: a clean failure or a finite score.
static void check_encoded(const uint8_t *data, size_t size, const uint8_t *pattern, size_t pattern_size) {
  int width = 8, height = 8;
  VipsImage *header = vips_image_new_from_buffer(data, size, "", NULL);
  // libvips itself sometimes fails without a message (a PNG whose IHDR's CRC
  // is wrong only logs a warning); cvips_ssim_encoded may only be as silent.
  const int silent_header = !header && !*vips_error_buffer();
  if (header) {
    const double pixels = (double)header->Xsize * header->Ysize;
    width = header->Xsize;
    height = header->Ysize;
    g_object_unref(header);
    if (pixels > max_decoded_pixels) return;
  }
  vips_error_clear();
  float *expected = malloc(sizeof(float) * width * height);
  VipsImage *image = make_image(pattern, pattern_size, 0, width, height, 1, 0, expected);
  VipsImage *reference = luma(image, expected);
  free(expected);
  double score = NAN;
  if (cvips_ssim_encoded(reference, data, size, &score)) {
    if (!*vips_error_buffer() && !silent_header)
      fail("cvips_ssim_encoded failed without a message", width, height, 1);
  } else if (!isfinite(score)) {
    fprintf(stderr, "ssim: score %.17g\n", score);
    fail("cvips_ssim_encoded gave a score that is not finite", width, height, 1);
  }
  vips_error_clear();
  g_object_unref(reference);
  g_object_unref(image);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 5) return 0;
  const int width = 1 + data[0] % max_side, height = 1 + data[1] % max_side;
  const int flags = data[2];
  const int bands_a = 1 + (flags & 3) + (flags & 0x40 ? 2 : 0);
  const int bands_b = 1 + ((flags >> 2) & 3) + (flags & 0x80 ? 2 : 0);
  const int own_sides = flags & 0x10, b_is_a = flags & 0x20;
  const int width_b = own_sides ? 1 + data[3] % max_side : width;
  const int height_b = own_sides ? 1 + data[4] % max_side : height;
  const int cmyk_a = !own_sides && (data[3] & 1), cmyk_b = !own_sides && (data[3] & 2);
  const uint8_t *pattern = data + 5;
  const size_t pattern_size = size - 5;

  float *expected = malloc(sizeof(float) * max_side * max_side);
  VipsImage *image_a = make_image(pattern, pattern_size, 0, width, height, bands_a, cmyk_a, expected);
  VipsImage *a = luma(image_a, expected);
  if (b_is_a) {
    const double self = ssim(a, a);
    if (!(fabs(self - 1) <= 1e-6)) {
      fprintf(stderr, "ssim: ssim(a, a) = %.17g\n", self);
      fail("ssim(a, a) is not 1", width, height, bands_a);
    }
  } else {
    VipsImage *image_b =
        make_image(pattern, pattern_size, pattern_size / 2 + 1, width_b, height_b, bands_b, cmyk_b, expected);
    VipsImage *b = luma(image_b, expected);
    if (width_b == width && height_b == height) {
      ssim(a, b);
    } else {
      double score = NAN;
      vips_error_clear();
      if (!cvips_ssim(a, b, &score)) fail("cvips_ssim took images of different sizes", width, height, bands_a);
      if (!*vips_error_buffer()) fail("cvips_ssim failed without a message", width, height, bands_a);
    }
    g_object_unref(b);
    g_object_unref(image_b);
  }
  free(expected);
  vips_error_clear();
  g_object_unref(a);
  g_object_unref(image_a);

  check_encoded(data, size, pattern, pattern_size);
  return 0;
}
