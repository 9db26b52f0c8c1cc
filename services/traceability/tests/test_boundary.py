"""Growing-area boundaries as producers type them: GPS points or GeoJSON; the area computed from them."""

import math

import pytest

from ocop_traceability.domain.geometry import InvalidGeometry, hectares, parse_boundary


def square(lat: float, lon: float, side_m: float) -> list[tuple[float, float]]:
    dlat, dlon = side_m / 110_574, side_m / (111_320 * math.cos(math.radians(lat)))
    return [(lat, lon), (lat, lon + dlon), (lat + dlat, lon + dlon), (lat + dlat, lon)]


def test_gps_points_become_a_closed_polygon_with_its_area():
    text = "\n".join(f"{lat:.7f}, {lon:.7f}" for lat, lon in square(22.19, 105.57, 200))  # 200 m × 200 m = 4 ha
    geometry = parse_boundary(text)
    ring = geometry["coordinates"][0]
    assert geometry["type"] == "Polygon" and ring[0] == ring[-1] and len(ring) == 5
    assert ring[0] == [105.57, 22.19]  # stored as GeoJSON [longitude, latitude]
    assert hectares(geometry) == pytest.approx(4.0, rel=0.01)


def test_geojson_feature_collection_is_taken_too():
    pts = [[lon, lat] for lat, lon in square(21.38, 106.52, 100)]
    text = (
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":'
        f'{{"type":"Polygon","coordinates":[{[*pts, pts[0]]}]}}}}]}}'
    )
    assert hectares(parse_boundary(text)) == pytest.approx(1.0, rel=0.01)


@pytest.mark.parametrize(
    "text, words",
    [
        ("", "Cần ranh giới"),
        ("22.19, 105.57\n22.2, 105.58", "ít nhất 3 điểm"),
        ("22.19, 105.57\nbốn mươi, 105\n22.2, 105.6", "Dòng 2"),
        ("48.85, 2.35\n48.86, 2.36\n48.87, 2.35", "ngoài lãnh thổ"),  # Paris, lat/lon in the right order
        ("22.19, 105.57\n22.21, 105.60\n22.19, 105.60\n22.215, 105.57", "tự cắt"),  # a bow tie
        ("{not json", "GeoJSON không đọc được"),
    ],
)
def test_bad_boundaries_are_explained(text, words):
    with pytest.raises(InvalidGeometry) as err:
        parse_boundary(text)
    assert words in err.value.message
