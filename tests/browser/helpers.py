"""What the browser tests do again and again: a seller sends a ticket, staff log in."""
from __future__ import annotations

import re
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
STAFF_PASSWORD = "demo-password-2026"
NOTIFY_SECRET = "gateway-secret-for-the-browser-tests"
TICKET_URL = re.compile(r"/s/[^/]+/tickets/(T-\d{4}-\d{4})$")
REFERENCE = re.compile(r"T-\d{4}-\d{4}")


def unique_tracking() -> str:
    """A tracking number no other ticket of this session uses (demo ones are NVDEMO…)."""
    return f"NVBT{time.time_ns() % 10**10:010d}"


def submit_ticket(page, link: str, *, description: str, tracking: str = "",
                  category: str = "delivery_delay") -> str:
    """Fill the seller's form as a person would and return the new ticket's reference."""
    page.goto(link)
    page.get_by_label("What is the problem about?").select_option(category)
    page.get_by_label("Tracking numbers").fill(tracking)
    page.get_by_label("What happened?").fill(description)
    page.get_by_role("button", name="Send", exact=True).click()
    page.wait_for_url(TICKET_URL)
    return TICKET_URL.search(page.url).group(1)


# a mid-range Android phone as sellers use one (Vietnamese, the portal's zone)
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 3,
         "locale": "vi-VN", "timezone_id": "Asia/Ho_Chi_Minh",
         "user_agent": "Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) "
                       "Chrome/126.0 Mobile Safari/537.36"}
