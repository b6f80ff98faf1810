"""Text from others made safe to show: control and formatting characters escaped, not obeyed.

Names, descriptions and messages come from registries anyone may write to. Shown raw, a control
character could retitle or clear a terminal, move its cursor or hide a line, and a bidirectional
override could show a name other than the one it is. Standard library only: fdpctl imports this
for every line it writes (fdpctl/safe_output.py), and must start fast.
"""

from __future__ import annotations

_ESCAPED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})
_LINE_BREAKS = {ord("\n"): None, ord("\t"): None}  # dropped to check the rest is printable


def escaped(value: object, *, lines: bool = False) -> str:
    """`value` with every control or format character escaped (`\\x1b`, `\\u202e`): safe in one
    terminal line. With `lines`, newlines and tabs are kept (safe in a block of lines)."""
    text = str(value)
    kept = "\n\t" if lines else ""
    if (text.translate(_LINE_BREAKS) if lines else text).isprintable():  # the common case, in C
        return text
    import unicodedata  # a shared library to load: only for text that is not plainly printable

    out = []
    for ch in text:
        if ch not in kept and unicodedata.category(ch) in _ESCAPED_CATEGORIES:
            out.append(ch.encode("unicode_escape").decode("ascii"))
        else:
            out.append(ch)
    return "".join(out)


__all__ = ["escaped"]
