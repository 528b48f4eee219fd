/*
 * transition_trap.pml -- the abstract-state transitions of spec/coverage.md ("transitions"),
 * for `stork gen` (conformance/stork/transitions.py); included by general_miniport.pml
 * instead of gen_trap.pml when it is compiled with -DGEN_TRANSITIONS.
 *
 * At every event, before it takes effect, the trap writes the event's key: the runtime's
 * abstract state over the MAXW worker slots and the event, as text, exactly as
 * transitions.py writes it for a trace's event:
 *
 *     STATES;PENDING;PHASE>EVENT      e.g.  q,rq;w2:1,w1:2;removing>start:w1
 *
 * STATES: each slot's lifecycle state (u unissued, i idle, q queued, r running, rq running
 * and re-queued, f freed, fr running and freed), followed, once its callback has started, by
 * how many times: 1, or 2 for twice or more (TR_RUNS_CAP): i, q1, rq2, f2, ...; PENDING: the queued workers in the order
 * their requests were queued, each with the class of its request (routine and context: 1 for
 * the first distinct one in that order, 2 for the next, ...), or "-"; PHASE: live, removing
 * (remove begin happened) or ended (remove end happened). The free system threads are
 * NTHREADS minus the running slots, so they are a function of STATES at these bounds.
 * EVENT: init:CALLER:ALLOWED, queue:H:CALLER:ALLOWED, free:H:CALLER:ALLOWED (H: w<N>, null,
 * bad; ALLOWED: the allowed set the trace line carries, in STATUSES order), start:w<N>,
 * return:w<N>, remove:begin, remove:end.
 *
 * Two modes, chosen by the environment pan runs in:
 *   STORK_TR_SEEN=FILE   record every key met; at exit write them to FILE, one a line. A
 *                        complete search then gives every (abstract state, event) pair the
 *                        model can reach within its bounds, and no other.
 *   STORK_TR_WANT=FILE   the keys to witness, one a line. The first time the search meets
 *                        one, the run is marked with its number (tr_hit, state) and the
 *                        miniport stops calling (budget 0), so the rest is the short drain to
 *                        the adapter's release, where the assertion fails once per number:
 *                        pan -c0 -e writes one trail per key met. A key met first on a path
 *                        the stop cut off is not lost: transitions.py searches again for the
 *                        keys no trail met. STORK_TR_HITS=FILE: "N KEY" for each trail,
 *                        the key its run was trapped on (pan numbers the trails 1, 2, ...).
 * During a replay (pan -r) the trap prints "# tr KEY" before each event, which
 * transitions.py compares with its own classification of the trace, event by event.
 *
 * The pending order and the run counts are the pieces of the abstract state the runtime
 * model does not keep (its system threads may take any queued worker; it forgets a worker's
 * past runs): tr_pos[h] is h's place in that order (1 = queued first), tr_runs[h] its starts
 * so far, capped, both state, so that the search tells apart states that differ only in them.
 */
