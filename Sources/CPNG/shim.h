#ifndef VIZRUN_CPNG_SHIM_H
#define VIZRUN_CPNG_SHIM_H
#include <png.h>
#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* libpng's full write API reports errors by longjmp, which Swift cannot catch; these inline
 * functions keep the setjmp on the C side. The simplified API (png_image_write_*) handles that
 * itself but fixes zlib at level 3, twice as slow as level 1 on vizrun's outputs for the same size. */

/* Room for the first error message libpng gives. */
#define VIZRUN_PNG_MESSAGE_SIZE 200

/* A growing output buffer, and the first error message libpng gave. */
typedef struct {
    unsigned char *data;
    size_t size, capacity;
    char message[VIZRUN_PNG_MESSAGE_SIZE];
} vizrun_png_output;

static inline void vizrun_png_append(png_structp png, png_bytep bytes, size_t count) {
    vizrun_png_output *output = (vizrun_png_output *)png_get_io_ptr(png);
    if (output->size + count > output->capacity) {
        size_t capacity = output->capacity * 2 > output->size + count ? output->capacity * 2 : output->size + count;
        unsigned char *grown = (unsigned char *)realloc(output->data, capacity);
        if (grown == NULL) png_error(png, "out of memory");
        output->data = grown;
        output->capacity = capacity;
    }
    memcpy(output->data + output->size, bytes, count);
    output->size += count;
}

static inline void vizrun_png_flush(png_structp png) { (void)png; }

/* The error pointer is the caller's message buffer, VIZRUN_PNG_MESSAGE_SIZE bytes, zeroed. */
static inline void vizrun_png_fail(png_structp png, png_const_charp message) {
    strncpy((char *)png_get_error_ptr(png), message, VIZRUN_PNG_MESSAGE_SIZE - 1);
    png_longjmp(png, 1);
}

static inline void vizrun_png_ignore_warning(png_structp png, png_const_charp message) {
    (void)png;
    (void)message;
}

/* Whether PNG's Up filter (each byte minus the one above it) suits the picture better than no filter,
 * judged by deflating a band of rows from its middle both ways at `level`: photographs, overlays and
 * smooth heatmaps, whose rows resemble the ones above, come out about a third smaller and deflate
 * faster after it; colormapped activation grids come out larger and slower. Pictures of a few rows,
 * or when memory runs short, keep no filter. */
static inline int vizrun_png_prefers_up(const unsigned char *pixels, unsigned width, unsigned height, int channels,
                                        int level) {
    const unsigned band = 8;
    if (height <= band) return 0;
    size_t stride = (size_t)width * channels, length = band * (stride + 1);
    unsigned first = 1 + (height - 1 - band) / 2;
    uLong bound = compressBound(length);
    unsigned char *rows = (unsigned char *)malloc(length), *packed = (unsigned char *)malloc(bound);
    uLongf sizes[2] = {0, 0};
    for (int up = 0; up < 2 && rows != NULL && packed != NULL; up++) {
        for (unsigned r = 0; r < band; r++) {
            const unsigned char *row = pixels + (first + r) * stride, *above = row - stride;
            unsigned char *filtered = rows + r * (stride + 1);
            filtered[0] = up ? 2 : 0;
            for (size_t i = 0; i < stride; i++) filtered[1 + i] = up ? (unsigned char)(row[i] - above[i]) : row[i];
        }
        sizes[up] = bound;
        if (compress2(packed, &sizes[up], rows, length, level) != Z_OK) sizes[up] = 0;
    }
    free(rows);
    free(packed);
    return sizes[1] != 0 && sizes[1] < sizes[0];
}

/* Encodes 8-bit gray (1), RGB (3) or RGBA (4) rows, `width * channels` bytes each,
 * into `output` (free its data with free()), at zlib `level`, every row unfiltered or every row
 * Up-filtered, as `vizrun_png_prefers_up` finds better. Returns 1 on success, 0 with
 * `output->message` set otherwise. */
