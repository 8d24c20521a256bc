"""Reminder schedules: read /remind's rule syntax and compute fire times in the learner's own zone.

errors.py    ScheduleError and its codes (each one a friendly message in content/ui)
rule.py      Rule: one reminder's schedule, and its JSON storage format (`reminders.rule`)
parse.py     the bilingual (en, zh) /remind syntax -> a Rule and the reminder's message
times.py     fire times: next_fire / upcoming, DST-correct through APScheduler's triggers
describe.py  a Rule in words, en or zh ("Mon, Wed, Fri at 18:00", "每周一、三、五 18:00")
days.py      weekday numbers and names the others share

rule, _ = parse("mon,wed,fri 18:00 gym", now_utc, zone)
upcoming(rule, zone, now_utc, 3)          # the next three fire times, aware UTC
Rule.from_json(rule.to_json()) == rule
"""

from handlers.schedule.errors import ERROR_CODES, ScheduleError
from handlers.schedule.parse import is_relative, parse
from handlers.schedule.rule import Rule
from handlers.schedule.times import next_fire, upcoming

__all__ = ["ERROR_CODES", "Rule", "ScheduleError", "is_relative", "next_fire", "parse", "upcoming"]
