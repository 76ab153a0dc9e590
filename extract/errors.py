"""Errors a user can act on, and the one place that turns them into an exit."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import NoReturn

EXIT_USER_ERROR = 2


class UserError(Exception):
    """Bad input or unreachable infrastructure: reported as one line, never a traceback."""


def fail(message: str) -> NoReturn:
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(EXIT_USER_ERROR)


def run_cli(main: Callable[[], int | None]) -> NoReturn:
    """Run a command-line entry point, mapping UserError to one stderr line and exit 2."""
    try:
        code = main()
    except UserError as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        raise SystemExit(130) from None
    raise SystemExit(code or 0)
