/* What the launcher enforces: the standard profile unless a policy file or flags say otherwise. */
#ifndef IRON_POLICY_H
#define IRON_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct string_list { char **items; size_t len, cap; };
struct port_list { unsigned short *items; size_t len, cap; };

enum seccomp_mode { SECCOMP_MODE_ERRNO, SECCOMP_MODE_KILL };
enum landlock_mode { LANDLOCK_REQUIRED, LANDLOCK_BEST_EFFORT };

/* A limit of -1 means "leave as inherited". */
struct limits {
    long long address_space_mb;
    long long cpu_seconds;
    long long open_files;
    long long processes;
    long long file_size_mb;
};

struct policy {
    struct string_list read_only;
    struct string_list read_write;
    bool private_tmp;        /* a fresh 0700 temp dir, read-write, the working directory, removed afterwards */
    char *workdir;           /* working directory when private_tmp is off (NULL: inherit) */
    bool network;            /* AF_INET/AF_INET6 sockets allowed; TCP still needs port rules */
    struct port_list tcp_connect;
    struct port_list tcp_bind;
    struct limits limits;
    enum seccomp_mode seccomp;
    enum landlock_mode landlock;
};

void policy_init_standard(struct policy *p);
/* Overrides p key by key from a JSON policy file; returns 0, or -1 with a message in err. */
int policy_load_file(struct policy *p, const char *path, char *err, size_t err_len);
void policy_print_json(const struct policy *p, int fd);

int string_list_add(struct string_list *list, const char *item);
void string_list_clear(struct string_list *list);
int port_list_add(struct port_list *list, long long port);

#endif
