"""App machinery above the engine: saved runs, background jobs, the command line, the reproduce sweep, the bench.

``lab`` may import :mod:`lstm_core`; the engine never imports ``lab`` (see DESIGN.md, "Target layout"),
and ``lab`` never imports ``ui`` or Streamlit.

The reproduce sweep, in dependency order:

- :mod:`lab.trials`          one trial of a row as a picklable task, and the payload it sends back.
- :mod:`lab.combine`         a row's single-trial payloads put back together: the summary and the run a
                             serial K-trial ``TrialRun`` gives.
- :mod:`lab.stop`            a stop request, and the signals (SIGINT, SIGTERM, SIGHUP) that make one.
- :mod:`lab.backends`        what runs the tasks: worker processes on this machine, or a Dask cluster.
- :mod:`lab.sweep`           the driver: rows over a backend (or here, in lockstep), progress, each row as it ends.
- :mod:`lab.reproduce_plan`  the ``reproduce`` command's options, checked before any work.
- :mod:`lab.report`          the stored format of ``runs/results/*.json`` and the table beside the paper's.
- :mod:`lab.reproduce`       the ``reproduce`` command: one row, or a resumable sweep over the paper's rows.
- :mod:`lab.files`           atomic writes and the checks that a file can be written before training starts.

The command line (``python -m lstm_core COMMAND``, dispatched by module name): :mod:`lab.cli_presets`,
:mod:`lab.cli_sample`, :mod:`lab.cli_reproduce`, :mod:`lab.bench`.
"""
