"""service: customer-service tickets (Zendesk incremental-export shape), section 7."""

from orchestration.loaders.spec import BIGINT, TIMESTAMP_Z, Field, SourceSpec

SPEC = SourceSpec(
    source="service",
    entity="tickets",
    glob="tickets_*.json",
    format="ndjson",
    description="Service tickets, one row per ticket version (created or updated that day).",
    fields=(
        Field("id", "ticket_id", BIGINT, key=True),
        Field("channel", "channel", required=True),
        Field("requester.email", "requester_email"),
        Field("requester.phone", "requester_phone"),
        Field("requester.name", "requester_name"),
        Field("created_at", "created_at", TIMESTAMP_Z, required=True),
        Field("updated_at", "updated_at", TIMESTAMP_Z, key=True),
        Field("first_reply_at", "first_reply_at", TIMESTAMP_Z),
        Field("solved_at", "solved_at", TIMESTAMP_Z),
        Field("status", "status"),
        Field("reason", "reason"),
        Field("order_reference", "order_reference"),
        Field("satisfaction_rating.score", "satisfaction_score"),
    ),
    key=("ticket_id", "updated_at", "_source_line"),
    timestamps=("updated_at", "created_at"),
)
