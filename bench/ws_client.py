"""Students without a browser: websocket clients that speak Streamlit's own protocol.

One :class:`StreamlitClient` is what one browser tab is to the server: a websocket on
``/_stcore/stream`` that sends ``BackMsg`` protobufs and reads ``ForwardMsg`` protobufs
(Streamlit 1.67, Starlette server). It asks for a run the way the frontend does:

- opening a URL: a ``rerun_script`` whose ``ClientState.page_name`` is the URL path
  ("experiments"; "" for the home page) and whose ``query_string`` is the URL's query;
- a click in the sidebar: ``page_script_hash`` of the target page (from the
  ``navigation`` message of the previous run), empty query string;
- a button press: the current page's hash and query string, and in ``widget_states``
  the button's id (``element.button.id`` of the delta that drew it) with
  ``trigger_value`` true. Other widgets are not sent: the server keeps their last values;
- a fragment with ``run_every``: the server sends ``auto_rerun`` (interval, fragment
  id); the client answers with ``rerun_script`` carrying that ``fragment_id`` and
  ``is_auto_rerun``, as the frontend's timer does.

A run is over at ``script_finished`` with status FINISHED_SUCCESSFULLY,
FINISHED_WITH_COMPILE_ERROR or FINISHED_FRAGMENT_RUN_SUCCESSFULLY;
FINISHED_EARLY_FOR_RERUN (``st.rerun``) means the run goes on. Like the browser, the
client keeps the cacheable messages it has received and lists their hashes in
``cached_message_hashes``, so the server may send a ``ref_hash`` reference instead of
the message; references are resolved from that cache (and counted).

Nothing is drawn: a figure "rendered" means its ``plotly_chart`` element arrived.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetStates

from bench.students import PAGES, RENDER_TIMEOUT_S, Student, job_state, run_class

_DONE = {ForwardMsg.FINISHED_SUCCESSFULLY: "ok", ForwardMsg.FINISHED_WITH_COMPILE_ERROR: "compile error",
         ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY: "ok"}
_ALERT_ERROR = 1  # Alert.Format.ERROR


@dataclass
class Run:
    """What one script run sent back."""

    seconds: float = 0.0
    status: str = "timeout"            # "ok", "compile error", "timeout", "closed"
    headings: list[str] = field(default_factory=list)
    alerts: list[str] = field(default_factory=list)        # body of every st.info / warning / error / success
    errors: list[str] = field(default_factory=list)        # exception elements and st.error bodies
    charts: int = 0                                        # plotly_chart elements
    messages: int = 0
    refs: int = 0                                          # of them, references to cached messages
    nbytes: int = 0


class StreamlitClient:
    """One session on a Streamlit server, driven over its websocket. Use as ``async with``."""

    def __init__(self, url: str, max_cache: int = 500):
        self.ws_url = url.replace("http://", "ws://").rstrip("/") + "/_stcore/stream"
        self.pages: dict[str, str] = {}       # url path -> page_script_hash, from the last navigation msg
        self.page_hash = ""                   # the page of the last run
        self.query_string = ""
        self.buttons: dict[str, str] = {}     # label -> widget id, from the last runs
        self.auto_rerun: tuple[float, str] | None = None
        self.closed = False
        self._cache: dict[str, ForwardMsg] = {}
        self._max_cache = max_cache
        self._run: Run | None = None
        self._finished = asyncio.Event()
        self._ws = None
        self._reader: asyncio.Task | None = None

    async def __aenter__(self) -> StreamlitClient:
        from websockets.asyncio.client import connect

        self._ws = await connect(self.ws_url, subprotocols=["streamlit"], max_size=None, open_timeout=60,
                                 compression=None)
        self._reader = asyncio.ensure_future(self._read())
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            self._reader.cancel()
            await asyncio.gather(self._reader, return_exceptions=True)
        self.closed = True

    # ------------------------------------------------------------------ requests, as the frontend sends them

    async def open(self, url_path: str = "", query_string: str = "", timeout: float = 120.0) -> Run:
        """Open ``/url_path?query_string`` in a fresh tab (or type it in the address bar)."""
        self.query_string = query_string
        return await self._rerun(timeout, page_name=url_path)

    async def navigate(self, url_path: str, timeout: float = 120.0) -> Run:
        """A click on the page's entry in the sidebar."""
        self.query_string = ""
        return await self._rerun(timeout, page_script_hash=self.pages[url_path])

    async def click(self, label: str, timeout: float = 120.0) -> Run:
        """Press the button whose label contains ``label`` (on the current page)."""
        wid = next(i for lab, i in self.buttons.items() if label in lab)
        states = WidgetStates()
        w = states.widgets.add()
        w.id, w.trigger_value = wid, True
        return await self._rerun(timeout, page_script_hash=self.page_hash, widget_states=states)

    async def rerun(self, timeout: float = 120.0) -> Run:
        """Rerun the current page as it stands (what any widget change does)."""
        return await self._rerun(timeout, page_script_hash=self.page_hash)

    async def rerun_fragment(self, timeout: float = 120.0) -> Run | None:
        """One tick of the ``run_every`` timer: rerun the fragment the server asked for (None if none)."""
        if self.auto_rerun is None:
            return None
        return await self._rerun(timeout, page_script_hash=self.page_hash, fragment_id=self.auto_rerun[1],
                                 is_auto_rerun=True)

    async def _rerun(self, timeout: float, **state) -> Run:
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = self.query_string
        if state.get("page_name") is not None:
            cs.page_name = state["page_name"]
        cs.page_script_hash = state.get("page_script_hash", "")
        if state.get("widget_states") is not None:
            cs.widget_states.CopyFrom(state["widget_states"])
        cs.fragment_id = state.get("fragment_id", "")
        cs.is_auto_rerun = state.get("is_auto_rerun", False)
        cs.cached_message_hashes.extend(self._cache)
        if not cs.fragment_id:
            self.auto_rerun = None   # a full run tells again whether a fragment is to be refreshed
        run = self._run = Run()
        self._finished.clear()
        t0 = time.monotonic()
        if self.closed:
            run.status = "closed"
            return run
        await self._ws.send(msg.SerializeToString())
        try:
            await asyncio.wait_for(self._finished.wait(), timeout)
        except asyncio.TimeoutError:
            run.status = "timeout"
        run.seconds = time.monotonic() - t0
        self._run = None
        return run

    # ------------------------------------------------------------------ what the server sends

    async def _read(self) -> None:
        try:
            async for data in self._ws:
                msg = ForwardMsg()
                msg.ParseFromString(data)
                self._handle(msg, len(data))
        except Exception:  # the connection went away
            pass
        finally:
            self.closed = True
            if self._run is not None:
                self._run.status = "closed"
            self._finished.set()

    def _handle(self, msg: ForwardMsg, nbytes: int) -> None:
        run = self._run
        if run is not None:
            run.messages += 1
            run.nbytes += nbytes
        kind = msg.WhichOneof("type")
        if kind == "ref_hash":
            if run is not None:
                run.refs += 1
            cached = self._cache.get(msg.ref_hash)
            if cached is None:
                if run is not None:
                    run.errors.append(f"reference to a message not in the cache: {msg.ref_hash}")
                return
            msg, kind = cached, cached.WhichOneof("type")
        elif msg.metadata.cacheable and msg.hash and len(self._cache) < self._max_cache:
            self._cache[msg.hash] = msg
        if kind == "new_session":
            self.page_hash = msg.new_session.page_script_hash
            self.buttons = {}
        elif kind == "navigation":
            self.pages = {p.url_pathname: p.page_script_hash for p in msg.navigation.app_pages}
            self.page_hash = msg.navigation.page_script_hash or self.page_hash
        elif kind == "page_info_changed":
            self.query_string = msg.page_info_changed.query_string
        elif kind == "auto_rerun":
            self.auto_rerun = (msg.auto_rerun.interval, msg.auto_rerun.fragment_id)
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            self._element(msg.delta.new_element, run)
        elif kind == "script_finished" and msg.script_finished in _DONE and run is not None:
            run.status = _DONE[msg.script_finished]
            self._finished.set()

    def _element(self, el, run: Run | None) -> None:
        kind = el.WhichOneof("type")
        if kind == "button":
            self.buttons[el.button.label] = el.button.id
        if run is None:
            return
        if kind == "heading":
            run.headings.append(el.heading.body)
        elif kind == "plotly_chart":
            run.charts += 1
        elif kind == "alert":
            run.alerts.append(el.alert.body)
            if el.alert.format == _ALERT_ERROR:
                run.errors.append(f"st.error: {el.alert.body[:300]}")
        elif kind == "exception":
            run.errors.append(f"exception: {el.exception.type}: {el.exception.message[:300]}")


