"""Lists that remember and saved views (docs/lists.md): the services that write a
user's last list state, the columns they chose and their named views, with the rules.

A list is named by its URL name (``contacts:contact_list``, the *list key*); only a
list page (``RecordListView``) whose URL takes no arguments remembers. A query kept
here holds only the list's own filter fields, its sort and its search (never the
page), each value at most ``MAX_VALUE`` characters; columns only the list's own,
with its key columns always shown.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import QueryDict
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from django.utils.translation import gettext as _

from core import pagination
from core.models import ListState, SavedView

MAX_NAME = SavedView._meta.get_field("name").max_length
MAX_QUERY = SavedView._meta.get_field("query").max_length
MAX_KEY = SavedView._meta.get_field("list_key").max_length
MAX_VALUE = 200  # characters of one filter value
MAX_VIEWS = 100  # named views of one user on one list
# Parameters of one page or one request, never kept (silently left out).
TRANSIENT_PARAMS = frozenset({pagination.CURSOR_PARAM, "page", "_export", "_clear"})


@dataclass(frozen=True)
class ListSpec:
    """What a list accepts: its query parameters and its columns."""

    key: str
    view_class: type
    params: frozenset[str]  # the filter form's parameters (the search included)
    sort_param: str
    columns: tuple[str, ...]  # every column that may be chosen or is kept, in order
    locked: frozenset[str]  # columns that are always shown
    orderable: frozenset[str]

    @property
    def model(self):
        return self.view_class.model

    @property
    def url(self) -> str:
        return reverse(self.key)

    def column_headers(self) -> list[tuple[str, str]]:
        """``[(name, header)]`` of every column, in the list's order."""
        table = _blank_table(self.view_class)
        return [(name, str(table.columns.columns[name].header)) for name in self.columns]


def _blank_table(view_class):
    return view_class.table_class(data=view_class.model._default_manager.none())


def _is_data_column(column) -> bool:
    """Check-box columns and columns without a header are not offered (nor hidden)."""
    import django_tables2 as tables

    return not isinstance(column.column, tables.CheckBoxColumn) and bool(str(column.header))


def list_spec(list_key) -> ListSpec:
    """The list named ``list_key``; ``ValidationError`` when it is not a list that
    remembers."""
    not_a_list = ValidationError(_("This is not a list."), code="list")
    if not isinstance(list_key, str) or not list_key or len(list_key) > MAX_KEY:
        raise not_a_list
    try:
        path = reverse(list_key)
        match = resolve(path)
    except (NoReverseMatch, Resolver404, ValueError):
        raise not_a_list from None
    view_class = getattr(match.func, "view_class", None)
    if view_class is None or not getattr(view_class, "remembers_state", False):
        raise not_a_list
    return spec_of(view_class, list_key)


def spec_of(view_class, list_key: str) -> ListSpec:
    filterset_class = view_class.filterset_class
    form = filterset_class(data=None, queryset=view_class.model._default_manager.none()).form
    params = set()
    for name, field in form.fields.items():
        suffixes = getattr(field.widget, "widgets_names", None)
        params |= {f"{name}{suffix}" for suffix in suffixes} if suffixes else {name}
    table = _blank_table(view_class)
    bound = [column for column in table.columns.iterall() if _is_data_column(column)]
    names = tuple(column.name for column in bound)
    locked = set(getattr(view_class, "locked_columns", None) or names[:1])
    return ListSpec(
        key=list_key,
        view_class=view_class,
        params=frozenset(params),
        sort_param=table.prefixed_order_by_field,
        columns=names,
        locked=frozenset(locked & set(names)),
        orderable=frozenset(column.name for column in bound if column.orderable),
    )


def _text(value) -> str:
    if not isinstance(value, str):
        raise ValidationError(_("Enter a text."), code="invalid")
    if "\x00" in value:
        raise ValidationError(_("Null characters are not allowed."), code="null")
    return value


