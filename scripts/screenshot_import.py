"""Take the import screenshots of docs/clients.md: the mapping step and the preview.

    .venv/bin/python scripts/screenshot_import.py http://127.0.0.1:8000

Needs a running server with demo data (`make run`) and Debian's chromium. Uploads two samples of
clients/tests/data/ (a hand-made sheet, a Google Contacts export), photographs the mapping step
and the preview, then discards the upload: nothing is imported.
"""

import os
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "clients" / "tests" / "data"


def main() -> None:
    base_url = sys.argv[1].rstrip("/")
    user = os.environ.get("DEMO_USER", "demo")
    password = os.environ.get("DEMO_PASSWORD", "demo-pass-2026")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
            args=["--no-sandbox", "--disable-gpu"],
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="en-US")
        page.goto(f"{base_url}/accounts/login/?next=/clients/import/")
        page.locator("#id_username").fill(user)
        page.locator("#id_password").fill(password)
        page.locator("form button[type=submit]").last.click()
        page.wait_for_load_state("networkidle")
        page.get_by_role("button", name="EN", exact=True).click()  # the docs are in English
        page.wait_for_load_state("networkidle")
        for sample, target in (
            ("handmade.csv", "docs/import-mapping.png"),
            ("google-contacts.csv", "docs/import-preview.png"),
        ):
            page.goto(f"{base_url}/clients/import/")
            page.locator("input[type=file]").set_input_files(str(DATA / sample))
            page.locator("form[enctype='multipart/form-data'] button[type=submit]").click()
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(ROOT / target), type="png", full_page=True)
            print(f"saved {target}")
        page.goto(f"{base_url}/clients/import/")
        page.locator("[data-testid=import-pending] button[type=submit]").click()
        browser.close()


if __name__ == "__main__":
    main()
