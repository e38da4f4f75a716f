#ifndef VIZRUN_CJPEG_SHIM_H
#define VIZRUN_CJPEG_SHIM_H
// The TurboJPEG API reports errors through return codes; libjpeg's own API would need
// setjmp/longjmp around every call, which Swift cannot do.
#include <turbojpeg.h>
#endif
