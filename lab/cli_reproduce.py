"""``python -m lstm_core reproduce PRESET ... | --all``: run paper rows and put ours beside the paper's.

One preset: its trials run on worker processes (default: every core) or a Dask cluster
(``--scheduler HOST:PORT``), with the same numbers as a serial run of the same seed; progress goes to
stderr, the comparison table to stdout; ``--json FILE`` writes the summary, ``--out DIR`` saves the run
for the app. ``--all`` (or several presets, or ``--results-dir``) is a resumable sweep writing
``runs/results/<preset>.json`` row by row, and keeps each finished trial of an unfinished row in
``<results-dir>/.trials/`` so that a rerun trains only the others. Ctrl-C, SIGTERM and SIGHUP stop
cleanly: what was reached is still reported and saved (unfinished trials count as not solved).

This module keeps the command's options (building the parser stays cheap); the work is done by
:mod:`lab.reproduce`, imported inside :func:`main`.
"""

from __future__ import annotations


def add_arguments(parser) -> None:
    parser.add_argument("presets", nargs="*", metavar="PRESET",
                        help="preset name(s) (see `python -m lstm_core presets`); several make a sweep")
    parser.add_argument("--all", action="store_true",
                        help="sweep every paper row at the paper's trial count and cap (resumable)")
    parser.add_argument("--trials", type=int, default=None, help="number of trials (default: the paper's)")
    parser.add_argument("--seed", type=int, default=0, help="one seed reproduces the whole run")
    parser.add_argument("--max-sequences", type=int, default=None,
                        help="training sequences per trial before giving up (default: the paper's cap)")
    parser.add_argument("--out", default=None, help="save the run here (config JSON + arrays .npz); "
                        "in a sweep, one folder per preset under it")
    parser.add_argument("--json", default=None, help="write the summary as JSON to this file (one preset)")
    parser.add_argument("--chunk", type=int, default=500, help="sequences between progress reports")
    parser.add_argument("--workers", type=int, default=None,
                        help="worker processes (default: every core; 1 = one row: train here, in lockstep; "
                        "a sweep: one worker process, trials one by one)")
    parser.add_argument("--scheduler", default=None, metavar="HOST:PORT",
                        help="run the trials on this Dask distributed scheduler's workers")
    parser.add_argument("--results-dir", default=None,
                        help="sweep: where rows (and the finished trials of unfinished rows, in .trials/) are "
                        "stored and looked up to resume (default: runs/results)")
    parser.add_argument("--force", action="store_true",
                        help="sweep: rerun rows that are already stored, and retrain their kept trials")
    parser.add_argument("--under-way", action="store_true",
                        help="list the rows under way in pieces (kept trials in <results-dir>/.trials) and the "
                        "commands that go on with them, and the finished rows whose trials are kept for probes "
                        "(<results-dir>/.trials-done); trains nothing")


def main(args) -> int:
    # imported here, not above: lab.reproduce loads the training engine
    from lab.reproduce import main as reproduce
    from lab.reproduce import under_way

    return under_way(args) if args.under_way else reproduce(args)
