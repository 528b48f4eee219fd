/*
 * gen_trap.pml -- the trap `stork gen` sets to make SPIN find a witness for one coverage goal
 * (spec/coverage.md), included by general_miniport.pml before the runtime model.
 *
 * The contract monitor calls STORK_EVENT_HOOK at every event, before the event takes effect.
 * Here it classifies the event the way conformance/stork/lifecycle.py classifies a trace's
 * events (the worker's state, the caller, the allowed set, the worker's previous transition,
 * what else is queued or running) and compares it with the goal, which pan reads from the
 * environment variable STORK_GOAL when it starts: eight numbers, "kind api state caller
 * allowed prev cur flags", 0 meaning "any" (see conformance/stork/gen.py, which encodes
 * goals). When an event matches, gen_hit is set; the assertion at the end of the adapter's
 * life then fails, so the trail is a whole run, removal and release included, that meets the
 * goal. With -DGEN_NO_TRAP (random walks) nothing is classified. The including design
 * routes the hooks here (STORK_EVENT_HOOK -> gen_event, STORK_INIT_HOOK -> gen_load) before it
 * includes storport.pml, and includes this file after it.
 *
 * gen_hit and gen_last are state (a trap on a hidden variable would let the search prune a
 * path that meets the goal); everything else is scratch inside one atomic step.
 */
/* worker states and callers, numbered as gen.py numbers lifecycle.py's names */
#define GS_NEW 1
#define GS_IDLE 2
#define GS_QUEUED 3
#define GS_RUNNING 4
#define GS_RUNNING_QUEUED 5
#define GS_FREED 6
#define GS_FREED_RUNNING 7
#define GS_NONE 8           /* NULL */
#define GS_UNISSUED 9       /* a value never issued */
#define GC_PASSIVE 1
#define GC_DISPATCH 2
#define GC_DIRQL 3
#define GC_OWN 4
#define GC_OTHER 5
/* transitions of one worker (coverage pairs); GT_OTHER: any outcome that is none of these */
#define GT_INIT_OK 1
#define GT_QUEUE_OK 2
#define GT_QUEUE_BUSY 3
#define GT_QUEUE_IDS 4
#define GT_START 5
#define GT_RETURN 6
#define GT_FREE_OK 7
#define GT_FREE_BUSY 8
#define GT_FREE_UNSUCCESSFUL 9
#define GT_OTHER 15
/* flags: facts about the moment of the event */
#define GF_ELSEWHERE 1      /* the worker's callback runs on another thread than the caller */
#define GF_OTHERS    2      /* a callback of another worker runs */
#define GF_ANY_QUEUED 4
#define GF_ANY_RUNNING 8
#define GF_INJECTED  16     /* the call's allocation was made to fail */
#define GF_REMOVING  32     /* removal has begun */
#define GF_ENDED     64     /* the remove handler has returned */

#ifndef GEN_NO_TRAP
c_code {
    static void gen_load_goal(int *w)
    {
        const char *s = getenv("STORK_GOAL");
        int i;
        for (i = 0; i < 8; i++)
            w[i] = 0;
        w[0] = 255;                     /* no goal: never matches */
        if (s)
            sscanf(s, "%d %d %d %d %d %d %d %d", &w[0], &w[1], &w[2], &w[3], &w[4], &w[5],
                   &w[6], &w[7]);
    }
}

hidden byte want_kind, want_api, want_state, want_caller, want_prev, want_cur, want_flags;
hidden short want_allowed;
hidden byte e_state, e_caller, e_cur, e_flags, e_i;
bit  gen_hit;               /* the run met the goal */
bit  gen_ended;             /* remove end happened */
byte gen_last[MAXW + 1];    /* each worker's last transition */

inline gen_load() {
    c_code {
        int w[8];
        gen_load_goal(w);
        want_kind = w[0]; want_api = w[1]; want_state = w[2]; want_caller = w[3];
        want_allowed = w[4]; want_prev = w[5]; want_cur = w[6]; want_flags = w[7];
    }
}

#define GEN_HANDLE(h) ((h) >= 1 && (h) <= MAXW)

