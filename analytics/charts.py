"""Digest charts as PNG bytes: pure functions, data in (figures from the KPI engine), image out.

Matplotlib is used through `Figure` + `FigureCanvasAgg` only, never pyplot, so importing this module
changes no global backend or state and charts can be drawn from any thread. Sizes and fonts are chosen
for Slack's inline preview (about 1200 x 600 px), and colours are the Okabe-Ito palette, which stays
distinguishable with the common colour-vision deficiencies; the heat map uses `cividis` for the same reason.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator

# Okabe-Ito.
BLUE, ORANGE, SKY, VERMILLION, GREEN, GREY = "#0072B2", "#E69F00", "#56B4E9", "#D55E00", "#009E73", "#999999"
WIDTH_IN, HEIGHT_IN, DPI = 8.0, 4.0, 150  # 1200 x 600 px
TITLE, LABEL, TICK = 15, 12, 10
_TIME_TICKS = (10, 30, 60, 300, 900, 3600, 4 * 3600, 12 * 3600, 86400, 3 * 86400, 7 * 86400)
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class DayPoint:
    """One day of the daily chart: inbound texts and the median first response (None: no first response)."""

    day: date
    inbound: int
    median_first_response_s: float | None


def _num(value: float) -> str:
    # One decimal below 10 ("3.5h"), none from 10 up or when it is whole ("12h", "2d").
    if value >= 9.95 or abs(value - round(value)) < 0.05:
        return f"{value:.0f}"
    return f"{value:.1f}"


def short_duration(seconds: float) -> str:
    """Axis-friendly durations: `45s`, `12m`, `3.5h`, `2d`."""
    if seconds < 59.5:
        return f"{seconds:.0f}s"
    if seconds < 3570:
        return f"{seconds / 60:.0f}m"
    if seconds < 86400 - 1800:
        return f"{_num(seconds / 3600)}h"
    return f"{_num(seconds / 86400)}d"


def _png(fig: Figure) -> bytes:
    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, facecolor="white")
    return buffer.getvalue()


def _day_label(day: date, with_month: bool) -> str:
    # The month only where it starts or changes, so 14 labels fit side by side.
    return f"{day:%a}\n{day:%b} {day.day}" if with_month else f"{day:%a}\n{day.day}"


def _tick_labels(points: Sequence[DayPoint]) -> list[str]:
    if len(points) <= 16:
        return [_day_label(p.day, i == 0 or p.day.day == 1) for i, p in enumerate(points)]
    # A month: only the first day and Mondays are labelled, so the labels stay readable.
    return [_day_label(p.day, True) if i == 0 or p.day.weekday() == 0 else "" for i, p in enumerate(points)]


def daily_chart(points: Sequence[DayPoint], *, title: str = "Inbound texts and median first response",
                highlight_last: bool = True) -> bytes:
    """Bars of inbound texts per day with the median first response as a line on a second axis.

    With `highlight_last` the last point is the digest's day and is drawn darker; days with no first
    response leave a gap. More than 16 days (a month) are labelled on Mondays only.
    """
    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    xs = list(range(len(points)))
    colours = [SKY] * len(points)
    if colours and highlight_last:
        colours[-1] = BLUE
    ax.bar(xs, [p.inbound for p in points], color=colours, width=0.7, label="inbound texts", zorder=2)
    ax.set_ylabel("inbound texts per day", fontsize=LABEL, color=BLUE)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
    ax.tick_params(axis="y", labelsize=TICK, colors=BLUE)
    ax.set_xticks(xs, _tick_labels(points), fontsize=TICK)
    ax.grid(axis="y", color="#dddddd", zorder=0)
    ax.spines[["top"]].set_visible(False)

    medians = [p.median_first_response_s for p in points]
    known = [m for m in medians if m is not None]
    twin = ax.twinx()
    # Log scale: a 3-minute day and a 40-hour weekend both stay readable on one axis.
    ys = [m if m is not None and m > 0 else math.nan for m in medians]
    twin.plot(xs, ys, color=VERMILLION, linewidth=3, marker="o", markersize=7, label="median first response",
              zorder=3)
    low = max(min((m for m in known if m > 0), default=60.0) / 1.5, 1.0)
    top = max(max(known, default=3600.0), low * 10)
    # The highest point at 80 % of the height (log scale), leaving the top row for the legend.
    high = math.exp(math.log(low) + (math.log(top) - math.log(low)) / 0.8)
    twin.set_yscale("log")
    twin.set_ylim(low, high)
    twin.yaxis.set_major_locator(FixedLocator([t for t in _TIME_TICKS if low <= t <= high]))
    twin.yaxis.set_minor_locator(FixedLocator([]))
    twin.yaxis.set_major_formatter(FuncFormatter(lambda v, _: short_duration(v)))
    twin.set_ylabel("median first response (log scale)", fontsize=LABEL, color=VERMILLION)
    twin.tick_params(axis="y", labelsize=TICK, colors=VERMILLION)
    twin.spines[["top"]].set_visible(False)
    handles = ax.get_legend_handles_labels()[0] + twin.get_legend_handles_labels()[0]
    # One row in headroom kept free above the bars and the line (see the axis limits).
    ax.legend(handles=handles, loc="upper left", ncols=2, fontsize=TICK, frameon=False)
    ax.set_ylim(bottom=0, top=max((p.inbound for p in points), default=1) * 1.3 or 1)
    ax.set_title(title, fontsize=TITLE, loc="left")
    if not points or (not known and not any(p.inbound for p in points)):
        ax.text(0.5, 0.5, "No lead messages in this period", transform=ax.transAxes, ha="center",
                va="center", fontsize=LABEL, color=GREY)
    return _png(fig)


def heatmap_chart(grid: Sequence[Sequence[float | None]], *, title: str = "Median wait by hour and weekday"
                  ) -> bytes:
    """A weekday (rows, Monday first) x hour-of-day (24 columns) heat map of median waits in seconds.

    Colour is on a log scale (waits are skewed: minutes by day, hours overnight); each cell also shows its
    value; long waits are dark; cells with no answered wait are left pale grey.
    """
    if len(grid) != 7 or any(len(row) != 24 for row in grid):
        raise ValueError("the heat map needs 7 rows of 24 hours")
    values = [v for row in grid for v in row if v is not None and v > 0]
    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    ax.set_facecolor("#eeeeee")
    data = [[(v if v is not None and v > 0 else math.nan) for v in row] for row in grid]
    low = max(min(values, default=60.0), 1.0)
    high = max(max(values, default=3600.0), low * 10)
    mesh = ax.imshow(data, cmap="cividis_r", norm=LogNorm(vmin=low, vmax=high), aspect="auto",
                     interpolation="nearest")
    ax.set_yticks(range(7), WEEKDAYS, fontsize=TICK)
    ax.set_xticks(range(0, 24, 2), [f"{h:02d}" for h in range(0, 24, 2)], fontsize=TICK)
    ax.set_xlabel("hour the lead texted (local time)", fontsize=LABEL)
    for row_index, row in enumerate(grid):
        for hour, value in enumerate(row):
            if value is None:
                continue
            # Long waits are dark (reversed cividis) and get light text; short ones dark text.
            dark = value > 0 and math.log(max(value, low)) > (math.log(low) + math.log(high)) / 2
            ax.text(hour, row_index, short_duration(value), ha="center", va="center", fontsize=6.5,
                    color="white" if dark else "black")
    bar = fig.colorbar(mesh, ax=ax, pad=0.01)
    bar.set_label("median wait (grey: no waits)", fontsize=LABEL)
    ticks = [t for t in _TIME_TICKS if low <= t <= high]
    bar.ax.yaxis.set_major_locator(FixedLocator(ticks or [low, high]))
    bar.ax.yaxis.set_minor_locator(FixedLocator([]))
    bar.ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: short_duration(v)))
    bar.ax.tick_params(labelsize=TICK)
    ax.set_title(title, fontsize=TITLE, loc="left")
    if not values:
        ax.text(11.5, 3, "No answered waits in this period", ha="center", va="center", fontsize=LABEL,
                color=GREY)
    return _png(fig)
