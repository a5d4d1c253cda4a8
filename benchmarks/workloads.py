"""The bulk workloads W1, W2 and W4 (W3: price_workloads), each timed three ways in the
same run.

- **app**: the application's own service, as a page or command calls it;
- **floor**: the same rows written by hand-written SQL, the fewest statements the
  database needs (one, or two where two tables change);
- **naive**: the row-by-row ORM loop a straightforward implementation would use,
  run on a sample of ``naive_sample`` rows and scaled linearly to the full size.

Each workload checks that app and floor produce the same number of rows, so the
floor is the same result, not a cheaper one."""

import datetime

from benchmarks.harness import Result, col, execute, measure, table
from campaigns.models import Campaign, InteractionLogEntry, InteractionTemplate
from contacts.models import (
    Contact,
    ContactMailingGroup,
    ContactType,
    CorrespondenceType,
    Customer,
    MailingGroup,
)
from pricing.models import CampaignTarget, SalesPrice
from pricing.services import activate_campaign, deactivate_campaign
from segments.models import (
    CriteriaActionType,
    LoggedSegment,
    Segment,
    SegmentCriteriaAction,
    SegmentHistory,
    SegmentLine,
)
from segments.segment_logging import log_segment
from segments.services import FK_FIELDS, LINE_FIELDS, add_contacts, go_back, reduce_contacts

# The bulk data set (contacts/demo_bulk.py) documents these distributions.
W1_GROUP = "BULK20"  # mailing group held by every 5th contact: ~200,000 of 1,000,000
# BULK20 persons whose second job responsibility is MARKETING (s % 15 == 0): ~52,000.
W4_FILTERS = {"mailing_groups": [W1_GROUP], "job_responsibilities": ["MARKETING"]}
REDUCE_COUNTRY = "NL"  # about half of the contacts live in the Netherlands


class World:
    """The records the workloads share, made (and committed) once by ``setup``."""

    def __init__(self, options, user):
        self.options = options
        self.user = user
        self.sample = options.naive_sample
        self.repeat = options.repeat
        self.campaign = Campaign.objects.create(description="Benchmark campaign")
        header = {
            "campaign": self.campaign,
            "campaign_target": True,
            "correspondence_type": CorrespondenceType.HARD_COPY,
        }
        self.target_segment = Segment.objects.create(description="Benchmark 200k", **header)
        self.empty_segment = Segment.objects.create(description="Benchmark add", **header)
        self.log_segment = Segment.objects.create(
            description="Benchmark log",
            correspondence_type=CorrespondenceType.HARD_COPY,
            interaction_template=InteractionTemplate.objects.order_by("code").first(),
        )
        self.w1_group = MailingGroup.objects.get(code=W1_GROUP)
        add_contacts(segment=self.target_segment, filters={"mailing_groups": [W1_GROUP]})
        add_contacts(segment=self.log_segment, filters=W4_FILTERS)
        self.target_lines = SegmentLine.objects.filter(segment=self.target_segment).count()
        self.log_lines = SegmentLine.objects.filter(segment=self.log_segment).count()

    def cleanup(self):
        Segment.objects.filter(
            pk__in=[self.target_segment.pk, self.empty_segment.pk, self.log_segment.pk]
        ).delete()
        SalesPrice.objects.for_campaign(self.campaign).delete()
        CampaignTarget.objects.filter(campaign=self.campaign).delete()
        self.campaign.delete()


def _line_columns():
    return [col(SegmentLine, name) for name in LINE_FIELDS]


# --- W1: Add contacts, Reduce, Go back --------------------------------------------------------


