// OpenBLAS through its CBLAS interface, plus its thread-control, version and kernel-name entry points, which are
// declared in cblas.h on Debian but are repeated here so the module does not depend on that detail.
#ifndef MBRL_COPENBLAS_SHIM_H
#define MBRL_COPENBLAS_SHIM_H

#include <cblas.h>

void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
char *openblas_get_config(void);
char *openblas_get_corename(void);

#endif
