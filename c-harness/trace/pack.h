/*
 * Packs: a set of traces parsed and checked once, in one file the replay maps and uses as it
 * is (stork-replay --pack OUT PATH... writes one; stork-replay --impl LIB OUT replays it).
 *
 * Why: reading a text trace costs about seven times the calls it describes (c-harness/README.md,
 * "Benchmark"), so a corpus replayed again and again pays for parsing again and again.  A pack
 * holds each trace's events in the replay's own 16-byte form (struct trace_event), so replaying
 * it reads no text; the sources (line numbers, the text) are kept, and read only for reports,
 * which are the same as for the text files.
 *
 * A pack is a snapshot: it does not notice later edits of the files it was made from.  It is
 * meant for the machine and the stork-replay that wrote it: its header records the byte order
 * and the sizes of the structures, and a pack with another layout is refused with a message,
 * never misread.  Nothing in it is trusted: pack_open checks that every part lies inside the
 * file, pack_trace that every field of every event is in range (pack_verify.c), and the replay
 * that the events follow each other as a trace's can (replay/driver.c), so a damaged pack is
 * bad input (file, trace, line), never a crash of the replay.  What no check can see is damage
 * that leaves a valid trace (a status bit flipped in an allowed set): a pack is a build
 * artefact, made again from the traces rather than edited.
 *
 * Layout (integers in the writer's byte order), each part 8-byte aligned:
 *   struct pack_header
 *   struct pack_entry [ntraces]
 *   the paths of every trace, each with a NUL
 *   per trace: its sources (struct trace_source [nevents]) and text (text_len bytes)
 *   the events of every trace, one after the other (struct trace_event [nevents] each)
 * The index and the paths are together because the parent reads them all; the events are
 * together so that a replay touches one dense stretch of the file, and not the sources and
 * texts between them (which it reads only for a report).
 * A pack has no `meta` lines: the replay does not read them.
 */
#ifndef STORK_PACK_H
#define STORK_PACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trace.h"

#define PACK_MAGIC "STORKPAK"
#define PACK_VERSION 1
#define PACK_BYTE_ORDER 0x01020304u

struct pack_header {
    char magic[8];       /* PACK_MAGIC, no NUL */
    uint32_t version;    /* PACK_VERSION */
    uint32_t byte_order; /* PACK_BYTE_ORDER as the writer stores it */
    uint32_t event_size, source_size, entry_size, header_size;
    uint64_t ntraces;
    uint64_t size; /* of the whole file */
};

struct pack_entry {
    uint64_t events;  /* offset of the events */
    uint64_t sources; /* offset of the sources */
    uint64_t text;    /* offset of the text */
    uint64_t path;    /* offset of the path, NUL-terminated */
    uint32_t nevents, text_len, path_len;
    int32_t end_line;
    uint32_t has_loop, loop_at;
    uint32_t nworkers, nbad, nroutines, ncontexts, nthreads;
    uint32_t reserved;
};

/* An open pack: the file mapped read-only.  Children of a fork share the mapping. */
struct pack {
    const char *file; /* as given to pack_open */
    const unsigned char *map;
    size_t size;
    const struct pack_entry *entries;
    size_t ntraces;
    bool mapped; /* pack_open mapped it (pack_close unmaps) */
};

/* True if the file at `path` starts with PACK_MAGIC (false if it cannot be read). */
bool pack_is(const char *path);
/* Map `path` and check its header and index; false with "FILE: why" in err. */
bool pack_open(const char *path, struct pack *p, char *err, size_t size);
/* The same checks on a pack already in memory (8-byte aligned; the caller keeps it). */
bool pack_from_memory(const void *data, size_t len, const char *name, struct pack *p, char *err,
                      size_t size);
void pack_close(struct pack *p);
/* The path trace i was packed from. */
const char *pack_path(const struct pack *p, size_t i);
/* Trace i as a struct trace that points into the mapping (do not trace_free it), with every
 * event checked (pack_verify); false with the line and the damage in *err. */
bool pack_trace(const struct pack *p, size_t i, struct trace *t, struct trace_error *err);
/* The check pack_trace makes: every field of every event within the bounds the replay sizes
 * its tables by (its counts: a handle at most max(nworkers, nbad), a thread below nthreads,
 * ...).  Not the order of the events: the replay checks that as it goes. */
bool pack_verify(const struct trace *t, struct trace_error *err);

/* Writing: open, add checked traces one at a time, finish (writes OUT through a temporary
 * file renamed into place, so a failed run leaves no half pack; a device or FIFO is written
 * through, not replaced, a symbolic link followed: pack_write.c). */
struct pack_writer;
struct pack_writer *pack_writer_open(const char *out, const char *const *paths, size_t ntraces,
                                     char *err, size_t size);
/* The traces in the order of `paths`. */
bool pack_writer_add(struct pack_writer *w, const struct trace *t, char *err, size_t size);
bool pack_writer_finish(struct pack_writer *w, char *err, size_t size); /* also frees w */
void pack_writer_abandon(struct pack_writer *w);                         /* removes the temp */

#endif
