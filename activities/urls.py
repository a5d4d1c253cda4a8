from django.urls import include, path

from activities import assign_views, my_tasks_views, views
from activities.models import Activity, Task
from core.urls_helpers import record_urls

app_name = "activities"

urlpatterns = [
    path(
        "tasks/",
        include(
            [
                # Before the card's <key>/ so that "my" is not taken for a No.
                path("my/", my_tasks_views.MyTasks.as_view(), name="my_tasks"),
                *record_urls(
                    Task,
                    list=views.TaskList,
                    card=views.TaskCard,
                    create=views.TaskCreate,
                    edit=views.TaskEdit,
                    delete=views.TaskDelete,
                ),
                path("<str:key>/complete/", views.CompleteTask.as_view(), name="task_complete"),
                path("<str:key>/reopen/", views.ReopenTask.as_view(), name="task_reopen"),
                path("<str:key>/cancel/", views.CancelTask.as_view(), name="task_cancel"),
            ]
        ),
    ),
    path(
        "activities/",
        include(
            record_urls(
                Activity,
                list=views.ActivityList,
                card=views.ActivityCard,
                create=views.ActivityCreate,
                edit=views.ActivityEdit,
                delete=views.ActivityDelete,
            )
        ),
    ),
    path(
        "campaigns/<str:key>/assign-activity/",
        assign_views.AssignActivityToCampaign.as_view(),
        name="campaign_assign_activity",
    ),
    path(
        "segments/<str:key>/assign-activity/",
        assign_views.AssignActivityToSegment.as_view(),
        name="segment_assign_activity",
    ),
    path(
        "contacts/<str:key>/assign-activity/",
        assign_views.AssignActivityToContact.as_view(),
        name="contact_assign_activity",
    ),
]
