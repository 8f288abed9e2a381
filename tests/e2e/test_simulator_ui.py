"""The simulator in a real browser (Debian's Chromium driven by Playwright) against the real stack."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from playwright.async_api import async_playwright, expect

from tests.e2e.conftest import Stack, new_phone

pytestmark = pytest.mark.e2e

# make test installs Debian's chromium (scripts/ensure_chromium.sh); Playwright never downloads a browser here.
CHROMIUM = os.environ.get("CHROME_BIN") or shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


@pytest.mark.parametrize("stack", ["sqlite"], indirect=True)  # the page is the same on both backends
async def test_sms_conversation_in_the_simulator(live: Stack, tmp_path: Path) -> None:
    phone = new_phone()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = await browser.new_page(viewport={"width": 420, "height": 900})
        await page.goto(f"{live.web_url}/simulator")
        await page.fill("#phone", phone)
        await page.fill("#text", "hola")
        await page.click("#send")
        bot = page.locator("#chat li.out")
        await expect(bot.first).to_contain_text("Soy el asistente", timeout=20_000)
        await expect(bot.first).to_contain_text("Responda 1, 2, 3, 4 o 5.")
        await expect(bot.first).to_contain_text("GSM-7")
        await page.fill("#text", "3")
        await page.click("#send")
        await expect(bot.nth(1)).to_contain_text(re.compile(r"\bpag(o|ar)\b", re.IGNORECASE), timeout=20_000)
        await page.screenshot(
            path=os.environ.get("FAMIBOT_SCREENSHOT", str(tmp_path / "simulator.png")), full_page=True
        )
        await browser.close()
    assert len(await live.outbound(phone)) == 2


@pytest.mark.parametrize("stack", ["sqlite"], indirect=True)
async def test_whatsapp_template_options_are_tappable(live: Stack, tmp_path: Path) -> None:
    phone = new_phone()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = await browser.new_page(viewport={"width": 420, "height": 900})
        await page.goto(f"{live.web_url}/simulator")
        await page.check("input[name=channel][value=whatsapp]")
        await page.fill("#phone", phone)
        await page.fill("#text", "hola")
        await page.click("#send")
        options = page.locator("#chat li.out .replies button")
        await expect(options).to_have_count(5, timeout=20_000)
        await options.filter(has_text="Pagos").click()
        await expect(page.locator("#chat li.out").nth(1)).to_contain_text("cuánto debe", timeout=20_000)
        await page.screenshot(
            path=os.environ.get("FAMIBOT_SCREENSHOT_WA", str(tmp_path / "whatsapp.png")), full_page=True
        )
        await browser.close()
    sent = await live.outbound(phone, channel="whatsapp")
    assert len(sent) == 2 and sent[0]["content_sid"]
