#define _XOPEN_SOURCE 700
#include "workspace.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *workspace_create(long long owner_uid, long long owner_gid, char *err, size_t err_len) {
    const char *base = getenv("TMPDIR");
    if (!base || base[0] != '/') base = "/tmp";
    char *path = malloc(strlen(base) + 32);
    if (!path) { snprintf(err, err_len, "out of memory"); return NULL; }
    sprintf(path, "%s/iron-sandbox-XXXXXX", base);
    if (!mkdtemp(path)) {
        snprintf(err, err_len, "cannot create a private temp dir under %s: %s", base, strerror(errno));
        free(path);
        return NULL;
    }
    if (owner_uid >= 0 && chown(path, (uid_t)owner_uid, (gid_t)owner_gid) < 0) {
        snprintf(err, err_len, "cannot hand %s to uid %lld: %s", path, owner_uid, strerror(errno));
        rmdir(path);
        free(path);
        return NULL;
    }
    return path;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw) {
    (void)st; (void)type; (void)ftw;
    remove(path);
    return 0;
}

void workspace_remove(const char *path) {
    /* FTW_PHYS: never follow a symlink the sandboxed program left behind. FTW_MOUNT: stay on this filesystem. */
    nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}
