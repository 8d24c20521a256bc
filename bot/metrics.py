"""Prometheus metrics for one running bot (its own registry: several apps in one test process do not
mix). Fed by the event log hook (handlers' middleware), the app's sends and the reminder service."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest

from bot.adapters.base import ChatBlocked, RetryLater

# outcomes of a question the FAQ did not answer: unsure, another subject, or a request it is not for
UNANSWERED = ("faq:abstained", "faq:refusal", "faq:not-a-tutor")


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.messages = Counter(
            "studybuddy_messages_handled", "Events handled (messages, commands, presses)",
            ["platform", "chat", "outcome"], registry=r,
        )  # fmt: skip
        self.replies = Counter("studybuddy_replies", "Replies produced", ["platform"], registry=r)
        self.faq_abstentions = Counter(
            "studybuddy_faq_abstentions", "Questions the FAQ could not answer", ["platform"], registry=r
        )
        self.send_errors = Counter(
            "studybuddy_send_errors", "Sends that failed, by kind (blocked, retry, other)",
            ["platform", "kind"], registry=r,
        )  # fmt: skip
        self.replies_lost = Counter(
            "studybuddy_replies_lost", "Answers to a learner given up after retrying (the platform was down)",
            ["platform"], registry=r,
        )  # fmt: skip
        self.reminders = Counter(
            "studybuddy_reminders", "Reminder occurrences: claimed, delivered, missed, blocked, failed",
            ["state"], registry=r,
        )  # fmt: skip
        self.queue = Gauge("studybuddy_reminder_queue", "Reminder messages due and not yet sent", registry=r)
        self._children: dict[tuple, tuple] = {}  # labels -> their counters (`labels()` costs a lock each)

    def event(self, event: dict) -> None:
        """The middleware's one-line summary of an event (outcome "repeat": an update seen before)."""
        key = (event["platform"], event["chat"], event["outcome"])
        if (children := self._children.get(key)) is None:
            platform = key[0]
            abstained = self.faq_abstentions.labels(platform) if key[2] in UNANSWERED else None
            children = self._children[key] = (
                self.messages.labels(*key),
                self.replies.labels(platform),
                abstained,
            )
        messages, replies, abstained = children
        messages.inc()
        replies.inc(event["replies"])
        if abstained is not None:
            abstained.inc()

    def reminder(self, state: str, count: int = 1) -> None:
        if state == "queue":
            self.queue.set(count)
        elif count:
            self.reminders.labels(state).inc(count)

    def send_error(self, platform: str, exc: BaseException) -> None:
        kind = (
            "blocked" if isinstance(exc, ChatBlocked) else "retry" if isinstance(exc, RetryLater) else "other"
        )
        self.send_errors.labels(platform, kind).inc()

    def reply_lost(self, platform: str) -> None:
        self.replies_lost.labels(platform).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)
