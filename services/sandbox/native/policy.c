#include "policy.h"
#include "json.h"
#include "json_out.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The standard profile. Keep in step with STANDARD in src/profiles.ts (a test compares them). */
static const char *const standard_read_only[] = {
    "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32",
    "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d",
    "/dev/zero", "/dev/urandom",
};
static const char *const standard_read_write[] = { "/dev/null" };

int string_list_add(struct string_list *list, const char *item) {
    if (list->len == list->cap) {
        size_t cap = list->cap ? list->cap * 2 : 16;
        char **items = realloc(list->items, cap * sizeof *items);
        if (!items) return -1;
        list->items = items;
        list->cap = cap;
    }
    if (!(list->items[list->len] = strdup(item))) return -1;
    list->len++;
    return 0;
}

void string_list_clear(struct string_list *list) {
    for (size_t i = 0; i < list->len; i++) free(list->items[i]);
    list->len = 0;
}

int port_list_add(struct port_list *list, long long port) {
    if (port < 1 || port > 65535) return -1;
    if (list->len == list->cap) {
        size_t cap = list->cap ? list->cap * 2 : 8;
        unsigned short *items = realloc(list->items, cap * sizeof *items);
        if (!items) return -1;
        list->items = items;
        list->cap = cap;
    }
    list->items[list->len++] = (unsigned short)port;
    return 0;
}

void policy_init_standard(struct policy *p) {
    memset(p, 0, sizeof *p);
    for (size_t i = 0; i < sizeof standard_read_only / sizeof *standard_read_only; i++)
        string_list_add(&p->read_only, standard_read_only[i]);
    for (size_t i = 0; i < sizeof standard_read_write / sizeof *standard_read_write; i++)
        string_list_add(&p->read_write, standard_read_write[i]);
    p->private_tmp = true;
    p->limits = (struct limits){
        .address_space_mb = 4096, .cpu_seconds = 60, .open_files = 256, .processes = 64, .file_size_mb = 256,
    };
    p->seccomp = SECCOMP_MODE_ERRNO;
    p->landlock = LANDLOCK_REQUIRED;
}

static int bad(char *err, size_t err_len, const char *key, const char *want) {
    snprintf(err, err_len, "\"%s\" must be %s", key, want);
    return -1;
}

static int load_paths(struct string_list *list, const struct json *v, const char *key, char *err, size_t err_len) {
    if (v->type != JSON_ARRAY) return bad(err, err_len, key, "an array of absolute paths");
    string_list_clear(list);
    for (size_t i = 0; i < v->len; i++) {
        const struct json *item = v->items[i];
        if (item->type != JSON_STRING || item->string[0] != '/') return bad(err, err_len, key, "an array of absolute paths");
        if (string_list_add(list, item->string) < 0) return bad(err, err_len, key, "smaller (out of memory)");
    }
    return 0;
}

static int load_ports(struct port_list *list, const struct json *v, const char *key, char *err, size_t err_len) {
    if (v->type != JSON_ARRAY) return bad(err, err_len, key, "an array of TCP ports (1-65535)");
    list->len = 0;
    for (size_t i = 0; i < v->len; i++) {
        const struct json *item = v->items[i];
        if (item->type != JSON_NUMBER || item->number != (long long)item->number || port_list_add(list, (long long)item->number) < 0)
            return bad(err, err_len, key, "an array of TCP ports (1-65535)");
    }
    return 0;
}

/* A limit is a positive integer, or null for "inherit". */
static int load_limit(long long *out, const struct json *v, const char *key, char *err, size_t err_len) {
    if (v->type == JSON_NULL) { *out = -1; return 0; }
    if (v->type != JSON_NUMBER || v->number < 1 || v->number > 1e12 || v->number != (long long)v->number)
        return bad(err, err_len, key, "a positive integer or null");
    *out = (long long)v->number;
    return 0;
}

