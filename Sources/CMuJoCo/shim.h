// Shims for the parts of the MuJoCo C API (Debian's libmujoco-dev, MuJoCo 2.2.2) that Swift should not
// import or cannot call directly. Debian ships no pkg-config file for MuJoCo: the module map links
// `mujoco` from the default library folder and the headers are found in /usr/include/mujoco/.
#ifndef MBRL_CMUJOCO_SHIM_H
#define MBRL_CMUJOCO_SHIM_H

#include <mujoco/mujoco.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/// MuJoCo's default handlers print to stdout and append to MUJOCO_LOG.TXT in the current folder (a
/// stage's run folder). These print to stderr only; an error (a broken model or API misuse, never a
/// simulation state) still ends the process, as MuJoCo requires.
static void mbrl_mj_warning(const char* message) {
    fprintf(stderr, "MuJoCo warning: %s\n", message);
}
static void mbrl_mj_error(const char* message) {
    fprintf(stderr, "MuJoCo error: %s\n", message);
    fflush(stderr);
    exit(1);
}
static inline void mbrl_mj_install_handlers(void) {
    mju_user_warning = mbrl_mj_warning;
    mju_user_error = mbrl_mj_error;
}

/// MuJoCo's message for the first warning recorded in `d` since its last `mj_resetData` (a bad
/// number in qpos, qvel, qacc or ctrl after which MuJoCo reset the simulation, a full contact or
/// constraint buffer, a singular inertia), or NULL when there is none.
static inline const char* mbrl_mj_first_warning(const mjData* d) {
    for (int i = 0; i < mjNWARNING; i++) {
        if (d->warning[i].number > 0) return mju_warningText(i, d->warning[i].lastinfo);
    }
    return NULL;
}

/// Forgets the warnings since the last reset (`mbrl_mj_first_warning` then returns NULL until the next).
static inline void mbrl_mj_clear_warnings(mjData* d) {
    for (int i = 0; i < mjNWARNING; i++) d->warning[i].number = 0;
}

/// Compiles the MJCF text `xml` (`size` bytes) as a file named `name` through MuJoCo's virtual file
/// system, so no file is read from disk. Returns NULL with a message in `error` on failure.
/// (mjVFS is a 2 MB struct of fixed arrays: it stays on the C side.)
static inline mjModel* mbrl_mj_load_xml_from_memory(const char* name, const char* xml, int size,
                                                    char* error, int error_size) {
    mjVFS* vfs = (mjVFS*)malloc(sizeof(mjVFS));
    if (!vfs) {
        snprintf(error, error_size, "out of memory for the virtual file system");
        return NULL;
    }
    mj_defaultVFS(vfs);
    if (mj_makeEmptyFileVFS(vfs, name, size) != 0) {
        snprintf(error, error_size, "cannot add %s to the virtual file system", name);
        free(vfs);
        return NULL;
    }
    int index = mj_findFileVFS(vfs, name);
    if (index < 0) {
        snprintf(error, error_size, "%s not found in the virtual file system", name);
        mj_deleteVFS(vfs);
        free(vfs);
        return NULL;
    }
    memcpy(vfs->filedata[index], xml, (size_t)size);
    mjModel* model = mj_loadXML(name, vfs, error, error_size);
    mj_deleteVFS(vfs);
    free(vfs);
    return model;
}

#endif