def w1_add(world: World) -> Result:
    segment = world.empty_segment
    result = Result("W1", "Add contacts (criteria action, ~20% of contacts)")
    filters = {"mailing_groups": [W1_GROUP]}

    def app():
        return add_contacts(segment=segment, filters=filters).added

    line, contact, cmg = table(SegmentLine), table(Contact), table(ContactMailingGroup)
    columns = ", ".join(
        [col(SegmentLine, "segment"), *_line_columns()]
    )  # segment, then the line fields in LINE_FIELDS order
    values = {
        "interaction_template": "%s",
        "contact": "c.id",
        "contact_company": "COALESCE(c.company_id, c.id)",
        "campaign": "%s",
        "campaign_target": "%s",
        "campaign_response": "%s",
        "salesperson": "COALESCE(%s, c.salesperson_id)",
        "correspondence_type": "%s",
        "subject": "%s",
        "date": "%s",
        "cost": "%s",
        "duration": "%s",
        "evaluation": "''",
        "added_by": "NULL",
    }
    header_params = {
        "interaction_template": segment.interaction_template_id,
        "campaign": segment.campaign_id,
        "campaign_target": segment.campaign_target,
        "campaign_response": segment.campaign_response,
        "salesperson": segment.salesperson_id,
        "correspondence_type": segment.correspondence_type,
        "subject": segment.subject,
        "date": segment.date,
        "cost": segment.unit_cost,
        "duration": segment.unit_duration,
    }
    select = ", ".join(values[name] for name in LINE_FIELDS)
    params = [segment.pk] + [header_params[name] for name in LINE_FIELDS if name in header_params]
    group = world.w1_group.pk
    floor_sql = (
        f"INSERT INTO {line} ({columns}) SELECT %s, {select} FROM {contact} c "  # noqa: S608
        f"WHERE c.exclude_from_segments = %s "
        f"AND c.id IN (SELECT m.contact_id FROM {cmg} m WHERE m.mailing_group_id = %s) "
        f"AND NOT (c.type = %s AND EXISTS (SELECT 1 FROM {contact} p JOIN {cmg} pm "
        f"ON pm.contact_id = p.id WHERE pm.mailing_group_id = %s AND p.company_id = c.id "
        f"AND p.exclude_from_segments = %s)) "
        f"AND NOT EXISTS (SELECT 1 FROM {line} l WHERE l.segment_id = %s AND l.contact_id = c.id) "
        "ON CONFLICT DO NOTHING"
    )
    floor_params = [*params, False, group, ContactType.COMPANY, group, False, segment.pk]

    def floor():
        return execute(floor_sql, floor_params)

    def naive():
        made = 0
        chosen = Contact.objects.filter(mailing_groups=world.w1_group, exclude_from_segments=False)
        for contact in chosen.order_by("pk")[: world.sample]:
            if (
                contact.type == ContactType.COMPANY
                and Contact.objects.filter(
                    company=contact, mailing_groups=world.w1_group, exclude_from_segments=False
                ).exists()
            ):
                continue
            if SegmentLine.objects.filter(segment=segment, contact=contact).exists():
                continue
            SegmentLine.objects.create(
                segment=segment,
                contact=contact,
                contact_company_id=contact.company_id or contact.pk,
                campaign_id=segment.campaign_id,
                campaign_target=segment.campaign_target,
                campaign_response=segment.campaign_response,
                salesperson_id=segment.salesperson_id or contact.salesperson_id,
                correspondence_type=segment.correspondence_type,
                subject=segment.subject,
                date=segment.date,
                cost=segment.unit_cost,
                duration=segment.unit_duration,
            )
            made += 1
        return made

    result.ways["app"] = measure(app, repeat=world.repeat, check_plans=True)
    result.ways["floor"] = measure(floor, repeat=world.repeat)
    result.ways["naive"] = measure(naive, repeat=1, scale_to=result.ways["app"].rows)
    return result


def _country_contacts_sql():
    return f"SELECT id FROM {table(Contact)} WHERE country_code = %s", [REDUCE_COUNTRY]  # noqa: S608


def _new_action(segment, kind):
    last = SegmentCriteriaAction.objects.filter(segment=segment).order_by("-sequence").first()
    return SegmentCriteriaAction.objects.create(
        segment=segment,
        sequence=(last.sequence if last else 0) + 1,
        action=kind,
        filters={"country_code": REDUCE_COUNTRY},
    )


def w1_reduce(world: World) -> Result:
    segment = world.target_segment
    result = Result("W1", "Reduce contacts (remove the lines of Dutch contacts)")
    filters = {"country_code": REDUCE_COUNTRY}
    line, history = table(SegmentLine), table(SegmentHistory)
    cities_sql, cities = _country_contacts_sql()
    fields = _line_columns()
    state = {}

    def app():
        return reduce_contacts(segment=segment, filters=filters).removed

    def prepare_floor():
        state["action"] = _new_action(segment, CriteriaActionType.REDUCE)

    def floor():
        history_columns = ", ".join([col(SegmentHistory, "action"), *fields])
        copied = execute(
            f"INSERT INTO {history} ({history_columns}) "  # noqa: S608
            f"SELECT %s, {', '.join('l.' + name for name in fields)} FROM {line} l "
            f"WHERE l.segment_id = %s AND l.contact_id IN ({cities_sql})",
            [state["action"].pk, segment.pk, *cities],
        )
        execute(
            f"DELETE FROM {line} WHERE segment_id = %s AND contact_id IN ({cities_sql})",  # noqa: S608
            [segment.pk, *cities],
        )
        return copied

    def naive():
        action = state["action"]
        done = 0
        lines = SegmentLine.objects.filter(segment=segment).select_related("contact")
        for line_row in lines.order_by("pk")[: world.sample * 3]:
            if line_row.contact.country_code != REDUCE_COUNTRY:
                continue
            SegmentHistory.objects.create(
                action=action,
                **{
                    (f"{name}_id" if name in FK_FIELDS else name): getattr(
                        line_row, f"{name}_id" if name in FK_FIELDS else name
                    )
                    for name in LINE_FIELDS
                },
            )
            line_row.delete()
            done += 1
            if done >= world.sample:
                break
        return done

    result.ways["app"] = measure(app, repeat=world.repeat, check_plans=True)
    result.ways["floor"] = measure(floor, repeat=world.repeat, prepare=prepare_floor)
    result.ways["naive"] = measure(
        naive, repeat=1, prepare=prepare_floor, scale_to=result.ways["app"].rows
    )
    return result


