"""Digest charts: valid PNGs of Slack's preview size, pure (no pyplot, no global backend change)."""

from __future__ import annotations

import struct
import subprocess
import sys
import zlib
from datetime import date, timedelta

import pytest

from analytics.charts import DayPoint, daily_chart, heatmap_chart, short_duration

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk, after checking the signature and the chunk's CRC."""
    assert data[:8] == PNG_SIGNATURE
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13
    body = data[16:29]
    (crc,) = struct.unpack(">I", data[29:33])
    assert zlib.crc32(kind + body) == crc
    assert data.endswith(b"IEND\xaeB`\x82")
    width, height = struct.unpack(">II", body[:8])
    return width, height


def test_daily_chart_is_a_1200_by_600_png() -> None:
    points = [DayPoint(date(2026, 11, 1) + timedelta(days=i), i * 3, None if i == 5 else 60.0 * (i + 1))
              for i in range(14)]
    assert png_size(daily_chart(points)) == (1200, 600)


def test_charts_draw_empty_data() -> None:
    empty_days = [DayPoint(date(2026, 11, 1) + timedelta(days=i), 0, None) for i in range(14)]
    assert png_size(daily_chart(empty_days)) == (1200, 600)
    assert png_size(daily_chart([])) == (1200, 600)
    assert png_size(heatmap_chart([[None] * 24 for _ in range(7)])) == (1200, 600)


def test_heatmap_is_a_1200_by_600_png_and_checks_its_shape() -> None:
    grid = [[None if (d + h) % 5 == 0 else 30.0 * (h + 1) * (d + 1) for h in range(24)] for d in range(7)]
    assert png_size(heatmap_chart(grid)) == (1200, 600)
    with pytest.raises(ValueError, match="7 rows of 24"):
        heatmap_chart([[1.0] * 24] * 6)


def test_short_durations_for_axes() -> None:
    assert [short_duration(s) for s in (45, 60, 720, 3600, 12600, 35900, 86400, 129600)] == [
        "45s", "1m", "12m", "1h", "3.5h", "10h", "1d", "1.5d"]


def test_importing_the_charts_leaves_pyplot_and_the_backend_alone() -> None:
    code = ("import sys, analytics.charts, matplotlib; "
            "print('matplotlib.pyplot' in sys.modules, matplotlib.rcParams._get('backend'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"MPLBACKEND": "svg", "PATH": ""}).stdout.split()
    assert out == ["False", "svg"]
