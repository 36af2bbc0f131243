"""email: e-mail service provider events, docs/sources.md section 5."""

from orchestration.loaders.spec import TIMESTAMP_Z, Field, SourceSpec, one_of

EVENT_TYPES = ("send", "delivered", "open", "click", "bounce", "unsubscribe")

SPEC = SourceSpec(
    source="email",
    entity="events",
    glob="email_events_*.csv",
    format="csv",
    description="E-mail events (send, delivered, open, click, bounce, unsubscribe).",
    fields=(
        Field("event_id", "event_id", key=True),
        Field("event_type", "event_type", required=True),
        Field("occurred_at", "occurred_at", TIMESTAMP_Z, required=True),
        Field("email", "email", required=True),
        Field("campaign_id", "campaign_id"),
        Field("campaign_name", "campaign_name"),
        Field("url", "url"),
        Field("user_agent", "user_agent"),
    ),
    rules=(one_of("event_type", EVENT_TYPES),),
    key=("event_id", "_source_line"),
    timestamps=("occurred_at",),
)
