"""Decoding offline items from GraphQL into sync entries; a malformed item is kept, to be rejected."""

from __future__ import annotations

from backend.field.graphql_inputs import SyncItemInput, sku_lines
from backend.field.sync_models import SyncItemKind
from backend.field.sync_payloads import MalformedItem, OrderCapture, Payload, StockCount, SyncEntry
from backend.field.visits import CheckIn, CheckOut, Collection
from backend.kit.errors import JalurError, ValidationFailed
from backend.kit.ids import decode_typed_id

PARTS = {
    "check_in": SyncItemKind.VISIT_CHECK_IN,
    "check_out": SyncItemKind.VISIT_CHECK_OUT,
    "stock_count": SyncItemKind.STOCK_COUNT,
    "captured_order": SyncItemKind.CAPTURED_ORDER,
    "collection": SyncItemKind.COLLECTION,
}


def sync_entries(items: list[SyncItemInput]) -> list[SyncEntry]:
    """Decode a batch's items."""
    return [_entry(item) for item in items]


def _entry(item: SyncItemInput) -> SyncEntry:
    given = [name for name in PARTS if getattr(item, name) is not None]
    if len(given) != 1:
        error = ValidationFailed(
            "give exactly one of checkIn, checkOut, stockCount, capturedOrder, collection",
            field="item",
        )
        # The kind is unknown; the item is stored as a check-in so its rejection is readable.
        return SyncEntry(
            item.client_id, item.sequence, SyncItemKind.VISIT_CHECK_IN, MalformedItem(error)
        )
    kind = PARTS[given[0]]
    try:
        payload = _payload(item)
    except JalurError as error:
        payload = MalformedItem(error)
    return SyncEntry(item.client_id, item.sequence, kind, payload)


def _payload(item: SyncItemInput) -> Payload:
    if item.check_in is not None:
        c = item.check_in
        retailer_id = decode_typed_id(c.retailer_id, "Retailer", field="item.retailerId")
        lat, lon = c.position.latitude, c.position.longitude
        return CheckIn(item.client_id, retailer_id, lat, lon, c.accuracy_m, c.at)
    if item.check_out is not None:
        o = item.check_out
        refs = tuple(o.photo_refs)
        return CheckOut(o.visit_id, o.at, o.outcome, o.no_order_reason, refs)
    if item.stock_count is not None:
        return StockCount(
            item.stock_count.visit_id, sku_lines(item.stock_count.lines, "item.lines")
        )
    if item.captured_order is not None:
        order = item.captured_order
        return OrderCapture(order.visit_id, sku_lines(order.lines, "item.lines"), order.at)
    assert item.collection is not None
    m = item.collection
    retailer_id = decode_typed_id(m.retailer_id, "Retailer", field="item.retailerId")
    return Collection(
        item.client_id,
        retailer_id,
        m.visit_id,
        m.amount.amount,
        m.amount.currency,
        m.method,
        m.reference,
        m.at,
    )
