"""Activities, tasks and *Assign activity* (docs/activities.md): ``tasks`` (activities
with their steps, single tasks and who may change them) and ``assignment``.
"""

from activities.services.assignment import AssignResult, assign_activity, assignment_preview
from activities.services.tasks import (
    cancel_task,
    check_task_access,
    complete_task,
    create_task,
    delete_task,
    reopen_task,
    save_activity,
    save_task,
    sees_all_tasks,
)

__all__ = [
    "AssignResult",
    "assign_activity",
    "assignment_preview",
    "cancel_task",
    "check_task_access",
    "complete_task",
    "create_task",
    "delete_task",
    "reopen_task",
    "save_activity",
    "save_task",
    "sees_all_tasks",
]
