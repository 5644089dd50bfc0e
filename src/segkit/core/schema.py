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
# Cost of goods, when the source has it: a unit cost or a line total; loading keeps the line total.
UNIT_COST = "unit_cost"  # mapping key only: cost = quantity * unit_cost
COST = "cost"  # cost of the line's goods, signed like amount
#: Mapping keys for the cost of goods (give at most one).
COST_COLUMNS = (UNIT_COST, COST)

# Per-customer table (one row per customer), produced by `segkit.prep.aggregate.customer_table`.
FIRST_PURCHASE = "first_purchase"
LAST_PURCHASE = "last_purchase"
ORDERS = "orders"  # distinct order ids
PURCHASE_DAYS = "purchase_days"  # distinct calendar days with a purchase
REVENUE = "revenue"  # sum of amount
ITEMS = "items"  # sum of quantity
LINES = "lines"  # number of transaction lines
CUSTOMER_TABLE_COLUMNS = (CUSTOMER_ID, FIRST_PURCHASE, LAST_PURCHASE, ORDERS, PURCHASE_DAYS, REVENUE, ITEMS, LINES)
MARGIN = "margin"  # revenue - cost, when the lines have a cost
#: Columns the per-customer table gains when the lines have a cost (sum of cost, revenue - cost).
CUSTOMER_COST_COLUMNS = (COST, MARGIN)
