"""Errors a user can act on, and the one place that turns them into an exit."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import NoReturn

EXIT_FAILED = 1
EXIT_USER_ERROR = 2


class UserError(Exception):
    """Bad input or unreachable infrastructure: reported as one line, never a traceback."""

    exit_code = EXIT_USER_ERROR


class RunAborted(UserError):
    """Infrastructure failed mid-run; the job is recorded as failed (or, if the warehouse
    itself is gone, found running and marked interrupted by the next run), which resumes it."""

    exit_code = EXIT_FAILED


def fail(message: str, exit_code: int = EXIT_USER_ERROR) -> NoReturn:
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(exit_code)


def run_cli(main: Callable[[], int | None]) -> NoReturn:
    """Run a command-line entry point, mapping UserError to one stderr line and its exit."""
    try:
        code = main()
    except UserError as exc:
        fail(str(exc), exc.exit_code)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        raise SystemExit(130) from None
    raise SystemExit(code or 0)
