/* Resource limits: address space, CPU seconds, open files, processes, file size, and no core dumps. */
#ifndef IRON_LIMITS_H
#define IRON_LIMITS_H

#include <stddef.h>
#include "policy.h"

/* Applies the limits to the calling process; returns 0 or -1 with err set. */
int limits_apply(const struct limits *l, char *err, size_t err_len);

#endif
