"""The main menu and the home page's workflow (docs/workflow.md). Entries whose page does not
exist yet, or that the user may not see, are left out (a workflow step keeps its
text without a link), so a later app only has to add its URLs here."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

# (menu label, icon, [(entry label, url name, permission)])
MENU = [
    (
        _("Campaigns"),
        "megaphone",
        [
            (_("Campaigns"), "campaigns:campaign_list", "campaigns.view_campaign"),
            (_("Campaign entries"), "campaigns:campaignentry_list", "campaigns.view_campaignentry"),
            (
                _("Interaction log entries"),
                "campaigns:interactionlogentry_list",
                "campaigns.view_interactionlogentry",
            ),
        ],
    ),
    (
        _("Segments"),
        "people",
        [
            (_("Segments"), "segments:segment_list", "segments.view_segment"),
            (_("Logged segments"), "segments:loggedsegment_list", "segments.view_loggedsegment"),
            (
                _("Saved segment criteria"),
                "segments:savedsegmentcriteria_list",
                "segments.view_savedsegmentcriteria",
            ),
        ],
    ),
    (
        _("Contacts"),
        "person-vcard",
        [
            (_("Contacts"), "contacts:contact_list", "contacts.view_contact"),
            (_("Customers"), "contacts:customer_list", "contacts.view_customer"),
        ],
    ),
    (
        _("Sales"),
        "tags",
        [
            (_("Sales quotes"), "quotes:salesquote_list", "quotes.view_salesquote"),
            (_("Sales prices"), "pricing:salesprice_list", "pricing.view_salesprice"),
            (
                _("Sales line discounts"),
                "pricing:saleslinediscount_list",
                "pricing.view_saleslinediscount",
            ),
            (_("Items"), "pricing:item_list", "pricing.view_item"),
            (
                _("Opportunities"),
                "opportunities:opportunity_list",
                "opportunities.view_opportunity",
            ),
        ],
    ),
    (
        _("Tasks"),
        "check2-square",
        [
            (_("My tasks"), "activities:my_tasks", "activities.view_task"),
            (_("Tasks"), "activities:task_list", "activities.view_task"),
            (_("Activities"), "activities:activity_list", "activities.view_activity"),
        ],
    ),
    (
        _("Setup"),
        "gear",
        [
            (
                _("Campaign statuses"),
                "campaigns:campaignstatus_list",
                "campaigns.view_campaignstatus",
            ),
            (
                _("Interaction templates"),
                "campaigns:interactiontemplate_list",
                "campaigns.view_interactiontemplate",
            ),
            (_("Salespeople"), "salespeople:salesperson_list", "salespeople.view_salesperson"),
            (_("Teams"), "salespeople:team_list", "salespeople.view_team"),
            (_("Industry groups"), "contacts:industrygroup_list", "contacts.view_industrygroup"),
            (
                _("Job responsibilities"),
                "contacts:jobresponsibility_list",
                "contacts.view_jobresponsibility",
            ),
            (_("Mailing groups"), "contacts:mailinggroup_list", "contacts.view_mailinggroup"),
            (
                _("Business relations"),
                "contacts:businessrelation_list",
                "contacts.view_businessrelation",
            ),
            (
                _("Customer price groups"),
                "contacts:customerpricegroup_list",
                "contacts.view_customerpricegroup",
            ),
            (
                _("Customer discount groups"),
                "contacts:customerdiscountgroup_list",
                "contacts.view_customerdiscountgroup",
            ),
            (_("Units of measure"), "pricing:unitofmeasure_list", "pricing.view_unitofmeasure"),
            (
                _("Item discount groups"),
                "pricing:itemdiscountgroup_list",
                "pricing.view_itemdiscountgroup",
            ),
            (
                _("Sales cycles"),
                "opportunities:salescycle_list",
                "opportunities.view_salescycle",
            ),
            (_("Number series"), "core:numberseries_list", "core.view_numberseries"),
            (_("Jobs"), "core:job_list", "core.view_job"),
        ],
    ),
    (
        _("Administration"),
        "shield-check",
        [
            (_("Audit log"), "core:auditentry_list", "core.view_auditentry"),
        ],
    ),
]

# docs/workflow.md, one line per step: (what to do, where it is done, url name, permission).
WORKFLOW = [
    (
        _("Set up campaign status codes (1-PLAN, 2-ACTIVE, 3-DONE)."),
        _("Campaign statuses"),
        "campaigns:campaignstatus_list",
        "campaigns.view_campaignstatus",
    ),
    (
        _("Create a campaign with its status, dates and salesperson."),
        _("Campaigns"),
        "campaigns:campaign_list",
        "campaigns.view_campaign",
    ),
    (
        _("Create a segment: add and reduce contacts by criteria, go back a step, save them."),
        _("Segments"),
        "segments:segment_list",
        "segments.view_segment",
    ),
    (
        _("Link the segment to the campaign and tick Campaign target on its header or lines."),
        _("Segments"),
        "segments:segment_list",
        "segments.view_segment",
    ),
    (
        _("On the campaign card, record sales prices and sales line discounts."),
        _("Campaigns"),
        "campaigns:campaign_list",
        "campaigns.view_campaign",
    ),
    (
        _("Activate them: quotes for the targeted customers get the campaign prices."),
        _("Sales quotes"),
        "quotes:salesquote_list",
        "quotes.view_salesquote",
    ),
    (
        _("Assign an activity to the salespeople; they work through their tasks."),
        _("My tasks"),
        "activities:my_tasks",
        "activities.view_task",
    ),
    (
        _("Log the segment with an interaction template (a letter, an e-mail)."),
        _("Logged segments"),
        "segments:loggedsegment_list",
        "segments.view_loggedsegment",
    ),
    (
        _("Record the responses: a second segment with Campaign response, logged."),
        _("Segments"),
        "segments:segment_list",
        "segments.view_segment",
    ),
    (
        _("Read the campaign statistics: targeted, contacted, responded, cost, opportunities."),
        _("Campaigns"),
        "campaigns:campaign_list",
        "campaigns.view_campaign",
    ),
    (
        _("Cancel a mistaken campaign entry; only canceled entries may be deleted."),
        _("Campaign entries"),
        "campaigns:campaignentry_list",
        "campaigns.view_campaignentry",
    ),
]


def menu_for(user) -> list[dict]:
    """The menus and entries ``user`` may open, in menu order."""
    menus = []
    for label, icon, entries in MENU:
        items = []
        for entry_label, url_name, permission in entries:
            if user.has_perm(permission):
                items.append({"label": entry_label, "url": reverse(url_name)})
        if items:
            menus.append({"label": label, "icon": icon, "items": items})
    return menus


def workflow_for(user) -> list[dict]:
    """The workflow steps, each with a link to where it is done when ``user`` may open it."""
    steps = []
    for text, where, url_name, permission in WORKFLOW:
        url = reverse(url_name) if user.has_perm(permission) else None
        steps.append({"text": text, "where": where, "url": url})
    return steps
