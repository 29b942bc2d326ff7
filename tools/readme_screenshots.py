"""The README's two screenshots, taken from the running demo in Debian's headless Chromium.

Run ``make demo`` (it serves the demo member's app on http://127.0.0.1:8000), then, in another
shell: ``.venv/bin/python tools/readme_screenshots.py``. Writes docs/images/dashboard.png (the
first screen) and docs/images/evidence.png (what is behind the unanswered-asks card). Only
simulated people and the demo corpus's sentences appear in them.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from playwright.sync_api import sync_playwright

OUT = Path(__file__).resolve().parents[1] / "docs" / "images"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--email", default="demo@example.org")
    parser.add_argument("--password", default="demo-password-1")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=args.chromium, headless=True,
                                     args=["--no-sandbox", "--disable-dev-shm-usage"])
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        page.goto(f"{args.base}/login")
        page.fill("input[name=email]", args.email)
        page.fill("input[name=password]", args.password)
        page.click("button[type=submit]")
        page.wait_for_url(f"{args.base}/me*")
        page.screenshot(path=args.out / "dashboard.png")
        page.goto(f"{args.base}/me/cards/unanswered_asks")
        page.screenshot(path=args.out / "evidence.png",
                        clip={"x": 0, "y": 0, "width": 1100, "height": 520})
        browser.close()


if __name__ == "__main__":
    main()
