// A lanczos3 downsize that runs both passes through libvips's vertical reducer.
//
// libvips 8.14 reduces rows (vips_reducev) with vector code but columns
// (vips_reduceh) with a scalar loop: on one thread, reducing a 2560x1600 photo
// to 1600x1000 spends ~7 ms in the vertical pass and ~35 ms in the horizontal
// one. Reducing vertically, transposing, reducing "vertically" again and
// transposing back gives the same lanczos3 result (within rounding: the two
// passes use different fixed-point coefficients) in well under half the time.
#include "CVipsShims.h"

#include <string.h>

// Copies `in`'s pixels, columns becoming rows, into a new memory image with
// `in`'s metadata. `in` must be in memory (vips_image_copy_memory).
static VipsImage *transposed(VipsImage *in) {
  VipsImage *out = vips_image_new_memory();
  if (vips_image_pipelinev(out, VIPS_DEMAND_STYLE_ANY, in, NULL)) {
    g_object_unref(out);
    return NULL;
  }
  out->Xsize = in->Ysize;
  out->Ysize = in->Xsize;
  out->Xres = in->Yres;
  out->Yres = in->Xres;
  if (vips_image_write_prepare(out)) {
    g_object_unref(out);
    return NULL;
  }
  const size_t pel = VIPS_IMAGE_SIZEOF_PEL(in);
  const size_t in_line = VIPS_IMAGE_SIZEOF_LINE(in);
  const size_t out_line = VIPS_IMAGE_SIZEOF_LINE(out);
  const VipsPel *src = VIPS_IMAGE_ADDR(in, 0, 0);
  VipsPel *dst = VIPS_IMAGE_ADDR(out, 0, 0);
  const int w = in->Xsize, h = in->Ysize;
  // In strips of 64 input rows, each output row is written left to right while
  // its pixels are gathered down a column of the strip (which stays in cache):
  // measured ~40 % quicker than tiles written column-wise.
  enum { STRIP = 64 };
  for (int y0 = 0; y0 < h; y0 += STRIP) {
    const int rows = VIPS_MIN(STRIP, h - y0);
    for (int x = 0; x < w; x++) {
      const VipsPel *s = src + y0 * in_line + x * pel;
      VipsPel *d = dst + x * out_line + y0 * pel;
      switch (pel) {
      case 1:
        for (int y = 0; y < rows; y++, s += in_line) d[y] = s[0];
        break;
      case 3:
        for (int y = 0; y < rows; y++, s += in_line, d += 3) {
          d[0] = s[0];
          d[1] = s[1];
          d[2] = s[2];
        }
        break;
      default:
        for (int y = 0; y < rows; y++, s += in_line, d += pel) memcpy(d, s, pel);
      }
    }
  }
  return out;
}

// vips_resize on one axis only (the vertical one), with lanczos3 over the whole
// reduction. libvips's default "gap" would first box-shrink by a whole factor
// (vips_shrinkv, scalar code in 8.14: a 1600x1000 image going to 188 rows spends
// ~18 ms that way, ~4 ms in reducev alone), and the plain lanczos3 is the
// better-looking of the two. Past a reduction of ~333 the reducer refuses
// ("reduce factor too large": lanczos3 would need more than its 2000 points,
// e.g. a 4000-pixel side going to 10), so a reduction over 300 keeps the
// default gap, which box-shrinks first (found by fuzz/transposed_resize).
static int resize_vertically(VipsImage *in, VipsImage **out, double scale) {
  const double gap = 1.0 / scale > 300 ? 2.0 : 0.0;
  return vips_resize(in, out, 1.0, "vscale", scale, "gap", gap, NULL);
}

int cvips_resize_transposed(VipsImage *in, VipsImage **out, double hscale,
                            double vscale) {
  VipsImage *t[5] = {NULL};
  int result = -1;
  // Rows first (the streamed decode is read once, top to bottom), into memory
  // so the transpose can read it in any order.
  if (resize_vertically(in, &t[0], vscale) ||
      !(t[1] = vips_image_copy_memory(t[0])) || !(t[2] = transposed(t[1])) ||
      resize_vertically(t[2], &t[3], hscale) ||
      !(t[4] = vips_image_copy_memory(t[3])) || !(*out = transposed(t[4])))
    goto done;
  result = 0;
done:
  for (int i = 0; i < 5; i++)
    if (t[i]) g_object_unref(t[i]);
  return result;
}
