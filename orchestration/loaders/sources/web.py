"""web: GA4-style analytics events (BigQuery export shape), docs/sources.md section 1.

`event_params` is a list of `{key, value: {string_value, int_value, double_value}}`; the
known keys become typed columns, the rest are kept in `extra_params_json`.
"""

from orchestration.loaders.spec import (
    AMOUNT,
    BIGINT,
    DATE_COMPACT,
    TEXT,
    TIMESTAMP_MICROS,
    Derived,
    Field,
    SourceSpec,
)

PARAMS: dict[str, bool] = {
    # key: is an integer param
    "ga_session_id": True,
    "ga_session_number": True,
    "engagement_time_msec": True,
    "page_location": False,
    "page_title": False,
    "page_referrer": False,
    "firebase_screen": False,
    "search_term": False,
    "store_id": False,
    "method": False,
}

_KNOWN = ", ".join(f"'{key}'" for key in PARAMS)


def _param(key: str) -> str:
    # The first param with this key (list_position over the keys, listed once per event:
    # a lambda per key would be ten passes); exactly one of the three value fields is set.
    value = f"s.event_params[list_position(_param_keys, '{key}')].value"
    return f"coalesce({value}.string_value, {value}.int_value, {value}.double_value)"


def _param_json(value: str) -> str:
    # Keep the param's JSON type: a string stays a string, a number stays a number.
    return (
        f"coalesce(to_json({value}.string_value)::varchar, "
        f"to_json(try_cast({value}.int_value as bigint))::varchar, "
        f"to_json(try_cast({value}.double_value as double))::varchar, "
        f"to_json(coalesce({value}.int_value, {value}.double_value))::varchar, 'null')"
    )


def _extra_params(_f) -> str:
    unknown = f"list_filter(s.event_params, lambda p: p.key not in ({_KNOWN}))"
    member = f"to_json(p.key)::varchar || ':' || {_param_json('p.value')}"
    pairs = f"list_transform({unknown}, lambda p: {member})"
    return f"case when len({unknown}) > 0 then '{{' || array_to_string({pairs}, ',') || '}}' end"


_ITEMS = """try(json_transform({items}, '[{{"item_id": "VARCHAR", "quantity": "VARCHAR"}}]'))"""

SPEC = SourceSpec(
    source="web",
    entity="events",
    glob="events_*.json",
    format="ndjson",
    description="Web and app analytics events, one row per event, params flattened.",
    fields=(
        Field("event_date", "event_date", DATE_COMPACT),
        Field("event_timestamp", "event_timestamp", TIMESTAMP_MICROS, key=True),
        Field("event_name", "event_name", key=True),
        Field("user_pseudo_id", "user_pseudo_id", key=True),
        Field("user_id", "user_id"),
        Field("user_first_touch_timestamp", "user_first_touch_timestamp", TIMESTAMP_MICROS),
        Field("platform", "platform"),
        Field("device.category", "device_category"),
        Field("device.operating_system", "device_operating_system"),
        Field("traffic_source.source", "traffic_source_source"),
        Field("traffic_source.medium", "traffic_source_medium"),
        Field("traffic_source.name", "traffic_source_name"),
        Field("collected_traffic_source.manual_source", "session_source"),
        Field("collected_traffic_source.manual_medium", "session_medium"),
        Field("collected_traffic_source.manual_campaign_name", "session_campaign"),
        Field("collected_traffic_source.gclid", "gclid"),
        *(
            Field(f"event_params.{key}", key, BIGINT if is_int else TEXT, text=_param(key))
            for key, is_int in PARAMS.items()
        ),
        Field("ecommerce.transaction_id", "transaction_id"),
        Field("ecommerce.purchase_revenue", "purchase_revenue", AMOUNT),
        Field("ecommerce.currency", "currency"),
        Field("items", "items_json", text="s.items"),
    ),
    derived=(
        Derived(
            "item_ids",
            "varchar",
            lambda f: (
                "array_to_string(list_transform("
                + _ITEMS.format(items=f("items"))
                + ", lambda i: i.item_id), ',')"
            ),
        ),
        Derived(
            "items_quantity",
            "integer",
            lambda f: (
                "cast(list_sum(list_transform("
                + _ITEMS.format(items=f("items"))
                + ", lambda i: try_cast(i.quantity as integer))) as integer)"
            ),
        ),
        Derived("extra_params_json", "varchar", _extra_params),
    ),
    json_helpers=(("_param_keys", "list_transform(s.event_params, lambda p: p.key)"),),
    json_structure={
        "event_params": [
            {
                "key": "VARCHAR",
                "value": {
                    "string_value": "VARCHAR",
                    "int_value": "VARCHAR",
                    "double_value": "VARCHAR",
                },
            }
        ],
        "items": "JSON",
    },
    column_order=(
        *[
            "event_date",
            "event_timestamp",
            "event_name",
            "user_pseudo_id",
            "user_id",
            "user_first_touch_timestamp",
            "platform",
            "device_category",
            "device_operating_system",
            "traffic_source_source",
            "traffic_source_medium",
            "traffic_source_name",
            "session_source",
            "session_medium",
            "session_campaign",
            "gclid",
        ],
        *PARAMS,
        "transaction_id",
        "purchase_revenue",
        "currency",
        "item_ids",
        "items_quantity",
        "items_json",
        "extra_params_json",
    ),
    key=("user_pseudo_id", "event_timestamp", "event_name", "_source_line"),
    timestamps=("event_timestamp",),
)
