from django.contrib import admin

from contacts import services
from contacts.models import (
    BusinessRelation,
    Contact,
    ContactBusinessRelation,
    ContactIndustryGroup,
    ContactJobResponsibility,
    ContactMailingGroup,
    Customer,
    CustomerDiscountGroup,
    CustomerPriceGroup,
    IndustryGroup,
    JobResponsibility,
    MailingGroup,
)
from core.admin_base import RecordAdmin, RecordHistoryAdmin

for code_table in [
    IndustryGroup,
    JobResponsibility,
    MailingGroup,
    BusinessRelation,
    CustomerPriceGroup,
    CustomerDiscountGroup,
]:
    admin.site.register(
        code_table,
        RecordAdmin,
        list_display=["code", "description"],
        search_fields=["code", "description"],
    )


class IndustryGroupInline(admin.TabularInline):
    model = ContactIndustryGroup
    extra = 0


class BusinessRelationInline(admin.TabularInline):
    model = ContactBusinessRelation
    extra = 0


class JobResponsibilityInline(admin.TabularInline):
    model = ContactJobResponsibility
    extra = 0


class MailingGroupInline(admin.TabularInline):
    model = ContactMailingGroup
    extra = 0


@admin.register(Contact)
class ContactAdmin(RecordHistoryAdmin):
    def save_service(self, request, obj, form, change):
        services.save_contact(contact=obj, user=request.user)  # codes: the inlines

    def delete_service(self, request, obj):
        services.delete_contact(contact=obj, user=request.user)

    def delete_selection(self, request, queryset):
        services.delete_contacts(contacts=queryset, user=request.user)  # set-based

    list_display = ["no", "name", "type", "company", "city", "email", "salesperson", "external_id"]
    list_filter = ["type", "language", "correspondence_type", "exclude_from_segments"]
    search_fields = ["no", "name", "email", "city", "=external_id"]
    list_select_related = ["company", "salesperson"]
    raw_id_fields = ["company"]
    show_full_result_count = False
    inlines = [
        IndustryGroupInline,
        BusinessRelationInline,
        JobResponsibilityInline,
        MailingGroupInline,
    ]


@admin.register(Customer)
class CustomerAdmin(RecordHistoryAdmin):
    def delete_service(self, request, obj):
        services.delete_customer(customer=obj, user=request.user)

    list_display = [
        "no",
        "name",
        "contact",
        "price_group",
        "discount_group",
        "salesperson",
        "blocked",
    ]
    list_filter = ["blocked", "price_group", "discount_group"]
    search_fields = ["no", "name", "contact__no"]
    list_select_related = ["contact", "price_group", "discount_group", "salesperson"]
    raw_id_fields = ["contact"]