static inline int vizrun_png_encode(const unsigned char *pixels, unsigned width, unsigned height, int channels,
                                    int level, vizrun_png_output *output) {
    int color_type = channels == 1 ? PNG_COLOR_TYPE_GRAY : channels == 3 ? PNG_COLOR_TYPE_RGB : PNG_COLOR_TYPE_RGB_ALPHA;
    memset(output, 0, sizeof *output);
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, output->message, vizrun_png_fail,
                                              vizrun_png_ignore_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (info == NULL) {
        png_destroy_write_struct(&png, NULL);
        strcpy(output->message, "out of memory");
        return 0;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        free(output->data);
        output->data = NULL;
        output->size = 0;
        return 0;
    }
    png_set_write_fn(png, output, vizrun_png_append, vizrun_png_flush);
    png_set_filter(png, PNG_FILTER_TYPE_BASE,
                   vizrun_png_prefers_up(pixels, width, height, channels, level) ? PNG_FILTER_UP : PNG_FILTER_NONE);
    png_set_compression_level(png, level);
    png_set_IHDR(png, info, width, height, 8, color_type, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (unsigned row = 0; row < height; row++) {
        png_write_row(png, pixels + (size_t)row * width * channels);
    }
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    return 1;
}

/* A PNG written straight to a file a few rows at a time, so a large picture is never held whole:
 * begin, rows (any number of times), end. Each call sets its own setjmp. After a failure (0, with
 * `message` set) the file is closed; the caller removes it. */
typedef struct {
    png_structp png;
    png_infop info;
    FILE *file;
    char message[VIZRUN_PNG_MESSAGE_SIZE];
} vizrun_png_stream;

/* Frees libpng's state and closes the file; safe to call again. Returns fclose's result. */
static inline int vizrun_png_stream_close(vizrun_png_stream *stream) {
    if (stream->png != NULL) png_destroy_write_struct(&stream->png, stream->info ? &stream->info : NULL);
    stream->png = NULL;
    stream->info = NULL;
    int closed = stream->file ? fclose(stream->file) : 0;
    stream->file = NULL;
    return closed;
}

/* Opens `path` and writes the header of a `width` x `height` 8-bit gray (1), RGB (3) or RGBA (4)
 * image compressed at zlib `level` with libpng's adaptive row filters. */
static inline int vizrun_png_stream_begin(vizrun_png_stream *stream, const char *path, unsigned width, unsigned height,
                                          int channels, int level) {
    int color_type = channels == 1 ? PNG_COLOR_TYPE_GRAY : channels == 3 ? PNG_COLOR_TYPE_RGB : PNG_COLOR_TYPE_RGB_ALPHA;
    memset(stream, 0, sizeof *stream);
    stream->file = fopen(path, "wb");
    if (stream->file == NULL) {
        snprintf(stream->message, sizeof stream->message, "%s", strerror(errno));
        return 0;
    }
    stream->png = png_create_write_struct(PNG_LIBPNG_VER_STRING, stream->message, vizrun_png_fail,
                                          vizrun_png_ignore_warning);
    stream->info = stream->png ? png_create_info_struct(stream->png) : NULL;
    if (stream->info == NULL) {
        strcpy(stream->message, "out of memory");
        vizrun_png_stream_close(stream);
        return 0;
    }
    if (setjmp(png_jmpbuf(stream->png))) {
        vizrun_png_stream_close(stream);
        return 0;
    }
    png_init_io(stream->png, stream->file);
    png_set_compression_level(stream->png, level);
    png_set_IHDR(stream->png, stream->info, width, height, 8, color_type, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(stream->png, stream->info);
    return 1;
}

/* Writes `rows` rows of `row_bytes` bytes each, contiguous from `pixels`. */
static inline int vizrun_png_stream_rows(vizrun_png_stream *stream, const unsigned char *pixels, unsigned rows,
                                         size_t row_bytes) {
    if (setjmp(png_jmpbuf(stream->png))) {
        vizrun_png_stream_close(stream);
        return 0;
    }
    for (unsigned row = 0; row < rows; row++) png_write_row(stream->png, pixels + (size_t)row * row_bytes);
    return 1;
}

/* Ends the image and closes the file, which holds it whole once this returns 1. */
static inline int vizrun_png_stream_end(vizrun_png_stream *stream) {
    if (setjmp(png_jmpbuf(stream->png))) {
        vizrun_png_stream_close(stream);
        return 0;
    }
    png_write_end(stream->png, NULL);
    if (vizrun_png_stream_close(stream) != 0) {
        snprintf(stream->message, sizeof stream->message, "%s", strerror(errno));
        return 0;
    }
    return 1;
}

#endif
