#ifndef VIZRUN_CPNG_SHIM_H
#define VIZRUN_CPNG_SHIM_H
#include <png.h>
#endif
