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
// hand-written transpose is checked exactly); and it has vips_resize's size. (Pixels are not compared with vips_resize: ours clips
// its intermediate after the vertical pass, vips_resize after the horizontal
// one, and on pixel-level noise at full contrast they differ by up to ~10
// levels; docs/fuzzing.md.) A failed check aborts, a crash to libFuzzer.
#include "CVipsShims.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

// libvips's transpose of memory image `in`, copied into a new memory image
// made the way transposed_resize.c makes its own (metadata from `in`, sides
// and resolutions swapped, demand style "any"). The copy matters: libvips's
// reducev gives pixels a few levels apart for the same input bytes when the
// input asks for another demand style, or is read by columns instead of rows
// (its vector and scalar paths round differently), so the reference must hand
// each pass exactly what ours hands it.
static VipsImage *transpose(VipsImage *in) {
  VipsImage *turned = NULL, *flipped = NULL, *out = NULL;
  void *pixels = NULL;
  size_t size = 0;
  if (!vips_rot(in, &turned, VIPS_ANGLE_D90, NULL) &&
      !vips_flip(turned, &flipped, VIPS_DIRECTION_HORIZONTAL, NULL) &&
      (pixels = vips_image_write_to_memory(flipped, &size))) {
    out = vips_image_new_memory();
    if (vips_image_pipelinev(out, VIPS_DEMAND_STYLE_ANY, in, NULL)) abort();
    out->Xsize = in->Ysize;
    out->Ysize = in->Xsize;
    out->Xres = in->Yres;
    out->Yres = in->Xres;
    if (vips_image_write_prepare(out) || size != VIPS_IMAGE_SIZEOF_IMAGE(out)) abort();
    memcpy(VIPS_IMAGE_ADDR(out, 0, 0), pixels, size);
  }
  g_free(pixels);
  if (turned) g_object_unref(turned);
  if (flipped) g_object_unref(flipped);
  return out;
}

// The same two passes as ours, each computed into memory before it is transposed.
static VipsImage *reference_resize(VipsImage *in, double hscale, double vscale) {
  VipsImage *t[5] = {NULL}, *out = NULL;
  if (!reference_pass(in, &t[0], vscale) && (t[1] = vips_image_copy_memory(t[0])) &&
      (t[2] = transpose(t[1])) && !reference_pass(t[2], &t[3], hscale) &&
      (t[4] = vips_image_copy_memory(t[3])))
    out = transpose(t[4]);
  for (int i = 0; i < 5; i++)
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
