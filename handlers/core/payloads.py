"""Typed button payloads, checked on the way in.

A button family is a frozen dataclass with a prefix; its fields are `int`, `str` or `Literal[...]`:

    @dataclass(frozen=True)
    class StepPress(Payload, prefix="step"):
        action: Literal["show", "done"]
        step: str = ""

        async def owner(self, ctx) -> Owner | None: ...

`StepPress("show", "linear-algebra").pack()` gives "step:show:linear-algebra" (at most 64 bytes, Telegram's
limit for callback data, checked when a button is made). `StepPress.unpack(data)` gives the payload back,
or None for anything malformed: unknown action, a number that is not one ('²', 30 digits), missing fields.

Every family says whose object it names (`owner`): nobody's (content anyone may open), a learner's, or a
chat's. `press_guard`, a middleware, unpacks the press and checks the owner before any handler runs, so
a forged or stale press can never act on someone else's object: a malformed payload, or one naming
something that no longer exists, gets "that button is out of date"; one naming another learner's or
another chat's object gets the family's refusal. The handler then finds `ctx.payload` (typed) and
`ctx.target` (the object the owner check loaded).
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Self

from handlers.core.numbers import parse_int
from handlers.core.types import Handler, Press, Reply

if TYPE_CHECKING:
    from handlers.core.context import Context

MAX_BYTES = 64  # Telegram's callback_data limit; Discord's custom_id allows 100


@dataclass(frozen=True)
class Owner:
    """Whose object a payload names. `anyone`: content that any learner may open anywhere. Otherwise
    the press must come from `chat` (platform, chat id) when given, and from the learner `user_id` when
    given; a group's object (`chat` only) may be pressed by any member of that group."""

    user_id: int | None = None
    chat: tuple[str, str] | None = None
    anyone: bool = False
    obj: Any = None  # what the check loaded, handed to the handler as ctx.target

    def allows(self, ctx: Context) -> bool:
        if self.anyone:
            return True
        here = (ctx.event.chat.platform, ctx.event.chat.chat_id)
        if self.chat is not None and self.chat != here:
            return False
        if self.user_id is not None and (ctx.user is None or self.user_id != ctx.user.id):
            return False
        return self.chat is not None or self.user_id is not None


ANYONE = Owner(anyone=True)


class Payload:
    """Base of every button family (see the module docstring)."""

    prefix: ClassVar[str]
    refusal: ClassVar[str] = "error.not_yours"  # UI string for a press on someone else's object
    _fields: ClassVar[tuple[tuple[str, Any, Any], ...]]  # (name, type, default or _REQUIRED)

    def __init_subclass__(cls, prefix: str = "", **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if prefix:
            if ":" in prefix or not prefix.isascii():
                raise ValueError(f"payload prefix {prefix!r} must be plain ASCII without ':'")
            cls.prefix = prefix

    @classmethod
    def _spec(cls) -> tuple[tuple[str, Any, Any], ...]:
        if "_fields" not in cls.__dict__:
            hints = typing.get_type_hints(cls)
            cls._fields = tuple(
                (f.name, hints[f.name], _REQUIRED if f.default is dataclasses.MISSING else f.default)
                for f in dataclasses.fields(cls)  # type: ignore[arg-type]
            )
        return cls._fields

    def pack(self) -> str:
        spec = self._spec()
        values = [getattr(self, name) for name, _, _ in spec]
        while values and values[-1] == spec[len(values) - 1][2]:
            values.pop()  # trailing defaults are left out: "faq:list", not "faq:list:"
        for (name, _, _), value in zip(spec[: len(values) - 1], values, strict=False):
            if ":" in str(value):
                raise ValueError(f"{type(self).__name__}.{name} may not contain ':' ({value!r})")
        data = ":".join([self.prefix, *map(str, values)])
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"button payload {data!r} is over {MAX_BYTES} bytes")
        return data

    @classmethod
    def unpack(cls, data: str) -> Self | None:
        """The payload, or None when `data` is not one of this family (never raises)."""
        head, _, rest = data.partition(":")
        if head != cls.prefix or len(data.encode("utf-8", "replace")) > MAX_BYTES:
            return None
        spec = cls._spec()
        parts = rest.split(":", len(spec) - 1) if rest or spec else []
        if len(parts) > len(spec):
            return None
        values: dict[str, Any] = {}
        for i, (name, kind, default) in enumerate(spec):
            if i >= len(parts):
                if default is _REQUIRED:
                    return None
                continue
            value = _parse(kind, parts[i])
            if value is _BAD:
                return None
            values[name] = value
        return cls(**values)

    async def owner(self, ctx: Context) -> Owner | None:
        """Whose object this names, or None when it names nothing that exists (a stale button)."""
        return ANYONE


_BAD = object()
_REQUIRED = object()


def _parse(kind: Any, text: str) -> Any:
    if kind is not str and text != text.strip():
        return _BAD
    if kind is int:
        value = parse_int(text, hash_ok=False)
        return _BAD if value is None else value
    if kind is str:
        return text
    if typing.get_origin(kind) is Literal:
        for choice in typing.get_args(kind):
            if isinstance(choice, int):
                if parse_int(text, hash_ok=False) == choice:
                    return choice
            elif text == choice:
                return choice
        return _BAD
    raise TypeError(f"payload fields may be int, str or Literal, not {kind!r}")


async def press_guard(handler: Handler, ctx: Context) -> list[Reply]:
    """The middleware: unpack a press for its route's payload family and check whose object it names."""
    what = ctx.event.what
    route = ctx.routes[0] if ctx.routes else None
    family = getattr(route, "payload", None)
    if not isinstance(what, Press) or family is None:
        return await handler(ctx)
    payload = family.unpack(what.payload)
    owner = await payload.owner(ctx) if payload is not None else None
    if owner is None:
        ctx.outcome = "stale"
        return [ctx.reply("error.stale_button")]
    if not owner.allows(ctx):
        ctx.outcome = "refused"
        return [ctx.reply(family.refusal)]
    ctx.payload, ctx.target = payload, owner.obj
    return await handler(ctx)
