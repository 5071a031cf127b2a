/* A JSON writer into a growing buffer, flushed as one line to a file descriptor. */
#ifndef IRON_JSON_OUT_H
#define IRON_JSON_OUT_H

#include <stdbool.h>
#include <stddef.h>

struct json_out {
    char *buf;
    size_t len, cap;
    bool need_comma;
};

void json_out_init(struct json_out *o);
void json_out_begin_object(struct json_out *o);
void json_out_end_object(struct json_out *o);
void json_out_begin_array(struct json_out *o);
void json_out_end_array(struct json_out *o);
void json_out_key(struct json_out *o, const char *key);
void json_out_string(struct json_out *o, const char *s);
void json_out_int(struct json_out *o, long long v);
void json_out_bool(struct json_out *o, bool v);
void json_out_null(struct json_out *o);
/* Writes the buffer and a newline to fd, then frees the buffer. */
void json_out_write_line(struct json_out *o, int fd);

#endif
