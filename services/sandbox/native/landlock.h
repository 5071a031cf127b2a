/* Landlock, defined here rather than taken from <linux/landlock.h>: Debian 12's
 * headers stop at ABI 2, the kernels we run on offer up to ABI 7. */
#ifndef IRON_LANDLOCK_H
#define IRON_LANDLOCK_H

#include <stdint.h>
#include "policy.h"

#define IRON_LL_CREATE_RULESET_VERSION (1U << 0)
#define IRON_LL_RULE_PATH_BENEATH 1
#define IRON_LL_RULE_NET_PORT 2

/* ABI 1 */
#define IRON_LL_FS_EXECUTE (1ULL << 0)
#define IRON_LL_FS_WRITE_FILE (1ULL << 1)
#define IRON_LL_FS_READ_FILE (1ULL << 2)
#define IRON_LL_FS_READ_DIR (1ULL << 3)
#define IRON_LL_FS_REMOVE_DIR (1ULL << 4)
#define IRON_LL_FS_REMOVE_FILE (1ULL << 5)
#define IRON_LL_FS_MAKE_CHAR (1ULL << 6)
#define IRON_LL_FS_MAKE_DIR (1ULL << 7)
#define IRON_LL_FS_MAKE_REG (1ULL << 8)
#define IRON_LL_FS_MAKE_SOCK (1ULL << 9)
#define IRON_LL_FS_MAKE_FIFO (1ULL << 10)
#define IRON_LL_FS_MAKE_BLOCK (1ULL << 11)
#define IRON_LL_FS_MAKE_SYM (1ULL << 12)
/* ABI 2 */
#define IRON_LL_FS_REFER (1ULL << 13)
/* ABI 3 */
#define IRON_LL_FS_TRUNCATE (1ULL << 14)
/* ABI 5 */
#define IRON_LL_FS_IOCTL_DEV (1ULL << 15)
/* ABI 4 */
#define IRON_LL_NET_BIND_TCP (1ULL << 0)
#define IRON_LL_NET_CONNECT_TCP (1ULL << 1)
/* ABI 6 */
#define IRON_LL_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#define IRON_LL_SCOPE_SIGNAL (1ULL << 1)

struct iron_ll_ruleset_attr {
    uint64_t handled_access_fs;
    uint64_t handled_access_net; /* ABI 4 */
    uint64_t scoped;             /* ABI 6 */
};

struct iron_ll_path_beneath_attr {
    uint64_t allowed_access;
    int32_t parent_fd;
} __attribute__((packed));

struct iron_ll_net_port_attr {
    uint64_t allowed_access;
    uint64_t port;
};

/* The kernel's Landlock ABI version, or 0 when Landlock is absent or disabled. */
int landlock_abi_version(void);

/* Things the kernel cannot enforce at this ABI, for the status report. */
struct landlock_gaps {
    const char *items[8];
    int len;
};

#define LANDLOCK_NONE (-2)

/* Builds the ruleset in the supervisor (so errors surface before fork). Returns the ruleset fd,
 * LANDLOCK_NONE when running without Landlock (best_effort on a kernel without it), or -1 with err set. */
int landlock_build(const struct policy *p, int abi, struct landlock_gaps *gaps, char *err, size_t err_len);
/* In the child, after PR_SET_NO_NEW_PRIVS: returns 0 or -errno. */
int landlock_enforce(int ruleset_fd);

#endif
