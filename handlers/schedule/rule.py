"""Rule: one reminder's schedule, and its storage format (the JSON text in `reminders.rule`).

A rule is wall-clock local time without a zone: the reminder row keeps the IANA zone name, and fire times
(handlers/schedule/times.py) apply it, so a learner who changes /timezone keeps "daily 19:00" at 19:00.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from handlers.schedule.describe import describe_rule
from handlers.schedule.errors import ScheduleError

KINDS = ("once", "daily", "weekdays", "weekly", "every_days")
JSON_VERSION = 1


@dataclass(frozen=True)
class Rule:
    kind: str  # "once" | "daily" | "weekdays" | "weekly" | "every_days"
    time: time | None  # local wall-clock time for all but a relative "once"
    days: tuple[int, ...] = ()  # weekly: weekdays 0=Mon..6=Sun, sorted
    every: int = 1  # every_days: N (>=2)
    start: date | None = None  # every_days: anchor (first local day); dated once: the local date
    at_utc: datetime | None = None  # relative once ("in 2h"): the aware UTC instant
    until: date | None = None  # last local day (inclusive)
    times: int | None = None  # total number of fires

    def to_json(self) -> str:
        """Stable text for the database: sorted keys, no spaces, ISO dates, times as HH:MM."""
        data = {
            "v": JSON_VERSION,
            "kind": self.kind,
            "time": _time_text(self.time) if self.time is not None else None,
            "days": list(self.days),
            "every": self.every,
            "start": self.start.isoformat() if self.start else None,
            "at_utc": self.at_utc.astimezone(UTC).isoformat() if self.at_utc else None,
            "until": self.until.isoformat() if self.until else None,
            "times": self.times,
        }
        return json.dumps(data, sort_keys=True, separators=(",", ":"))

    @staticmethod
    def from_json(text: str) -> Rule:
        """The rule stored by to_json; ScheduleError("bad_rule") when the text is not a well-formed rule."""
        try:
            data = json.loads(text)
            rule = Rule(
                kind=data["kind"],
                time=time.fromisoformat(data["time"]) if data.get("time") else None,
                days=tuple(int(d) for d in data.get("days") or ()),
                every=int(data.get("every", 1)),
                start=date.fromisoformat(data["start"]) if data.get("start") else None,
                at_utc=datetime.fromisoformat(data["at_utc"]).astimezone(UTC) if data.get("at_utc") else None,
                until=date.fromisoformat(data["until"]) if data.get("until") else None,
                times=int(data["times"]) if data.get("times") is not None else None,
            )
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            raise ScheduleError("bad_rule") from exc
        if not _well_formed(rule):
            raise ScheduleError("bad_rule")
        return rule

    def describe(self, lang: str, zone: ZoneInfo | None = None) -> str:
        """'daily at 19:00', '每天 19:00', 'Mon, Wed, Fri at 18:00, until 2026-12-31, 3 times'.

        A relative one-off is shown in `zone` when given, else in UTC."""
        return describe_rule(self, lang, zone)


def _well_formed(rule: Rule) -> bool:
    if rule.kind not in KINDS or rule.times is not None and rule.times < 1:
        return False
    if rule.kind == "once":
        return rule.at_utc is not None or (rule.start is not None and rule.time is not None)
    if rule.time is None:
        return False
    if rule.kind == "weekly":
        return (
            bool(rule.days) and all(0 <= d <= 6 for d in rule.days) and list(rule.days) == sorted(rule.days)
        )
    if rule.kind == "every_days":
        return rule.start is not None and rule.every >= 1
    return True


def _time_text(at: time) -> str:
    return at.isoformat(timespec="minutes") if not (at.second or at.microsecond) else at.isoformat()
