/* Writing a pack (pack.h): the paths first, then the sources and text of each trace as it is
 * added; its events are kept in memory (16 bytes each) and written after the last trace, then
 * the header and the index; all into a temporary file.  Where OUT goes:
 *   - a regular file or a new path: the temporary file sits beside it and is renamed over it
 *     only once complete, so a failed run leaves OUT as it was;
 *   - a character device or a FIFO (/dev/full, /dev/null, a pipe's name): never replaced; the
 *     temporary file is anonymous (tmpfile) and copied into OUT once complete;
 *   - a symbolic link: followed; its target is written by the rules above, the link stays;
 *     a link to a missing file is refused;
 *   - anything else (a folder, a block device, a socket): refused. */
#define _XOPEN_SOURCE 700 /* realpath */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pack.h"

struct pack_writer {
    FILE *f;
    char *out;    /* as given, for messages */
    char *target; /* the file replaced: OUT, or the target of the link OUT */
    char *tmp;    /* beside target, renamed over it; NULL when writing through */
    int through;  /* OUT opened for writing through (a device, a FIFO), or -1 */
    struct pack_entry *entries;
    size_t n, cap;
    uint64_t off; /* where the next part goes */
    struct trace_event *events; /* of every trace added, in order */
    size_t nevents, events_cap;
};

static void io_error(const struct pack_writer *w, char *err, size_t size)
{
    snprintf(err, size, "cannot write %s: %s", w->out, strerror(errno ? errno : EIO));
}

/* Write `len` bytes, then zeros up to a multiple of 8. */
static bool put(struct pack_writer *w, const void *p, size_t len)
{
    static const char zero[8];
    size_t pad = (8 - len % 8) % 8;
    if (fwrite(p, 1, len, w->f) != len || fwrite(zero, 1, pad, w->f) != pad)
        return false;
    w->off += len + pad;
    return true;
}

static size_t index_end(size_t ntraces)
{
    return sizeof(struct pack_header) + ntraces * sizeof(struct pack_entry);
}

/* Where w->out goes (the comment at the top): w->target, then w->tmp or w->through; the
 * temporary file opened.  False with the reason in err. */
static bool open_output(struct pack_writer *w, char *err, size_t size)
{
    struct stat st;
    bool exists = lstat(w->out, &st) == 0;
    if (exists && S_ISLNK(st.st_mode)) {
        w->target = realpath(w->out, NULL);
        if (!w->target) {
            if (errno == ENOENT)
                snprintf(err, size, "cannot write %s: a symbolic link to a missing file", w->out);
            else
                snprintf(err, size, "cannot write %s: %s", w->out, strerror(errno));
            return false;
        }
        exists = stat(w->target, &st) == 0;
    } else if (!(w->target = strdup(w->out))) {
        snprintf(err, size, "out of memory");
        return false;
    }
    if (exists && S_ISDIR(st.st_mode)) {
        snprintf(err, size, "cannot write %s: it is a folder", w->out);
        return false;
    }
    if (exists && (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode))) {
        w->through = open(w->target, O_WRONLY | O_NOCTTY | O_CLOEXEC);
        if (w->through < 0 || !(w->f = tmpfile())) {
            snprintf(err, size, "cannot write %s: %s", w->out, strerror(errno));
            return false;
        }
        return true;
    }
    if (exists && !S_ISREG(st.st_mode)) {
        snprintf(err, size, "cannot write %s: not a regular file, character device or FIFO",
                 w->out);
        return false;
    }
    size_t tl = strlen(w->target) + 32;
    if (!(w->tmp = malloc(tl))) {
        snprintf(err, size, "out of memory");
        return false;
    }
    snprintf(w->tmp, tl, "%s.tmp.%ld", w->target, (long)getpid());
    w->f = fopen(w->tmp, "wb");
    if (!w->f) {
        snprintf(err, size, "cannot write %s: %s", w->out, strerror(errno));
        free(w->tmp); /* nothing to remove */
        w->tmp = NULL;
        return false;
    }
    return true;
}

/* The finished temporary file copied into w->through; false with errno set. */
static bool copy_through(struct pack_writer *w)
{
    char buf[1 << 16];
    size_t n;
    rewind(w->f);
    while ((n = fread(buf, 1, sizeof buf, w->f)) > 0)
        for (size_t done = 0; done < n;) {
            ssize_t k = write(w->through, buf + done, n - done);
            if (k < 0 && errno == EINTR)
                continue;
            if (k <= 0)
                return false;
            done += (size_t)k;
        }
    return !ferror(w->f);
}

struct pack_writer *pack_writer_open(const char *out, const char *const *paths, size_t ntraces,
                                     char *err, size_t size)
{
    struct pack_writer *w = calloc(1, sizeof *w);
    if (w)
        w->through = -1;
    if (!w || !(w->out = strdup(out)) ||
        !(w->entries = calloc(ntraces ? ntraces : 1, sizeof *w->entries))) {
        snprintf(err, size, "out of memory");
        pack_writer_abandon(w);
        return NULL;
    }
    w->cap = ntraces;
    if (!open_output(w, err, size)) {
        pack_writer_abandon(w);
        return NULL;
    }
    /* Room for the header and the index, written last; then the paths. */
    w->off = index_end(ntraces);
    errno = 0;
    bool ok = fseek(w->f, (long)w->off, SEEK_SET) == 0;
    for (size_t i = 0; ok && i < ntraces; i++) {
        size_t len = strlen(paths[i]);
        if (len > UINT32_MAX - 1) {
            snprintf(err, size, "%s: path too long for a pack", paths[i]);
            pack_writer_abandon(w);
            return NULL;
        }
        w->entries[i].path = w->off;
        w->entries[i].path_len = (uint32_t)len;
        ok = put(w, paths[i], len + 1);
    }
    if (!ok) {
        io_error(w, err, size);
        pack_writer_abandon(w);
        return NULL;
    }
    return w;
}

