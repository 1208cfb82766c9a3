// Shims for the parts of the HDF5 C API that Swift cannot import: macros that expand to globals
// (which need H5open() first), casts, and integer flags. Each wrapper is a direct alias.
#ifndef MBRL_CHDF5_SHIM_H
#define MBRL_CHDF5_SHIM_H

#include <hdf5.h>

static inline hid_t mbrl_h5p_default(void) { return H5P_DEFAULT; }
static inline hid_t mbrl_h5s_all(void) { return H5S_ALL; }

static inline unsigned mbrl_h5f_acc_trunc(void) { return H5F_ACC_TRUNC; }
static inline unsigned mbrl_h5f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline unsigned mbrl_h5f_acc_rdwr(void) { return H5F_ACC_RDWR; }

static inline hid_t mbrl_h5p_file_create(void) { return H5P_FILE_CREATE; }
static inline hid_t mbrl_h5p_file_access(void) { return H5P_FILE_ACCESS; }
static inline hid_t mbrl_h5p_group_create(void) { return H5P_GROUP_CREATE; }
static inline hid_t mbrl_h5p_dataset_create(void) { return H5P_DATASET_CREATE; }

static inline hid_t mbrl_h5t_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t mbrl_h5t_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t mbrl_h5t_native_int64(void) { return H5T_NATIVE_INT64; }
static inline hid_t mbrl_h5t_native_int8(void) { return H5T_NATIVE_INT8; }
static inline hid_t mbrl_h5t_native_uint8(void) { return H5T_NATIVE_UINT8; }
static inline hid_t mbrl_h5t_native_uint64(void) { return H5T_NATIVE_UINT64; }
static inline hid_t mbrl_h5t_c_s1(void) { return H5T_C_S1; }
static inline hid_t mbrl_h5t_ieee_f32le(void) { return H5T_IEEE_F32LE; }
static inline hid_t mbrl_h5t_ieee_f64le(void) { return H5T_IEEE_F64LE; }
static inline hid_t mbrl_h5t_std_i64le(void) { return H5T_STD_I64LE; }

static inline size_t mbrl_h5t_variable(void) { return H5T_VARIABLE; }

/// Turns off HDF5's automatic printing of error stacks for the whole process.
static inline void mbrl_h5_silence_errors(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }

#endif
