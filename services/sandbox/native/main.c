/* iron-sandbox: runs a command under rlimits, PR_SET_NO_NEW_PRIVS, Landlock and seccomp.
 * The launcher stays as a small supervisor: it prepares everything that can fail before
 * forking, waits for the command, kills whatever the command left running, removes the
 * private temp dir and reports the outcome. */
#include "child.h"
#include "exit_codes.h"
#include "filter.h"
#include "json_out.h"
#include "landlock.h"
#include "options.h"
#include "probe.h"
#include "reap.h"
#include "workspace.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile pid_t child_pid;

static void forward_signal(int sig) {
    if (child_pid > 0 && kill(-child_pid, sig) < 0) kill(child_pid, sig);
}

struct outcome {
    const struct setup_failure *failure; /* set when the sandbox never started the command */
    int status;                          /* wait status otherwise */
    struct rusage usage;
    const char *limit;                   /* which limit ended the command, when a signal tells */
};

struct context {
    const struct options *o;
    const char *workdir;
    int landlock_abi;
    struct landlock_gaps gaps;
};

static void report(const struct context *c, const struct outcome *r) {
    if (c->o->status_fd < 0) return;
    struct json_out j;
    json_out_init(&j);
    json_out_begin_object(&j);
    json_out_key(&j, "started"); json_out_bool(&j, r->failure == NULL);
    if (r->failure) {
        json_out_key(&j, "stage"); json_out_string(&j, r->failure->stage);
        json_out_key(&j, "error"); json_out_string(&j, r->failure->message);
        json_out_key(&j, "exit_code"); json_out_int(&j, r->failure->exit_code);
    } else {
        json_out_key(&j, "exit_code");
        if (WIFEXITED(r->status)) json_out_int(&j, WEXITSTATUS(r->status)); else json_out_null(&j);
        json_out_key(&j, "signal");
        if (WIFSIGNALED(r->status)) {
            char name[24];
            const char *abbrev = sigabbrev_np(WTERMSIG(r->status));
            snprintf(name, sizeof name, "SIG%s", abbrev ? abbrev : "UNKNOWN");
            json_out_string(&j, name);
        } else json_out_null(&j);
        json_out_key(&j, "limit");
        if (r->limit) json_out_string(&j, r->limit); else json_out_null(&j);
        json_out_key(&j, "cpu_ms");
        json_out_int(&j, (long long)(r->usage.ru_utime.tv_sec + r->usage.ru_stime.tv_sec) * 1000 +
                             (r->usage.ru_utime.tv_usec + r->usage.ru_stime.tv_usec) / 1000);
        json_out_key(&j, "max_rss_kb"); json_out_int(&j, r->usage.ru_maxrss);
    }
    json_out_key(&j, "landlock_abi"); json_out_int(&j, c->landlock_abi);
    json_out_key(&j, "unenforced");
    json_out_begin_array(&j);
    for (int i = 0; i < c->gaps.len; i++) json_out_string(&j, c->gaps.items[i]);
    json_out_end_array(&j);
    json_out_key(&j, "workdir");
    if (c->workdir) json_out_string(&j, c->workdir); else json_out_null(&j);
    json_out_end_object(&j);
    json_out_write_line(&j, c->o->status_fd);
}

static _Noreturn void die_before_start(const struct context *c, int exit_code, const char *stage, const char *message) {
    if (c->o->policy.private_tmp && c->workdir) workspace_remove(c->workdir);
    struct setup_failure f = { .exit_code = exit_code };
    snprintf(f.stage, sizeof f.stage, "%s", stage);
    snprintf(f.message, sizeof f.message, "%s", message);
    fprintf(stderr, "iron-sandbox: %s\n", message);
    struct outcome r = { .failure = &f };
    report(c, &r);
    exit(exit_code);
}

/* Which limit a signal stands for; RLIMIT_CPU ends with SIGKILL when the program catches SIGXCPU. */
static const char *limit_from(int status, const struct rusage *usage, const struct limits *l) {
    if (!WIFSIGNALED(status)) return NULL;
    int sig = WTERMSIG(status);
    if (sig == SIGXCPU) return "cpu";
    if (sig == SIGXFSZ) return "file_size";
    if (sig == SIGKILL && l->cpu_seconds > 0 && usage->ru_utime.tv_sec + usage->ru_stime.tv_sec >= l->cpu_seconds) return "cpu";
    return NULL;
}

static void install_forwarding(void) {
    struct sigaction sa = { .sa_handler = forward_signal };
    sigemptyset(&sa.sa_mask);
    const int forwarded[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT };
    for (size_t i = 0; i < sizeof forwarded / sizeof *forwarded; i++) sigaction(forwarded[i], &sa, NULL);
}

static void take_back_terminal(void) {
    struct sigaction ignore = { .sa_handler = SIG_IGN }, old;
    sigemptyset(&ignore.sa_mask);
    sigaction(SIGTTOU, &ignore, &old);
    tcsetpgrp(STDIN_FILENO, getpgrp());
    sigaction(SIGTTOU, &old, NULL);
}

