"""GeoJSON checks for growing areas: a valid Polygon/MultiPolygon inside Vietnam's bounding box."""

from __future__ import annotations

import math
from itertools import pairwise
from typing import Any

from ocop_shared.errors import DomainError

# Mainland, islands and archipelagos (Hoàng Sa, Trường Sa), generously rounded.
VN_BBOX = (102.0, 8.0, 117.9, 23.5)  # min lon, min lat, max lon, max lat
MAX_VERTICES = 5000


class InvalidGeometry(DomainError, code="invalid_geometry"): ...


def _position(pos: Any, where: str) -> list[float]:
    """[longitude, latitude] or [longitude, latitude, altitude], finite numbers only."""
    if (
        not isinstance(pos, list | tuple)
        or len(pos) not in (2, 3)
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in pos)
    ):
        raise InvalidGeometry(message=f"{where}: toạ độ phải là [kinh độ, vĩ độ] hoặc [kinh độ, vĩ độ, độ cao]")
    try:
        values = [float(v) for v in pos]
    except OverflowError:  # an integer with hundreds of digits
        values = [math.inf]
    if not all(math.isfinite(v) for v in values):
        raise InvalidGeometry(message=f"{where}: toạ độ phải là số hữu hạn")
    return values


def _ring(ring: Any, where: str) -> list[list[float]]:
    """The ring's positions, checked; nothing else the client sent is kept."""
    if not isinstance(ring, list) or len(ring) < 4:
        raise InvalidGeometry(message=f"{where}: một vòng cần ít nhất 4 điểm (điểm đầu = điểm cuối)")
    positions = [_position(pos, where) for pos in ring]
    points = [(p[0], p[1]) for p in positions]
    for lon, lat in points:
        if not (VN_BBOX[0] <= lon <= VN_BBOX[2] and VN_BBOX[1] <= lat <= VN_BBOX[3]):
            raise InvalidGeometry("outside_vietnam", f"{where}: điểm ({lon}, {lat}) nằm ngoài lãnh thổ Việt Nam")
    if points[0] != points[-1]:
        raise InvalidGeometry(message=f"{where}: vòng chưa khép kín (điểm đầu phải trùng điểm cuối)")
    if abs(_area(points)) < 1e-12:
        raise InvalidGeometry(message=f"{where}: diện tích bằng 0")
    if _self_intersects(points):
        raise InvalidGeometry(message=f"{where}: các cạnh tự cắt nhau")
    return positions


def _area(points: list[tuple[float, float]]) -> float:
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in pairwise(points)) / 2


def _cross(o, a, b) -> float:
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def _segments_cross(p1, p2, q1, q2) -> bool:
    d1, d2 = _cross(q1, q2, p1), _cross(q1, q2, p2)
    d3, d4 = _cross(p1, p2, q1), _cross(p1, p2, q2)
    return ((d1 > 0) != (d2 > 0)) and ((d3 > 0) != (d4 > 0)) and 0 not in (d1, d2, d3, d4)


def _self_intersects(points: list[tuple[float, float]]) -> bool:
    edges = list(pairwise(points))
    n = len(edges)
    for i in range(n):
        for j in range(i + 2, n):
            if i == 0 and j == n - 1:
                continue  # first and last edges share the closing point
            if _segments_cross(*edges[i], *edges[j]):
                return True
    return False


def check_geometry(geometry: Any) -> dict[str, Any]:
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        raise InvalidGeometry(message="geometry phải là GeoJSON Polygon hoặc MultiPolygon")
    coords = geometry.get("coordinates")
    polygons = [coords] if geometry["type"] == "Polygon" else coords
    if not isinstance(polygons, list) or not polygons:
        raise InvalidGeometry(message="geometry thiếu toạ độ")
    vertices = sum(len(r) for poly in polygons if isinstance(poly, list) for r in poly if isinstance(r, list))
    if vertices > MAX_VERTICES:
        raise InvalidGeometry(message=f"Tối đa {MAX_VERTICES} điểm")
    checked = []
    for pi, poly in enumerate(polygons):
        if not isinstance(poly, list) or not poly:
            raise InvalidGeometry(message=f"polygon {pi}: thiếu vòng ngoài")
        checked.append([_ring(ring, f"polygon {pi}, vòng {ri}") for ri, ring in enumerate(poly)])
    return {"type": geometry["type"], "coordinates": checked[0] if geometry["type"] == "Polygon" else checked}


def hectares(geometry: dict[str, Any]) -> float:
    """Area of a checked Polygon/MultiPolygon in hectares (outer rings minus holes; local equirectangular
    projection, well within a percent for fields and hills of a few km)."""
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    total = 0.0
    for polygon in polygons:
        for n, ring in enumerate(polygon):
            lat0 = math.radians(sum(p[1] for p in ring) / len(ring))
            xy = [(p[0] * 111_320 * math.cos(lat0), p[1] * 110_574) for p in ring]
            area = abs(_area(xy))
            total += area if n == 0 else -area
    return round(total / 10_000, 2)


def parse_boundary(text: str) -> dict[str, Any]:
    """A boundary typed or pasted by a producer: GeoJSON (a geometry, Feature or FeatureCollection), or one
    "latitude, longitude" point per line as a phone's GPS shows it (the ring is closed if it is not)."""
    text = (text or "").strip()
    if not text:
        raise InvalidGeometry(message="Cần ranh giới vùng trồng: các điểm toạ độ hoặc GeoJSON")
    if text.startswith("{"):
        import json

        try:
            data = json.loads(text)
        except ValueError as exc:
            raise InvalidGeometry(message=f"GeoJSON không đọc được: {exc}") from exc
        if isinstance(data, dict) and data.get("type") == "FeatureCollection" and data.get("features"):
            data = data["features"][0]
        if isinstance(data, dict) and data.get("type") == "Feature":
            data = data.get("geometry")
        return check_geometry(data)
    ring = []
    for n, line in enumerate(text.replace(";", "\n").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p for p in line.replace(",", " ").split() if p]
        try:
            lat, lon = (float(parts[0]), float(parts[1])) if len(parts) == 2 else (math.nan, math.nan)
        except ValueError:
            lat = lon = math.nan
        if not (math.isfinite(lat) and math.isfinite(lon)):
            raise InvalidGeometry(message=f"Dòng {n}: cần 'vĩ độ, kinh độ', ví dụ 22.1895, 105.5773")
        ring.append([lon, lat])
    if len(ring) < 3:
        raise InvalidGeometry(message="Ranh giới cần ít nhất 3 điểm")
    if ring[0] != ring[-1]:
        ring.append(ring[0])
    return check_geometry({"type": "Polygon", "coordinates": [ring]})