# ----------------------------------------------------------------------------- the class, without browsers


def _check(run: Run, student: Student, name: str, title: str, figure: bool) -> None:
    """Book one page's first render: the run finished, shows the page's title (and a figure), has no error."""
    who = f"student {student.index}"
    student.errors.extend(f"{who}: {name}: {e}" for e in run.errors)
    if run.status != "ok":
        student.timeouts.append(name)
        student.errors.append(f"{who}: {name} not rendered ({run.status})")
        return
    student.render_s[name] = run.seconds
    if not any(title in h for h in run.headings):
        student.errors.append(f"{who}: {name}: title {title!r} not shown (headings: {run.headings[:3]})")
    if figure and not run.charts:
        student.errors.append(f"{who}: {name}: no figure sent")


async def _watch_job(client: StreamlitClient, student: Student, until: float) -> None:
    """Press "Train live", then follow the self-refreshing panel (its fragment reruns) until the job trains."""
    t0 = time.monotonic()
    run = await client.click("Train live", timeout=RENDER_TIMEOUT_S)
    while True:
        student.errors.extend(f"student {student.index}: experiments (training): {e}" for e in run.errors)
        state = job_state(student, run.alerts)
        if state == "started":
            student.job_wait_s = time.monotonic() - t0
        if state is not None:
            return
        if time.monotonic() >= until or run.status == "closed":
            return
        await asyncio.sleep(client.auto_rerun[0] if client.auto_rerun else 1.0)
        run = await client.rerun_fragment(RENDER_TIMEOUT_S) or await client.rerun(RENDER_TIMEOUT_S)


