// Decoding a progressive JPEG at 1/8 from its DC scans alone.
//
// At 1/8 scale libjpeg turns each 8x8 block into one pixel from the block's DC
// coefficient (jpeg_idct_1x1); the AC coefficients are decoded and thrown away.
// A baseline JPEG interleaves DC and AC in one entropy-coded stream, so nothing
// can be skipped; a progressive JPEG sends the DC coefficients in scans of
// their own, usually the first few percent of the file. Copying the file
// without its AC scans (the markers say where each scan ends) and decoding
// that at 1/8 gives the same pixels as decoding the whole file at 1/8, at a
// fraction of the cost (a 5120x2880 progressive photo: ~26 ms instead of
// ~250 ms).
//
// One libjpeg setting matters: with AC scans missing, libjpeg's "block
// smoothing" (on by default, meant for showing a partly received progressive
// image) would estimate them and change the result; it is turned off.
//
// Anything unexpected (not progressive, arithmetic coding, four components,
// no end-of-image marker, any libjpeg warning) answers "not applicable", and
// the caller decodes the file through libvips as usual, which reports
// problems with the file in its own words.
#include "CVipsShims.h"

#include <jpeglib.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

typedef struct {
  const unsigned char *data;
  size_t size;
} Bytes;

static unsigned be16(const unsigned char *p) { return (p[0] << 8) | p[1]; }

// The end of the entropy-coded data that starts at `i`: the next marker that
// is neither a stuffed zero nor a restart. 0 if the data runs off the end.
static size_t entropy_end(Bytes in, size_t i) {
  for (;;) {
    const unsigned char *ff = memchr(in.data + i, 0xFF, in.size - i);
    if (!ff) return 0;
    i = ff - in.data;
    if (i + 1 >= in.size) return 0;
    const unsigned char next = in.data[i + 1];
    if (next == 0x00 || (next >= 0xD0 && next <= 0xD7))
      i += 2;
    else if (next == 0xFF)
      i += 1;  // fill byte before a marker
    else
      return i;
  }
}

// Notes the tables a DHT segment defines; 0 if it is malformed.
//
// libjpeg checks a table only when a scan uses it (jpeg_make_d_derived_tbl in
// jdhuff.c), so a table that only left-out AC scans use is never checked by the
// 1/8 decode: its checks are made here, for every table (one that no scan uses
// then falls back for nothing, which only costs speed).
static int record_huffman_tables(const unsigned char *body, size_t size, unsigned char huffman[2][4]) {
  size_t i = 0;
  while (i < size) {
    if (i + 17 > size) return 0;
    const int table_class = body[i] >> 4, id = body[i] & 15;
    if (table_class > 1 || id > 3) return 0;
    size_t symbols = 0;
    for (int k = 1; k <= 16; k++) symbols += body[i + k];
    if (symbols > 256 || i + 17 + symbols > size) return 0;
    // Codes are given out in order of length (figure C.2); those of each
    // length must fit in that many bits without being all ones, else libjpeg
    // stops with "Bogus Huffman table definition".
    unsigned long code = 0;
    size_t assigned = 0;
    for (int length = 1; length <= 16 && assigned < symbols; length++) {
      code += body[i + length];
      assigned += body[i + length];
      if (code >= 1ul << length) return 0;
      code <<= 1;
    }
    huffman[table_class][id] = 1;
    i += 17 + symbols;
  }
  return 1;
}

// Whether libjpeg would accept the header of an AC scan (one component): the
// component exists, the spectral band and successive approximation are valid
// for a progressive scan, and its AC Huffman table has been defined.
static int ac_scan_header_ok(const unsigned char *body, const unsigned char in_frame[256],
                             unsigned char huffman[2][4]) {
  const int id = body[1], ac_table = body[2] & 15;
  const int ss = body[3], se = body[4], ah = body[5] >> 4, al = body[5] & 15;
  if (!in_frame[id]) return 0;
  if (ss > se || se > 63) return 0;
  if (ah != 0 && al != ah - 1) return 0;
  if (al > 13) return 0;
  return ac_table < 4 && huffman[1][ac_table];
}