#define TR_RUNS_CAP 2
c_code {
    /* (pan.c includes stdio, stdlib and string; a #include here would be cpp's, not C's) */
    #define TR_CAP (1 << 21)  /* k = 3: the contract walk reaches 715,273 pairs, past 2^20 / 2 */
    static char *tr_keys[TR_CAP];     /* open addressing: the keys wanted, or met */
    static int tr_taken[TR_CAP];      /* wanted: met already (its number is index + 1) */
    static int tr_reported[TR_CAP];   /* wanted: its trail was written */
    static int tr_count, tr_record, tr_nreported;
    static const char *tr_seen_file;
    static FILE *tr_hits;             /* "N KEY": trail N is the run trapped on KEY */
    static char tr_key[512];

    static unsigned tr_hash(const char *s)
    {
        unsigned h = 2166136261u;
        while (*s)
            h = (h ^ (unsigned char)*s++) * 16777619u;
        return h;
    }
    /* the slot of key s: where it is, or the empty one where it goes */
    static int tr_slot(const char *s)
    {
        unsigned i = tr_hash(s) & (TR_CAP - 1);
        while (tr_keys[i] && strcmp(tr_keys[i], s) != 0)
            i = (i + 1) & (TR_CAP - 1);
        return (int)i;
    }
    static void tr_add(const char *s)
    {
        int i = tr_slot(s);
        if (tr_keys[i])
            return;
        if (++tr_count > TR_CAP / 2) {
            fprintf(stderr, "transition_trap: more than %d keys\n", TR_CAP / 2);
            exit(2);
        }
        tr_keys[i] = strdup(s);
    }
    static void tr_dump(void)
    {
        FILE *f = fopen(tr_seen_file, "w");
        int i;
        if (!f)
            return;
        for (i = 0; i < TR_CAP; i++)
            if (tr_keys[i])
                fprintf(f, "%s\n", tr_keys[i]);
        fclose(f);
    }
    static void tr_load_files(void)
    {
        const char *want = getenv("STORK_TR_WANT");
        char line[512];
        FILE *f;
        const char *hits = getenv("STORK_TR_HITS");
        tr_seen_file = getenv("STORK_TR_SEEN");
        if (hits)
            tr_hits = fopen(hits, "w");
        if (tr_seen_file) {
            tr_record = 1;
            atexit(tr_dump);
        }
        if (want && (f = fopen(want, "r"))) {
            while (fgets(line, sizeof line, f)) {
                line[strcspn(line, "\n")] = 0;
                if (line[0])
                    tr_add(line);
            }
            fclose(f);
        }
    }
    static const char *tr_status_name[] = {
        "SUCCESS", "UNSUCCESSFUL", "NOT_IMPLEMENTED", "INSUFFICIENT_RESOURCES",
        "BUFFER_TOO_SMALL", "ACCESS_DENIED", "INVALID_PARAMETER", "INVALID_DEVICE_REQUEST",
        "INVALID_IRQL", "INVALID_DEVICE_STATE", "INVALID_BUFFER_SIZE", "UNSUPPORTED_VERSION",
        "BUSY"};
    static void tr_cat(const char *s) { strncat(tr_key, s, sizeof tr_key - strlen(tr_key) - 1); }
    static void tr_catf(const char *fmt, int v)
    {
        char b[32];
        snprintf(b, sizeof b, fmt, v);
        tr_cat(b);
    }
    static void tr_handle(int h)
    {
        if (h == 0) tr_cat("null");
        else if (h >= 1 && h <= MAXW) tr_catf("w%d", h);
        else tr_cat("bad");
    }
    /* the key of an event; its arguments are the hook's, copied to the tr_e* globals */
    static void tr_build(int kind, int api, int h, int ctx, int lvl, int allowed)
    {
        int i, j, n, cls[MAXW + 1], ncls = 0, reqcb[MAXW + 1], reqcx[MAXW + 1];
        tr_key[0] = 0;
        for (i = 1; i <= MAXW; i++) {
            int st = now.g_state[i], run = now.g_runner[i] != 0;
            if (i > 1) tr_cat(",");
            if (i > now.g_issued) tr_cat("u");
            else if (st == W_FREED) tr_cat(run ? "fr" : "f");
            else if (st == W_QUEUED) tr_cat(run ? "rq" : "q");
            else tr_cat(run ? "r" : "i");
            if (i <= now.g_issued && now.tr_runs[i]) tr_catf("%d", now.tr_runs[i]);
        }
        tr_cat(";");
        n = 0;
        for (j = 1; j <= MAXW; j++)
            for (i = 1; i <= MAXW; i++) {
                int k, c = 0;
                if (now.tr_pos[i] != j) continue;
                for (k = 1; k <= ncls && !c; k++)
                    if (reqcb[k] == now.g_cb[i] && reqcx[k] == now.g_cx[i]) c = k;
                if (!c) { c = ++ncls; reqcb[c] = now.g_cb[i]; reqcx[c] = now.g_cx[i]; }
                cls[i] = c;
                if (n++) tr_cat(",");
                tr_catf("w%d", i);
                tr_catf(":%d", cls[i]);
            }
        if (!n) tr_cat("-");
        tr_cat(now.tr_ended ? ";ended>" : (now.g_removing ? ";removing>" : ";live>"));
        if (kind == EV_CALL) {
            int own = ctx >= CTX_SYS && h >= 1 && h <= MAXW && h <= now.g_issued
                      && now.g_runner[h] == ctx - CTX_SYS + 1;
            tr_cat(api == API_INIT ? "init:" : (api == API_QUEUE ? "queue:" : "free:"));
            if (api != API_INIT) { tr_handle(h); tr_cat(":"); }
            tr_cat(ctx >= CTX_SYS ? (own ? "own-callback" : "other-callback") :
                   (lvl <= APC_LEVEL ? "passive" : (lvl == DISPATCH_LEVEL ? "dispatch" : "dirql")));
            tr_cat(":");
            n = 0;
            for (i = 0; i <= S_BUSY; i++)
                if (allowed & (1 << i)) { if (n++) tr_cat("|"); tr_cat(tr_status_name[i]); }
        } else if (kind == EV_START) tr_catf("start:w%d", h);
        else if (kind == EV_RETURN) tr_catf("return:w%d", h);
        else if (kind == EV_RM_BEGIN) tr_cat("remove:begin");
        else tr_cat("remove:end");
    }
    /* a wanted key met for the first time: its number (1..), else 0 */
    static int tr_first(void)
    {
        int i;
        if (tr_record) { tr_add(tr_key); return 0; }
        i = tr_slot(tr_key);
        if (!tr_keys[i] || tr_taken[i]) return 0;
        tr_taken[i] = 1;
        return i + 1;
    }
    /* the release of a run marked with number n: 1 the first time (fail, write its trail) */
    static int tr_release(int n)
    {
        if (n == 0 || tr_reported[n - 1]) return 0;
        tr_reported[n - 1] = 1;
        if (tr_hits) {
            fprintf(tr_hits, "%d %s\n", ++tr_nreported, tr_keys[n - 1]);
            fflush(tr_hits);
        }
        return 1;
    }
}

