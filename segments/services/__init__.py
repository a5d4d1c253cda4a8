"""Segment operations (docs/segments.md): the header and its lines (``lines``), the
criteria actions (``actions``) and their counts before committing (``previews``). Every
bulk operation is a fixed number of set-based statements, never one query per contact
or line.
"""

from segments.services.actions import (
    FK_FIELDS,
    LINE_FIELDS,
    ActionResult,
    add_contacts,
    go_back,
    reduce_contacts,
    refine_contacts,
    reuse_criteria,
    reuse_logged_segment,
    save_criteria,
)
from segments.services.lines import (
    INHERITED_FIELDS,
    apply_interaction_template,
    changed_inherited_fields,
    delete_line,
    delete_segment,
    describe_template_flag_change,
    insert_new_lines,
    lock_segments_holding,
    new_line_values,
    refresh_line_totals,
    refresh_stale_line_totals,
    save_line,
    save_segment,
    set_line_campaign_target,
    template_flag_changes,
)
from segments.services.previews import ActionPreview, preview_add, preview_remove

__all__ = [
    "FK_FIELDS",
    "INHERITED_FIELDS",
    "LINE_FIELDS",
    "ActionPreview",
    "ActionResult",
    "add_contacts",
    "apply_interaction_template",
    "changed_inherited_fields",
    "delete_line",
    "delete_segment",
    "describe_template_flag_change",
    "go_back",
    "insert_new_lines",
    "lock_segments_holding",
    "new_line_values",
    "preview_add",
    "preview_remove",
    "reduce_contacts",
    "refine_contacts",
    "refresh_line_totals",
    "refresh_stale_line_totals",
    "reuse_criteria",
    "reuse_logged_segment",
    "save_criteria",
    "save_line",
    "save_segment",
    "set_line_campaign_target",
    "template_flag_changes",
]
