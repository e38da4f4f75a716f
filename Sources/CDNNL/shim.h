#ifndef VIZRUN_CDNNL_SHIM_H
#define VIZRUN_CDNNL_SHIM_H
// Debian's libdnnl-dev ships no pkg-config file; its header sits in the default include path.
#include <oneapi/dnnl/dnnl.h>

// Debian builds oneDNN on GNU OpenMP. omp.h lives in GCC's private include folder, which the
// Swift toolchain's clang does not search, so the one call vizrun needs is declared here.
void omp_set_num_threads(int count);

// glibc's mallopt, for the allocator policy the engine's large activation buffers need
// (Compute/Allocator.swift); Swift's Glibc module leaves malloc.h out.
#include <malloc.h>
#endif