bool pack_writer_add(struct pack_writer *w, const struct trace *t, char *err, size_t size)
{
    if (w->n == w->cap) {
        snprintf(err, size, "internal error: more traces than announced");
        return false;
    }
    if (t->nevents > UINT32_MAX || t->text_len > UINT32_MAX) {
        snprintf(err, size, "trace %zu is too large for a pack (4 GiB of text or events)", w->n + 1);
        return false;
    }
    for (size_t i = 0; i < t->nevents; i++)
        if (t->events[i].allowed & TRACE_STATUS_OTHER) {
            /* its value is only in the text, and a pack's events hold the thirteen names */
            snprintf(err, size, "line %d: a hex status that is no STOR_STATUS cannot be packed "
                     "(the pack format holds the named statuses only); replay the trace file itself",
                     t->source[i].line);
            return false;
        }
    if (w->nevents + t->nevents > w->events_cap) {
        size_t c = (w->nevents + t->nevents) * 2;
        struct trace_event *ev = realloc(w->events, c * sizeof *ev);
        if (!ev) {
            snprintf(err, size, "out of memory");
            return false;
        }
        w->events = ev;
        w->events_cap = c;
    }
    memcpy(w->events + w->nevents, t->events, t->nevents * sizeof *t->events);
    struct pack_entry *e = &w->entries[w->n++];
    *e = (struct pack_entry){
        .path = e->path, .path_len = e->path_len,
        .nevents = (uint32_t)t->nevents, .text_len = (uint32_t)t->text_len,
        .end_line = t->end_line, .has_loop = t->has_loop,
        .loop_at = (uint32_t)t->loop_at, .nworkers = t->nworkers, .nbad = t->nbad,
        .nroutines = t->nroutines, .ncontexts = t->ncontexts, .nthreads = t->nthreads};
    e->events = w->nevents; /* an index until pack_writer_finish makes it an offset */
    w->nevents += t->nevents;
    errno = 0;
    e->sources = w->off;
    bool ok = put(w, t->source, t->nevents * sizeof *t->source);
    e->text = w->off;
    ok = ok && put(w, t->text, t->text_len);
    if (!ok)
        io_error(w, err, size);
    return ok;
}

bool pack_writer_finish(struct pack_writer *w, char *err, size_t size)
{
    uint64_t events = w->off;
    for (size_t i = 0; i < w->n; i++)
        w->entries[i].events = events + w->entries[i].events * sizeof *w->events;
    errno = 0;
    bool ok = w->n == w->cap;
    if (!ok)
        snprintf(err, size, "internal error: fewer traces than announced");
    else if (!put(w, w->events, w->nevents * sizeof *w->events)) {
        io_error(w, err, size);
        ok = false;
    }
    struct pack_header h = {.version = PACK_VERSION, .byte_order = PACK_BYTE_ORDER,
                            .event_size = sizeof(struct trace_event),
                            .source_size = sizeof(struct trace_source),
                            .entry_size = sizeof(struct pack_entry), .header_size = sizeof h,
                            .ntraces = w->n, .size = w->off};
    memcpy(h.magic, PACK_MAGIC, sizeof h.magic);
    if (ok && (fseek(w->f, 0, SEEK_SET) != 0 || fwrite(&h, sizeof h, 1, w->f) != 1 ||
             fwrite(w->entries, sizeof *w->entries, w->n, w->f) != w->n || fflush(w->f) != 0 ||
             (w->tmp && fsync(fileno(w->f)) != 0))) {
        io_error(w, err, size);
        ok = false;
    }
    if (ok && w->through >= 0 && !copy_through(w)) {
        io_error(w, err, size);
        ok = false;
    }
    if (fclose(w->f) != 0 && ok) {
        io_error(w, err, size);
        ok = false;
    }
    w->f = NULL;
    if (w->through >= 0) {
        errno = 0;
        if (close(w->through) != 0 && ok) {
            io_error(w, err, size);
            ok = false;
        }
        w->through = -1;
    }
    if (ok && w->tmp && rename(w->tmp, w->target) != 0) {
        snprintf(err, size, "cannot write %s: %s", w->out, strerror(errno));
        ok = false;
    }
    if (ok) {
        free(w->tmp);
        w->tmp = NULL;
    }
    pack_writer_abandon(w);
    return ok;
}

void pack_writer_abandon(struct pack_writer *w)
{
    if (!w)
        return;
    if (w->f)
        fclose(w->f);
    if (w->through >= 0)
        close(w->through);
    if (w->tmp)
        unlink(w->tmp);
    free(w->tmp);
    free(w->target);
    free(w->out);
    free(w->entries);
    free(w->events);
    free(w);
}
