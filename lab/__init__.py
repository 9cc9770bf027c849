"""App machinery above the engine: the reproduce sweep (worker processes, a Dask cluster), its files.

``lab`` may import :mod:`lstm_core`; the engine never imports ``lab`` (see DESIGN.md, "Target layout").

- :mod:`lab.sweep`      one trial as a task, the backends that run tasks (this process, worker processes,
                        a Dask distributed cluster), and :func:`lab.sweep.combine`, which puts single-trial
                        results back together into the summary a K-trial ``TrialRun`` gives.
- :mod:`lab.reproduce`  the ``python -m lstm_core reproduce`` command: options checked before any work,
                        one row or a resumable sweep over the paper's rows, signals, atomic writes.
- :mod:`lab.files`      atomic writes and the checks that a file can be written before training starts.
"""
