#ifndef VIZRUN_CHDF5_SHIM_H
#define VIZRUN_CHDF5_SHIM_H
#include <hdf5.h>

// HDF5 spells these as macros that expand to function calls or casts, which Swift cannot import.
static inline hid_t vizrun_H5T_NATIVE_FLOAT(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t vizrun_H5T_NATIVE_DOUBLE(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t vizrun_H5T_NATIVE_INT64(void) { return H5T_NATIVE_INT64; }
static inline hid_t vizrun_H5T_C_S1(void) { return H5T_C_S1; }
static inline hid_t vizrun_H5P_FILE_ACCESS(void) { return H5P_FILE_ACCESS; }
static inline hid_t vizrun_H5P_DEFAULT(void) { return H5P_DEFAULT; }
static inline hid_t vizrun_H5S_ALL(void) { return H5S_ALL; }
static inline unsigned vizrun_H5F_ACC_RDONLY(void) { return H5F_ACC_RDONLY; }
static inline size_t vizrun_H5T_VARIABLE(void) { return H5T_VARIABLE; }
static inline unsigned vizrun_H5F_ACC_RDWR(void) { return H5F_ACC_RDWR; }
static inline unsigned vizrun_H5F_ACC_TRUNC(void) { return H5F_ACC_TRUNC; }
static inline hid_t vizrun_H5P_LINK_CREATE(void) { return H5P_LINK_CREATE; }
static inline hid_t vizrun_H5T_IEEE_F32LE(void) { return H5T_IEEE_F32LE; }
static inline hid_t vizrun_H5T_IEEE_F64LE(void) { return H5T_IEEE_F64LE; }

// A process forked from a libFuzzer target (the probe's child of HDF5File+Probe.swift) keeps the
// fuzzer's death callback, which saves the input as a crash of the fuzzer's own process when the
// child fails; the parent reports the child's failure itself. Weak: null outside sanitizer builds.
extern void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));
static inline void vizrun_forget_sanitizer_death_callback(void) {
    if (__sanitizer_set_death_callback) __sanitizer_set_death_callback(0);
}
#endif
