"""Open a dispersa report page in headless Chromium and check it.

Usage: check_report.py REPORT_HTML OUT_PNG

Fails (exit 1) if the page logs a console error, throws a page error, requests anything but the
file itself (the report must be self-contained; every other request is aborted before it is
sent), or breaks the figure contract: <body data-figures="N">, and N elements
<figure class="dispersa-figure" id="fig-NAME">, each with one inline <svg> of at least
100 x 100 px holding drawn elements, and a <figcaption>. Saves a full-page screenshot to OUT_PNG
and prints one line. Drives Debian's /usr/bin/chromium (or $CHROMIUM) through Playwright."""
import os
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--host-resolver-rules=MAP * ~NOTFOUND"]  # no name resolves, should a request get out
# Per figure: id, number of top-level inline svgs, rendered size, drawn elements, caption.
FIGURES_JS = """() => [...document.querySelectorAll('figure.dispersa-figure')].map(f => {
    const svgs = [...f.querySelectorAll('svg')].filter(s => !s.parentElement.closest('svg'));
    const box = svgs.length ? svgs[0].getBoundingClientRect() : {width: 0, height: 0};
    return {id: f.id, svgs: svgs.length, width: box.width, height: box.height,
            drawn: svgs.length ? svgs[0].querySelectorAll(
                'path, line, polyline, polygon, circle, ellipse, rect, text').length : 0,
            caption: f.querySelector('figcaption') !== null};
})"""


def figure_errors(declared, figures):
    errors = []
    if declared is None or not declared.isdigit():
        errors.append(f"<body data-figures> is {declared!r}, not a number of figures")
    elif len(figures) != int(declared):
        errors.append(f"{len(figures)} figure.dispersa-figure elements, body declares {declared}")
    for i, f in enumerate(figures):
        name = f["id"] or f"figure {i + 1} (no id)"
        if not f["id"].startswith("fig-"):
            errors.append(f"{name}: id does not start with fig-")
        if f["svgs"] != 1:
            errors.append(f"{name}: {f['svgs']} inline svg elements, not 1")
        elif f["width"] < 100 or f["height"] < 100:
            errors.append(f"{name}: svg rendered {f['width']:.0f} x {f['height']:.0f} px, "
                          "under 100 x 100")
        elif f["drawn"] == 0:
            errors.append(f"{name}: svg draws nothing (no path, line, circle, rect, text...)")
        if not f["caption"]:
            errors.append(f"{name}: no figcaption")
    return errors


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    page_path, png = Path(sys.argv[1]).resolve(), Path(sys.argv[2])
    if not page_path.is_file():
        sys.exit(f"check_report: {page_path} is not a file")
    if not Path(CHROMIUM).is_file():
        sys.exit(f"check_report: no Chromium at {CHROMIUM}: apt-get install chromium, "
                 "or set $CHROMIUM")
    url = page_path.as_uri()
    errors = []
    with sync_playwright() as p, tempfile.TemporaryDirectory() as profile:
        context = p.chromium.launch_persistent_context(  # fresh, empty user-data dir
            profile, executable_path=CHROMIUM, headless=True, args=ARGS,
            viewport={"width": 1280, "height": 900}, service_workers="block")
        # Every request but the page itself fails the check (file:// ones included); those that
        # the router sees (http, https...) are aborted before they leave the browser.
        context.on("request", lambda r: r.url != url and errors.append(
            f"network request: {r.method} {r.url}"))
        context.route("**/*", lambda r: r.continue_() if r.request.url == url else r.abort())
        page = context.pages[0] if context.pages else context.new_page()
        page.on("console", lambda m: m.type == "error" and errors.append(
            f"console error: {m.text} ({m.location.get('url') or 'inline'})"))
        page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
        page.on("websocket", lambda ws: errors.append(f"network request: websocket {ws.url}"))
        page.goto(url, wait_until="load")
        page.wait_for_timeout(500)  # let late scripts and timers report
        declared = page.evaluate("() => document.body && document.body.dataset.figures")
        figures = page.evaluate(FIGURES_JS)
        page.screenshot(path=str(png), full_page=True)
        context.close()
    errors += figure_errors(declared, figures)
    names = ", ".join(f["id"] for f in figures) or "none"
    print(f"check_report: {page_path.name}: {len(figures)} of {declared} figures ({names}), "
          f"{len(errors)} errors, screenshot {png}")
    for e in errors:
        print(f"  {e}")
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
