"""Load benchmarks of the whole app (server + students); see ``python -m bench.classroom --help``.

- :mod:`bench.server`          start ``streamlit run app.py`` on a free port, wait until healthy, stop it
                               (also used by ``tests/e2e``).
- :mod:`bench.procs`           memory, threads and CPU time of a process tree, read from ``/proc``.
- :mod:`bench.students`        what a student visits and records, and the class's timing.
- :mod:`bench.ws_client`       students as websocket clients of Streamlit's protocol (no browser).
- :mod:`bench.browser_client`  students as chromium tabs (Playwright).
- :mod:`bench.classroom`       a class of N students on one server: the figures of docs/load.md.
- :mod:`bench.page_cost`       what one page run costs the server, in CPU seconds
                               (with :mod:`bench.profiled_server`: per-run profiles).
- :mod:`bench.stop_latency`    reconnects and Stop latency of the job server, without a browser.
"""
