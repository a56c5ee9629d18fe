"""Two versions of a routing rule set for the tests of saving, restoring and back-testing rules:
V1 sends questions about refunds (category "other") to returns, V2 to finance and adds a pickup rule."""

DEFAULTS = {"delivery_delay": "delivery", "order_return_status": "returns", "finance": "finance", "app_bug": "apps"}
V1 = {
    "version": "ignored",
    "category_defaults": DEFAULTS,
    "rules": [{"id": "refunds", "department": "returns", "categories": ["other"], "keywords_any": ["hoàn tiền"]}],
}
V2 = {
    "version": "ignored",
    "category_defaults": DEFAULTS,
    "rules": [
        {"id": "refunds", "department": "finance", "categories": ["other"], "keywords_any": ["hoàn tiền"]},
        {"id": "pickup", "department": "delivery", "categories": ["other"], "keywords_any": ["chưa lấy hàng"]},
    ],
}
