"""Command line of the engine: ``python -m lstm_core COMMAND ...``.

Each command lives in its own module, which provides ``add_arguments(parser)``
and ``main(args) -> int``; this file only dispatches. The command modules keep
their heavy imports inside ``main``, so building the parser stays cheap.
"""

from __future__ import annotations

import argparse
import importlib
import sys

# command -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "bench": ("lab.bench", "print speed figures of the engine (ratios measured in one run)"),
    "sample": ("lab.cli_sample", "write a preset's task data as JSON"),
    "presets": ("lab.cli_presets", "list the named presets"),
    "reproduce": ("lab.cli_reproduce", "run a preset's trials and compare with the paper"),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lstm_core", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (module, help_) in COMMANDS.items():
        p = sub.add_parser(name, help=help_)
        p.set_defaults(_module=module)
        try:
            importlib.import_module(module).add_arguments(p)
        except ModuleNotFoundError as exc:  # a command whose module is not written yet
            if exc.name != module:
                raise
            p.set_defaults(_missing=True)
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)
    args.argv = argv    # the command line as given, stored with results that commands write
    if getattr(args, "_missing", False):
        parser.error(f"command {args.command!r} is not available in this build")
    return int(importlib.import_module(args._module).main(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
