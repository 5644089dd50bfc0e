"""Canonical column names shared by every module.

Input files are mapped to these names at load (`segkit.intake`); everything downstream uses them.
"""

from __future__ import annotations

# Transaction lines (one row per invoice line).
CUSTOMER_ID = "customer_id"
ORDER_ID = "order_id"
ORDER_DATE = "order_date"
PRODUCT_ID = "product_id"
QUANTITY = "quantity"
UNIT_PRICE = "unit_price"
AMOUNT = "amount"  # quantity * unit_price, signed

#: Columns every transaction table has after loading.
TRANSACTION_COLUMNS = (CUSTOMER_ID, ORDER_ID, ORDER_DATE, PRODUCT_ID, QUANTITY, UNIT_PRICE, AMOUNT)
#: Optional descriptive columns kept when present.
OPTIONAL_TRANSACTION_COLUMNS = ("description", "category", "country", "region", "customer_type")

# Per-customer table (one row per customer), produced by `segkit.prep.aggregate.customer_table`.
FIRST_PURCHASE = "first_purchase"
LAST_PURCHASE = "last_purchase"
ORDERS = "orders"  # distinct order ids
PURCHASE_DAYS = "purchase_days"  # distinct calendar days with a purchase
REVENUE = "revenue"  # sum of amount
ITEMS = "items"  # sum of quantity
LINES = "lines"  # number of transaction lines
CUSTOMER_TABLE_COLUMNS = (CUSTOMER_ID, FIRST_PURCHASE, LAST_PURCHASE, ORDERS, PURCHASE_DAYS, REVENUE, ITEMS, LINES)
