"""The hosts a design or a miniport is checked against (spec/environment.md ENV-H1..H6): one
list for verify, audit and the `expect on HOST:` lines."""

from __future__ import annotations

DEFAULT = "windows"                          # ENV-H1: the contract
HOSTS = (DEFAULT, "neptune", "reactos")      # ENV-H3..H5 NeptuneOS, ENV-H6 ReactOS
OTHERS = HOSTS[1:]                           # the hosts an `expect on HOST:` line may name


def defines(host: str) -> list[str]:
    """The model's switch for a host (model/storport.pml STORK_HOST_*): none for Windows."""
    return [] if host == DEFAULT else [f"STORK_HOST_{host.upper()}"]