static void add_gap(struct landlock_gaps *gaps, const char *what) {
    if (gaps->len < (int)(sizeof gaps->items / sizeof *gaps->items)) gaps->items[gaps->len++] = what;
}

int main(int argc, char **argv) {
    struct options o;
    options_parse(&o, argc, argv);
    if (o.probe) return probe_print();
    if (o.print_policy) { policy_print_json(&o.policy, STDOUT_FILENO); return 0; }

    struct context c = { .o = &o };
    char err[600];
    /* The report goes through a private close-on-exec copy, so the command cannot forge it. */
    if (o.status_fd >= 0) {
        int copy = fcntl(o.status_fd, F_DUPFD_CLOEXEC, 3);
        if (copy < 0) {
            fprintf(stderr, "iron-sandbox: --status-fd %d is not an open file descriptor\n", o.status_fd);
            return EXIT_POLICY;
        }
        if (o.status_fd > 2) close(o.status_fd);
        o.status_fd = copy;
    }
    if ((o.drop_uid || o.drop_gid) && geteuid() != 0)
        die_before_start(&c, EXIT_PRIVILEGES, "privileges", "--uid/--gid need the launcher to run as root");

    char *workdir = o.policy.workdir;
    if (o.policy.private_tmp) {
        long long owner = o.drop_uid ? (long long)o.uid : -1;
        long long group = o.drop_gid ? (long long)o.gid : o.drop_uid ? (long long)o.uid : -1;
        if (!(workdir = workspace_create(owner, group < 0 ? (long long)getegid() : group, err, sizeof err)))
            die_before_start(&c, EXIT_PREPARE, "prepare", err);
        string_list_add(&o.policy.read_write, workdir);
    }
    c.workdir = workdir;

    int kernel_abi = landlock_abi_version();
    c.landlock_abi = o.landlock_abi_cap > 0 && o.landlock_abi_cap < kernel_abi ? o.landlock_abi_cap : kernel_abi;
    int ruleset = landlock_build(&o.policy, c.landlock_abi, &c.gaps, err, sizeof err);
    if (ruleset == -1) die_before_start(&c, EXIT_LANDLOCK, "landlock", err);
    uid_t final_uid = o.drop_uid ? o.uid : getuid();
    if (final_uid == 0 && o.policy.limits.processes > 0)
        add_gap(&c.gaps, "processes limit (the kernel exempts root from RLIMIT_NPROC; use --uid)");
    scmp_filter_ctx filter = filter_build(&o.policy, err, sizeof err);
    if (!filter) die_before_start(&c, EXIT_SECCOMP, "seccomp", err);
    if (!o.quiet)
        for (int i = 0; i < c.gaps.len; i++) fprintf(stderr, "iron-sandbox: warning: not enforced: %s\n", c.gaps.items[i]);

    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) < 0) die_before_start(&c, EXIT_PREPARE, "prepare", "pipe2 failed");
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    sigset_t all, old;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, &old); /* no forwarded signal until child_pid is known */
    pid_t supervisor = getpid();
    bool foreground = isatty(STDIN_FILENO) && tcgetpgrp(STDIN_FILENO) == getpgrp();
    pid_t pid = fork();
    if (pid < 0) die_before_start(&c, EXIT_PREPARE, "prepare", "fork failed");
    if (pid == 0) {
        close(pipefd[0]);
        child_confine_and_exec(&o, workdir, ruleset, filter, pipefd[1], supervisor, foreground);
    }
    child_pid = pid;
    setpgid(pid, pid);
    install_forwarding();
    signal(SIGPIPE, SIG_IGN); /* a reader gone from --status-fd must not kill the supervisor (set after fork: exec keeps SIG_IGN) */
    sigprocmask(SIG_SETMASK, &old, NULL);
    close(pipefd[1]);
    if (ruleset >= 0) close(ruleset);
    seccomp_release(filter);

    struct outcome r = { 0 };
    while (wait4(pid, &r.status, 0, &r.usage) < 0 && errno == EINTR) {}
    /* Read only now: the child has exited or exec'd, so the report (if any) is already in the pipe.
     * Waiting once instead of twice matters on a busy machine. */
    struct setup_failure failure;
    ssize_t got;
    do got = read(pipefd[0], &failure, sizeof failure); while (got < 0 && errno == EINTR);
    close(pipefd[0]);
    reap_everything(pid);
    if (foreground) take_back_terminal();
    if (o.policy.private_tmp) workspace_remove(workdir);

    if (got == (ssize_t)sizeof failure) {
        failure.message[sizeof failure.message - 1] = '\0';
        fprintf(stderr, "iron-sandbox: %s\n", failure.message);
        r.failure = &failure;
        report(&c, &r);
        return failure.exit_code;
    }
    r.limit = limit_from(r.status, &r.usage, &o.policy.limits);
    report(&c, &r);
    if (WIFSIGNALED(r.status)) return 128 + WTERMSIG(r.status);
    return WEXITSTATUS(r.status);
}
