"""Weekday numbers as the rules store them (0 = Monday .. 6 = Sunday), and the sets and names the other
schedule modules share."""

WEEKDAYS = (0, 1, 2, 3, 4)
WEEKENDS = (5, 6)
CRON_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # APScheduler's names; also the en prefixes
