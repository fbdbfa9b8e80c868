"""Text from outside (a mail's subject, a file name, a sender's name) made safe to show.

:func:`printable` is applied wherever such text is printed to a terminal or posted to Slack: it removes control
characters (ESC, BEL, NUL..., which a terminal would obey) and the bidirectional overrides that disguise a file
name, and keeps line breaks and tabs. What is stored is not changed: the raw copy keeps every byte.
"""

from __future__ import annotations

import re

_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: object) -> str:
    """``text`` without control characters (line breaks and tabs kept); ``None`` gives ''."""
    if text is None:
        return ""
    return _UNPRINTABLE.sub("", str(text))
