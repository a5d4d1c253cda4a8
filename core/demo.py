"""The core app's part of ``manage.py demo``: the default number series described in
the demo's language (docs/formats.md, Dutch with no English)."""

from core.numbering import reword_default_series


def load(stdout=None) -> None:
    changed = reword_default_series()
    if stdout is not None and changed:
        stdout.write(f"Number series described in the demo's language: {changed}")
