// libFuzzer target: a progressive JPEG decoded at 1/8 from its DC scans
// (Sources/CVipsShims/jpeg_dc_load.c: the scan stripping, then libjpeg's 1/8
// decode of what is left).
//
// Each input goes the way a file goes in mediapipe (ImageProcessor.load):
// libvips reads the header, files over the 100-megapixel default limit are
// refused, then the DC decode runs. The input is fed to it whether or not
// libvips calls the file progressive, so the stripping also meets baseline and
// odd files. Checked besides "no crash, no ASan report":
// - a decoded image has libjpeg's 1/8 size of the header (ceil(w/8) x ceil(h/8))
//   and 1 or 3 bands;
// - when libjpeg decodes the whole file at 1/8 without a single warning, the
//   DC decode, if it answers, gives exactly the same pixels (the claim
//   jpeg_dc_load.c makes). Block smoothing is off in both: it guesses missing
//   AC coefficients, so it changes a file whose scans stop early (docs/fuzzing.md).
//   The reference is libjpeg rather than libvips's jpegload because libvips
//   drops a last partial block (37 columns give 4 at 1/8, libjpeg 5).
// A failed check calls abort(), which libFuzzer reports as a crash.
#include "CVipsShims.h"

#include <jpeglib.h>
#include <setjmp.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const long long max_pixels = 100000000;  // mediapipe's --max-pixels default

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  if (VIPS_INIT((*argv)[0])) abort();
  vips_concurrency_set(1);
  // The operation cache would hand back a header read from an earlier input
  // that sat at the same address, and keeps images alive between inputs.
  vips_cache_set_max(0);
  // libjpeg's warnings on damaged inputs are expected; keep the log quiet.
  cvips_route_vips_log(0);
  return 0;
}

static void check(int ok, const char *what, VipsImage *a, VipsImage *b) {
  if (ok) return;
  fprintf(stderr, "jpeg_dc: %s (%dx%dx%d vs %dx%dx%d)\n", what, a->Xsize, a->Ysize,
          a->Bands, b ? b->Xsize : 0, b ? b->Ysize : 0, b ? b->Bands : 0);
  abort();
}

typedef struct {
  struct jpeg_error_mgr pub;
  jmp_buf jump;
  int warnings;
} ErrorManager;

static void on_error(j_common_ptr cinfo) { longjmp(((ErrorManager *)cinfo->err)->jump, 1); }

static void on_message(j_common_ptr cinfo, int level) {
  if (level < 0) ((ErrorManager *)cinfo->err)->warnings++;
}

// libjpeg's 1/8 decode of the whole file with block smoothing off, as
// packed rows (*width x *height x *bands); NULL on any error or warning.
// Written apart from jpeg_dc_load.c's decode_eighth on purpose: it is the
// reference that code is checked against, so it must not share its mistakes.
static unsigned char *reference_eighth(const uint8_t *data, size_t size, int *width,
                                       int *height, int *bands) {
  struct jpeg_decompress_struct cinfo;
  ErrorManager err;
  unsigned char *volatile pixels = NULL;
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
  jpeg_mem_src(&cinfo, data, size);
  jpeg_read_header(&cinfo, TRUE);
  cinfo.scale_num = 1;
  cinfo.scale_denom = 8;
  cinfo.do_block_smoothing = FALSE;
  jpeg_start_decompress(&cinfo);
  const size_t line = (size_t)cinfo.output_width * cinfo.output_components;
  pixels = malloc(line * cinfo.output_height);
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = pixels + line * cinfo.output_scanline;
    jpeg_read_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_decompress(&cinfo);
  *width = cinfo.output_width;
  *height = cinfo.output_height;
  *bands = cinfo.output_components;
  jpeg_destroy_decompress(&cinfo);
  if (err.warnings) {
    free(pixels);
    return NULL;
  }
  return pixels;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  VipsImage *header =
      vips_image_new_from_buffer(data, size, "", "access", VIPS_ACCESS_SEQUENTIAL,
                                 "fail_on", VIPS_FAIL_ON_TRUNCATED, NULL);
  if (!header || strcmp(vips_foreign_find_load_buffer(data, size), "VipsForeignLoadJpegBuffer") ||
      (long long)header->Xsize * header->Ysize > max_pixels) {
    if (header) g_object_unref(header);
    vips_error_clear();
    return 0;
  }
  VipsImage *dc = NULL;
  if (cvips_jpegload_dc_eighth_buffer(data, size, header, &dc) == 0) {
    check(dc->Xsize == (header->Xsize + 7) / 8 && dc->Ysize == (header->Ysize + 7) / 8,
          "not 1/8 of the header's size", dc, header);
    check(dc->Bands == 1 || dc->Bands == 3, "neither 1 nor 3 bands", dc, NULL);
    int width, height, bands;
    unsigned char *reference = reference_eighth(data, size, &width, &height, &bands);
    if (reference) {
      check(width == dc->Xsize && height == dc->Ysize && bands == dc->Bands,
            "another shape than libjpeg's 1/8 decode of the whole file", dc, NULL);
      check(!memcmp(VIPS_IMAGE_ADDR(dc, 0, 0), reference, VIPS_IMAGE_SIZEOF_IMAGE(dc)),
            "other pixels than libjpeg's 1/8 decode of the whole file", dc, NULL);
      free(reference);
    }
    g_object_unref(dc);
  }
  g_object_unref(header);
  vips_error_clear();
  return 0;
}
