#include "options.h"
#include "exit_codes.h"
#include "probe.h"

#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: iron-sandbox [options] -- command [args...]\n"
    "       iron-sandbox --probe\n"
    "\n"
    "Runs command confined by rlimits, PR_SET_NO_NEW_PRIVS, Landlock and a seccomp filter.\n"
    "With no options it applies the standard profile: system directories read-only, a fresh\n"
    "private temp dir as the read-write working directory, nothing else readable, no network.\n"
    "\n"
    "Policy:\n"
    "  --policy FILE         JSON policy; its keys override the standard profile one by one\n"
    "                        (see --print-policy for the shape). Flags below apply after it.\n"
    "  --ro PATH             also allow reading (and executing) beneath PATH\n"
    "  --rw PATH             also allow reading and writing beneath PATH\n"
    "  --workdir DIR         run in DIR instead of a private temp dir (DIR must be allowed)\n"
    "  --net                 allow AF_INET/AF_INET6 sockets (TCP still needs the ports below)\n"
    "  --allow-connect PORT  allow TCP connect to PORT (implies --net)\n"
    "  --allow-bind PORT     allow TCP bind to PORT (implies --net)\n"
    "  --mem MB              address-space limit (0: inherit)\n"
    "  --cpu SECONDS         CPU-time limit (0: inherit)\n"
    "  --nofile N            open-files limit (0: inherit)\n"
    "  --nproc N             processes limit for the uid (0: inherit; root is exempt, see --uid)\n"
    "  --fsize MB            largest file the command may write (0: inherit)\n"
    "  --seccomp-kill        kill the process on a denied syscall instead of failing it with EPERM\n"
    "  --landlock-best-effort  run even if the kernel has no Landlock (reported as unenforced)\n"
    "  --landlock-abi N      use at most Landlock ABI N (to see what an older kernel would enforce)\n"
    "  --uid UID, --gid GID  run the command as this user/group (launcher must be root)\n"
    "\n"
    "Output:\n"
    "  --status-fd FD        write one JSON line describing the outcome to FD\n"
    "  --quiet               do not warn on stderr about protections the kernel cannot enforce\n"
    "  --print-policy        print the effective policy as JSON and exit\n"
    "  --probe               print kernel, Landlock ABI, seccomp and libseccomp versions as JSON\n"
    "  --version, --help\n"
    "\n"
    "Exit status: the command's own status, 128+N if it died from signal N, or a launcher\n"
    "failure: 120 prepare, 121 policy/usage, 122 rlimits, 123 privileges, 124 Landlock,\n"
    "125 seccomp, 126 cannot execute, 127 not found.\n";

static void usage_error(const char *fmt, const char *arg) {
    fprintf(stderr, "iron-sandbox: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nRun iron-sandbox --help for usage.\n");
    exit(EXIT_POLICY);
}

static long long number(const char *arg, const char *flag, long long max) {
    char *end;
    errno = 0;
    long long v = strtoll(arg, &end, 10);
    if (errno || end == arg || *end != '\0' || v < 0 || v > max) {
        fprintf(stderr, "iron-sandbox: %s wants a whole number from 0 to %lld, got \"%s\"\n", flag, max, arg);
        exit(EXIT_POLICY);
    }
    return v;
}

static long long limit(const char *arg, const char *flag) {
    long long v = number(arg, flag, 1000000000000LL);
    return v == 0 ? -1 : v;
}

static void add_path(struct string_list *list, const char *path, const char *flag) {
    if (path[0] != '/') {
        fprintf(stderr, "iron-sandbox: %s wants an absolute path, got \"%s\"\n", flag, path);
        exit(EXIT_POLICY);
    }
    string_list_add(list, path);
}

static uid_t user_id(const char *arg) {
    struct passwd *pw = getpwnam(arg);
    if (pw) return pw->pw_uid;
    return (uid_t)number(arg, "--uid", 0xFFFFFFFELL);
}

static gid_t group_id(const char *arg) {
    struct group *gr = getgrnam(arg);
    if (gr) return gr->gr_gid;
    return (gid_t)number(arg, "--gid", 0xFFFFFFFELL);
}

enum { OPT_POLICY = 256, OPT_RO, OPT_RW, OPT_WORKDIR, OPT_NET, OPT_CONNECT, OPT_BIND, OPT_MEM, OPT_CPU, OPT_NOFILE,
       OPT_NPROC, OPT_FSIZE, OPT_KILL, OPT_BEST_EFFORT, OPT_ABI, OPT_UID, OPT_GID, OPT_STATUS_FD, OPT_QUIET,
       OPT_PRINT_POLICY, OPT_PROBE, OPT_VERSION, OPT_HELP };