int  tr_hit;                /* the number of the wanted key this run met first, or 0 */
bit  tr_ended;              /* remove end happened */
byte tr_pos[MAXW + 1];      /* each worker's place in the pending order, 0: not pending */
byte tr_runs[MAXW + 1];     /* each worker's callbacks started, capped at TR_RUNS_CAP */
hidden byte tr_ek, tr_ea, tr_eh, tr_ec, tr_el, tr_i, tr_fail;
hidden short tr_eal;

inline tr_load() {
    c_code { tr_load_files(); }
}

inline tr_event(kind, api, h, ctx, lvl, st, inj) {
    if
    :: kind == EV_RELEASED ->
        c_code { tr_fail = tr_release(now.tr_hit); };
        assert(!tr_fail)
    :: else ->
        tr_ek = kind; tr_ea = api; tr_eh = h; tr_ec = ctx; tr_el = lvl;
        tr_eal = (kind == EV_CALL -> m_allowed : 0);
        c_code {
            tr_build(tr_ek, tr_ea, tr_eh, tr_ec, tr_el, tr_eal);
            Printf("# tr %s\n", tr_key);
            if (now.tr_hit == 0) {
                now.tr_hit = tr_first();
                if (now.tr_hit) now.budget = 0;
            }
        };
        /* the pending order, after the event */
        if
        :: kind == EV_CALL && api == API_QUEUE && st == S_SUCCESS && h >= 1 && h <= MAXW &&
           h <= g_issued && g_state[h] != W_FREED && g_state[h] != W_QUEUED ->
            tr_i = 0;
            tr_ek = 1;
            do
            :: tr_ek <= MAXW -> tr_i = tr_i + (tr_pos[tr_ek] != 0); tr_ek++
            :: else -> break
            od;
            tr_pos[h] = tr_i + 1
        :: kind == EV_START ->
            tr_ek = 1;
            do
            :: tr_ek <= MAXW ->
                tr_pos[tr_ek] = (tr_pos[tr_ek] > tr_pos[h] -> tr_pos[tr_ek] - 1 : tr_pos[tr_ek]);
                tr_ek++
            :: else -> break
            od;
            tr_pos[h] = 0;
            tr_runs[h] = (tr_runs[h] < TR_RUNS_CAP -> tr_runs[h] + 1 : TR_RUNS_CAP)
        :: kind == EV_RM_END -> tr_ended = 1
        :: else
        fi
    fi
}
