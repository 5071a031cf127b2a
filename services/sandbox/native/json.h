/* A small JSON reader: just enough for policy files (objects, arrays, strings,
 * numbers, booleans, null). Strings are UTF-8 with the usual escapes. */
#ifndef IRON_JSON_H
#define IRON_JSON_H

#include <stddef.h>

enum json_type { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

struct json {
    enum json_type type;
    int boolean;
    double number;
    char *string;            /* JSON_STRING */
    struct json **items;     /* JSON_ARRAY values, JSON_OBJECT values */
    char **keys;             /* JSON_OBJECT keys, parallel to items */
    size_t len;
};

/* Parses text; on failure returns NULL and writes a message naming the byte offset into err. */
struct json *json_parse(const char *text, char *err, size_t err_len);
void json_free(struct json *value);
/* Value of key in an object, or NULL. */
const struct json *json_get(const struct json *object, const char *key);
const char *json_type_name(enum json_type type);

#endif
