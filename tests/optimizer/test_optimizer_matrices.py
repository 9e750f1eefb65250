"""Straight-line and OSRM matrix providers (OSRM against a local HTTP server on 127.0.0.1)."""

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import numpy as np
import pytest

from optimizer.matrices import OsrmTableProvider, StraightLineProvider, haversine_km

POINTS = [(-6.2, 106.8), (-6.2, 106.81), (-6.21, 106.8)]


def test_haversine_one_degree_of_latitude() -> None:
    km = haversine_km([(0.0, 0.0), (1.0, 0.0)])
    assert km[0, 1] == pytest.approx(111.195, abs=1e-3)
    assert km[1, 0] == km[0, 1]


def test_straight_line_applies_circuity_and_speed() -> None:
    provider = StraightLineProvider(speed_kmh=18.0, circuity=1.35)
    seconds = provider.travel_seconds([(0.0, 0.0), (0.01, 0.0)])
    km = 111.195 * 0.01  # above the short-hop threshold: plain 1.35
    assert seconds[0, 1] == round(km * 1.35 / 18.0 * 3600)
    assert seconds.dtype == np.int64


def test_short_hops_wind_more() -> None:
    provider = StraightLineProvider()
    factors = provider.circuity_for(np.array([0.0, 0.25, 0.5, 2.0]))
    assert factors.tolist() == pytest.approx([1.8, 1.575, 1.35, 1.35])


class FakeOsrm(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if "/table/v1/driving/" not in self.path:
            self.send_response(404)
            self.end_headers()
            return
        count = self.path.split("/table/v1/driving/")[1].split("?")[0].count(";") + 1
        durations = [[float(10 * abs(i - j)) + 0.4 for j in range(count)] for i in range(count)]
        body = json.dumps({"code": "Ok", "durations": durations}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def osrm_url() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), FakeOsrm)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_osrm_table_durations_are_used(osrm_url: str) -> None:
    seconds = OsrmTableProvider(base_url=osrm_url).travel_seconds(POINTS)
    assert seconds.tolist() == [[0, 10, 20], [10, 0, 10], [20, 10, 0]]


def test_osrm_failure_falls_back_to_straight_line_with_a_warning(osrm_url: str) -> None:
    provider = OsrmTableProvider(base_url=osrm_url, profile="bike")
    with pytest.warns(RuntimeWarning, match="straight-line"):
        seconds = provider.travel_seconds(POINTS)
    assert np.array_equal(seconds, StraightLineProvider().travel_seconds(POINTS))
