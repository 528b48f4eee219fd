/* report.c -- a run as a trace (spec/trace-format.md) and a worker's history. */
#include <stdlib.h>
#include <string.h>

#include "run.h"
#include "stork/exit_status.h"

const char *irql_name(unsigned irql)
{
    switch (irql) {
    case STORK_PASSIVE_LEVEL:
        return "PASSIVE";
    case STORK_APC_LEVEL:
        return "APC";
    case STORK_DISPATCH_LEVEL:
        return "DISPATCH";
    default:
        return "DIRQL";
    }
}

static void write_handle(FILE *out, const struct ev *e)
{
    if (e->worker)
        fprintf(out, " w%d", e->worker);
    else if (e->bad)
        fprintf(out, " bad%d", e->bad);
    else
        fputs(" null", out);
}

static void write_name(FILE *out, const char *prefix, int n)
{
    if (n)
        fprintf(out, " %s%d", prefix, n);
    else
        fputs(" null", out);
}

/* The allowed set in the order of the status values, as the model prints it. */
static void write_statuses(FILE *out, unsigned allowed)
{
    const char *sep = " -> ";
    for (unsigned i = 0; i <= 12; i++)
        if (allowed & (1u << i)) {
            STORK_ULONG st = i == 0 ? STOR_STATUS_SUCCESS : 0xC1000000u + i;
            fprintf(out, "%s%s", sep, stork_status_name(st));
            sep = "|";
        }
}

/* The removal, stop and restart steps of an EV_NOTE, as model/contract.pml prints them. */
static const char *const note_step[] = {
    "# removal: the remove SRB (StorRemoveDevice) reaches the miniport",
    "# removal: HwAdapterControl(ScsiAdapterSurpriseRemoval)",
    "# removal: the surprise-removal SRB (StorSurpriseRemoval) reaches the miniport",
    "# adapter stopping: HwAdapterControl(ScsiStopAdapter)",
    "# adapter restarting: HwAdapterControl(ScsiRestartAdapter)",
    "# adapter restarting: HwFindAdapter again (no ScsiRestartAdapter)",
};
/* The environment's resources (driver.c): from N_ALLOC_FAILED on, one line each. */
static const char *const note_resource[] = {
    "# allocation refused for lack of memory: the call at the next line fails",
    "# hardware gone (a surprise removal): its registers read all ones",
    "# bus reset: a request timed out, HwResetBus (queues paused, under the StartIo lock)",
};

