"""What a user watching a long sync sees: a bar per job, rate-limit countdowns, a summary."""

from __future__ import annotations

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from extract.ledger import Job
from extract.network import Account
from extract.sync import Outcome


class SyncProgress:
    """A rich progress display; implements the sync's listener and the pacer's wait hook."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("pages · {task.fields[rows]:,} rows"),
            TextColumn("{task.fields[wait]}", style="yellow"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console,
        )
        self._tasks: dict[int, TaskID] = {}
        self._current: TaskID | None = None

    def __enter__(self) -> SyncProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def started(self, job: Job, account: Account, expected_pages: int | None) -> None:
        resumed = f" (resumes job {job.previous_job_id})" if job.previous_job_id else ""
        task = self.progress.add_task(
            f"{job.network}/{job.resource} @{account.username}{resumed}",
            total=expected_pages,
            rows=0,
            wait="",
        )
        self._tasks[job.job_id] = task
        self._current = task

    def page(self, job: Job, rows: int) -> None:
        task = self._tasks[job.job_id]
        current = self.progress.tasks[task].fields["rows"]
        self.progress.update(task, advance=1, rows=current + rows, wait="")

    def waiting(self, seconds_left: float, reason: str) -> None:
        if self._current is not None:
            label = f"⏳ {reason}: {seconds_left:.0f}s" if seconds_left > 0 else ""
            self.progress.update(self._current, wait=label)

    def finished(self, outcome: Outcome) -> None:
        if outcome.job is None or outcome.job.job_id not in self._tasks:
            return
        task = self._tasks[outcome.job.job_id]
        done = self.progress.tasks[task].completed
        self.progress.update(
            task,
            total=max(done, 1) if outcome.status == "succeeded" else None,
            completed=max(done, 1) if outcome.status == "succeeded" else done,
            wait="" if outcome.status == "succeeded" else outcome.status,
        )


def summary_table(outcomes: list[Outcome]) -> Table:
    table = Table(title="sync summary")
    for column, justify in (
        ("job", "right"),
        ("sync", "left"),
        ("status", "left"),
        ("pages api/raw", "right"),
        ("rows new/upd/same", "right"),
        ("ended", "right"),
        ("cursor", "left"),
    ):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for outcome in outcomes:
        job = outcome.job
        resumed = f" ←{job.previous_job_id}" if job and job.previous_job_id else ""
        counts = outcome.counts
        cursor = job.cursor if job else {}
        table.add_row(
            f"{job.job_id}{resumed}" if job else "-",
            f"{outcome.resource} @{outcome.account.username}",
            outcome.status,
            f"{outcome.fetched}/{outcome.reloaded}",
            f"{counts.new:,}/{counts.updated:,}/{counts.unchanged:,}",
            str(outcome.ended_edges) if outcome.resource == "followers" else "",
            " ".join(f"{k}={v}" for k, v in sorted(cursor.items()) if v is not None),
        )
    return table
