/* Collecting and reading trace files. */
#include "files.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static bool push(struct file_list *l, const char *path)
{
    if (l->n == l->cap) {
        size_t c = l->cap ? l->cap * 2 : 64;
        char **p = realloc(l->paths, c * sizeof *p);
        if (!p)
            return false;
        l->paths = p;
        l->cap = c;
    }
    l->paths[l->n] = strdup(path);
    return l->paths[l->n++] != NULL;
}

/* Folder entries are kept as a kind character and the name ("f" a regular file, "d" a
 * folder, "?" to be found out with stat), so that the files, most entries, need no stat. */
static int by_entry_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a + 1, *(char *const *)b + 1);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static bool add_dir(struct file_list *l, const char *dir, char *err, size_t size, int depth)
{
    if (depth > 64) {
        snprintf(err, size, "%s: folders nested too deeply", dir);
        return false;
    }
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(err, size, "%s: %s", dir, strerror(errno));
        return false;
    }
    struct file_list names = {0};
    struct dirent *e;
    bool ok = true;
    char entry[sizeof e->d_name + 1];
    while (ok && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        entry[0] = e->d_type == DT_REG ? 'f' : e->d_type == DT_DIR ? 'd' : '?';
        if (entry[0] == 'f' && !ends_with(e->d_name, ".trace") && !ends_with(e->d_name, ".pack"))
            continue;
        snprintf(entry + 1, sizeof entry - 1, "%s", e->d_name);
        ok = push(&names, entry);
    }
    closedir(d);
    if (!ok) {
        files_free(&names);
        snprintf(err, size, "out of memory");
        return false;
    }
    if (names.n)
        qsort(names.paths, names.n, sizeof names.paths[0], by_entry_name);
    for (size_t i = 0; ok && i < names.n; i++) {
        char kind = names.paths[i][0];
        const char *name = names.paths[i] + 1;
        size_t len = strlen(dir) + strlen(name) + 2;
        char *p = malloc(len);
        if (!p) {
            snprintf(err, size, "out of memory");
            ok = false;
            break;
        }
        snprintf(p, len, "%s%s%s", dir, ends_with(dir, "/") ? "" : "/", name);
        struct stat st;
        if (kind == 'd' || (kind == '?' && stat(p, &st) == 0 && S_ISDIR(st.st_mode)))
            ok = add_dir(l, p, err, size, depth + 1);
        else if ((ends_with(p, ".trace") || ends_with(p, ".pack")) && !(ok = push(l, p)))
            snprintf(err, size, "out of memory");
        free(p);
    }
    files_free(&names);
    return ok;
}

bool files_add(struct file_list *l, const char *path, char *err, size_t size)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        snprintf(err, size, "%s: %s", path, strerror(errno));
        return false;
    }
    if (S_ISDIR(st.st_mode))
        return add_dir(l, path, err, size, 0);
    if (!push(l, path)) {
        snprintf(err, size, "out of memory");
        return false;
    }
    return true;
}

static size_t key_hash(struct file_key k, size_t cap)
{
    unsigned long long h = (k.dev * 0x9E3779B97F4A7C15ULL) ^ (k.ino * 0xC2B2AE3D27D4EB4FULL);
    return (size_t)(h ^ (h >> 29)) & (cap - 1);
}

/* Open addressing, linear probing, at most half full; inode 0 marks an empty slot (a file
 * with inode 0 is kept as 1 of its device: at worst one such file is taken once too often). */
static bool set_put(struct file_key *slots, size_t cap, struct file_key k, bool *added)
{
    for (size_t i = key_hash(k, cap);; i = (i + 1) & (cap - 1)) {
        if (slots[i].ino == 0) {
            slots[i] = k;
            *added = true;
            return true;
        }
        if (slots[i].dev == k.dev && slots[i].ino == k.ino) {
            *added = false;
            return true;
        }
    }
}

bool file_set_add(struct file_set *s, const struct stat *st, bool *added)
{
    struct file_key k = {(unsigned long long)st->st_dev, st->st_ino ? (unsigned long long)st->st_ino : 1};
    if (2 * (s->n + 1) > s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 1024;
        struct file_key *slots = calloc(cap, sizeof *slots);
        if (!slots)
            return false;
        bool unused;
        for (size_t i = 0; i < s->cap; i++)
            if (s->slots[i].ino)
                set_put(slots, cap, s->slots[i], &unused);
        free(s->slots);
        s->slots = slots;
        s->cap = cap;
    }
    set_put(s->slots, s->cap, k, added);
    s->n += *added;
    return true;
}

void file_set_free(struct file_set *s)
{
    free(s->slots);
    *s = (struct file_set){0};
}

void files_free(struct file_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->paths[i]);
    free(l->paths);
    l->paths = NULL;
    l->n = l->cap = 0;
}

char *files_read(const char *path, size_t *len, char *err, size_t size)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        snprintf(err, size, "%s: cannot read: %s", path, strerror(errno));
        return NULL;
    }
    /* Sized by fstat and read straight into place, one byte kept for a NUL after the data
     * (trace_parse_owned); a file that grows meanwhile is still read whole. */
    struct stat st;
    size_t cap = fstat(fd, &st) == 0 && st.st_size > 0 ? (size_t)st.st_size + 1 : 4096, n = 0;
    char *buf = malloc(cap);
    const char *why = buf ? NULL : "out of memory";
    while (!why) {
        char extra;
        bool full = n + 1 == cap; /* then one byte more, to see whether the file goes on */
        ssize_t r = full ? read(fd, &extra, 1) : read(fd, buf + n, cap - n - 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            why = strerror(errno);
        else if (r == 0)
            break;
        else if (!full)
            n += (size_t)r;
        else {
            char *b = realloc(buf, cap * 2);
            if (!b)
                why = "out of memory";
            else {
                buf = b;
                cap *= 2;
                buf[n++] = extra;
            }
        }
    }
    close(fd);
    if (why) {
        snprintf(err, size, "%s: cannot read: %s", path, why);
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

bool files_load_trace(const char *path, struct trace *t, char *err, size_t size)
{
    char why[512];
    size_t len;
    char *data = files_read(path, &len, why, sizeof why);
    if (!data) {
        snprintf(err, size, "stork-replay: %s", why);
        return false;
    }
    struct trace_error te;
    bool ok = trace_parse_owned(data, len, t, &te);
    if (ok && !trace_check(t, &te)) {
        trace_free(t);
        ok = false;
    }
    if (!ok)
        snprintf(err, size, "%s:%d: %s", path, te.line, te.message);
    return ok;
}