inline gen_event(kind, api, h, ctx, lvl, st, inj) {
    if
    :: kind == EV_RELEASED -> assert(!gen_hit)
    :: else ->
        /* the state of the worker the event concerns */
        if
        :: kind == EV_CALL && api == API_INIT -> e_state = GS_NEW
        :: else ->
            if
            :: GEN_HANDLE(h) && h <= g_issued ->
                if
                :: g_state[h] == W_FREED -> e_state = (g_runner[h] != 0 -> GS_FREED_RUNNING : GS_FREED)
                :: else -> e_state = (g_runner[h] != 0 ->
                                      (g_state[h] == W_QUEUED -> GS_RUNNING_QUEUED : GS_RUNNING) :
                                      (g_state[h] == W_QUEUED -> GS_QUEUED : GS_IDLE))
                fi
            :: h == NULL_HANDLE -> e_state = GS_NONE
            :: else -> e_state = GS_UNISSUED
            fi
        fi;
        /* who calls */
        if
        :: ctx >= CTX_SYS ->
            e_caller = (GEN_HANDLE(h) && h <= g_issued && g_runner[h] == ctx - CTX_SYS + 1 -> GC_OWN : GC_OTHER)
        :: else ->
            e_caller = (lvl <= APC_LEVEL -> GC_PASSIVE : (lvl == DISPATCH_LEVEL -> GC_DISPATCH : GC_DIRQL))
        fi;
        /* the transition, from the allowed set the trace line carries */
        if
        :: kind == EV_START -> e_cur = GT_START
        :: kind == EV_RETURN -> e_cur = GT_RETURN
        :: kind == EV_CALL && api == API_INIT -> e_cur = (st == S_SUCCESS -> GT_INIT_OK : GT_OTHER)
        :: kind == EV_CALL && api == API_QUEUE ->
            e_cur = (m_allowed == (1 << S_SUCCESS) -> GT_QUEUE_OK :
                     (m_allowed == (1 << S_BUSY) -> GT_QUEUE_BUSY :
                      (m_allowed == (1 << S_INVALID_DEVICE_STATE) -> GT_QUEUE_IDS : GT_OTHER)))
        :: kind == EV_CALL && api == API_FREE ->
            e_cur = (m_allowed == (1 << S_SUCCESS) -> GT_FREE_OK :
                     (m_allowed == (1 << S_BUSY) -> GT_FREE_BUSY :
                      (m_allowed == (1 << S_UNSUCCESSFUL) -> GT_FREE_UNSUCCESSFUL : GT_OTHER)))
        :: else -> e_cur = 0
        fi;
        /* what else is going on */
        e_flags = (inj -> GF_INJECTED : 0) | (g_removing -> GF_REMOVING : 0) | (gen_ended -> GF_ENDED : 0);
        if
        :: GEN_HANDLE(h) && h <= g_issued && g_runner[h] != 0 && ctx != CTX_SYS + g_runner[h] - 1 ->
            e_flags = e_flags | GF_ELSEWHERE
        :: else
        fi;
        e_i = 1;
        do
        :: e_i <= g_issued ->
            if
            :: g_state[e_i] == W_QUEUED -> e_flags = e_flags | GF_ANY_QUEUED
            :: else
            fi;
            if
            :: g_runner[e_i] != 0 ->
                e_flags = e_flags | GF_ANY_RUNNING | (e_i != h -> GF_OTHERS : 0)
            :: else
            fi;
            e_i++
        :: else -> break
        od;
        /* the goal */
        if
        :: (want_kind == 0 || want_kind == kind) &&
           (want_api == 0 || want_api == api) &&
           (want_state == 0 || want_state == e_state) &&
           (want_caller == 0 || want_caller == e_caller) &&
           (want_allowed == 0 || want_allowed == m_allowed) &&
           (want_prev == 0 || (GEN_HANDLE(h) && gen_last[h] == want_prev)) &&
           (want_cur == 0 || want_cur == e_cur) &&
           (e_flags & want_flags) == want_flags -> gen_hit = 1
        :: else
        fi;
        /* bookkeeping */
        if
        :: GEN_HANDLE(h) && e_cur != 0 && (kind != EV_CALL || api != API_INIT || st == S_SUCCESS) ->
            gen_last[h] = e_cur
        :: else
        fi;
        if
        :: kind == EV_RM_END -> gen_ended = 1
        :: else
        fi
    fi
}
#endif
