// CVipsShims: the few C wrappers Swift cannot call directly.
//
// Why a C shim and not libvips's generic operation API: Swift cannot import C
// variadic functions (vips_thumbnail, vips_jpegsave, ...) nor function-like
// macros (VIPS_INIT, WIFEXITED, ...). The generic API (vips_operation_new +
// GValue plumbing) would reach every operation, but needs GType macros that
// Swift cannot see either, and makes every call stringly typed. A fixed-argument
// wrapper per operation is a few lines, gives Swift a typed signature, and the C
// compiler checks the types of the values we forward to the NULL-terminated
// option lists. We only wrap what the steps use.
//
// Conventions: every symbol is prefixed `cvips_`; functions that produce an
// image return 0 on success and -1 on failure with the libvips error buffer set
// (the Swift side reads and clears it); the caller owns `*out` on success.
#ifndef CVIPS_SHIMS_H
#define CVIPS_SHIMS_H

#include <vips/vips.h>
#include <sys/types.h>

// --- process start-up -------------------------------------------------------

/// VIPS_INIT is a macro. Returns 0 on success.
int cvips_init(const char *argv0);
/// Routes GLib's "VIPS" log domain (warnings such as "unknown EXIF resolution
/// unit") away from stderr; `verbose` non-zero prints them prefixed instead.
void cvips_route_vips_log(int verbose);

// --- loading ----------------------------------------------------------------

/// vips_image_new_from_file with access and fail_on set (both NULL-terminated
/// varargs). `sequential` non-zero streams top to bottom; `fail` non-zero makes
/// truncated or corrupt data an error instead of a grey patch. A JPEG, PNG,
/// WebP or GIF (by its first bytes) goes straight to its loader, without
/// libvips asking every loader whether the file is theirs (shims.c says why).
VipsImage *cvips_load(const char *path, int sequential, int fail);
/// vips_jpegload with libjpeg's DCT scaling by `shrink` (1, 2, 4 or 8).
VipsImage *cvips_jpegload_shrunk(const char *path, int shrink, int sequential, int fail);
/// Decodes a progressive JPEG at 1/8 from its DC scans only (jpeg_dc_load.c
/// says how), into a memory image with `header`'s metadata. Returns 0 and sets
/// `*out`; 1 when the file is not a progressive JPEG this applies to, or
/// anything looks wrong (the caller then loads it the usual way).
int cvips_jpegload_dc_eighth(const char *path, VipsImage *header, VipsImage **out);
/// The same from the file's bytes (the fuzz target in fuzz/jpeg_dc feeds it).
int cvips_jpegload_dc_eighth_buffer(const void *data, size_t size, VipsImage *header,
                                    VipsImage **out);
/// vips_thumbnail: shrink-on-load resize straight from the file.
/// `size` is a VipsSize; `no_rotate` disables EXIF auto-rotation.
int cvips_thumbnail(const char *path, VipsImage **out, int width, int height,
                    int size, int no_rotate, int fail);
/// vips_thumbnail_image: the same resize on an image already loaded.
int cvips_thumbnail_image(VipsImage *in, VipsImage **out, int width, int height,
                          int size, int no_rotate);
/// Every frame of an animated GIF or WebP (`n=-1`), stacked top to bottom with
/// `page-height` set, random access. `scale` (WebP only; 1 for none) decodes each
/// frame scaled by libwebp: its shrink-on-load.
int cvips_load_frames(const char *path, VipsImage **out, double scale, int fail);
/// vips_arrayjoin of `n` images, one above the next (across=1).
int cvips_join_frames(VipsImage **in, int n, VipsImage **out);

// --- geometry ---------------------------------------------------------------

/// vips_resize with separate horizontal and vertical scales (lanczos3) and its
/// reducing `gap` (libvips's default: 2; 0: lanczos3 over the whole reduction).
int cvips_resize(VipsImage *in, VipsImage **out, double hscale, double vscale, double gap);
/// A lanczos3 downsize (both scales at most 1, no reducing gap) with both passes run by
/// libvips's vectorised vertical reducer, the image transposed in between
/// (transposed_resize.c says why). The result is in memory.
int cvips_resize_transposed(VipsImage *in, VipsImage **out, double hscale,
                            double vscale);

int cvips_autorot(VipsImage *in, VipsImage **out);
int cvips_extract_area(VipsImage *in, VipsImage **out, int left, int top,
                       int width, int height);
/// `interesting` is a VipsInteresting (attention, entropy, ...).
int cvips_smartcrop(VipsImage *in, VipsImage **out, int width, int height,
                    int interesting);
/// `angle` is a VipsAngle.
int cvips_rot(VipsImage *in, VipsImage **out, int angle);
/// `direction` is a VipsDirection.
int cvips_flip(VipsImage *in, VipsImage **out, int direction);
/// Places `in` at (x, y) on a width x height canvas of `background` (n values).
int cvips_embed(VipsImage *in, VipsImage **out, int x, int y, int width,
                int height, const double *background, int n);
/// vips_embed repeating the edge pixels (extend=copy).
int cvips_embed_copy(VipsImage *in, VipsImage **out, int x, int y, int width, int height);
int cvips_replicate(VipsImage *in, VipsImage **out, int across, int down);

// --- pixels -----------------------------------------------------------------

/// Renders Pango markup into an sRGB + alpha image (vips_text with rgba).
int cvips_text_rgba(VipsImage **out, const char *markup, const char *font,
                    const char *fontfile);