def clean_query(spec: ListSpec, query, strict: bool = True) -> str:
    """``query`` (a query string or a QueryDict) reduced to the list's own filters,
    sort and search, empty values left out, as a query string. ``strict``: anything
    else is refused (``ValidationError``) instead of left out."""
    if query is None:
        query = ""
    if isinstance(query, str):
        _text(query)
        if len(query) > MAX_QUERY:
            raise ValidationError(_("The filters are too long."), code="too_long")
        query = QueryDict(query)
    elif not isinstance(query, QueryDict):
        raise ValidationError(_("The filters are not a query."), code="invalid")
    cleaned = QueryDict(mutable=True)
    for name, values in query.lists():
        if name in TRANSIENT_PARAMS:
            continue
        if name not in spec.params and name != spec.sort_param:
            if strict:
                raise ValidationError(
                    _("%(name)s is not a filter of this list.") % {"name": name[:40]},
                    code="unknown",
                )
            continue
        for value in values:
            value = _text(value).strip()
            if not value:
                continue
            if len(value) > MAX_VALUE:
                if strict:
                    raise ValidationError(_("A filter value is too long."), code="too_long")
                continue
            if name == spec.sort_param and not _sort_is_valid(spec, value):
                if strict:
                    raise ValidationError(_("The list cannot be sorted so."), code="sort")
                continue
            cleaned.appendlist(name, value)
    text = cleaned.urlencode()
    if len(text) > MAX_QUERY:
        raise ValidationError(_("The filters are too long."), code="too_long")
    return text


def _sort_is_valid(spec: ListSpec, value: str) -> bool:
    return all(part.lstrip("-") in spec.orderable for part in value.split(","))


def clean_columns(spec: ListSpec, columns) -> list[str]:
    """The chosen columns in the list's order with the key columns added (every column
    ticked stays a choice: they are then shown at every window width, docs/lists.md);
    ``[]`` for ``None``, the list's default. Unknown names are refused."""
    if columns is None:
        return []
    if isinstance(columns, str) or not isinstance(columns, list | tuple):
        raise ValidationError(_("Choose columns of the list."), code="invalid")
    chosen = set()
    for name in columns:
        if not isinstance(name, str) or name not in spec.columns:
            shown = name[:40] if isinstance(name, str) else repr(name)[:40]
            raise ValidationError(
                _("%(name)s is not a column of this list.") % {"name": shown}, code="unknown"
            )
        chosen.add(name)
    chosen |= spec.locked
    ordered = [name for name in spec.columns if name in chosen]
    return ordered


def hidden_columns(spec: ListSpec, columns) -> list[str]:
    """The list's columns not in ``columns`` (stored names no longer in the list are
    ignored; the key columns are never hidden)."""
    if not columns:
        return []
    shown = set(columns) | spec.locked
    return [name for name in spec.columns if name not in shown]


def user_teams(user):
    """The teams of the user's salesperson (none without one)."""
    team_model = SavedView._meta.get_field("shared_with_team").related_model
    if not _is_user(user):
        return team_model.objects.none()
    return team_model.objects.filter(members__user=user).order_by("code")


def visible_views(user, list_key: str):
    """The user's own views of the list and the views shared with their teams."""
    if not _is_user(user):
        return SavedView.objects.none()
    teams = user_teams(user).values("pk")
    return (
        SavedView.objects.filter(list_key=list_key)
        .filter(Q(user=user) | Q(shared_with_team__in=teams))
        .select_related("user", "shared_with_team")
        .order_by("name", "pk")
    )


def _is_user(user) -> bool:
    return isinstance(user, get_user_model()) and user.pk is not None and user.is_active


def _check_may_use(user, spec: ListSpec) -> None:
    if not _is_user(user):
        raise PermissionDenied(_("Log in first."))
    if not user.has_perms(spec.view_class().get_permission_required()):
        raise PermissionDenied(_("You may not see this list."))


def _clean_name(name) -> str:
    name = _text(name).strip()
    if not name:
        raise ValidationError({"name": _("Give the view a name.")})
    if len(name) > MAX_NAME:
        raise ValidationError(
            {"name": _("At most %(n)d characters.") % {"n": MAX_NAME}}, code="too_long"
        )
    if any(ord(c) < 32 for c in name):
        raise ValidationError({"name": _("The name cannot hold control characters.")})
    return name


def _check_name_free(*, user, list_key: str, name: str, exclude=None) -> None:
    taken = SavedView.objects.filter(user=user, list_key=list_key, name__iexact=name)
    if exclude is not None:
        taken = taken.exclude(pk=exclude.pk)
    if taken.exists():
        raise ValidationError(
            {"name": _("You already have a view with this name on this list.")}, code="unique"
        )


