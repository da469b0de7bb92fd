"""Take the README screenshot: log in as the demo user in headless chromium, capture a page.

    .venv/bin/python scripts/screenshot.py http://127.0.0.1:8000 docs/screenshot.png [/clients/]

Needs a running server with demo data (`make run`) and Debian's chromium.
"""

import os
import sys

from playwright.sync_api import sync_playwright


def main() -> None:
    base_url, target = sys.argv[1].rstrip("/"), sys.argv[2]
    path = sys.argv[3] if len(sys.argv) > 3 else "/"
    user = os.environ.get("DEMO_USER", "demo")
    password = os.environ.get("DEMO_PASSWORD", "demo-pass-2026")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
            args=["--no-sandbox", "--disable-gpu"],
        )
        page = browser.new_page(viewport={"width": 1280, "height": 800}, locale="en-US")
        page.goto(f"{base_url}/accounts/login/?next={path}")
        page.locator("#id_login").fill(user)
        page.locator("#id_password").fill(password)
        page.locator("form button[type=submit]").last.click()
        page.wait_for_load_state("networkidle")
        page.screenshot(path=target, type="png")
        browser.close()
    print(f"saved {target} ({os.path.getsize(target) // 1024} KB)")


if __name__ == "__main__":
    main()
