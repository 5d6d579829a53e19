"""Which date group a conversation falls in, and how its time is written (no Qt)."""

from __future__ import annotations

from datetime import datetime, timedelta

GROUPS = ("Today", "Yesterday", "Previous 7 days", "Older")


def date_group(when: float, now: datetime) -> str:
    """Today, Yesterday, Previous 7 days or Older, by the local calendar day."""
    day = datetime.fromtimestamp(when).date()
    today = now.date()
    if day >= today:
        return "Today"
    if day == today - timedelta(days=1):
        return "Yesterday"
    if day >= today - timedelta(days=7):
        return "Previous 7 days"
    return "Older"


def short_time(when: float, now: datetime) -> str:
    """Enough of the date to tell two same-titled conversations apart."""
    moment = datetime.fromtimestamp(when)
    group = date_group(when, now)
    if group == "Today":
        return moment.strftime("%H:%M")
    if group == "Yesterday":
        return "Yesterday " + moment.strftime("%H:%M")
    if group == "Previous 7 days":
        return moment.strftime("%a %H:%M")
    if moment.year == now.year:
        return f"{moment.day} {moment.strftime('%b')}"
    return f"{moment.day} {moment.strftime('%b %Y')}"
