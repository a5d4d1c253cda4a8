"""Whom a campaign targets, for its overlap warnings (pricing.overlaps; docs/pricing.md,
Overlapping campaign prices): the targeted companies and their customers written once
to a temporary table, indexed and analysed, counted by price and discount group, and
the targets other activated campaigns share, each statement a join whose time grows
with the targets, never with their square."""

from django.db import connection
from django.db.models import BooleanField, Func

from campaigns.models import Campaign
from contacts.models import Contact, Customer, CustomerDiscountGroup, CustomerPriceGroup
from pricing.models import CampaignTarget
from pricing.services import _target_interactions, _target_lines

SHOWN_CUSTOMERS = 5  # customers named per warning

# Audiences: whom the other row is for, among this campaign's customers.
CUSTOMER, PRICE_GROUP, DISCOUNT_GROUP, ALL, CAMPAIGN = (
    "customer",
    "price_group",
    "discount_group",
    "all",
    "campaign",
)

TARGETS = "pricing_overlap_targets"  # the temporary table of the targeted companies


def quoted(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def sql_of(queryset) -> tuple[str, list]:
    sql, params = queryset.query.sql_with_params()
    return sql, list(params)


def _targets_sql(campaign: Campaign) -> tuple[str, list]:
    """The statement that writes the targeted companies to the temporary table, each
    once with its customer (if any): the campaign's target group when activated (a
    customer target stands for the customer's company contact), else the companies
    activation would target."""
    customer, target = quoted(Customer), quoted(CampaignTarget)
    columns = (
        "c.id AS customer_id, c.no AS customer_no, c.price_group_id AS price_group_id, "
        "c.discount_group_id AS discount_group_id"
    )
    if campaign.activated:
        # Only the companies that are customers: the contact targets are read from
        # the target group itself (``_Audiences.shared``), which keeps the table
        # small. A company is a customer target or a contact target, never both
        # (activation and the customer receivers keep it so); should it be both, its
        # customer is in the table twice (once ``via_contact``) and counted once.
        sql = (
            f"SELECT c.contact_id AS company, {columns}, 0 AS via_contact "  # noqa: S608
            f"FROM {target} t INNER JOIN {customer} c ON c.id = t.customer_id "
            "WHERE t.campaign_id = %s "
            f"UNION ALL SELECT t.contact_id, {columns}, 1 FROM {target} t "
            f"INNER JOIN {customer} c ON c.contact_id = t.contact_id "
            "WHERE t.campaign_id = %s AND t.contact_id IS NOT NULL"
        )
        params = [campaign.pk] * 2
    else:
        lines = _target_lines(campaign).order_by().values("contact_company_id")
        interactions = _target_interactions(campaign).order_by().values("contact_company_id")
        companies, params = sql_of(lines.union(interactions))
        sql = (
            f"SELECT k.contact_company_id AS company, {columns}, 0 AS via_contact "  # noqa: S608
            f"FROM ({companies}) k "
            f"LEFT JOIN {customer} c ON c.contact_id = k.contact_company_id"
        )
    return f"CREATE TEMPORARY TABLE {TARGETS} AS {sql}", params


def _index_sql() -> str:
    """The temporary table's indexes, in one statement: on the targeted customers' Nos.
    (``IsTargetedCustomerNo`` looks a customer's own row up in it); on PostgreSQL
    also on the customers and the companies (the first shared targets of a campaign
    are each looked up in them), and the table analysed: its real size, not a guess,
    decides how the statements below join it. SQLite indexes a subquery it joins by
    itself."""
    sql = f"CREATE INDEX {TARGETS}_no ON {TARGETS} (customer_no)"
    if connection.vendor == "postgresql":  # psycopg sends these at once (no parameters)
        sql += (
            f"; CREATE INDEX {TARGETS}_customer ON {TARGETS} (customer_id)"
            f"; CREATE INDEX {TARGETS}_company ON {TARGETS} (company); ANALYZE {TARGETS}"
        )
    return sql


class IsTargetedCustomerNo(Func):
    """The row's sales code is the No. of a targeted customer: a correlated ``EXISTS``
    on the index of the temporary table. Not ``IN (SELECT …)``: under the ``OR`` of
    the audiences that stays a subplan, which PostgreSQL stops hashing once the
    targeted customers outgrow ``work_mem`` and then scans once per row."""

    template = f"EXISTS (SELECT 1 FROM {TARGETS} o WHERE o.customer_no = %(expressions)s)"  # noqa: S608
    output_field = BooleanField()
    arity = 1


class Audiences:
    """Whom the other rows may be for among the campaign's targets.

    The targeted companies, each with its customer (the customer's No., price group
    and discount group; none for a company that is no customer), are written once to
    a temporary table (one statement) and indexed (one more). One query counts the
    targeted customers by price group and discount group and the targets each other
    activated campaign shares (a target shares when its customer is a targeted
    customer or its contact a targeted company: a company has one customer at most).
    The first few customers of the audiences shown, with their names, are read after
    the rows (one query)."""

    def __init__(self, campaign):
        self.campaign = campaign
        self.counts = {}  # (audience, code) -> the customers (or shared targets) in it
        self.ids = {}  # (audience, code) -> the price or discount group's or campaign's id
        with connection.cursor() as cursor:
            cursor.execute(*_targets_sql(campaign))
            cursor.execute(_index_sql())
            cursor.execute(*self._counts_sql())
            for audience, code, group_id, count in cursor.fetchall():
                if code is None or not count:  # no group, or no targeted customer
                    continue
                self.counts[(audience, code)] = int(count)
                if group_id is not None:
                    self.ids[(audience, code)] = group_id

    def _counts_sql(self) -> tuple[str, list]:
        """The targeted customers in all, by price group and by discount group, and the
        targets each other activated campaign shares: (audience, code, group id,
        number) rows, the groups' rows per price and discount group together.

        Written as joins and anti-joins only: an ``IN`` or ``NOT IN`` under an ``OR``
        stays a subplan, which PostgreSQL stops hashing once the targets outgrow
        ``work_mem`` and then scans once per row (13 minutes for two campaigns of two
        million shared targets; docs/performance.md, Ten million contacts)."""
        price_group, discount_group = quoted(CustomerPriceGroup), quoted(CustomerDiscountGroup)
        campaign = quoted(Campaign)
        shared, shared_params = self.shared("t.campaign_id <> %s", [self.campaign.pk])
        # A customer in the table twice (once ``via_contact``) counts once.
        sql = (
            "WITH g AS (SELECT price_group_id, discount_group_id, COUNT(*) AS n FROM ("  # noqa: S608
            f"SELECT price_group_id, discount_group_id FROM {TARGETS} "
            "WHERE customer_id IS NOT NULL AND via_contact = 0 UNION ALL "
            f"SELECT o.price_group_id, o.discount_group_id FROM {TARGETS} o "
            "WHERE o.customer_id IS NOT NULL AND o.via_contact = 1 AND NOT EXISTS ("
            f"SELECT 1 FROM {TARGETS} d WHERE d.via_contact = 0 AND d.customer_id = o.customer_id)"
            ") AS k GROUP BY price_group_id, discount_group_id) "
            "SELECT %s, '', NULL, SUM(n) FROM g "
            f"UNION ALL SELECT %s, p.code, p.id, SUM(g.n) FROM g INNER JOIN {price_group} p "
            "ON p.id = g.price_group_id GROUP BY p.code, p.id "
            f"UNION ALL SELECT %s, d.code, d.id, SUM(g.n) FROM g INNER JOIN {discount_group} d "
            "ON d.id = g.discount_group_id GROUP BY d.code, d.id "
            # Counted by campaign id first: a few groups, hashed, not millions sorted.
            f"UNION ALL SELECT %s, cp.no, cp.id, s.n FROM (SELECT campaign_id, COUNT(*) AS n "
            f"FROM ({shared}) x GROUP BY campaign_id) s "
            f"INNER JOIN {campaign} cp ON cp.id = s.campaign_id WHERE cp.activated = %s"
        )
        params = [ALL, PRICE_GROUP, DISCOUNT_GROUP, CAMPAIGN, *shared_params, True]
        return sql, params

    def codes(self, audience) -> list[str]:
        return sorted(code for kind, code in self.counts if kind == audience)

    def any_for(self, kind) -> bool:
        """Whether another row may concern any target at all."""
        return bool(self.counts)

    def add_customers(self, rows) -> None:
        """Fill in the customers concerned: how many, and the first few by id with
        their No. and name (one query); a customer's own row concerns that customer
        only."""
        shown = {row.audience for row in rows}
        parts = [self._first(audience, code) for audience, code in sorted(shown)]
        parts = [part for part in parts if part]
        first = {}
        if parts:
            with connection.cursor() as cursor:
                cursor.execute(
                    " UNION ALL ".join(sql for sql, _params in parts),
                    [value for _sql, params in parts for value in params],
                )
                for audience, code, no, name in cursor.fetchall():
                    first.setdefault((audience, code), []).append((no, name))
        for row in rows:
            audience, code = row.audience
            row.first_customers = sorted(first.get(row.audience, []))
            if audience == CUSTOMER:
                row.customers = len(row.first_customers)
            else:
                row.customers = self.counts.get(row.audience, 0)

    def _first(self, audience, code):
        """A query part for the first customers (or shared targets) of one audience:
        (audience, code, No., name) rows."""
        customer, contact, target = quoted(Customer), quoted(Contact), quoted(CampaignTarget)
        head = f"SELECT %s, %s, c.no, c.name FROM {customer} c WHERE "  # noqa: S608
        first = f"ORDER BY o.customer_id LIMIT {SHOWN_CUSTOMERS}"
        if audience == CUSTOMER:
            return f"{head}c.no = %s", [audience, code, code]
        if audience == ALL:
            where = "o.customer_id IS NOT NULL"
        elif audience in (PRICE_GROUP, DISCOUNT_GROUP) and (audience, code) in self.ids:
            column = "price_group_id" if audience == PRICE_GROUP else "discount_group_id"
            where = f"o.{column} = {int(self.ids[(audience, code)])}"
        elif audience == CAMPAIGN and (audience, code) in self.ids:
            shared, params = self.shared(
                "t.campaign_id = %s", [self.ids[(audience, code)]], first=SHOWN_CUSTOMERS
            )
            # Customers first, by id, then contacts by id (see ``shared``).
            return (
                "SELECT %s, %s, COALESCE(cu.no, co.no), COALESCE(cu.name, co.name) "  # noqa: S608
                f"FROM {target} s LEFT JOIN {customer} cu ON cu.id = s.customer_id "
                f"LEFT JOIN {contact} co ON co.id = s.contact_id WHERE s.id IN ("
                f"SELECT id FROM ({shared}) f ORDER BY f.customer_id IS NULL, f.customer_id, "
                f"f.contact_id LIMIT {SHOWN_CUSTOMERS})",
                [audience, code, *params],
            )
        else:
            return None
        return (
            f"{head}c.id IN (SELECT DISTINCT o.customer_id FROM {TARGETS} o "  # noqa: S608
            f"WHERE {where} {first})",
            [audience, code],
        )

    def shared(self, which: str, params: list, first: int = 0) -> tuple[str, list]:
        """The targets ``t`` of other campaigns (those ``which`` picks) that share a
        company with this campaign's targets. A target is a customer or a contact,
        never both: it shares when its customer is a targeted customer, or its contact
        a targeted company (in the table, or, for an activated campaign, a contact of
        its target group).

        All of them, as (id, campaign_id) rows: two semi-joins, hashed or merged
        whatever their size. With ``first``, as (id, customer_id, contact_id) rows: the
        first ``first`` of each way by customer or contact, read in the order of the
        target group's unique indexes and looked up in the table's indexes, so that
        each stops after ``first`` rows (a target found two ways is one row)."""
        target = quoted(CampaignTarget)
        # (the target's column, the set it is looked up in, its parameters)
        ways = [
            ("customer_id", f"SELECT customer_id FROM {TARGETS}", []),  # noqa: S608
            ("contact_id", f"SELECT company FROM {TARGETS}", []),  # noqa: S608
        ]
        if self.campaign.activated:
            in_group = (
                f"SELECT contact_id FROM {target} "  # noqa: S608 - names
                "WHERE campaign_id = %s AND contact_id IS NOT NULL"
            )
            ways.append(("contact_id", in_group, [self.campaign.pk]))
        if not first:  # the contacts' two ways as one set: each target counted once
            contacts = ways[1:]
            ways[1:] = [
                (
                    "contact_id",
                    " UNION ".join(sql for _column, sql, _params in contacts),
                    [value for _column, _sql, way_params in contacts for value in way_params],
                )
            ]
        columns = "t.id, t.customer_id, t.contact_id" if first else "t.id, t.campaign_id"
        branches = []
        for column, sql, _params in ways:
            branch = (
                f"SELECT {columns} FROM {target} t WHERE {which} "  # noqa: S608 - names
                f"AND t.{column} IS NOT NULL AND t.{column} IN ({sql})"
            )
            if first:
                order = f"ORDER BY t.{column} LIMIT {int(first)}"
                branch = f"SELECT * FROM ({branch} {order}) b"  # noqa: S608 - names
            branches.append(branch)
        values = [value for _column, _sql, way_params in ways for value in (*params, *way_params)]
        return (" UNION " if first else " UNION ALL ").join(branches), values

    def drop(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {TARGETS}")
