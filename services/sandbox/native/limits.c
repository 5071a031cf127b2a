#include "limits.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

/* Sets soft and hard limits, never above the inherited hard limit (raising it needs privilege). */
static int set_limit(int resource, const char *name, rlim_t soft, rlim_t hard, char *err, size_t err_len) {
    struct rlimit current;
    if (getrlimit(resource, &current) == 0 && current.rlim_max != RLIM_INFINITY) {
        if (hard > current.rlim_max) hard = current.rlim_max;
        if (soft > hard) soft = hard;
    }
    struct rlimit wanted = { .rlim_cur = soft, .rlim_max = hard };
    if (setrlimit(resource, &wanted) < 0) {
        snprintf(err, err_len, "setrlimit(%s) failed: %s", name, strerror(errno));
        return -1;
    }
    return 0;
}

int limits_apply(const struct limits *l, char *err, size_t err_len) {
    const rlim_t mib = 1024 * 1024;
    if (l->address_space_mb > 0 &&
        set_limit(RLIMIT_AS, "RLIMIT_AS", (rlim_t)l->address_space_mb * mib, (rlim_t)l->address_space_mb * mib, err, err_len) < 0)
        return -1;
    /* SIGXCPU at the soft limit, SIGKILL one second later for programs that catch it. */
    if (l->cpu_seconds > 0 &&
        set_limit(RLIMIT_CPU, "RLIMIT_CPU", (rlim_t)l->cpu_seconds, (rlim_t)l->cpu_seconds + 1, err, err_len) < 0)
        return -1;
    if (l->open_files > 0 && set_limit(RLIMIT_NOFILE, "RLIMIT_NOFILE", (rlim_t)l->open_files, (rlim_t)l->open_files, err, err_len) < 0)
        return -1;
    if (l->processes > 0 && set_limit(RLIMIT_NPROC, "RLIMIT_NPROC", (rlim_t)l->processes, (rlim_t)l->processes, err, err_len) < 0)
        return -1;
    if (l->file_size_mb > 0 &&
        set_limit(RLIMIT_FSIZE, "RLIMIT_FSIZE", (rlim_t)l->file_size_mb * mib, (rlim_t)l->file_size_mb * mib, err, err_len) < 0)
        return -1;
    return set_limit(RLIMIT_CORE, "RLIMIT_CORE", 0, 0, err, err_len);
}
