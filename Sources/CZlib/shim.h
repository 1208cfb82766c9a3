// zlib, for reading .tar.gz archives as a stream. `inflateInit2` is a macro Swift cannot import;
// the shim below calls it.
#ifndef MBRL_CZLIB_SHIM_H
#define MBRL_CZLIB_SHIM_H

#include <zlib.h>

/// Prepares `stream` to inflate one gzip member (window bits 15, +16 for the gzip wrapper).
static inline int mbrl_inflate_init_gzip(z_stream* stream) {
    return inflateInit2(stream, 15 + 16);
}

#endif
