/* The child side: drop to the requested ids, then rlimits, PR_SET_NO_NEW_PRIVS, Landlock, seccomp, execve. */
#ifndef IRON_CHILD_H
#define IRON_CHILD_H

#include <seccomp.h>
#include "options.h"

/* Sent to the supervisor over a close-on-exec pipe when setup fails; nothing arrives when execve succeeds. */
struct setup_failure {
    int exit_code;
    char stage[16];
    char message[400];
};

/* Never returns. */
void child_confine_and_exec(const struct options *o, const char *workdir, int ruleset_fd, scmp_filter_ctx filter,
                            int report_fd, pid_t supervisor, bool take_terminal);

#endif
