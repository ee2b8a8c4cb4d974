"""Run benchmarks: ``python -m bench`` runs all, ``python -m bench erlang`` runs one.

Each benchmark is a module ``bench.<name>`` with a ``main() -> None`` that prints its figures;
add new ones to :data:`MODULES`.
"""

from __future__ import annotations

import importlib
import sys

MODULES: tuple[str, ...] = (
    "erlang",
    "scheduling",
    "filters",
    "batch",
    "routing",
    "teams",
    "api",
    "api_pauses",
    "knowledge",
    "simulation",
)


def main(argv: list[str]) -> int:
    unknown = [name for name in argv if name not in MODULES]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(MODULES)}")
        return 2
    for name in argv or MODULES:
        print(f"== bench.{name}")
        importlib.import_module(f"bench.{name}").main()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
