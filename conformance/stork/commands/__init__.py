"""The subcommands, one module each, in the order a user works: verify a design, look at its
counterexamples, make and use the regression corpus, judge traces, audit C code, the demo.
Each module defines NAME, SUMMARY (one line for `stork --help`), HELP, add_arguments(parser)
and run(args) -> exit status."""

ORDER = ("verify", "show", "report", "gen", "coverage", "replay", "pack", "mutate",
         "check_trace", "audit", "demo")
