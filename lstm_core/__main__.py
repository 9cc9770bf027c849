"""Command line of the engine: ``python -m lstm_core COMMAND ...``.

Each command lives in its own module of ``lab`` (the machinery above the engine), which provides
``add_arguments(parser)`` and ``main(args) -> int``; this file only dispatches, by module name, so the
engine itself never imports ``lab``. The command modules keep their heavy imports inside ``main``,
so building the parser stays cheap.
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
        p.set_defaults(command_module=module)
        importlib.import_module(module).add_arguments(p)
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)
    args.argv = argv    # the command line as given, stored with results that commands write
    return int(importlib.import_module(args.command_module).main(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
