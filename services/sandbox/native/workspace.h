/* The private temp dir: created 0700 for the sandboxed user, removed with everything in it afterwards. */
#ifndef IRON_WORKSPACE_H
#define IRON_WORKSPACE_H

#include <stddef.h>
#include <sys/types.h>

/* Returns a malloc'd path or NULL with err set. owner < 0 keeps the launcher's ids. */
char *workspace_create(long long owner_uid, long long owner_gid, char *err, size_t err_len);
void workspace_remove(const char *path);

#endif
