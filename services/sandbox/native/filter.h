/* The seccomp filter: refuse syscalls an untrusted program has no business making. */
#ifndef IRON_FILTER_H
#define IRON_FILTER_H

#include <seccomp.h>
#include <stddef.h>
#include "policy.h"

/* Builds (does not load) the filter; NULL with err set on failure. */
scmp_filter_ctx filter_build(const struct policy *p, char *err, size_t err_len);

#endif
