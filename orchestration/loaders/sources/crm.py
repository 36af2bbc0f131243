"""crm: CRM contacts, full daily snapshot (Salesforce-style), docs/sources.md section 4."""

from orchestration.loaders.spec import BOOLEAN, TIMESTAMP_SALESFORCE, Field, SourceSpec

SPEC = SourceSpec(
    source="crm",
    entity="contacts",
    glob="contacts_*.csv",
    format="csv",
    description="CRM contacts: every contact that exists at the end of the day.",
    fields=(
        Field("ContactId", "contact_id", key=True),
        Field("Email", "email"),
        Field("Phone", "phone"),
        Field("FirstName", "first_name"),
        Field("LastName", "last_name"),
        Field("CreatedDate", "created_date", TIMESTAMP_SALESFORCE, required=True),
        Field("LastModifiedDate", "last_modified_date", TIMESTAMP_SALESFORCE, required=True),
        Field("HasOptedOutOfEmail", "has_opted_out_of_email", BOOLEAN),
        Field("SmsOptIn", "sms_opt_in", BOOLEAN),
        Field("LoyaltyCardNumber", "loyalty_card_number"),
        Field("LoyaltyMemberId", "loyalty_member_id"),
        Field("PreferredStore", "preferred_store"),
        Field("WebAccountId", "web_account_id"),
    ),
    key=("contact_id", "_partition_date"),
    timestamps=("last_modified_date", "created_date"),
    snapshot=True,
)
