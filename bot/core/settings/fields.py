"""How a setting is declared (:func:`setting`) and the parsers that turn its text into a value.

A parser raises ``ValueError`` with a short reason; :func:`bot.core.settings.load_settings` turns it into a
:class:`bot.core.errors.ConfigError` naming the environment variable.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import field
from datetime import date
from pathlib import Path
from typing import Any

# --- parsers: text -> value, raising ValueError with a short reason -------------------------------------------


def parse_str(text: str) -> str:
    return text.strip()


def parse_optional_str(text: str) -> str | None:
    text = text.strip()
    return text or None


def parse_int(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise ValueError(f"expected a whole number, got {text!r}") from None


def parse_positive_int(text: str) -> int:
    value = parse_int(text)
    if value <= 0:
        raise ValueError(f"expected a number above 0, got {text!r}")
    return value


def parse_port(text: str) -> int:
    value = parse_int(text)
    if not 0 < value < 65536:
        raise ValueError(f"expected a port number from 1 to 65535, got {text!r}")
    return value


def parse_optional_port(text: str) -> int | None:
    return parse_port(text) if text.strip() else None


def parse_float(text: str) -> float:
    try:
        return float(text.strip())
    except ValueError:
        raise ValueError(f"expected a number, got {text!r}") from None


def parse_positive_float(text: str) -> float:
    value = parse_float(text)
    if value <= 0:
        raise ValueError(f"expected a number above 0, got {text!r}")
    return value


def parse_unit_float(text: str) -> float:
    value = parse_float(text)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"expected a number from 0 to 1, got {text!r}")
    return value


def parse_bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"expected true or false, got {text!r}")


def parse_path(text: str) -> Path:
    return Path(text.strip()).expanduser()


def parse_optional_path(text: str) -> Path | None:
    return parse_path(text) if text.strip() else None


def parse_list(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def parse_paths(text: str) -> tuple[Path, ...]:
    return tuple(parse_path(part) for part in parse_list(text))


def parse_int_list(text: str) -> tuple[int, ...]:
    return tuple(parse_int(part) for part in parse_list(text))


def parse_dates(text: str) -> tuple[date, ...]:
    values = []
    for part in parse_list(text):
        try:
            values.append(date.fromisoformat(part))
        except ValueError:
            raise ValueError(f"expected dates like 2026-12-29, got {part!r}") from None
    return tuple(values)


def parse_lead_days(text: str) -> tuple[int, ...]:
    values = parse_int_list(text)
    if not values or any(v < 0 or v > 60 for v in values):
        raise ValueError(f"expected working-day counts from 0 to 60, like 10,5,1,0, got {text!r}")
    return tuple(sorted(set(values), reverse=True))


def parse_hour(text: str) -> int:
    value = parse_int(text)
    if not 0 <= value <= 23:
        raise ValueError(f"expected an hour from 0 to 23, got {text!r}")
    return value


def parse_optional_date(text: str) -> date | None:
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"expected a date like 2026-01-31, got {text!r}") from None


def parse_address_map(text: str) -> tuple[tuple[str, str], ...]:
    pairs = []
    for part in parse_list(text):
        old, sep, new = part.partition("=")
        if not sep or "@" not in old or "@" not in new:
            raise ValueError(f"expected retired=replacement address pairs, got {part!r}")
        pairs.append((old.strip(), new.strip()))
    return tuple(pairs)


def parse_slack_ids(text: str) -> tuple[str, ...]:
    """Slack IDs (C0123ABCD, U0123ABCD), not names: ``#general`` or ``@dana`` is refused with the way to find the ID."""
    ids = parse_list(text)
    for value in ids:
        if value.startswith(("#", "@")) or " " in value:
            raise ValueError(
                f"expected Slack IDs such as C0123ABCD or U0123ABCD, not names ({value!r}); a channel's ID is at the "
                "bottom of its details, a person's in their profile menu (Copy member ID)"
            )
    return ids


def parse_optional_slack_id(text: str) -> str | None:
    ids = parse_slack_ids(text)
    if len(ids) > 1:
        raise ValueError(f"expected one channel ID, got {len(ids)}")
    return ids[0] if ids else None


def parse_choice(*choices: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        value = text.strip().lower()
        if value not in choices:
            raise ValueError(f"expected one of {', '.join(choices)}, got {text!r}")
        return value

    return parse


def setting(
    env: str, default: str, help: str, parse: Callable[[str], Any] = parse_str, secret: bool = False
) -> Any:
    """Declare one setting: its environment variable, its default (as text), a help text and a parser."""
    return field(
        default=None,
        metadata={"env": env, "default": default, "help": help, "parse": parse, "secret": secret},
    )


def shown_value(value: Any) -> str:
    """A setting's value as it would be written in the environment (``mhhs-bot settings``)."""
    if value is None:
        return ""
    if isinstance(value, tuple) and value and all(isinstance(v, tuple) and len(v) == 2 for v in value):
        return ",".join(f"{a}={b}" for a, b in value)  # address pairs, as MAIL_RETIRED_ADDRESSES is written
    if isinstance(value, tuple):
        return ",".join(shown_value(v) for v in value)
    return str(value)
