"""What the search box in the top bar finds among tasks (core.global_search,
docs/search.md): those the user may see (``Task.objects.visible_to``: a salesperson
their own and their teams') whose No. or description starts with the text."""

from django.utils.text import capfirst

from activities.models import Task
from core.global_search import (
    SearchProvider,
    list_searched,
    prefix_search,
    register_search_provider,
)


def search_tasks(user, text: str, limit: int):
    queryset = Task.objects.visible_to(user).only("no", "description")
    return prefix_search(queryset, text, ("no", "description"), limit)


def register() -> None:
    register_search_provider(
        SearchProvider(
            key="activities.task",
            label=capfirst(Task._meta.verbose_name_plural),
            model=Task,
            permission="activities.view_task",
            search=search_tasks,
            order=100,
            list_url=list_searched("activities:task_list"),
        )
    )
