/* Command line of iron-sandbox. */
#ifndef IRON_OPTIONS_H
#define IRON_OPTIONS_H

#include <stdbool.h>
#include <sys/types.h>
#include "policy.h"

struct options {
    struct policy policy;
    bool probe;
    bool print_policy;
    bool quiet;
    int landlock_abi_cap; /* 0: use what the kernel offers */
    int status_fd;        /* -1: none */
    bool drop_uid, drop_gid;
    uid_t uid;
    gid_t gid;
    char **command;       /* NULL-terminated, after "--" */
};

/* Parses argv; on error prints a message and exits with EXIT_POLICY. */
void options_parse(struct options *o, int argc, char **argv);

#endif