static int load_limits(struct limits *l, const struct json *v, char *err, size_t err_len) {
    if (v->type != JSON_OBJECT) return bad(err, err_len, "limits", "an object");
    for (size_t i = 0; i < v->len; i++) {
        const char *k = v->keys[i];
        const struct json *x = v->items[i];
        long long *slot = strcmp(k, "address_space_mb") == 0 ? &l->address_space_mb
                        : strcmp(k, "cpu_seconds") == 0      ? &l->cpu_seconds
                        : strcmp(k, "open_files") == 0       ? &l->open_files
                        : strcmp(k, "processes") == 0        ? &l->processes
                        : strcmp(k, "file_size_mb") == 0     ? &l->file_size_mb
                                                             : NULL;
        if (!slot) {
            snprintf(err, err_len, "unknown key \"limits.%s\" (known: address_space_mb, cpu_seconds, open_files, processes, file_size_mb)", k);
            return -1;
        }
        if (load_limit(slot, x, k, err, err_len) < 0) return -1;
    }
    return 0;
}

static int load_network(struct policy *p, const struct json *v, char *err, size_t err_len) {
    if (v->type != JSON_OBJECT) return bad(err, err_len, "network", "an object {enabled, tcp_connect, tcp_bind}");
    for (size_t i = 0; i < v->len; i++) {
        const char *k = v->keys[i];
        const struct json *x = v->items[i];
        if (strcmp(k, "enabled") == 0) {
            if (x->type != JSON_BOOL) return bad(err, err_len, "network.enabled", "true or false");
            p->network = x->boolean;
        } else if (strcmp(k, "tcp_connect") == 0) {
            if (load_ports(&p->tcp_connect, x, "network.tcp_connect", err, err_len) < 0) return -1;
        } else if (strcmp(k, "tcp_bind") == 0) {
            if (load_ports(&p->tcp_bind, x, "network.tcp_bind", err, err_len) < 0) return -1;
        } else {
            snprintf(err, err_len, "unknown key \"network.%s\" (known: enabled, tcp_connect, tcp_bind)", k);
            return -1;
        }
    }
    return 0;
}

static int load_key(struct policy *p, const char *k, const struct json *x, char *err, size_t err_len) {
    if (strcmp(k, "read_only") == 0) return load_paths(&p->read_only, x, k, err, err_len);
    if (strcmp(k, "read_write") == 0) return load_paths(&p->read_write, x, k, err, err_len);
    if (strcmp(k, "private_tmp") == 0) {
        if (x->type != JSON_BOOL) return bad(err, err_len, k, "true or false");
        p->private_tmp = x->boolean;
        return 0;
    }
    if (strcmp(k, "workdir") == 0) {
        if (x->type == JSON_NULL) { free(p->workdir); p->workdir = NULL; return 0; }
        if (x->type != JSON_STRING || x->string[0] != '/') return bad(err, err_len, k, "an absolute path or null");
        free(p->workdir);
        p->workdir = strdup(x->string);
        return 0;
    }
    if (strcmp(k, "network") == 0) return load_network(p, x, err, err_len);
    if (strcmp(k, "limits") == 0) return load_limits(&p->limits, x, err, err_len);
    if (strcmp(k, "seccomp_action") == 0) {
        if (x->type != JSON_STRING || (strcmp(x->string, "errno") && strcmp(x->string, "kill")))
            return bad(err, err_len, k, "\"errno\" or \"kill\"");
        p->seccomp = strcmp(x->string, "kill") == 0 ? SECCOMP_MODE_KILL : SECCOMP_MODE_ERRNO;
        return 0;
    }
    if (strcmp(k, "landlock") == 0) {
        if (x->type != JSON_STRING || (strcmp(x->string, "required") && strcmp(x->string, "best_effort")))
            return bad(err, err_len, k, "\"required\" or \"best_effort\"");
        p->landlock = strcmp(x->string, "required") == 0 ? LANDLOCK_REQUIRED : LANDLOCK_BEST_EFFORT;
        return 0;
    }
    snprintf(err, err_len,
             "unknown key \"%s\" (known: read_only, read_write, private_tmp, workdir, network, limits, seccomp_action, landlock)", k);
    return -1;
}

