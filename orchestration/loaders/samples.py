"""The walking skeleton's sample export: one small shop file that follows docs/sources.md."""

SKELETON_DAY = "2025-03-04"
SKELETON_FILE = "orders_export_20250304.csv"

_HEAD = (
    "Name,Email,Phone,Financial Status,Fulfillment Status,Created at,Updated at,Fulfilled at,"
    "Delivered at,Currency,Subtotal,Shipping,Discount Code,Discount Amount,Total,"
    "Shipping Method,Pickup Location,Lineitem quantity,Lineitem name,Lineitem price,"
    "Lineitem sku,Lineitem discount,Source,Return Reference,Tags"
)
_T1 = "2025-03-04 10:15:00 +0100"
_T2 = "2025-03-04 11:00:00 +0100"
SKELETON_SHOP_CSV = (
    f"{_HEAD}\n"
    f"#1001,anna@example.com,,paid,unfulfilled,{_T1},{_T1},,,EUR,25.00,0.00,,0.00,25.00,"
    "Home delivery,,2,Sweater,10.50,SKU-1,0.00,web,,\n"
    f"#1001,anna@example.com,,paid,unfulfilled,{_T1},{_T1},,,EUR,25.00,0.00,,0.00,25.00,"
    "Home delivery,,1,Socks,4.00,SKU-2,0.00,web,,\n"
    f"#1002,bob@example.com,,paid,unfulfilled,{_T2},{_T2},,,EUR,31.50,0.00,,0.00,31.50,"
    "Home delivery,,3,Sweater,10.50,SKU-1,0.00,web,,\n"
)
