"""ads: paid media daily performance, docs/sources.md section 6."""

from orchestration.loaders.spec import AMOUNT, BIGINT, DATE_ISO, Field, SourceSpec, not_negative

SPEC = SourceSpec(
    source="ads",
    entity="campaign_stats",
    glob="ad_performance_*.csv",
    format="csv",
    description="Paid media performance, one row per platform and campaign per day.",
    fields=(
        Field("date", "date", DATE_ISO, key=True),
        Field("platform", "platform", key=True),
        Field("campaign_id", "campaign_id", key=True),
        Field("campaign_name", "campaign_name", required=True),
        Field("impressions", "impressions", BIGINT, required=True),
        Field("clicks", "clicks", BIGINT, required=True),
        Field("spend", "spend", AMOUNT, required=True),
        Field("currency", "currency", required=True),
    ),
    rules=(not_negative("impressions"), not_negative("clicks"), not_negative("spend")),
    key=("date", "platform", "campaign_id", "_source_line"),
    timestamps=("date",),
)