/// `overlay` over `base` (VIPS_BLEND_MODE_OVER), both the same size.
int cvips_composite_over(VipsImage *base, VipsImage *overlay, VipsImage **out);
int cvips_insert(VipsImage *main, VipsImage *sub, VipsImage **out, int x, int y);
/// out = in * a + b per band, cast back to uchar.
int cvips_linear_uchar(VipsImage *in, VipsImage **out, const double *a,
                       const double *b, int n);
int cvips_bandjoin_const(VipsImage *in, VipsImage **out, const double *c, int n);
int cvips_extract_band(VipsImage *in, VipsImage **out, int band, int n);
int cvips_flatten(VipsImage *in, VipsImage **out, const double *background,
                  int n);
int cvips_cast(VipsImage *in, VipsImage **out, int format);
int cvips_colourspace(VipsImage *in, VipsImage **out, int interpretation);
/// Transforms to sRGB with the embedded profile, or `input_profile` (a file or
/// a built-in name such as "cmyk") when the image has none. NULL for the default.
int cvips_icc_to_srgb(VipsImage *in, VipsImage **out, const char *input_profile);
int cvips_copy(VipsImage *in, VipsImage **out);

/// Any libvips operation, by name: the one wrapper a step needs when no
/// fixed-argument shim above covers its operation, so that a new step needs
/// no C. Sets `in` as the operation's "in" argument (NULL: none), then the
/// other arguments from `options`, in libvips's own option syntax (the one
/// the `vips` command line and cvips_save_with_options use):
/// "sigma=1.5,m2=3", "threshold=10,background=255 255 255". On success
/// `*out` holds the "out" image (pass NULL for an operation without one) and
/// `ints[i]` the int output named `int_outputs[i]`, for `n_ints` of them.
/// Only ever pass options the program wrote from checked numbers: in this
/// syntax an image argument names a file, which libvips would open.
int cvips_call(const char *name, VipsImage *in, const char *options,
               VipsImage **out, const char *const *int_outputs, int *ints,
               int n_ints);
/// vips_getpoint: one pixel's values; free `*values` with g_free.
int cvips_getpoint(VipsImage *in, double **values, int *n, int x, int y);
/// vips_image_write_to_file (varargs): the saver and its options come from the
/// name, in libvips's own syntax ("a.jpg[Q=90,interlace,restart_interval=4]").
/// The tests make their conformance images with it: every saver option
/// reachable without a wrapper each.
int cvips_save_with_options(VipsImage *in, const char *name_with_options);

/// vips_avg / vips_min / vips_max over all bands.
int cvips_avg(VipsImage *in, double *out);
int cvips_min(VipsImage *in, double *out);
int cvips_max(VipsImage *in, double *out);

// --- saving (each takes `strip`: drop all metadata) --------------------------

int cvips_jpegsave(VipsImage *in, const char *path, int quality,
                   int progressive, int subsample_mode, int optimize, int strip);
int cvips_pngsave(VipsImage *in, const char *path, int compression, int palette,
                  int strip);
int cvips_webpsave(VipsImage *in, const char *path, int quality, int lossless,
                   int effort, int strip);
int cvips_avifsave(VipsImage *in, const char *path, int quality, int effort,
                   int strip);
int cvips_tiffsave(VipsImage *in, const char *path, int compression,
                   int strip);
int cvips_gifsave(VipsImage *in, const char *path, int strip);
/// JPEG XL: `quality` 1-100, or 0 to use `distance` (butteraugli, 0-15) instead.
int cvips_jxlsave(VipsImage *in, const char *path, int quality, double distance,
                  int effort, int lossless, int strip);


// --- encoding in memory (the size and quality searches of `compress`) -------

/// The savers above, into a buffer: `*buf` (free with g_free) holds `*len` bytes.
int cvips_jpegsave_buffer(VipsImage *in, void **buf, size_t *len, int quality,
                          int progressive, int subsample_mode, int optimize,
                          int strip);
int cvips_webpsave_buffer(VipsImage *in, void **buf, size_t *len, int quality,
                          int lossless, int effort, int strip);
int cvips_avifsave_buffer(VipsImage *in, void **buf, size_t *len, int quality,
                          int effort, int strip);
int cvips_jxlsave_buffer(VipsImage *in, void **buf, size_t *len, int quality,
                         int effort, int strip);
/// The luma plane (Rec. 601 weights of R'G'B', or the one grey band; CMYK made sRGB
/// and alpha flattened on white first) as a float image in memory: what
/// `cvips_ssim` compares.
int cvips_luma(VipsImage *in, VipsImage **out);
/// The mean SSIM (Wang et al. 2004: a gaussian window, sigma 1.5, on 8-bit
/// luma with C1 = (0.01*255)^2, C2 = (0.03*255)^2) between `reference` (a
/// `cvips_luma` image) and the image encoded in `buf`, decoded from memory.
int cvips_ssim_encoded(VipsImage *reference, const void *buf, size_t len,
                       double *ssim);
/// The mean SSIM between two `cvips_luma` images of the same size, in one pass
/// over their rows (other images go to `cvips_ssim_reference`).
int cvips_ssim(VipsImage *a, VipsImage *b, double *ssim);
/// The same from libvips operations alone (gaussblur and arithmetic): the plain
/// path `cvips_ssim` must equal bit for bit (QualitySearchTests, the ssim fuzzer).
int cvips_ssim_reference(VipsImage *a, VipsImage *b, double *ssim);

#endif
