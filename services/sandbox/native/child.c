#include "child.h"
#include "exit_codes.h"
#include "landlock.h"
#include "limits.h"

#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/close_range.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static _Noreturn void fail(int report_fd, int exit_code, const char *stage, const char *message) {
    struct setup_failure f = { .exit_code = exit_code };
    snprintf(f.stage, sizeof f.stage, "%s", stage);
    snprintf(f.message, sizeof f.message, "%s", message);
    ssize_t ignored = write(report_fd, &f, sizeof f);
    (void)ignored;
    _exit(exit_code);
}

static void drop_ids(const struct options *o, int report_fd) {
    char msg[200];
    if (o->drop_gid || o->drop_uid) {
        gid_t gid = o->drop_gid ? o->gid : (gid_t)o->uid;
        if (setgroups(1, &gid) < 0 || setresgid(gid, gid, gid) < 0) {
            snprintf(msg, sizeof msg, "cannot switch to gid %u: %s", gid, strerror(errno));
            fail(report_fd, EXIT_PRIVILEGES, "privileges", msg);
        }
    }
    if (o->drop_uid && setresuid(o->uid, o->uid, o->uid) < 0) {
        snprintf(msg, sizeof msg, "cannot switch to uid %u: %s", o->uid, strerror(errno));
        fail(report_fd, EXIT_PRIVILEGES, "privileges", msg);
    }
}

void child_confine_and_exec(const struct options *o, const char *workdir, int ruleset_fd, scmp_filter_ctx filter,
                            int report_fd, pid_t supervisor, bool take_terminal) {
    char msg[400];
    setpgid(0, 0);
    /* Our own process group (so the supervisor can kill it whole) is a background group:
     * an interactive command must become the terminal's foreground or it stops on SIGTTIN. */
    if (take_terminal) {
        struct sigaction ignore = { .sa_handler = SIG_IGN }, old;
        sigaction(SIGTTOU, &ignore, &old);
        tcsetpgrp(STDIN_FILENO, getpid());
        sigaction(SIGTTOU, &old, NULL);
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);

    drop_ids(o, report_fd);
    /* Set after the id change, which would clear it; die with the supervisor. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != supervisor) _exit(EXIT_PREPARE);
    if (workdir && chdir(workdir) < 0) {
        snprintf(msg, sizeof msg, "cannot enter working directory %s: %s", workdir, strerror(errno));
        fail(report_fd, EXIT_PREPARE, "prepare", msg);
    }
    /* The private temp dir is the only writable place: point programs' scratch files at it. */
    if (o->policy.private_tmp && workdir) {
        setenv("TMPDIR", workdir, 1);
        setenv("HOME", workdir, 1);
    }
    if (limits_apply(&o->policy.limits, msg, sizeof msg) < 0) fail(report_fd, EXIT_LIMITS, "limits", msg);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
        snprintf(msg, sizeof msg, "PR_SET_NO_NEW_PRIVS failed: %s", strerror(errno));
        fail(report_fd, EXIT_PRIVILEGES, "privileges", msg);
    }
    int rc = landlock_enforce(ruleset_fd);
    if (rc < 0) {
        snprintf(msg, sizeof msg, "landlock_restrict_self failed: %s", strerror(-rc));
        fail(report_fd, EXIT_LANDLOCK, "landlock", msg);
    }
    if ((rc = seccomp_load(filter)) < 0) {
        snprintf(msg, sizeof msg, "loading the seccomp filter failed: %s", strerror(-rc));
        fail(report_fd, EXIT_SECCOMP, "seccomp", msg);
    }
    /* Only stdin, stdout and stderr go to the command: an inherited descriptor would be a way around Landlock. */
    syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
    execvp(o->command[0], o->command);
    int e = errno;
    snprintf(msg, sizeof msg, "cannot execute %s: %s%s", o->command[0], strerror(e),
             e == EACCES || e == ENOENT ? " (is it under a --ro path?)" : "");
    fail(report_fd, e == ENOENT || e == ENOTDIR ? EXIT_NOT_FOUND : EXIT_EXEC, "exec", msg);
}
