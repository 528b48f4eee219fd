/* Reading a pack (pack.h): map it, check that every part it names lies inside it, and hand out
 * traces that point into the mapping. */
#define _POSIX_C_SOURCE 200809L
#include "pack.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

bool pack_is(const char *path)
{
    char magic[8];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t n = read(fd, magic, sizeof magic);
    close(fd);
    return n == (ssize_t)sizeof magic && memcmp(magic, PACK_MAGIC, sizeof magic) == 0;
}

/* [off, off + len) inside the file and off aligned to `align`. */
static bool inside(const struct pack *p, uint64_t off, uint64_t len, uint64_t align)
{
    return off % align == 0 && off <= p->size && len <= p->size - off;
}

static bool entry_ok(const struct pack *p, const struct pack_entry *e, char *why, size_t size)
{
    uint64_t n = e->nevents;
    if (!inside(p, e->events, n * sizeof(struct trace_event), 8) ||
        !inside(p, e->sources, n * sizeof(struct trace_source), 8) || !inside(p, e->text, e->text_len, 1) ||
        !inside(p, e->path, (uint64_t)e->path_len + 1, 1)) {
        snprintf(why, size, "a part of it lies outside the file");
        return false;
    }
    const char *path = (const char *)p->map + e->path;
    if (e->path_len == 0 || path[e->path_len] != '\0' || memchr(path, '\0', e->path_len)) {
        snprintf(why, size, "its path is not a NUL-terminated string of the recorded length");
        return false;
    }
    if (e->has_loop > 1 || (e->has_loop && e->loop_at > e->nevents) || e->end_line < 1 ||
        e->nworkers > TRACE_MAX_SLOTS || e->nbad > TRACE_MAX_SLOTS || e->ncontexts > TRACE_MAX_SLOTS ||
        e->nthreads > TRACE_MAX_SLOTS || e->nroutines > TRACE_MAX_ROUTINES) {
        snprintf(why, size, "its counts are out of range");
        return false;
    }
    return true;
}

static bool header_ok(struct pack *p, char *err, size_t size)
{
    struct pack_header h;
    if (p->size < sizeof h) {
        snprintf(err, size, "%s: not a stork pack (shorter than its header)", p->file);
        return false;
    }
    memcpy(&h, p->map, sizeof h);
    if (memcmp(h.magic, PACK_MAGIC, sizeof h.magic) != 0) {
        snprintf(err, size, "%s: not a stork pack (no %s at its start)", p->file, PACK_MAGIC);
        return false;
    }
    if (h.byte_order != PACK_BYTE_ORDER || h.version != PACK_VERSION ||
        h.event_size != sizeof(struct trace_event) || h.source_size != sizeof(struct trace_source) ||
        h.entry_size != sizeof(struct pack_entry) || h.header_size != sizeof h) {
        snprintf(err, size, "%s: a pack of another layout (version %u; this stork-replay reads "
                 "version %d as written on this kind of machine): pack the traces again",
                 p->file, (unsigned)h.version, PACK_VERSION);
        return false;
    }
    if (h.size != p->size) {
        snprintf(err, size, "%s: damaged pack: it should be %llu bytes long, it is %zu (cut short?)",
                 p->file, (unsigned long long)h.size, p->size);
        return false;
    }
    if (h.ntraces == 0 || h.ntraces > (p->size - sizeof h) / sizeof(struct pack_entry)) {
        snprintf(err, size, "%s: damaged pack: its index does not fit in it", p->file);
        return false;
    }
    p->ntraces = (size_t)h.ntraces;
    p->entries = (const struct pack_entry *)(const void *)(p->map + sizeof h);
    for (size_t i = 0; i < p->ntraces; i++) {
        char why[128];
        if (!entry_ok(p, &p->entries[i], why, sizeof why)) {
            snprintf(err, size, "%s: damaged pack: trace %zu: %s", p->file, i + 1, why);
            return false;
        }
    }
    return true;
}

bool pack_open(const char *path, struct pack *p, char *err, size_t size)
{
    memset(p, 0, sizeof *p);
    p->file = path;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, size, "%s: cannot open: %s", path, strerror(errno));
        return false;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, size, "%s: not a regular file", path);
        close(fd);
        return false;
    }
    p->size = (size_t)st.st_size;
    void *m = p->size ? mmap(NULL, p->size, PROT_READ, MAP_PRIVATE, fd, 0) : MAP_FAILED;
    int e = errno;
    close(fd);
    if (m == MAP_FAILED) {
        snprintf(err, size, "%s: %s", path, p->size ? strerror(e) : "not a stork pack (empty)");
        return false;
    }
    p->map = m;
    p->mapped = true;
    if (!header_ok(p, err, size)) {
        pack_close(p);
        return false;
    }
    return true;
}

bool pack_from_memory(const void *data, size_t len, const char *name, struct pack *p, char *err,
                      size_t size)
{
    memset(p, 0, sizeof *p);
    p->file = name;
    p->map = data;
    p->size = len;
    if (((uintptr_t)data % 8) != 0) {
        snprintf(err, size, "%s: a pack in memory must be 8-byte aligned", name);
        return false;
    }
    return header_ok(p, err, size);
}

void pack_close(struct pack *p)
{
    if (p->map && p->mapped)
        munmap((void *)(uintptr_t)p->map, p->size);
    memset(p, 0, sizeof *p);
}

const char *pack_path(const struct pack *p, size_t i)
{
    return (const char *)p->map + p->entries[i].path;
}

bool pack_trace(const struct pack *p, size_t i, struct trace *t, struct trace_error *err)
{
    const struct pack_entry *e = &p->entries[i];
    memset(t, 0, sizeof *t);
    /* The mapping is read-only; struct trace's pointers are not const because parsed traces
     * own theirs.  Nothing writes through these. */
    t->text = (char *)(uintptr_t)(p->map + e->text);
    t->text_len = e->text_len;
    t->events = (struct trace_event *)(uintptr_t)(p->map + e->events);
    t->source = (struct trace_source *)(uintptr_t)(p->map + e->sources);
    t->nevents = e->nevents;
    t->has_loop = e->has_loop != 0;
    t->loop_at = e->loop_at;
    t->end_line = e->end_line;
    t->nworkers = e->nworkers;
    t->nbad = e->nbad;
    t->nroutines = e->nroutines;
    t->ncontexts = e->ncontexts;
    t->nthreads = e->nthreads;
    return pack_verify(t, err);
}