def _stored_view(view) -> SavedView:
    """The stored view (what the caller holds may be changed in memory)."""
    if not isinstance(view, SavedView) or not isinstance(view.pk, int):
        raise ValidationError(_("Choose a saved view."), code="invalid")
    stored = SavedView.objects.select_for_update().filter(pk=view.pk).first()
    if stored is None:
        raise ValidationError(_("This view no longer exists."), code="gone")
    return stored


def _check_owner(user, view: SavedView) -> None:
    if not _is_user(user) or view.user_id != user.pk:
        raise PermissionDenied(_("Only the owner of a view may change it."))


def _upsert_state(user, list_key: str, **values) -> None:
    """One statement whether the row exists or not (``INSERT … ON CONFLICT DO
    UPDATE``): a list request costs the same queries the first time and after."""
    state = ListState(user=user, list_key=list_key, **values)
    ListState.objects.bulk_create(
        [state],
        update_conflicts=True,
        unique_fields=["user", "list_key"],
        update_fields=[*values, "updated_at"],
    )


# --- Services ---------------------------------------------------------------------------


@transaction.atomic
def remember_query(*, user, list_key, query) -> None:
    """Keep ``query`` as the user's last state of the list ("" when they cleared it)."""
    spec = list_spec(list_key)
    _check_may_use(user, spec)
    _upsert_state(user, spec.key, query=clean_query(spec, query))


@transaction.atomic
def choose_columns(*, user, list_key, columns) -> None:
    """Show ``columns`` of the list to the user (``None``: every column again)."""
    spec = list_spec(list_key)
    _check_may_use(user, spec)
    _upsert_state(user, spec.key, columns=clean_columns(spec, columns))


@transaction.atomic
def save_view(*, user, list_key, name, query, columns, team) -> SavedView:
    """Save the list's state under ``name``, private (``team`` None) or shared with one
    of the user's teams."""
    spec = list_spec(list_key)
    _check_may_use(user, spec)
    name = _clean_name(name)
    errors = {}
    try:
        query = clean_query(spec, query)
    except ValidationError as error:
        errors["query"] = error.messages
    try:
        columns = clean_columns(spec, columns)
    except ValidationError as error:
        errors["columns"] = error.messages
    if team is not None:
        team_model = user_teams(user).model
        if not isinstance(team, team_model) or not user_teams(user).filter(pk=team.pk).exists():
            errors["team"] = [_("Share a view only with a team you are a member of.")]
    if errors:
        raise ValidationError(errors)
    _check_name_free(user=user, list_key=spec.key, name=name)
    if SavedView.objects.filter(user=user, list_key=spec.key).count() >= MAX_VIEWS:
        raise ValidationError(
            _("You have %(n)d views on this list: delete one first.") % {"n": MAX_VIEWS}
        )
    return SavedView.objects.create(
        user=user,
        list_key=spec.key,
        name=name,
        query=query,
        columns=columns,
        shared_with_team=team,
    )


@transaction.atomic
def rename_view(*, user, view, name) -> SavedView:
    """Give the user's own view another name (unique among their views of the list)."""
    stored = _stored_view(view)
    _check_owner(user, stored)
    name = _clean_name(name)
    _check_name_free(user=user, list_key=stored.list_key, name=name, exclude=stored)
    stored.name = name
    stored.save(update_fields=["name", "updated_at"])
    return stored


@transaction.atomic
def delete_view(*, user, view) -> None:
    """Delete the user's own view (a view shared with the team disappears for all)."""
    stored = _stored_view(view)
    _check_owner(user, stored)
    stored.delete()


@transaction.atomic
def open_view(*, user, view) -> str:
    """Make the view the user's state of its list; returns the list's URL."""
    stored = _stored_view(view)
    if not _is_user(user) or not visible_views(user, stored.list_key).filter(pk=stored.pk).exists():
        raise PermissionDenied(_("This view is not shared with you."))
    spec = list_spec(stored.list_key)
    _check_may_use(user, spec)
    query = clean_query(spec, stored.query, strict=False)
    columns = []
    # The names the list still has (empty: every column).
    if stored.columns and isinstance(stored.columns, list):
        kept = [name for name in stored.columns if name in spec.columns]
        columns = clean_columns(spec, kept)
    _upsert_state(user, spec.key, query=query, columns=columns)
    return f"{spec.url}?{query}" if query else spec.url