// Follows one scan's successive approximation as libjpeg's start_pass does
// (jdphuff.c); 0 where libjpeg would warn of an inconsistent progression.
static int progression_ok(const unsigned char *body, const unsigned char in_frame[256],
                          signed char coef_bits[4][64]) {
  const int n = body[0];
  const int ss = body[1 + 2 * n], se = body[2 + 2 * n];
  const int ah = body[3 + 2 * n] >> 4, al = body[3 + 2 * n] & 15;
  if (ss > se || se > 63) return 0;
  for (int c = 0; c < n; c++) {
    const int place = in_frame[body[1 + 2 * c]];
    if (!place) return 0;
    signed char *bits = coef_bits[place - 1];
    if (ss > 0 && bits[0] < 0) return 0;  // AC before any DC
    for (int k = ss; k <= se; k++) {
      if (ah != (bits[k] < 0 ? 0 : bits[k])) return 0;
      bits[k] = (signed char)al;
    }
  }
  return 1;
}

// Copies `in` without the AC scans that a 1/8 decode does not read into `out`
// (at least in.size bytes). Returns the length written, or 0 when the file is
// not a complete progressive Huffman JPEG with one or three components.
//
// A subsampled component (the chroma of a 4:2:0 file) keeps its AC scans:
// libjpeg-turbo scales it up with a 2x2 IDCT rather than upsampling, which
// reads its first AC coefficients. Those scans are small.
static size_t strip_ac_scans(Bytes in, unsigned char *out) {
  if (in.size < 4 || in.data[0] != 0xFF || in.data[1] != 0xD8) return 0;
  size_t i = 2, o = 2;
  memcpy(out, in.data, 2);
  int progressive = 0, dc_scans = 0, frame_components = 0;
  // Component ids whose AC scans are kept (subsampled ones), and those the frame has.
  unsigned char keep_ac[256] = {0}, in_frame[256] = {0};
  // Huffman tables defined since the last scan: [class][id], class 0 DC, 1 AC.
  unsigned char huffman[2][4] = {{0}};
  // libjpeg's progression bookkeeping: the last successive-approximation bit
  // sent for each component (by its place in the frame) and coefficient; -1 none.
  signed char coef_bits[4][64];
  memset(coef_bits, -1, sizeof coef_bits);
  for (;;) {
    while (i < in.size && in.data[i] == 0xFF && i + 1 < in.size && in.data[i + 1] == 0xFF) i++;
    if (i + 1 >= in.size || in.data[i] != 0xFF) return 0;
    const unsigned char marker = in.data[i + 1];
    if (marker == 0xD9) {  // end of image
      out[o++] = 0xFF;
      out[o++] = 0xD9;
      // Every coefficient of every component sent to its last bit: otherwise
      // libjpeg smooths the blocks to guess what is missing (and changes the
      // DC-derived pixels too), which a decode without the AC scans cannot copy.
      for (int c = 0; c < frame_components; c++)
        for (int k = 0; k < 64; k++)
          if (coef_bits[c][k] != 0) return 0;
      return progressive && dc_scans > 0 ? o : 0;
    }
    if ((marker >= 0xD0 && marker <= 0xD7) || marker == 0x01 || marker == 0xD8) return 0;
    if (i + 4 > in.size) return 0;
    const size_t end = i + 2 + be16(in.data + i + 2);
    if (end > in.size || end < i + 4) return 0;
    const unsigned char *body = in.data + i + 4;
    const size_t body_size = end - i - 4;
    if (marker == 0xC2) {  // progressive, Huffman
      if (body_size < 6) return 0;
      const int components = body[5];
      if ((components != 1 && components != 3) || body_size < 6 + 3 * (size_t)components) return 0;
      int max_h = 0, max_v = 0;
      for (int c = 0; c < components; c++) {
        max_h = VIPS_MAX(max_h, body[7 + 3 * c] >> 4);
        max_v = VIPS_MAX(max_v, body[7 + 3 * c] & 15);
      }
      for (int c = 0; c < components; c++) {
        keep_ac[body[6 + 3 * c]] = (body[7 + 3 * c] >> 4) < max_h || (body[7 + 3 * c] & 15) < max_v;
        in_frame[body[6 + 3 * c]] = (unsigned char)(c + 1);
      }
      progressive = 1;
      frame_components = components;
    } else if ((marker >= 0xC0 && marker <= 0xCF) && marker != 0xC4 && marker != 0xC8 &&
               marker != 0xCC) {
      return 0;  // another kind of frame: baseline, lossless, arithmetic, ...
    }
    if (marker == 0xC4 && !record_huffman_tables(body, body_size, huffman)) return 0;
    if (marker == 0xDA) {  // start of scan, then its entropy-coded data
      if (!progressive || body_size < 1) return 0;
      const size_t n = body[0];
      if (body_size != 1 + 2 * n + 3) return 0;
      const int spectral_start = body[1 + 2 * n];
      if (spectral_start > 0 && n != 1) return 0;  // AC scans have one component
      // A scan left out is never seen by libjpeg: check its header as libjpeg
      // would (jdmarker.c get_sos, jdphuff.c start_pass), so that a file it
      // refuses is refused here too (the caller then decodes it with libvips).
      if (spectral_start > 0 && !keep_ac[body[1]] && !ac_scan_header_ok(body, in_frame, huffman)) return 0;
      // libjpeg warns of a scan that does not follow on from the ones before
      // (and libvips may refuse the file for it): decode such files the usual way.
      if (!progression_ok(body, in_frame, coef_bits)) return 0;
      // Encoders of progressive files define each scan's tables just before it.
      // A left-out AC scan that uses a table defined further back may be decoded
      // with the wrong one, which only decoding it would show: be in doubt, and
      // let libvips decode such files (only the speed is lost).
      memset(huffman, 0, sizeof(unsigned char[2][4]));
      const size_t data_end = entropy_end(in, end);
      if (!data_end) return 0;
      if (spectral_start == 0 || keep_ac[body[1]]) {
        memcpy(out + o, in.data + i, data_end - i);
        o += data_end - i;
      }
      if (spectral_start == 0) dc_scans++;
      i = data_end;
      continue;
    }
    memcpy(out + o, in.data + i, end - i);
    o += end - i;
    i = end;
  }
}

