"""pos: store till receipt lines (legacy till), docs/sources.md section 3.

Latin-1, `;`, decimal comma, CRLF, local Europe/Amsterdam time without offset.
"""

from orchestration.loaders.spec import (
    AMOUNT_DECIMAL_COMMA,
    DATE_DUTCH,
    INTEGER,
    TIME,
    Derived,
    Field,
    SourceSpec,
)


def _local(f) -> str:
    return f"({f('DATUM')} + {f('TIJD')})"


SPEC = SourceSpec(
    source="pos",
    entity="receipt_lines",
    glob="KASSA_*.csv",
    format="csv",
    encoding="latin-1",
    delimiter=";",
    description="Store till receipt lines (sales and returns), times converted to UTC.",
    fields=(
        Field("BONNR", "receipt_number", key=True),
        Field("FILIAAL", "store_id", required=True),
        Field("DATUM", None, DATE_DUTCH, required=True),
        Field("TIJD", None, TIME, required=True),
        Field("REGEL", "line_number", INTEGER, key=True),
        Field("ARTIKELNR", "sku"),
        Field("OMSCHRIJVING", "description"),
        Field("AANTAL", "quantity", INTEGER, required=True),
        Field("STUKPRIJS", "unit_price", AMOUNT_DECIMAL_COMMA),
        Field("KORTING", "discount", AMOUNT_DECIMAL_COMMA),
        Field("BEDRAG", "amount", AMOUNT_DECIMAL_COMMA, required=True),
        Field("KLANTKAART", "loyalty_card"),
        Field("EBON_EMAIL", "ereceipt_email"),
        Field("SOORT", "transaction_type"),
        Field("ORIG_BONNR", "original_receipt_number"),
        Field("BETAALWIJZE", "payment_method"),
    ),
    derived=(
        # Local wall-clock time -> UTC through the tz database, so DST changes are right.
        # An ambiguous fall-back time (02:00-02:59 on the last Sunday of October) resolves
        # to standard time (CET), a non-existent spring-forward time as if it were CET.
        Derived(
            "sold_at",
            "timestamp",
            lambda f: f"timezone('UTC', timezone('Europe/Amsterdam', {_local(f)}))",
        ),
        Derived("sold_at_local", "timestamp", _local),
    ),
    column_order=(
        "receipt_number",
        "store_id",
        "sold_at",
        "sold_at_local",
        "line_number",
    ),
    key=("receipt_number", "line_number", "_source_line"),
    timestamps=("sold_at",),
)
