// libFuzzer target: the lanczos3 downsize with a transpose between its two
// passes (Sources/CVipsShims/transposed_resize.c).
//
// The input says what to resize, the way Image.resized calls it:
//   bytes 0-1  width - 1 (mod 1000), big-endian      bytes 5-6  target width selector
//   bytes 2-3  height - 1 (mod 1000,                 bytes 7-8  target height selector
//              and at most 200000 pixels in all)
//   byte  4    bands - 1 (mod 4)                     the rest   pixel values, repeated
// The target sides are 1 to the source's, so both scales are in (0, 1] as in
// mediapipe (which takes this route when the width shrinks and the height does
// not grow). The uchar image is built in memory and resized; checked besides
// "no crash, no ASan report": the resize succeeds; its result is byte for byte
// the same two lanczos3 passes done with libvips's own transpose (so the
// hand-written transpose and the bookkeeping are checked exactly); and it has
// vips_resize's size. (Pixels are not compared with vips_resize: ours clips
// its intermediate after the vertical pass, vips_resize after the horizontal
// one, and on pixel-level noise at full contrast they differ by up to ~10
// levels; docs/fuzzing.md.) A failed check aborts, a crash to libFuzzer.
#include "CVipsShims.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

// Large enough for the 64-row strips of the transpose and for reductions past
// 300 (where the passes change their gap); small enough to run ~100 times a second.
enum { max_side = 1000, max_pixels = 200000 };

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  if (VIPS_INIT((*argv)[0])) abort();
  vips_concurrency_set(1);
  vips_cache_set_max(0);
  return 0;
}

static unsigned be16(const uint8_t *p) { return (p[0] << 8) | p[1]; }

// The same two passes with libvips's own transpose (a quarter turn, then a
// mirror) instead of transposed_resize.c's: byte for byte what ours must give.
// A reduction over 300 takes the default gap there too.
static int reference_pass(VipsImage *in, VipsImage **out, double scale) {
  return vips_resize(in, out, 1.0, "vscale", scale, "gap", 1.0 / scale > 300 ? 2.0 : 0.0, NULL);
}

static int transpose(VipsImage *in, VipsImage **out) {
  VipsImage *turned = NULL;
  const int result = vips_rot(in, &turned, VIPS_ANGLE_D90, NULL) ||
                     vips_flip(turned, out, VIPS_DIRECTION_HORIZONTAL, NULL);
  if (turned) g_object_unref(turned);
  return result;
}

// Each pass is computed into memory before it is transposed, as ours does:
// libvips's reducev gives slightly different pixels (by a few levels) when it
// is asked for columns instead of rows (its vector and scalar paths round
// differently), so the lazy composition would not be a fair reference.
static VipsImage *reference_resize(VipsImage *in, double hscale, double vscale) {
  VipsImage *t[6] = {NULL}, *out = NULL;
  if (!reference_pass(in, &t[0], vscale) && (t[1] = vips_image_copy_memory(t[0])) &&
      !transpose(t[1], &t[2]) && !reference_pass(t[2], &t[3], hscale) &&
      (t[4] = vips_image_copy_memory(t[3])) && !transpose(t[4], &t[5]))
    out = vips_image_copy_memory(t[5]);
  for (int i = 0; i < 6; i++)
    if (t[i]) g_object_unref(t[i]);
  return out;
}

static void fail(const char *what, VipsImage *ours, VipsImage *theirs) {
  fprintf(stderr, "transposed_resize: %s (ours %dx%dx%d, vips_resize %dx%dx%d)\n", what,
          ours->Xsize, ours->Ysize, ours->Bands, theirs->Xsize, theirs->Ysize, theirs->Bands);
  abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 9) return 0;
  const int width = 1 + be16(data) % max_side;
  const int height = 1 + be16(data + 2) % VIPS_MIN(max_side, max_pixels / width);
  const int bands = 1 + data[4] % 4;
  const int target_width = 1 + be16(data + 5) % width;
  const int target_height = 1 + be16(data + 7) % height;
  const uint8_t *pattern = data + 9;
  const size_t pattern_size = size - 9;

  const size_t bytes = (size_t)width * height * bands;
  uint8_t *pixels = malloc(bytes);
  for (size_t i = 0; i < bytes; i++)
    pixels[i] = pattern_size ? pattern[i % pattern_size] : (uint8_t)(i * 7);
  VipsImage *in = vips_image_new_from_memory_copy(pixels, bytes, width, height, bands,
                                                  VIPS_FORMAT_UCHAR);
  free(pixels);
  if (!in) abort();

  const double hscale = (double)target_width / width, vscale = (double)target_height / height;
  VipsImage *ours = NULL, *theirs = NULL;
  if (cvips_resize_transposed(in, &ours, hscale, vscale)) {
    fprintf(stderr, "transposed_resize: failed on %dx%dx%d to %dx%d: %s\n", width, height, bands,
            target_width, target_height, vips_error_buffer());
    abort();
  }
  VipsImage *reference = reference_resize(in, hscale, vscale);
  if (!reference) abort();
  if (ours->Xsize != reference->Xsize || ours->Ysize != reference->Ysize ||
      ours->Bands != reference->Bands || ours->BandFmt != VIPS_FORMAT_UCHAR ||
      ours->Xres != reference->Xres || ours->Yres != reference->Yres)
    fail("another shape", ours, reference);
  if (memcmp(VIPS_IMAGE_ADDR(ours, 0, 0), VIPS_IMAGE_ADDR(reference, 0, 0),
             VIPS_IMAGE_SIZEOF_IMAGE(ours)))
    fail("other pixels", ours, reference);
  // And the size vips_resize itself gives (with its default gap, which takes
  // any reduction).
  if (cvips_resize(in, &theirs, hscale, vscale, 2)) abort();
  if (ours->Xsize != theirs->Xsize || ours->Ysize != theirs->Ysize) fail("not vips_resize's size", ours, theirs);
  g_object_unref(reference);
  if (ours) g_object_unref(ours);
  if (theirs) g_object_unref(theirs);
  g_object_unref(in);
  vips_error_clear();
  return 0;
}