static const struct option long_options[] = {
    { "policy", required_argument, 0, OPT_POLICY }, { "ro", required_argument, 0, OPT_RO },
    { "rw", required_argument, 0, OPT_RW }, { "workdir", required_argument, 0, OPT_WORKDIR },
    { "net", no_argument, 0, OPT_NET }, { "allow-connect", required_argument, 0, OPT_CONNECT },
    { "allow-bind", required_argument, 0, OPT_BIND }, { "mem", required_argument, 0, OPT_MEM },
    { "cpu", required_argument, 0, OPT_CPU }, { "nofile", required_argument, 0, OPT_NOFILE },
    { "nproc", required_argument, 0, OPT_NPROC }, { "fsize", required_argument, 0, OPT_FSIZE },
    { "seccomp-kill", no_argument, 0, OPT_KILL }, { "landlock-best-effort", no_argument, 0, OPT_BEST_EFFORT },
    { "landlock-abi", required_argument, 0, OPT_ABI }, { "uid", required_argument, 0, OPT_UID },
    { "gid", required_argument, 0, OPT_GID }, { "status-fd", required_argument, 0, OPT_STATUS_FD },
    { "quiet", no_argument, 0, OPT_QUIET }, { "print-policy", no_argument, 0, OPT_PRINT_POLICY },
    { "probe", no_argument, 0, OPT_PROBE }, { "version", no_argument, 0, OPT_VERSION },
    { "help", no_argument, 0, OPT_HELP }, { 0, 0, 0, 0 },
};

static void add_port(struct port_list *ports, const char *arg, const char *flag) {
    if (port_list_add(ports, number(arg, flag, 65535)) < 0) usage_error("a port must be from 1 to 65535, got \"%s\"", arg);
}

/* First pass: policy files, wherever they appear, so that the flags (second pass) adjust them. */
static void load_policy_files(struct options *o, int argc, char **argv) {
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+h", long_options, NULL)) != -1) {
        if (c != OPT_POLICY) continue;
        char err[600];
        if (policy_load_file(&o->policy, optarg, err, sizeof err) < 0) usage_error("%s", err);
    }
    optind = 0; /* glibc: start the second pass from scratch */
}

void options_parse(struct options *o, int argc, char **argv) {
    memset(o, 0, sizeof *o);
    policy_init_standard(&o->policy);
    o->status_fd = -1;
    load_policy_files(o, argc, argv);
    struct policy *p = &o->policy;
    int c;
    while ((c = getopt_long(argc, argv, "+h", long_options, NULL)) != -1) {
        switch (c) {
        case OPT_POLICY: break; /* loaded above */
        case OPT_RO: add_path(&p->read_only, optarg, "--ro"); break;
        case OPT_RW: add_path(&p->read_write, optarg, "--rw"); break;
        case OPT_WORKDIR:
            if (optarg[0] != '/') usage_error("--workdir wants an absolute path, got \"%s\"", optarg);
            free(p->workdir);
            p->workdir = strdup(optarg);
            p->private_tmp = false;
            break;
        case OPT_NET: p->network = true; break;
        case OPT_CONNECT: p->network = true; add_port(&p->tcp_connect, optarg, "--allow-connect"); break;
        case OPT_BIND: p->network = true; add_port(&p->tcp_bind, optarg, "--allow-bind"); break;
        case OPT_MEM: p->limits.address_space_mb = limit(optarg, "--mem"); break;
        case OPT_CPU: p->limits.cpu_seconds = limit(optarg, "--cpu"); break;
        case OPT_NOFILE: p->limits.open_files = limit(optarg, "--nofile"); break;
        case OPT_NPROC: p->limits.processes = limit(optarg, "--nproc"); break;
        case OPT_FSIZE: p->limits.file_size_mb = limit(optarg, "--fsize"); break;
        case OPT_KILL: p->seccomp = SECCOMP_MODE_KILL; break;
        case OPT_BEST_EFFORT: p->landlock = LANDLOCK_BEST_EFFORT; break;
        case OPT_ABI: o->landlock_abi_cap = (int)number(optarg, "--landlock-abi", 64); break;
        case OPT_UID: o->drop_uid = true; o->uid = user_id(optarg); break;
        case OPT_GID: o->drop_gid = true; o->gid = group_id(optarg); break;
        case OPT_STATUS_FD: o->status_fd = (int)number(optarg, "--status-fd", 1 << 20); break;
        case OPT_QUIET: o->quiet = true; break;
        case OPT_PRINT_POLICY: o->print_policy = true; break;
        case OPT_PROBE: o->probe = true; break;
        case OPT_VERSION: printf("iron-sandbox %s\n", IRON_SANDBOX_VERSION); exit(0);
        case 'h':
        case OPT_HELP: fputs(usage, stdout); exit(0);
        default: usage_error("unknown or incomplete option %s", argv[optind - 1]);
        }
    }
    if (o->probe || o->print_policy) return;
    if (optind >= argc) usage_error("%s", "no command given: put it after \"--\", e.g. iron-sandbox -- /bin/true");
    o->command = argv + optind;
}
