#include "json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct reader {
    const char *text;
    size_t pos;
    char *err;
    size_t err_len;
    int depth;
};

static struct json *parse_value(struct reader *r);

static void fail(struct reader *r, const char *what) {
    if (r->err[0] == '\0') snprintf(r->err, r->err_len, "%s at byte %zu", what, r->pos);
}

static void skip_space(struct reader *r) {
    while (strchr(" \t\r\n", r->text[r->pos]) && r->text[r->pos] != '\0') r->pos++;
}

static struct json *new_value(enum json_type type) {
    struct json *v = calloc(1, sizeof *v);
    if (v) v->type = type;
    return v;
}

static int append(struct json *container, char *key, struct json *item) {
    if ((container->len & (container->len - 1)) == 0) { /* grow at powers of two */
        size_t cap = container->len ? container->len * 2 : 4;
        struct json **items = realloc(container->items, cap * sizeof *items);
        if (!items) return -1;
        container->items = items;
        if (container->type == JSON_OBJECT) {
            char **keys = realloc(container->keys, cap * sizeof *keys);
            if (!keys) return -1;
            container->keys = keys;
        }
    }
    container->items[container->len] = item;
    if (container->type == JSON_OBJECT) container->keys[container->len] = key;
    container->len++;
    return 0;
}

static int put_utf8(char *out, size_t *n, unsigned cp) {
    if (cp < 0x80) { out[(*n)++] = (char)cp; }
    else if (cp < 0x800) { out[(*n)++] = (char)(0xC0 | (cp >> 6)); out[(*n)++] = (char)(0x80 | (cp & 0x3F)); }
    else if (cp < 0x10000) {
        out[(*n)++] = (char)(0xE0 | (cp >> 12)); out[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[(*n)++] = (char)(0x80 | (cp & 0x3F));
    } else {
        out[(*n)++] = (char)(0xF0 | (cp >> 18)); out[(*n)++] = (char)(0x80 | ((cp >> 12) & 0x3F));
        out[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3F)); out[(*n)++] = (char)(0x80 | (cp & 0x3F));
    }
    return 0;
}

static int read_hex4(struct reader *r, unsigned *out) {
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = r->text[r->pos++];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
        else { fail(r, "bad \\u escape"); return -1; }
    }
    *out = v;
    return 0;
}

static char *parse_string(struct reader *r) {
    r->pos++; /* opening quote */
    size_t start = r->pos, n = 0;
    char *out = malloc(strlen(r->text + start) + 1); /* escapes only shrink */
    if (!out) { fail(r, "out of memory"); return NULL; }
    for (;;) {
        unsigned char c = (unsigned char)r->text[r->pos++];
        if (c == '"') break;
        if (c == '\0' || c < 0x20) { fail(r, "unterminated string"); free(out); return NULL; }
        if (c != '\\') { out[n++] = (char)c; continue; }
        char e = r->text[r->pos++];
        unsigned cp;
        switch (e) {
        case '"': out[n++] = '"'; break;
        case '\\': out[n++] = '\\'; break;
        case '/': out[n++] = '/'; break;
        case 'b': out[n++] = '\b'; break;
        case 'f': out[n++] = '\f'; break;
        case 'n': out[n++] = '\n'; break;
        case 'r': out[n++] = '\r'; break;
        case 't': out[n++] = '\t'; break;
        case 'u':
            if (read_hex4(r, &cp) < 0) { free(out); return NULL; }
            if (cp >= 0xD800 && cp < 0xDC00 && r->text[r->pos] == '\\' && r->text[r->pos + 1] == 'u') {
                unsigned low;
                r->pos += 2;
                if (read_hex4(r, &low) < 0) { free(out); return NULL; }
                cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            }
            if (cp == 0) { fail(r, "NUL in string"); free(out); return NULL; }
            put_utf8(out, &n, cp);
            break;
        default: fail(r, "bad escape"); free(out); return NULL;
        }
    }
    out[n] = '\0';
    return out;
}

static struct json *parse_container(struct reader *r, enum json_type type) {
    char close = type == JSON_OBJECT ? '}' : ']';
    struct json *v = new_value(type);
    if (!v) { fail(r, "out of memory"); return NULL; }
    if (++r->depth > 32) { fail(r, "nested too deeply"); json_free(v); return NULL; }
    r->pos++;
    skip_space(r);
    if (r->text[r->pos] == close) { r->pos++; r->depth--; return v; }
    for (;;) {
        char *key = NULL;
        skip_space(r);
        if (type == JSON_OBJECT) {
            if (r->text[r->pos] != '"') { fail(r, "expected a key"); json_free(v); return NULL; }
            if (!(key = parse_string(r))) { json_free(v); return NULL; }
            skip_space(r);
            if (r->text[r->pos++] != ':') { fail(r, "expected ':'"); free(key); json_free(v); return NULL; }
        }
        struct json *item = parse_value(r);
        if (!item || append(v, key, item) < 0) { free(key); json_free(item); json_free(v); fail(r, "out of memory"); return NULL; }
        skip_space(r);
        char c = r->text[r->pos++];
        if (c == close) break;
        if (c != ',') { r->pos--; fail(r, type == JSON_OBJECT ? "expected ',' or '}'" : "expected ',' or ']'"); json_free(v); return NULL; }
    }
    r->depth--;
    return v;
}

static struct json *parse_value(struct reader *r) {
    skip_space(r);
    const char *p = r->text + r->pos;
    struct json *v;
    if (*p == '{') return parse_container(r, JSON_OBJECT);
    if (*p == '[') return parse_container(r, JSON_ARRAY);
    if (*p == '"') {
        char *s = parse_string(r);
        if (!s) return NULL;
        if (!(v = new_value(JSON_STRING))) { free(s); return NULL; }
        v->string = s;
        return v;
    }
    if (strncmp(p, "true", 4) == 0 || strncmp(p, "false", 5) == 0) {
        if (!(v = new_value(JSON_BOOL))) return NULL;
        v->boolean = *p == 't';
        r->pos += v->boolean ? 4 : 5;
        return v;
    }
    if (strncmp(p, "null", 4) == 0) { r->pos += 4; return new_value(JSON_NULL); }
    if (*p == '-' || (*p >= '0' && *p <= '9')) {
        char *end;
        double d = strtod(p, &end);
        if (end == p) { fail(r, "bad number"); return NULL; }
        if (!(v = new_value(JSON_NUMBER))) return NULL;
        v->number = d;
        r->pos += (size_t)(end - p);
        return v;
    }
    fail(r, "unexpected character");
    return NULL;
}

struct json *json_parse(const char *text, char *err, size_t err_len) {
    struct reader r = { text, 0, err, err_len, 0 };
    err[0] = '\0';
    struct json *v = parse_value(&r);
    if (!v) return NULL;
    skip_space(&r);
    if (r.text[r.pos] != '\0') { fail(&r, "trailing characters"); json_free(v); return NULL; }
    return v;
}

void json_free(struct json *v) {
    if (!v) return;
    for (size_t i = 0; i < v->len; i++) {
        json_free(v->items[i]);
        if (v->keys) free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->string);
    free(v);
}

const struct json *json_get(const struct json *object, const char *key) {
    if (!object || object->type != JSON_OBJECT) return NULL;
    for (size_t i = 0; i < object->len; i++)
        if (strcmp(object->keys[i], key) == 0) return object->items[i];
    return NULL;
}

const char *json_type_name(enum json_type type) {
    static const char *names[] = { "null", "boolean", "number", "string", "array", "object" };
    return names[type];
}
