"""The base of the ``manage.py`` commands that change data (docs/operations.md,
Commands an operator can trust).

Every such command:

* has ``--dry-run``: by default the command does its real work inside a transaction
  that is then rolled back, so the preview runs every rule and reports exactly the
  counts the real run would, and changes nothing (jobs it would queue and e-mails it
  would send are dropped with the transaction). A command whose real work is too big
  to do twice says so with ``dry_run_rolls_back = False`` and previews by counting;
* has ``--json``: one JSON object on stdout, ``{"command", "request_id", "dry_run",
  "ok", …counts}``, or ``{"command", "request_id", "ok": false, "error"}`` when refused
  (the exit status is then 1);
* runs under one request id (docs/logs.md), which the jobs it queues carry into the
  worker's log;
* shows progress on stderr when stderr is a terminal, and nothing in cron;
* turns a refusal (a service's ``ValidationError``) into a clear message and exit 1.

A subclass implements ``add_command_arguments(parser)`` and ``run(**options)``, which
returns a ``Report``: the counts (the JSON summary) and the sentences for a person.
A command that changes no data (``backup_database``) uses ``ReportCommand``: the same
without ``--dry-run``.
"""

import json
import sys
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from core.request_context import bind, new_request_id


@dataclass
class Report:
    """What a command did (or, in a dry run, would do)."""

    summary: dict = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class _RollBack(Exception):  # noqa: N818 - control flow, not an error
    def __init__(self, report: Report):
        self.report = report


class ReportCommand(BaseCommand):
    """``--json``, one request id per run, progress and refusals; no ``--dry-run``."""

    has_dry_run = False
    #: False: ``run`` previews by itself when ``options["dry_run"]`` is set.
    dry_run_rolls_back = True

    def add_command_arguments(self, parser) -> None:
        """The command's own arguments."""

    def run(self, **options) -> Report:  # pragma: no cover - every command has one
        raise NotImplementedError

    def add_arguments(self, parser):
        self.add_command_arguments(parser)
        if self.has_dry_run:
            parser.add_argument(
                "--dry-run",
                action="store_true",
                dest="dry_run",
                help="Say what would change, with counts, and change nothing.",
            )
        parser.add_argument(
            "--json",
            action="store_true",
            dest="json",
            help="Print one JSON object with the counts instead of sentences.",
        )

    def execute(self, *args, **options):
        # One id for the whole run, like a request's: the jobs it queues carry it into
        # the worker's log lines (docs/logs.md); the JSON summary names it.
        self.request_id = new_request_id()
        with bind(request_id=self.request_id):
            try:
                return super().execute(*args, **options)
            except CommandError as error:
                if options.get("json"):
                    self._write_json({"ok": False, "error": str(error)})
                raise

    def handle(self, *args, **options):
        self.verbosity = options.get("verbosity", 1)
        self._progress_shown = False
        dry_run = options.get("dry_run", False)
        try:
            if dry_run and self.dry_run_rolls_back:
                try:
                    with transaction.atomic():
                        raise _RollBack(self.run(**options))
                except _RollBack as rolled_back:
                    report = rolled_back.report
            else:
                report = self.run(**options)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        finally:
            self._end_progress()
        self._print(report, dry_run=dry_run, as_json=options.get("json", False))

    # Output ------------------------------------------------------------------------

    def _write_json(self, data: dict) -> None:
        name = self.__module__.rpartition(".")[2]
        data = {"command": name, "request_id": self.request_id, **data}
        self.stdout.write(json.dumps(data, default=str, ensure_ascii=False))

    def _print(self, report: Report, *, dry_run: bool, as_json: bool) -> None:
        if as_json:
            self._write_json(
                {"dry_run": dry_run, "ok": True, **report.summary, "warnings": report.warnings}
            )
            return
        for warning in report.warnings:
            self.stderr.write(warning)
        if not self.verbosity:
            return
        if dry_run:
            self.stdout.write(self.style.WARNING(_("Dry run: nothing was changed.")))
        for line in report.lines:
            self.stdout.write(line)

    def say(self, text: str) -> None:
        """A step of a long run, for a person watching a terminal or, with
        ``--verbosity 2``, reading a log (stderr)."""
        if self._interactive() or getattr(self, "verbosity", 1) >= 2:
            self._end_progress()
            self.stderr.write(text, style_func=str)

    def progress(self, done: int, total: int | None = None) -> None:
        """``done`` of ``total``: on one line that updates in place in a terminal, a line
        each time with ``--verbosity 2`` elsewhere (a log), nothing otherwise (cron)."""
        text = f"{done:,}" if not total else f"{done:,} / {total:,} ({100 * done // total}%)"
        if not self._interactive():
            if getattr(self, "verbosity", 1) >= 2:
                self.stderr.write(text, style_func=str)
            return
        self.stderr.write(f"\r{text}", style_func=str, ending="")
        self.stderr.flush()
        self._progress_shown = True

    def _end_progress(self) -> None:
        if getattr(self, "_progress_shown", False):
            self.stderr.write("")
            self._progress_shown = False

    def _interactive(self) -> bool:
        if getattr(self, "verbosity", 1) < 1:
            return False
        stream = getattr(self.stderr, "_out", sys.stderr)
        return bool(getattr(stream, "isatty", lambda: False)())


class OperatorCommand(ReportCommand):
    """A command that changes data: with ``--dry-run`` (module docstring)."""

    has_dry_run = True