void write_event(FILE *out, const struct run *r, const struct ev *e)
{
    const char *who = e->ctx >= 0 ? r->ctx[e->ctx].name : "";
    switch (e->kind) {
    case EV_INIT:
        fprintf(out, "call %s %s init", who, irql_name(e->irql));
        if (e->new_worker)
            fprintf(out, " -> SUCCESS w%d", e->new_worker);
        else
            write_statuses(out, e->allowed);
        break;
    case EV_QUEUE:
        fprintf(out, "call %s %s queue", who, irql_name(e->irql));
        write_handle(out, e);
        write_name(out, "cb", e->routine);
        write_name(out, "ctx", e->context);
        write_statuses(out, e->allowed);
        break;
    case EV_FREE:
        fprintf(out, "call %s %s free", who, irql_name(e->irql));
        write_handle(out, e);
        write_statuses(out, e->allowed);
        break;
    case EV_START:
        fprintf(out, "start %s w%d", who, e->worker);
        write_name(out, "cb", e->routine);
        write_name(out, "ctx", e->context);
        break;
    case EV_RETURN:
        fprintf(out, "return %s w%d", who, e->worker);
        break;
    case EV_REMOVE_BEGIN:
        fputs("remove begin", out);
        break;
    case EV_REMOVE_END:
        fputs("remove end", out);
        break;
    case EV_FAILALLOC:
        fputs("fail-alloc", out);
        break;
    case EV_LOOP:
        fputs("loop", out);
        break;
    case EV_END:
        fputs("end", out);
        break;
    case EV_NOTE:
        if (e->note == N_HANDED || e->note == N_COMPLETED)
            fprintf(out, "# request srb%d %s %s", e->srb,
                    e->note == N_HANDED ? "handed to" : "completed by", who);
        else if (e->note == N_PAUSED || e->note == N_RESUMED)
            fprintf(out, "# adapter %s by %s", e->note == N_PAUSED ? "paused" : "resumed", who);
        else if (e->note == N_DPC_ISSUED || e->note == N_DPC_NOT_ISSUED)
            fprintf(out, "# dpc object %d issued by %s: %s", e->srb, who,
                    e->note == N_DPC_ISSUED ? "TRUE" : "FALSE");
        else if (e->note == N_DPC_RUNS)
            fprintf(out, "# dpc object %d runs", e->srb);
        else if (e->note == N_TIMER_REQUESTED || e->note == N_TIMER_REPLACED ||
                 e->note == N_TIMER_CANCELLED)
            fprintf(out, "# RequestTimerCall %s by %s",
                    e->note == N_TIMER_REQUESTED  ? "requested"
                    : e->note == N_TIMER_REPLACED ? "requested again (replaces the pending one)"
                                                  : "cancelled",
                    who);
        else if (e->note == N_TIMER_OWN)
            fprintf(out, "# RequestTimerCall requested (a timer of its own: %d pending, NeptuneOS) "
                    "by %s", e->srb, who);
        else if (e->note == N_TIMER_ZERO)
            fprintf(out, "# RequestTimerCall with interval 0: nothing cancelled (NeptuneOS) by %s",
                    who);
        else if (e->note == N_STOR_TIMER_RUNS)
            fputs("# HwStorTimer runs", out);
        else if (e->note == N_SYNC_NOT_RUN)
            fprintf(out, "# StorPortSynchronizeAccess by %s runs no routine: unimplemented on "
                    "this host (neptune, ENV-H4)", who);
        else if (e->note >= N_ALLOC_FAILED)
            fputs(note_resource[e->note - N_ALLOC_FAILED], out);
        else
            fputs(note_step[e->note - N_REMOVE_SRB], out);
        break;
    }
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

void write_trace_event(FILE *out, const struct run *r, const struct ev *e)
{
    if (e->null_out)
        fputs("# the next init passed a NULL Worker pointer (trace version 1 cannot say so; "
              "a replay passes a valid one)\n", out);
    write_event(out, r, e);
    if (e->file)
        fprintf(out, "\n# ^ %s:%d", base_name(e->file), e->line);
    fputc('\n', out);
}

void write_trace(FILE *out, const struct run *r, const char *const *meta, int nmeta)
{
    fputs("stork-trace 1\n", out);
    for (int i = 0; i < nmeta; i++)
        fprintf(out, "meta %s\n", meta[i]);
    bool ended = false;
    writes_after(r, 0, -1, true, "# wrote", out); /* before the first event */
    for (int i = 0; i < r->nev; i++) {
        write_trace_event(out, r, &r->ev[i]);
        writes_after(r, i + 1, -1, true, "# wrote", out);
        ended = r->ev[i].kind == EV_END;
    }
    if (r->cut)
        fprintf(out, "# cut after %d steps: the rest of this run is unknown (truncated trace)\n",
                r->steps);
    else if (r->stopped[0])
        fprintf(out, "# %s: the run stopped, the rest of it is unknown (truncated trace)\n",
                r->stopped);
    else if (!ended)
        fputs("end\n", out); /* after `loop`: the run stays there forever */
}

static bool involves(const struct ev *e, int worker)
{
    if (e->kind == EV_INIT)
        return e->new_worker == worker + 1;
    return (e->kind == EV_QUEUE || e->kind == EV_FREE || e->kind == EV_START ||
            e->kind == EV_RETURN) && e->worker == worker + 1;
}

void write_history(FILE *out, const struct run *r, int worker, int here, const char *indent)
{
    char prefix[64];
    snprintf(prefix, sizeof prefix, "%s   wrote", indent);
    for (int i = 0; i < r->nev; i++) {
        const struct ev *e = &r->ev[i];
        bool mine = worker == HISTORY_ALL ||
                    (worker >= 0 && (involves(e, worker) || r->w[worker].overwritten_ev == i));
        if (!mine && i != here) {
            if (worker >= 0) /* what its callback wrote after another event */
                writes_after(r, i + 1, worker, false, prefix, out);
            continue;
        }
        fprintf(out, "%s#%d ", indent, i + 1);
        write_event(out, r, e);
        if (e->file)
            fprintf(out, "   (%s:%d)", base_name(e->file), e->line);
        if (worker >= 0 && r->w[worker].overwritten_ev == i)
            fprintf(out, "   <- overwrites the variable that held w%d", worker + 1);
        if (i == here)
            fputs("   <- the finding", out);
        fputc('\n', out);
        writes_after(r, i + 1, -1, false, prefix, out);
    }
}

void choices_push(struct choices *c, int pick, int n)
{
    if (c->len == c->cap) {
        int cap = c->cap ? c->cap * 2 : 64;
        int *p = realloc(c->pick, (size_t)cap * sizeof *p);
        int *q = p ? realloc(c->n, (size_t)cap * sizeof *q) : NULL;
        if (!p || !q) {
            fputs("stork-audit: out of memory\n", stderr);
            exit(STORK_EXIT_BAD_INPUT);
        }
        c->pick = p;
        c->n = q;
        c->cap = cap;
    }
    c->pick[c->len] = pick;
    c->n[c->len] = n;
    c->len++;
}
