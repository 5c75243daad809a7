"""The one exception type srlib raises for bad input.

Every message is a single line that names the offending input (file, option or
value) and says what to do about it; the CLI prints it without a traceback.
"""

from __future__ import annotations

__all__ = ["SRLibError"]


class SRLibError(ValueError):
    """Bad input to srlib: the message names the input and the fix, on one line."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(str(message).split()))