def w1_go_back(world: World) -> Result:
    segment = world.target_segment
    result = Result("W1", "Go back (undo the Reduce: restore its lines exactly)")
    filters = {"country_code": REDUCE_COUNTRY}
    line, history = table(SegmentLine), table(SegmentHistory)
    fields = _line_columns()
    state = {}

    def prepare():
        state["action"] = reduce_contacts(segment=segment, filters=filters).action

    def app():
        return go_back(segment=segment).added

    def floor():
        action = state["action"].pk
        restored = execute(
            f"INSERT INTO {line} ({col(SegmentLine, 'segment')}, {', '.join(fields)}) "  # noqa: S608
            f"SELECT %s, {', '.join(fields)} FROM {history} WHERE action_id = %s",
            [segment.pk, action],
        )
        execute(f"DELETE FROM {history} WHERE action_id = %s", [action])  # noqa: S608
        return restored

    def naive():
        done = 0
        for row in SegmentHistory.objects.filter(action=state["action"]).order_by("pk")[
            : world.sample
        ]:
            SegmentLine.objects.create(
                segment=segment,
                **{
                    (f"{name}_id" if name in FK_FIELDS else name): getattr(
                        row, f"{name}_id" if name in FK_FIELDS else name
                    )
                    for name in LINE_FIELDS
                },
            )
            row.delete()
            done += 1
        return done

    result.ways["app"] = measure(app, repeat=world.repeat, prepare=prepare, check_plans=True)
    result.ways["floor"] = measure(floor, repeat=world.repeat, prepare=prepare)
    result.ways["naive"] = measure(
        naive, repeat=1, prepare=prepare, scale_to=result.ways["app"].rows
    )
    return result


# --- W2: Activate / deactivate ----------------------------------------------------------------


def w2_activate(world: World) -> Result:
    campaign = world.campaign
    result = Result("W2", f"Activate a campaign with {world.target_lines:,} target lines")
    result.extra["target_lines"] = world.target_lines
    line, target = table(SegmentLine), table(CampaignTarget)
    customer, contact = table(Customer), table(Contact)
    companies = (
        f"SELECT l.contact_company_id FROM {line} l "  # noqa: S608
        "WHERE l.campaign_id = %s AND l.campaign_target = %s"
    )
    floor_sql = (
        f"INSERT INTO {target} (campaign_id, customer_id, contact_id) "  # noqa: S608
        f"SELECT %s, cu.id, NULL FROM {customer} cu WHERE cu.contact_id IN ({companies}) "
        f"UNION ALL SELECT %s, NULL, c.id FROM {contact} c WHERE c.id IN ({companies}) "
        f"AND NOT EXISTS (SELECT 1 FROM {customer} cu WHERE cu.contact_id = c.id)"
    )

    def app():
        return activate_campaign(campaign=campaign).targets

    def floor():
        made = execute(floor_sql, [campaign.pk, campaign.pk, True, campaign.pk, campaign.pk, True])
        Campaign.objects.filter(pk=campaign.pk).update(activated=True)
        return made

    def naive():
        lines = SegmentLine.objects.filter(campaign=campaign, campaign_target=True)
        done = 0
        for line_row in lines.order_by("pk")[: world.sample]:
            company = line_row.contact_company
            found = Customer.objects.filter(contact=company).first()
            if found:
                CampaignTarget.objects.get_or_create(campaign=campaign, customer=found)
            else:
                CampaignTarget.objects.get_or_create(campaign=campaign, contact=company)
            done += 1
        campaign.activated = True
        campaign.save()
        return done

    result.ways["app"] = measure(app, repeat=world.repeat, check_plans=True)
    result.ways["floor"] = measure(floor, repeat=world.repeat)
    naive_way = measure(naive, repeat=1, scale_to=world.target_lines)
    result.ways["naive"] = naive_way
    result.notes.append(
        "Rows: targets made (app, floor); the naive loop works per target line "
        f"({world.target_lines:,}), scaled from {naive_way.extrapolated_from:,}."
    )
    return result


