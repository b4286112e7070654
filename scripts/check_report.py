#!/usr/bin/env python3
"""Opens a run folder's report.html (`succession report DIR`) in headless
Chromium through Selenium and fails unless a person would see the page:

- the browser console logs no SEVERE entry (a script error, a blocked or
  failed load: the page loads nothing and runs nothing);
- the page fetched no resource (everything is inline);
- it has its sections (the headings below) and at least one inline <svg>
  chart, each drawn at a real size;
- a full-page screenshot is not blank: enough distinct colours, and no
  one colour covering almost every pixel.

Usage: check_report.py DIR/report.html [--expect HEADING]... [--screenshot FILE.png]
Uses /usr/bin/chromium and /usr/bin/chromedriver (Debian's chromium and
chromium-driver packages); Selenium never downloads a driver.
"""

import argparse
import io
import os
import sys
from pathlib import Path

# Never let Selenium Manager look for a driver or a browser on the network.
os.environ["SE_OFFLINE"] = "true"

from PIL import Image  # noqa: E402
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
# The headings every report has (sensitivity and comparison only when the
# folder holds their results).
HEADINGS = [
    "Scenario",
    "Summary figures",
    "Charts",
    "Hand-over of seats by decade",
    "Provenance",
]
# A real page has text, tables, chart colours and anti-aliasing: thousands
# of colours. A blank or unstyled failure has a handful.
MIN_COLOURS = 64
MAX_ONE_COLOUR = 0.97


def fail(message):
    print(f"check_report: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def browser(width):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        f"--window-size={width},1000",
    ]:
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", type=Path)
    parser.add_argument("--screenshot", type=Path, help="where to keep the screenshot")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument(
        "--expect",
        action="append",
        default=[],
        metavar="HEADING",
        help="a further heading the page must have (Sensitivity, Comparison)",
    )
    args = parser.parse_args()
    report = args.report.resolve()
    if not report.is_file():
        fail(f"{report}: no such file")

    for program in [CHROMIUM, CHROMEDRIVER]:
        if not Path(program).is_file():
            fail(f"{program}: not installed (apt-get install chromium chromium-driver)")

    driver = browser(args.width)
    try:
        driver.get(report.as_uri())
        problems = []

        log = driver.get_log("browser")
        for entry in log:
            if entry.get("level") == "SEVERE":
                problems.append(f"console: {entry.get('message')}")

        fetched = driver.execute_script(
            "return performance.getEntriesByType('resource').map(e => e.name);"
        )
        for name in fetched:
            problems.append(f"the page fetched {name}")

        headings = [h.text.strip() for h in driver.find_elements(By.CSS_SELECTOR, "h1, h2")]
        for heading in HEADINGS + args.expect:
            if heading not in headings:
                problems.append(f"no heading {heading!r} (found {headings})")
        if not driver.title.strip():
            problems.append("the page has no title")

        charts = driver.find_elements(By.CSS_SELECTOR, "#charts figure svg")
        if not charts:
            problems.append("no inline <svg> chart in the Charts section")
        for svg in charts:
            size = svg.size
            if size["width"] < 300 or size["height"] < 200:
                problems.append(f"a chart is drawn at {size['width']}x{size['height']} px")
        tables = driver.find_elements(By.CSS_SELECTOR, "#summary table tbody tr")
        if not tables:
            problems.append("the summary table has no row")

        # The whole page, as tall as it is.
        height = driver.execute_script("return document.documentElement.scrollHeight;")
        driver.set_window_size(args.width, min(int(height), 16000))
        png = driver.get_screenshot_as_png()
        if args.screenshot:
            args.screenshot.write_bytes(png)
        image = Image.open(io.BytesIO(png)).convert("RGB")
        colours = image.getcolors(maxcolors=1 << 24) or []
        total = image.width * image.height
        most = max((count for count, _ in colours), default=total)
        if len(colours) < MIN_COLOURS:
            problems.append(f"the screenshot has {len(colours)} colours (blank?)")
        if most > MAX_ONE_COLOUR * total:
            problems.append(
                f"one colour covers {100 * most / total:.1f}% of the screenshot (blank?)"
            )
    finally:
        driver.quit()

    if problems:
        fail("\n  ".join([str(report)] + problems))
    print(
        f"check_report: ok: {report} ({len(charts)} charts, {len(headings)} headings, "
        f"{len(colours)} colours in a {image.width}x{image.height} screenshot, "
        f"{len(log)} console entries, none severe)"
    )


if __name__ == "__main__":
    main()
