#ifndef VIZRUN_CDNNL_SHIM_H
#define VIZRUN_CDNNL_SHIM_H
// Debian's libdnnl-dev ships no pkg-config file; its header sits in the default include path.
#include <oneapi/dnnl/dnnl.h>

// Debian builds oneDNN on GNU OpenMP. omp.h lives in GCC's private include folder, which the
// Swift toolchain's clang does not search, so the calls vizrun needs are declared here. vizrun's
// own parallel loops run on the same OpenMP threads as oneDNN (GOMP_parallel is what GCC emits for
// `#pragma omp parallel`), so the two never compete for the cores.
void omp_set_num_threads(int count);
int omp_get_thread_num(void);
int omp_get_num_threads(void);
void GOMP_parallel(void (*body)(void *context), void *context, unsigned threads, unsigned flags);

// glibc's mallopt, for the allocator policy the engine's large activation buffers need
// (Compute/Allocator.swift); Swift's Glibc module leaves malloc.h out.
#include <malloc.h>
#endif
