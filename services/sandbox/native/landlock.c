#include "landlock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset 444
#define __NR_landlock_add_rule 445
#define __NR_landlock_restrict_self 446
#endif

static int create_ruleset(const struct iron_ll_ruleset_attr *attr, size_t size, uint32_t flags) {
    return (int)syscall(__NR_landlock_create_ruleset, attr, size, flags);
}

static int add_rule(int fd, int type, const void *attr) {
    return (int)syscall(__NR_landlock_add_rule, fd, type, attr, 0);
}

int landlock_abi_version(void) {
    int abi = create_ruleset(NULL, 0, IRON_LL_CREATE_RULESET_VERSION);
    return abi < 0 ? 0 : abi;
}

static uint64_t fs_rights_for(int abi) {
    uint64_t rights = (IRON_LL_FS_MAKE_SYM << 1) - 1; /* ABI 1: bits 0..12 */
    if (abi >= 2) rights |= IRON_LL_FS_REFER;
    if (abi >= 3) rights |= IRON_LL_FS_TRUNCATE;
    if (abi >= 5) rights |= IRON_LL_FS_IOCTL_DEV;
    return rights;
}

/* Rights that make sense on a file (not a directory) beneath-rule. */
static const uint64_t file_rights = IRON_LL_FS_EXECUTE | IRON_LL_FS_WRITE_FILE | IRON_LL_FS_READ_FILE |
                                    IRON_LL_FS_TRUNCATE | IRON_LL_FS_IOCTL_DEV;

static size_t attr_size_for(int abi) {
    if (abi >= 6) return sizeof(struct iron_ll_ruleset_attr);
    if (abi >= 4) return 2 * sizeof(uint64_t);
    return sizeof(uint64_t);
}

static void note_gaps(const struct policy *p, int abi, struct landlock_gaps *gaps) {
    gaps->len = 0;
    if (abi == 0) { gaps->items[gaps->len++] = "filesystem (no Landlock)"; return; }
    if (abi < 3) gaps->items[gaps->len++] = "truncate (Landlock ABI < 3)";
    /* With networking off, seccomp refuses every non-UNIX socket, so only an enabled network leaves a gap. */
    if (abi < 4 && p->network) gaps->items[gaps->len++] = "tcp bind/connect port rules (Landlock ABI < 4)";
    if (abi < 5) gaps->items[gaps->len++] = "device ioctl (Landlock ABI < 5)";
    if (abi < 6) gaps->items[gaps->len++] = "signal and abstract UNIX socket scoping (Landlock ABI < 6)";
}

static int allow_path(int ruleset, const char *path, uint64_t access, char *err, size_t err_len) {
    int fd = open(path, O_PATH | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return 0; /* nothing there to allow; denial is the safe reading */
        snprintf(err, err_len, "cannot open %s for a Landlock rule: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode)) access &= file_rights;
    struct iron_ll_path_beneath_attr rule = { .allowed_access = access, .parent_fd = fd };
    int rc = add_rule(ruleset, IRON_LL_RULE_PATH_BENEATH, &rule);
    int saved = errno;
    close(fd);
    if (rc < 0) {
        snprintf(err, err_len, "Landlock rule for %s refused: %s", path, strerror(saved));
        return -1;
    }
    return 0;
}

static int allow_ports(int ruleset, const struct port_list *ports, uint64_t access, char *err, size_t err_len) {
    for (size_t i = 0; i < ports->len; i++) {
        struct iron_ll_net_port_attr rule = { .allowed_access = access, .port = ports->items[i] };
        if (add_rule(ruleset, IRON_LL_RULE_NET_PORT, &rule) < 0) {
            snprintf(err, err_len, "Landlock rule for TCP port %u refused: %s", ports->items[i], strerror(errno));
            return -1;
        }
    }
    return 0;
}

int landlock_build(const struct policy *p, int abi, struct landlock_gaps *gaps, char *err, size_t err_len) {
    note_gaps(p, abi, gaps);
    if (abi == 0) {
        if (p->landlock == LANDLOCK_BEST_EFFORT) return LANDLOCK_NONE;
        snprintf(err, err_len, "Landlock is not available (it needs Linux >= 5.13 with landlock in the LSM list; inside a container, a seccomp profile that allows landlock_create_ruleset, landlock_add_rule and landlock_restrict_self, e.g. services/sandbox/docker/seccomp.json)");
        return -1;
    }
    uint64_t fs = fs_rights_for(abi);
    struct iron_ll_ruleset_attr attr = { .handled_access_fs = fs };
    if (abi >= 4) attr.handled_access_net = IRON_LL_NET_BIND_TCP | IRON_LL_NET_CONNECT_TCP;
    if (abi >= 6) attr.scoped = IRON_LL_SCOPE_ABSTRACT_UNIX_SOCKET | IRON_LL_SCOPE_SIGNAL;
    int ruleset = create_ruleset(&attr, attr_size_for(abi), 0);
    if (ruleset < 0) {
        snprintf(err, err_len, "landlock_create_ruleset failed: %s", strerror(errno));
        return -1;
    }
    fcntl(ruleset, F_SETFD, FD_CLOEXEC);
    const uint64_t read_exec = IRON_LL_FS_EXECUTE | IRON_LL_FS_READ_FILE | IRON_LL_FS_READ_DIR;
    for (size_t i = 0; i < p->read_only.len; i++)
        if (allow_path(ruleset, p->read_only.items[i], read_exec, err, err_len) < 0) goto fail;
    for (size_t i = 0; i < p->read_write.len; i++)
        if (allow_path(ruleset, p->read_write.items[i], fs, err, err_len) < 0) goto fail;
    if (abi >= 4 && p->network) {
        if (allow_ports(ruleset, &p->tcp_connect, IRON_LL_NET_CONNECT_TCP, err, err_len) < 0) goto fail;
        if (allow_ports(ruleset, &p->tcp_bind, IRON_LL_NET_BIND_TCP, err, err_len) < 0) goto fail;
    }
    return ruleset;
fail:
    close(ruleset);
    return -1;
}

int landlock_enforce(int ruleset_fd) {
    if (ruleset_fd < 0) return 0;
    if (syscall(__NR_landlock_restrict_self, ruleset_fd, 0) < 0) return -errno;
    close(ruleset_fd);
    return 0;
}
