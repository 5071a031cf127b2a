#include "json_out.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void put(struct json_out *o, const char *s, size_t n) {
    if (o->len + n + 2 > o->cap) {
        size_t cap = o->cap ? o->cap : 256;
        while (o->len + n + 2 > cap) cap *= 2;
        char *buf = realloc(o->buf, cap);
        if (!buf) return; /* drop output rather than crash; the reader sees truncated JSON */
        o->buf = buf;
        o->cap = cap;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
}

static void puts_raw(struct json_out *o, const char *s) { put(o, s, strlen(s)); }

static void separator(struct json_out *o) {
    if (o->need_comma) puts_raw(o, ",");
    o->need_comma = true;
}

void json_out_init(struct json_out *o) { *o = (struct json_out){ 0 }; }
void json_out_begin_object(struct json_out *o) { separator(o); puts_raw(o, "{"); o->need_comma = false; }
void json_out_end_object(struct json_out *o) { puts_raw(o, "}"); o->need_comma = true; }
void json_out_begin_array(struct json_out *o) { separator(o); puts_raw(o, "["); o->need_comma = false; }
void json_out_end_array(struct json_out *o) { puts_raw(o, "]"); o->need_comma = true; }

static void quoted(struct json_out *o, const char *s) {
    puts_raw(o, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char esc[8];
        if (*p == '"' || *p == '\\') { esc[0] = '\\'; esc[1] = (char)*p; put(o, esc, 2); }
        else if (*p < 0x20) { snprintf(esc, sizeof esc, "\\u%04x", *p); puts_raw(o, esc); }
        else put(o, (const char *)p, 1);
    }
    puts_raw(o, "\"");
}

void json_out_key(struct json_out *o, const char *key) {
    separator(o);
    quoted(o, key);
    puts_raw(o, ":");
    o->need_comma = false;
}

void json_out_string(struct json_out *o, const char *s) { separator(o); quoted(o, s); }

void json_out_int(struct json_out *o, long long v) {
    char num[32];
    snprintf(num, sizeof num, "%lld", v);
    separator(o);
    puts_raw(o, num);
}

void json_out_bool(struct json_out *o, bool v) { separator(o); puts_raw(o, v ? "true" : "false"); }
void json_out_null(struct json_out *o) { separator(o); puts_raw(o, "null"); }

void json_out_write_line(struct json_out *o, int fd) {
    puts_raw(o, "\n");
    for (size_t off = 0; o->buf && off < o->len;) {
        ssize_t n = write(fd, o->buf + off, o->len - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        off += (size_t)n;
    }
    free(o->buf);
    json_out_init(o);
}