static char *read_small_file(const char *path, char *err, size_t err_len) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) { snprintf(err, err_len, "cannot open policy %s: %s", path, strerror(errno)); return NULL; }
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (!buf) break;
        if (len + 1 >= cap) {
            if (cap >= (1u << 20)) { snprintf(err, err_len, "policy %s is larger than 1 MiB", path); free(buf); buf = NULL; break; }
            char *bigger = realloc(buf, cap *= 2);
            if (!bigger) { free(buf); buf = NULL; break; }
            buf = bigger;
        }
        ssize_t n = read(fd, buf + len, cap - len - 1);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) { snprintf(err, err_len, "cannot read policy %s: %s", path, strerror(errno)); free(buf); buf = NULL; break; }
        if (n == 0) { buf[len] = '\0'; break; }
        len += (size_t)n;
    }
    close(fd);
    if (!buf && err[0] == '\0') snprintf(err, err_len, "out of memory reading %s", path);
    return buf;
}

int policy_load_file(struct policy *p, const char *path, char *err, size_t err_len) {
    char parse_err[160];
    err[0] = '\0';
    char *text = read_small_file(path, err, err_len);
    if (!text) return -1;
    struct json *root = json_parse(text, parse_err, sizeof parse_err);
    free(text);
    if (!root) { snprintf(err, err_len, "policy %s is not valid JSON: %s", path, parse_err); return -1; }
    int rc = 0;
    if (root->type != JSON_OBJECT) { snprintf(err, err_len, "policy %s must be a JSON object", path); rc = -1; }
    /* A working directory replaces the private temp dir unless the file asks for both. */
    const struct json *workdir = json_get(root, "workdir");
    if (rc == 0 && workdir && workdir->type == JSON_STRING && !json_get(root, "private_tmp")) p->private_tmp = false;
    for (size_t i = 0; rc == 0 && i < root->len; i++) {
        char key_err[400];
        if (load_key(p, root->keys[i], root->items[i], key_err, sizeof key_err) < 0) {
            snprintf(err, err_len, "policy %s: %s", path, key_err);
            rc = -1;
        }
    }
    if (rc == 0 && p->private_tmp && p->workdir) {
        snprintf(err, err_len, "policy %s: \"workdir\" and \"private_tmp\": true exclude each other (the private temp dir is the working directory)", path);
        rc = -1;
    }
    json_free(root);
    return rc;
}

static void print_paths(struct json_out *o, const char *key, const struct string_list *list) {
    json_out_key(o, key);
    json_out_begin_array(o);
    for (size_t i = 0; i < list->len; i++) json_out_string(o, list->items[i]);
    json_out_end_array(o);
}

static void print_ports(struct json_out *o, const char *key, const struct port_list *list) {
    json_out_key(o, key);
    json_out_begin_array(o);
    for (size_t i = 0; i < list->len; i++) json_out_int(o, list->items[i]);
    json_out_end_array(o);
}

static void print_limit(struct json_out *o, const char *key, long long value) {
    json_out_key(o, key);
    if (value < 0) json_out_null(o);
    else json_out_int(o, value);
}

void policy_print_json(const struct policy *p, int fd) {
    struct json_out o;
    json_out_init(&o);
    json_out_begin_object(&o);
    print_paths(&o, "read_only", &p->read_only);
    print_paths(&o, "read_write", &p->read_write);
    json_out_key(&o, "private_tmp"); json_out_bool(&o, p->private_tmp);
    json_out_key(&o, "workdir");
    if (p->workdir) json_out_string(&o, p->workdir); else json_out_null(&o);
    json_out_key(&o, "network");
    json_out_begin_object(&o);
    json_out_key(&o, "enabled"); json_out_bool(&o, p->network);
    print_ports(&o, "tcp_connect", &p->tcp_connect);
    print_ports(&o, "tcp_bind", &p->tcp_bind);
    json_out_end_object(&o);
    json_out_key(&o, "limits");
    json_out_begin_object(&o);
    print_limit(&o, "address_space_mb", p->limits.address_space_mb);
    print_limit(&o, "cpu_seconds", p->limits.cpu_seconds);
    print_limit(&o, "open_files", p->limits.open_files);
    print_limit(&o, "processes", p->limits.processes);
    print_limit(&o, "file_size_mb", p->limits.file_size_mb);
    json_out_end_object(&o);
    json_out_key(&o, "seccomp_action"); json_out_string(&o, p->seccomp == SECCOMP_MODE_KILL ? "kill" : "errno");
    json_out_key(&o, "landlock"); json_out_string(&o, p->landlock == LANDLOCK_REQUIRED ? "required" : "best_effort");
    json_out_end_object(&o);
    json_out_write_line(&o, fd);
}
