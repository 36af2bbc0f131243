"""loyalty: points ledger, docs/sources.md section 8."""

from orchestration.loaders.spec import INTEGER, TIMESTAMP_Z, Field, SourceSpec, one_of

REASONS = ("earn", "redeem", "expire", "bonus")

SPEC = SourceSpec(
    source="loyalty",
    entity="ledger_entries",
    glob="ledger_*.csv",
    format="csv",
    description="Loyalty points ledger entries (earn, redeem, expire, bonus).",
    fields=(
        Field("entry_id", "entry_id", key=True),
        Field("member_id", "member_id", required=True),
        Field("card_number", "card_number"),
        Field("occurred_at", "occurred_at", TIMESTAMP_Z, required=True),
        Field("points", "points", INTEGER, required=True),
        Field("reason", "reason", required=True),
        Field("channel", "channel"),
        Field("reference", "reference"),
    ),
    rules=(one_of("reason", REASONS),),
    key=("entry_id", "_source_line"),
    timestamps=("occurred_at",),
)
