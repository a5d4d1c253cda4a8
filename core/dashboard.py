"""The home dashboard: panels the apps add, each showing how things go in its part
(docs/dashboard.md).

core does not know the business apps (docs/architecture.md): each app registers its
``DashboardPanel``s in its ``AppConfig.ready()`` (its ``dashboard.py``), like the
search providers (``core.global_search``). The home page shows the panels whose
permission the user holds, in their order; a panel's ``context(request)`` runs a
fixed number of queries, bounded whatever the size of the tables (a million
contacts), and returns the template's context, or None to leave the panel out (e.g.
*My tasks* for a user who is no salesperson).
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.jobs import visible_jobs
from core.models import Job


@dataclass(frozen=True)
class DashboardPanel:
    key: str  # unique, e.g. "campaigns.running"
    title: str  # lazily translated
    template: str
    permission: str  # e.g. "campaigns.view_campaign"
    context: Callable[..., dict | None]  # request -> context, or None: not shown
    order: int = 100
    # "wide": the whole width; "half": half of it on a large screen.
    width: str = "half"


_PANELS: dict[str, DashboardPanel] = {}


def register_dashboard_panel(panel: DashboardPanel) -> None:
    """Show ``panel`` on the home page (an app's ``AppConfig.ready()``); registering a
    key again replaces the panel."""
    _PANELS[panel.key] = panel


def panels() -> list[DashboardPanel]:
    return sorted(_PANELS.values(), key=lambda panel: (panel.order, panel.key))


def panels_for(request) -> list[dict]:
    """The panels ``request.user`` may see with their context, in their order."""
    shown = []
    for panel in panels():
        if not request.user.has_perm(panel.permission):
            continue
        context = panel.context(request)
        if context is None:
            continue
        shown.append({"panel": panel, "key": panel.key.replace(".", "-"), **context})
    return shown


# The jobs panel (core's own) ------------------------------------------------------

JOBS_SHOWN = 5
FAILED_JOBS_DAYS = 7  # a failed job stays on the home page this many days


def jobs_context(request) -> dict | None:
    """The user's jobs that are queued or running, or failed in the last days (a
    manager: everyone's), newest first: one query; None when there are none."""
    since = timezone.now() - datetime.timedelta(days=FAILED_JOBS_DAYS)
    jobs = list(
        visible_jobs(request.user)
        .filter(
            Q(state__in=[Job.State.QUEUED, Job.State.RUNNING])
            | Q(state=Job.State.FAILED, created_at__gte=since)
        )
        .order_by("-id")[: JOBS_SHOWN + 1]
    )
    if not jobs:
        return None  # nothing to report: the panel is left out
    return {"jobs": jobs[:JOBS_SHOWN], "more_jobs": len(jobs) > JOBS_SHOWN}


def register_core_panels() -> None:
    register_dashboard_panel(
        DashboardPanel(
            key="core.jobs",
            title=_("Jobs running or failed"),
            template="core/dashboard/jobs.html",
            permission="core.view_job",
            context=jobs_context,
            order=900,
        )
    )
