/* The trace files named on the command line: files as given, folders searched for *.trace and
 * *.pack. */
#ifndef STORK_REPLAY_FILES_H
#define STORK_REPLAY_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "trace.h"

struct file_list {
    char **paths;
    size_t n, cap;
};

/* Add `path` (a file) or every *.trace and *.pack under it (a folder, recursively, sorted). */
bool files_add(struct file_list *l, const char *path, char *err, size_t size);
void files_free(struct file_list *l);

/* The files taken so far, by device and inode (so a file reached by two paths is one). */
struct file_set {
    struct file_key { unsigned long long dev, ino; } *slots; /* ino 0: empty */
    size_t n, cap;
};
/* Remember st's file; *added false if it was there. False only out of memory. */
bool file_set_add(struct file_set *s, const struct stat *st, bool *added);
void file_set_free(struct file_set *s);
/* Read a whole file; malloc'd with room for a NUL after it, *len set; NULL with a reason in
 * err. */
char *files_read(const char *path, size_t *len, char *err, size_t size);
/* Read, parse and check one trace into *t (release with trace_free).  False with the line to
 * print in err: "FILE:LINE: message", or "stork-replay: FILE: cannot read ...". */
bool files_load_trace(const char *path, struct trace *t, char *err, size_t size);

#endif