def w2_deactivate(world: World) -> Result:
    campaign = world.campaign
    result = Result("W2", "Deactivate the campaign (remove its target group)")
    target = table(CampaignTarget)

    def prepare():
        activate_campaign(campaign=campaign)

    def app():
        return deactivate_campaign(campaign=campaign)

    def floor():
        removed = execute(f"DELETE FROM {target} WHERE campaign_id = %s", [campaign.pk])  # noqa: S608
        Campaign.objects.filter(pk=campaign.pk).update(activated=False)
        return removed

    def naive():
        done = 0
        for row in CampaignTarget.objects.filter(campaign=campaign)[: world.sample]:
            row.delete()
            done += 1
        return done

    result.ways["app"] = measure(app, repeat=world.repeat, prepare=prepare, check_plans=True)
    result.ways["floor"] = measure(floor, repeat=world.repeat, prepare=prepare)
    result.ways["naive"] = measure(
        naive, repeat=1, prepare=prepare, scale_to=result.ways["app"].rows
    )
    return result


# --- W4: Log a segment ------------------------------------------------------------------------


def w4_log(world: World) -> Result:
    segment = world.log_segment
    result = Result("W4", f"Log a segment of {world.log_lines:,} lines")
    line, entry, logged_table = (
        table(SegmentLine),
        table(InteractionLogEntry),
        table(LoggedSegment),
    )
    state = {}

    def app():
        return log_segment(segment=segment).interactions

    def prepare_floor():
        state["logged"] = LoggedSegment.objects.create(
            segment_no=segment.no, description=segment.description
        )

    def floor():
        today = datetime.date.today()
        made = execute(
            f"INSERT INTO {entry} (contact_id, contact_company_id, date, template_id, "  # noqa: S608
            "description, subject, salesperson_id, cost, duration, information_flow, "
            "initiated_by, campaign_id, campaign_entry_id, campaign_target, campaign_response, "
            "segment_no, logged_segment_id, correspondence_type, evaluation, attempt_failed, "
            "canceled, postponed, user_id) "
            "SELECT l.contact_id, l.contact_company_id, COALESCE(l.date, %s), "
            "l.interaction_template_id, '', l.subject, l.salesperson_id, l.cost, l.duration, "
            "%s, %s, l.campaign_id, NULL, l.campaign_target, l.campaign_response, %s, %s, "
            f"l.correspondence_type, l.evaluation, %s, %s, %s, NULL FROM {line} l "
            "WHERE l.segment_id = %s",
            [
                today,
                segment.information_flow,
                segment.initiated_by,
                segment.no,
                state["logged"].pk,
                False,
                False,
                False,
                segment.pk,
            ],
        )
        execute(f"DELETE FROM {line} WHERE segment_id = %s", [segment.pk])  # noqa: S608
        execute(
            f"UPDATE {logged_table} SET line_count = %s WHERE id = %s",  # noqa: S608
            [made, state["logged"].pk],
        )
        return made

    def naive():
        done = 0
        for line_row in SegmentLine.objects.filter(segment=segment).order_by("pk")[: world.sample]:
            InteractionLogEntry.objects.create(
                contact_id=line_row.contact_id,
                contact_company_id=line_row.contact_company_id,
                date=line_row.date or datetime.date.today(),
                template_id=line_row.interaction_template_id,
                subject=line_row.subject,
                salesperson_id=line_row.salesperson_id,
                cost=line_row.cost,
                duration=line_row.duration,
                information_flow=segment.information_flow,
                initiated_by=segment.initiated_by,
                campaign_id=line_row.campaign_id,
                campaign_target=line_row.campaign_target,
                campaign_response=line_row.campaign_response,
                segment_no=segment.no,
                logged_segment=state["logged"],
                correspondence_type=line_row.correspondence_type,
                evaluation=line_row.evaluation,
            )
            line_row.delete()
            done += 1
        return done

    result.ways["app"] = measure(app, repeat=world.repeat, check_plans=True)
    result.ways["floor"] = measure(floor, repeat=world.repeat, prepare=prepare_floor)
    result.ways["naive"] = measure(
        naive, repeat=1, prepare=prepare_floor, scale_to=result.ways["app"].rows
    )
    return result
