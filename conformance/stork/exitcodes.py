"""Exit statuses, the same for every subcommand."""

OK = 0          # everything holds / passes
VIOLATED = 1    # a property violated or a trace failed
BAD_INPUT = 2   # bad input or environment (file:line where there is one)
INCOMPLETE = 3  # search cut short, time-out
VACUOUS = 5     # verify: a search that holds but reached no API call or no adapter release
