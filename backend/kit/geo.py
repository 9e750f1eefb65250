"""Conversions between API shapes (lat/lon, GeoJSON) and PostGIS geography values."""

from __future__ import annotations

import struct
from typing import Any

from geoalchemy2.elements import WKBElement, WKTElement
from geoalchemy2.shape import to_shape
from shapely.geometry import MultiPolygon, Point, Polygon, shape

from backend.kit.errors import ValidationFailed


def point_element(latitude: float, longitude: float) -> WKTElement:
    """A geography point for a column (note WKT's lon-lat order)."""
    return WKTElement(f"POINT({longitude!r} {latitude!r})", srid=4326)


_EWKB_SRID_FLAG = 0x20000000


def point_coordinates(value: Any) -> tuple[float, float] | None:
    """(latitude, longitude) of a stored point, or None."""
    if value is None:
        return None
    if isinstance(value, WKBElement):
        fast = _point_from_wkb(bytes(value.data))
        if fast is not None:
            return fast
    geom = shape_from_wkt(value.data) if isinstance(value, WKTElement) else to_shape(value)
    if not isinstance(geom, Point):
        raise TypeError(f"expected a point, got {geom.geom_type}")
    return float(geom.y), float(geom.x)


def _point_from_wkb(data: bytes) -> tuple[float, float] | None:
    """Decode a 2-D (E)WKB point without a geometry library: it sits on every outlet row."""
    if len(data) not in (21, 25):
        return None
    order = "<" if data[0] == 1 else ">"
    (kind,) = struct.unpack_from(f"{order}I", data, 1)
    if kind & 0xFF != 1:
        return None
    offset = 9 if kind & _EWKB_SRID_FLAG else 5
    x, y = struct.unpack_from(f"{order}dd", data, offset)
    return float(y), float(x)


def shape_from_wkt(wkt: str) -> Any:
    """Parse WKT (optionally SRID-prefixed)."""
    from shapely import wkt as shapely_wkt

    return shapely_wkt.loads(wkt.split(";", 1)[-1])


def multipolygon_from_geojson(value: Any, *, field: str) -> WKTElement:
    """Validate a GeoJSON Polygon/MultiPolygon and return it as a geography MultiPolygon."""
    try:
        geom = shape(value)
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        raise ValidationFailed("must be a GeoJSON Polygon or MultiPolygon", field=field) from exc
    if isinstance(geom, Polygon):
        geom = MultiPolygon([geom])
    if not isinstance(geom, MultiPolygon):
        raise ValidationFailed("must be a GeoJSON Polygon or MultiPolygon", field=field)
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise ValidationFailed("coordinates must be longitude, latitude in range", field=field)
    if not geom.is_valid or geom.is_empty:
        raise ValidationFailed("polygon is not valid (self-intersecting or empty)", field=field)
    return WKTElement(geom.wkt, srid=4326)


__all__ = [
    "WKBElement",
    "multipolygon_from_geojson",
    "point_coordinates",
    "point_element",
]
