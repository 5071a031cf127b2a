#include "filter.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

/* Refused outright: debugging other processes, mounts and namespaces, kernel and
 * module control, BPF and perf, keyrings, clocks, swap, handle-based opens, io_uring. */
static const char *const denied[] = {
    "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd",
    "mount", "umount", "umount2", "fsopen", "fsconfig", "fsmount", "fspick", "move_mount", "open_tree",
    "mount_setattr", "pivot_root", "chroot", "setns", "unshare",
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
    "bpf", "perf_event_open", "userfaultfd", "open_by_handle_at", "name_to_handle_at",
    "add_key", "request_key", "keyctl", "reboot", "swapon", "swapoff", "acct",
    "quotactl", "quotactl_fd", "lookup_dcookie", "nfsservctl", "uselib", "vhangup", "syslog",
    "settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "sethostname", "setdomainname",
    "iopl", "ioperm", "io_uring_setup", "io_uring_enter", "io_uring_register",
    "fanotify_init", "lsm_set_self_attr",
};

static const unsigned long namespace_flags[] = {
    CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWCGROUP,
};

static int add(scmp_filter_ctx ctx, uint32_t action, int nr, unsigned count, const struct scmp_arg_cmp *cmp,
               const char *what, char *err, size_t err_len) {
    int rc = seccomp_rule_add_array(ctx, action, nr, count, cmp);
    if (rc < 0) snprintf(err, err_len, "seccomp rule for %s refused: %s", what, strerror(-rc));
    return rc;
}

scmp_filter_ctx filter_build(const struct policy *p, char *err, size_t err_len) {
    uint32_t action = p->seccomp == SECCOMP_MODE_KILL ? SCMP_ACT_KILL_PROCESS : SCMP_ACT_ERRNO(EPERM);
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (!ctx) { snprintf(err, err_len, "seccomp_init failed"); return NULL; }
    /* PR_SET_NO_NEW_PRIVS is set by the launcher itself, in its documented order. */
    seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);

    for (size_t i = 0; i < sizeof denied / sizeof *denied; i++) {
        int nr = seccomp_syscall_resolve_name(denied[i]);
        if (nr == __NR_SCMP_ERROR) continue; /* not a syscall on this architecture */
        if (add(ctx, action, nr, 0, NULL, denied[i], err, err_len) < 0) goto fail;
    }
    /* clone3 hides its flags behind a pointer: answer ENOSYS so libc falls back to clone, whose flags we can see. */
    if (add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0, NULL, "clone3", err, err_len) < 0) goto fail;
    for (size_t i = 0; i < sizeof namespace_flags / sizeof *namespace_flags; i++) {
        struct scmp_arg_cmp cmp = SCMP_A0(SCMP_CMP_MASKED_EQ, namespace_flags[i], namespace_flags[i]);
        if (add(ctx, action, SCMP_SYS(clone), 1, &cmp, "clone with namespace flags", err, err_len) < 0) goto fail;
    }
    /* Pushing bytes into the controlling terminal's input is a classic way out. */
    const unsigned long tty_injections[] = { TIOCSTI, TIOCLINUX };
    for (size_t i = 0; i < 2; i++) {
        struct scmp_arg_cmp cmp = SCMP_A1(SCMP_CMP_MASKED_EQ, 0xFFFFFFFFUL, tty_injections[i]);
        if (add(ctx, action, SCMP_SYS(ioctl), 1, &cmp, "ioctl TIOCSTI/TIOCLINUX", err, err_len) < 0) goto fail;
    }
    /* Socket families: AF_UNIX always, AF_INET/AF_INET6 only with networking on (Landlock then rules TCP ports).
     * Ranges, not one rule per family: fewer rules, a shorter filter, a faster start. */
    if (!p->network) {
        struct scmp_arg_cmp not_unix = SCMP_A0(SCMP_CMP_NE, AF_UNIX);
        if (add(ctx, action, SCMP_SYS(socket), 1, &not_unix, "socket family", err, err_len) < 0) goto fail;
    } else {
        for (unsigned long family = 0; family < AF_INET6; family++) { /* 0, 3..9: neither AF_UNIX nor AF_INET */
            if (family == AF_UNIX || family == AF_INET) continue;
            struct scmp_arg_cmp cmp = SCMP_A0(SCMP_CMP_EQ, family);
            if (add(ctx, action, SCMP_SYS(socket), 1, &cmp, "socket family", err, err_len) < 0) goto fail;
        }
        struct scmp_arg_cmp beyond = SCMP_A0(SCMP_CMP_GT, AF_INET6);
        if (add(ctx, action, SCMP_SYS(socket), 1, &beyond, "socket family", err, err_len) < 0) goto fail;
    }
    return ctx;
fail:
    seccomp_release(ctx);
    return NULL;
}