typedef struct {
  struct jpeg_error_mgr pub;
  jmp_buf jump;
  int warnings;
} ErrorManager;

static void on_error(j_common_ptr cinfo) {
  ErrorManager *err = (ErrorManager *)cinfo->err;
  longjmp(err->jump, 1);
}

static void on_message(j_common_ptr cinfo, int level) {
  if (level < 0) ((ErrorManager *)cinfo->err)->warnings++;
}

// Decodes `jpeg` at 1/8 into a new memory image carrying `header`'s metadata.
static VipsImage *decode_eighth(Bytes jpeg, VipsImage *header) {
  struct jpeg_decompress_struct cinfo;
  ErrorManager err;
  VipsImage *volatile out = NULL;
  cinfo.err = jpeg_std_error(&err.pub);
  err.pub.error_exit = on_error;
  err.pub.emit_message = on_message;
  err.warnings = 0;
  if (setjmp(err.jump)) {
    jpeg_destroy_decompress(&cinfo);
    if (out) g_object_unref(out);
    return NULL;
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, jpeg.data, jpeg.size);
  jpeg_read_header(&cinfo, TRUE);
  if (cinfo.jpeg_color_space != JCS_YCbCr && cinfo.jpeg_color_space != JCS_RGB &&
      cinfo.jpeg_color_space != JCS_GRAYSCALE) {
    jpeg_destroy_decompress(&cinfo);
    return NULL;
  }
  cinfo.scale_num = 1;
  cinfo.scale_denom = 8;
  cinfo.do_block_smoothing = FALSE;
  jpeg_start_decompress(&cinfo);

  out = vips_image_new_memory();
  if (vips_image_pipelinev(out, VIPS_DEMAND_STYLE_THINSTRIP, header, NULL))
    longjmp(err.jump, 1);
  out->Xsize = cinfo.output_width;
  out->Ysize = cinfo.output_height;
  out->Bands = cinfo.output_components;
  out->BandFmt = VIPS_FORMAT_UCHAR;
  out->Coding = VIPS_CODING_NONE;
  out->Type = out->Bands == 1 ? VIPS_INTERPRETATION_B_W : VIPS_INTERPRETATION_sRGB;
  if (vips_image_write_prepare(out)) longjmp(err.jump, 1);
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = VIPS_IMAGE_ADDR(out, 0, cinfo.output_scanline);
    jpeg_read_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  if (err.warnings) {
    g_object_unref(out);
    return NULL;
  }
  return out;
}

int cvips_jpegload_dc_eighth_buffer(const void *data, size_t size, VipsImage *header,
                                    VipsImage **out) {
  unsigned char *stripped = g_malloc(size + 2);
  const size_t stripped_size = strip_ac_scans((Bytes){data, size}, stripped);
  if (!stripped_size) {
    g_free(stripped);
    return 1;
  }
  *out = decode_eighth((Bytes){stripped, stripped_size}, header);
  g_free(stripped);
  return *out ? 0 : 1;
}

int cvips_jpegload_dc_eighth(const char *path, VipsImage *header, VipsImage **out) {
  gchar *contents = NULL;
  gsize size = 0;
  if (!g_file_get_contents(path, &contents, &size, NULL)) return 1;
  const int result = cvips_jpegload_dc_eighth_buffer(contents, size, header, out);
  g_free(contents);
  return result;
}
