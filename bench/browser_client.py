"""Students as chromium tabs: one Debian chromium, one Playwright context per student, the real frontend.

``python -m bench.classroom --clients browser``. On a small box the browser eats the CPU and the figures
are its; the websocket students (:mod:`bench.ws_client`) measure the server alone.
"""

from __future__ import annotations

import asyncio
import time

from bench.server import HOST
from bench.students import PAGES, RENDER_TIMEOUT_S, Student, job_state, run_class

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

# the page is drawn: connected, script finished, title (and a Plotly figure) shown, nothing stale
_RENDERED_JS = """([title, figure]) => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app || app.dataset.testScriptState !== 'notRunning' || app.dataset.testConnectionState !== 'CONNECTED')
        return false;
    if (document.querySelector('[data-stale="true"]')) return false;
    const h1 = document.querySelector('[data-testid="stMainBlockContainer"] h1');
    if (!h1 || !h1.innerText.includes(title)) return false;
    return !figure || !!document.querySelector('[data-testid="stMainBlockContainer"] .js-plotly-plot .main-svg');
}"""
_ALERTS_JS = "() => [...document.querySelectorAll('[data-testid=\"stAlert\"]')].map(e => e.innerText)"


async def _rendered(page, t0: float, student: Student, name: str, title: str, figure: bool) -> None:
    try:
        await page.wait_for_function(_RENDERED_JS, arg=[title, figure], timeout=RENDER_TIMEOUT_S * 1000, polling=100)
        student.render_s[name] = time.monotonic() - t0
    except Exception as exc:  # a timeout, or the browser went away
        student.timeouts.append(name)
        student.errors.append(f"student {student.index}: {name} not rendered ({type(exc).__name__})")


async def _play(page, student: Student, required: bool) -> None:
    """Press the first ▶ Play of a Plotly animation on the page."""
    button = page.locator("g.updatemenu-button").filter(has_text="Play")
    try:
        await button.first.wait_for(timeout=RENDER_TIMEOUT_S * 1000 if required else 5_000)
    except Exception:
        if required:
            student.errors.append(f"student {student.index}: no ▶ Play button on the page")
        return
    await button.first.click(timeout=30_000)
    student.played += 1


async def _watch_job(page, student: Student, until: float) -> None:
    t0 = time.monotonic()
    await page.get_by_role("button", name="Train live").click(timeout=30_000)
    while time.monotonic() < until:
        state = job_state(student, await page.evaluate(_ALERTS_JS))
        if state == "started":
            student.job_wait_s = time.monotonic() - t0
        if state is not None:
            return
        await asyncio.sleep(0.5)


def _console(student: Student, msg) -> None:
    """A console error counts, unless it is a resource of another host (the sandbox is offline)."""
    if msg.type != "error":
        return
    where = (msg.location or {}).get("url", "")
    if where and not where.startswith(f"http://{HOST}"):
        student.external.add(where.split("/")[2] if "//" in where else where)
        return
    student.errors.append(f"student {student.index}: console error: {msg.text[:200]}")


async def run_student(browser, url: str, student: Student, delay: float, until: float) -> None:
    await asyncio.sleep(delay)
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = await context.new_page()
        page.on("console", lambda m: _console(student, m))
        page.on("pageerror", lambda e: student.errors.append(f"student {student.index}: page error: {e}"[:300]))
        t0 = time.monotonic()
        await page.goto(f"{url}/", timeout=RENDER_TIMEOUT_S * 1000, wait_until="commit")   # not "load": see _rendered
        await _rendered(page, t0, student, *PAGES[0])
        for name, title, figure in PAGES[1:]:
            t0 = time.monotonic()
            await page.locator(f'[data-testid="stSidebarNav"] a[href$="/{name}"]').click(
                timeout=RENDER_TIMEOUT_S * 1000)
            await _rendered(page, t0, student, name, title, figure)
            await _play(page, student, required=name == "vanishing_gradient")
        if student.train:
            await _watch_job(page, student, until)
        for selector in ('[data-testid="stException"]', '[data-testid="stAlertContentError"]'):
            for text in await page.locator(selector).all_inner_texts():
                student.errors.append(f"student {student.index}: {selector}: {text[:300]}")
        await asyncio.sleep(max(0.0, until - time.monotonic()))   # stay in class until the bell
    except Exception as exc:
        student.errors.append(f"student {student.index}: {type(exc).__name__}: {str(exc)[:200]}")
    finally:
        await context.close()


async def drive_browser(url: str, n: int, duration: float, ramp: float, warmup: bool = False) -> list[Student]:
    """Run the class; a student still busy at the hard deadline is cancelled and counted as an error."""
    from playwright.async_api import async_playwright

    students = [Student(i, train=(i % 2 == 1) and not warmup) for i in range(n)]
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            until = time.monotonic() + duration
            await run_class(students, lambda s, delay: run_student(browser, url, s, delay, until), duration, ramp)
        finally:
            await browser.close()
    return students
