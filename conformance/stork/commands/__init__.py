"""Subcommands of `stork`, one module each."""
