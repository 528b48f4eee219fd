"""Exit statuses, the same for every subcommand; the C programs' are
c-harness/include/stork/exit_status.h, the same names (tests/test_exit_status.py compares)."""

OK = 0                # everything holds / passes
VIOLATED = 1          # a property violated or a trace failed
BAD_INPUT = 2         # bad input or environment (file:line where there is one)
INCOMPLETE = 3        # search cut short, time-out
INTERNAL_ERROR = 4    # a bug in stork: an exception nothing expected (one line, never a traceback)
VACUOUS = 5           # verify: a search that holds but reached no API call or no adapter release
INTERRUPTED = 130     # 128 + SIGINT: interrupted (^C); work folders removed
PIPE_CLOSED = 141     # 128 + SIGPIPE: the reader of stdout went away (`stork ... | head`)
TERMINATED = 143      # 128 + SIGTERM: terminated; work folders removed

SUMMARY = ("Exit status: 0 all hold/pass, 1 violated/failed, 2 bad input, 3 incomplete, "
           "4 internal error, 5 vacuous, 130 interrupted, 141 stdout closed, 143 terminated.")