async def _keep_refreshing(client: StreamlitClient, student: Student, until: float) -> None:
    """Stay in class: answer the panel's ``run_every`` timer, as an open tab does, until the bell."""
    while time.monotonic() < until and not client.closed:
        if client.auto_rerun is None:
            await asyncio.sleep(min(1.0, max(0.0, until - time.monotonic())))
            continue
        await asyncio.sleep(client.auto_rerun[0])
        run = await client.rerun_fragment(RENDER_TIMEOUT_S)
        if run is not None:
            student.errors.extend(f"student {student.index}: experiments (refresh): {e}" for e in run.errors)


async def run_ws_student(url: str, student: Student, delay: float, until: float) -> None:
    """One student: Overview by URL, then Vanishing gradient and Experiments through the sidebar, maybe a job."""
    await asyncio.sleep(delay)
    try:
        async with StreamlitClient(url) as client:
            (first, title, figure), *rest = PAGES
            _check(await client.open("", timeout=RENDER_TIMEOUT_S), student, first, title, figure)
            for name, title, figure in rest:
                if name not in client.pages:
                    student.errors.append(f"student {student.index}: no {name!r} in the navigation")
                    continue
                _check(await client.navigate(name, timeout=RENDER_TIMEOUT_S), student, name, title, figure)
            if student.train:
                await _watch_job(client, student, until)
            await _keep_refreshing(client, student, until)
    except Exception as exc:
        student.errors.append(f"student {student.index}: {type(exc).__name__}: {str(exc)[:200]}")


async def drive_ws(url: str, n: int, duration: float, ramp: float, warmup: bool = False) -> list[Student]:
    """Run the class with websocket clients; same contract as :func:`bench.browser_client.drive_browser`."""
    students = [Student(i, train=(i % 2 == 1) and not warmup) for i in range(n)]
    until = time.monotonic() + duration
    await run_class(students, lambda s, delay: run_ws_student(url, s, delay, until), duration, ramp)
    return students
