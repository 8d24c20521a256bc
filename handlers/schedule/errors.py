"""ScheduleError: bad /remind syntax or an unreadable stored rule, as a code the bot turns into a friendly
message (content/ui: `remind.error.<code>`). The codes and their params:

    empty                 nothing after /remind
    unknown_rule          given: the first word, which starts no rule we know
    missing_time          given: the rule words that need a time of day ("tomorrow", "daily",
                          "mon,wed,fri", "2026-12-01"), whatever stood after them
    bad_time              given: e.g. "25:00", "7:75", "13pm"
    bad_date              given: e.g. "2026-02-30"
    past                  when: the one-off's local "YYYY-MM-DD HH:MM", which is not in the future
    bad_duration          given: a zero duration ("in 0m")
    too_far               given, max_days: a relative reminder more than 365 days ahead, or a dated
                          one-off more than 3660 days (about ten years) ahead
    bad_interval          given, min (2), max (365): every N days out of range
    too_frequent          given: a repeat shorter than a day ("every 5 minutes", "hourly", "每小时");
                          no rule form repeats more often than daily, so none can fire every < 10 min
    bad_count             given, max (1000): times 0 or more than 1000
    until_before_start    until, first: the end day is before the first fire's day
    bad_rule              a stored rule (Rule.from_json) is not readable
"""

ERROR_CODES = (
    "empty",
    "unknown_rule",
    "missing_time",
    "bad_time",
    "bad_date",
    "past",
    "bad_duration",
    "too_far",
    "bad_interval",
    "too_frequent",
    "bad_count",
    "until_before_start",
    "bad_rule",
)


class ScheduleError(ValueError):
    """Bad reminder syntax. `code` picks the friendly message; `params` fill it in."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(f"{code} {params}" if params else code)
        self.code = code
        self.params = params
