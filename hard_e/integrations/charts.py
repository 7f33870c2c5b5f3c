"""Usage charts drawn with matplotlib, as PNG bytes: questions per day, the route/agent mix, spend
per day and latency (p50/p95 per day). Plain values in, images out; nothing about Slack or the store.

Headless and repeatable: the Agg canvas draws straight into memory (no pyplot, no display, no
backend to choose), the PNG carries no "Software" or date metadata, and the same data gives the
same bytes. Each image is 640×280 pixels, a few tens of kilobytes. Drawing is CPU work that blocks:
async callers use `asyncio.to_thread(render_usage_charts, ...)`. matplotlib is imported on first use
(it takes about a second), so processes that never draw a chart never pay for it.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.ticker import Locator

WIDTH_IN, HEIGHT_IN, DPI = 6.4, 2.8, 100  # 640×280 px
BLUE, ORANGE, GREY = "#1f6fb2", "#e07b39", "#6b7280"
# matplotlib keeps shared state (font cache, text layout caches) that its docs do not promise is
# thread-safe; charts are drawn a few times a day, so one drawing at a time costs nothing.
_DRAWING = threading.Lock()


@dataclass(frozen=True)
class Chart:
    name: str  # questions, routes, spend, latency
    title: str
    alt_text: str  # what the image shows, for screen readers (Slack allows 2,000 characters)
    png: bytes


def render_usage_charts(
    *,
    days: Sequence[date],
    questions: Sequence[int],
    mix: Sequence[tuple[str, int]],
    spend_usd: Sequence[float],
    p50_ms: Sequence[int | None],
    p95_ms: Sequence[int | None],
) -> list[Chart]:
    """The four charts, in the order the App Home shows them."""
    with _DRAWING:
        return [
            questions_per_day(days, questions),
            route_mix(mix),
            spend_per_day(days, spend_usd),
            latency_per_day(days, p50_ms, p95_ms),
        ]


def questions_per_day(days: Sequence[date], counts: Sequence[int]) -> Chart:
    figure, axes = _figure("Questions per day")
    axes.bar(range(len(days)), counts, color=BLUE, width=0.7)
    _day_axis(axes, days)
    axes.yaxis.set_major_locator(_whole_numbers())
    described = ", ".join(f"{d:%b %d} {c}" for d, c in zip(days, counts, strict=True))
    return Chart("questions", "Questions per day", _alt(f"Questions per day: {described}."), _png(figure))


def route_mix(mix: Sequence[tuple[str, int]], *, top: int = 8) -> Chart:
    shown = list(mix[:top])
    if len(mix) > top:
        shown.append(("other", sum(count for _, count in mix[top:])))
    labels = [name.replace("_", " ") for name, _ in shown][::-1]  # most used at the top
    # Room for the longest label at about 6 px a character (8-point DejaVu Sans).
    figure, axes = _figure("How questions were answered", grid="x", left=min(0.4, (12 + 6 * max(map(len, labels), default=4)) / 640))
    counts = [count for _, count in shown][::-1]
    axes.barh(range(len(shown)), counts, color=BLUE, height=0.6)
    axes.set_yticks(range(len(shown)), labels)
    axes.xaxis.set_major_locator(_whole_numbers())
    total = sum(count for _, count in mix) or 1
    described = ", ".join(f"{name} {count} ({count / total:.0%})" for name, count in shown)
    return Chart("routes", "Route and agent mix", _alt(f"Questions by route or agent: {described or 'none'}."), _png(figure))


def spend_per_day(days: Sequence[date], spend_usd: Sequence[float]) -> Chart:
    figure, axes = _figure("Model spend per day (USD)", left=0.09 if max(spend_usd, default=0) < 100 else 0.13)
    axes.bar(range(len(days)), spend_usd, color=ORANGE, width=0.7)
    _day_axis(axes, days)
    axes.yaxis.set_major_formatter("${x:,.2f}")
    described = ", ".join(f"{d:%b %d} ${s:,.2f}" for d, s in zip(days, spend_usd, strict=True))
    return Chart("spend", "Spend per day", _alt(f"Model spend per day in US dollars: {described}."), _png(figure))


def latency_per_day(days: Sequence[date], p50_ms: Sequence[int | None], p95_ms: Sequence[int | None]) -> Chart:
    figure, axes = _figure("Answer time per day (seconds)")
    x = range(len(days))
    # Days without answered turns are gaps in the lines (NaN), not zeros.
    axes.plot(x, [_seconds(v) for v in p95_ms], color=ORANGE, marker="o", markersize=3, label="p95")
    axes.plot(x, [_seconds(v) for v in p50_ms], color=BLUE, marker="o", markersize=3, label="p50")
    axes.set_ylim(bottom=0)
    _day_axis(axes, days)
    axes.legend(loc="upper left", fontsize=8, frameon=False)
    described = ", ".join(f"{d:%b %d} p50 {_text_seconds(a)} p95 {_text_seconds(b)}" for d, a, b in zip(days, p50_ms, p95_ms, strict=True))
    return Chart("latency", "Latency p50/p95", _alt(f"Total answer time per day in seconds: {described}."), _png(figure))


def _figure(title: str, *, grid: Literal["x", "y"] = "y", left: float = 0.09) -> tuple[Figure, Axes]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    # Fixed margins, not a layout engine: constrained layout draws every figure twice.
    figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    figure.subplots_adjust(left=left, right=0.98, top=0.88, bottom=0.11)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.set_title(title, fontsize=10, loc="left")
    axes.tick_params(labelsize=8, colors=GREY)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.grid(axis=grid, color="#e5e7eb", linewidth=0.6)
    axes.set_axisbelow(True)
    return figure, axes


def _day_axis(axes: Axes, days: Sequence[date]) -> None:
    """Every other day labelled (14 labels would collide), the last day always."""
    ticks = [n for n in range(len(days)) if (len(days) - 1 - n) % 2 == 0]
    axes.set_xticks(ticks, [f"{days[n]:%b %d}" for n in ticks])
    axes.set_xlim(-0.6, len(days) - 0.4)


def _whole_numbers() -> Locator:
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(integer=True)


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    # No "Software" (matplotlib's version) in the file: the same data makes the same bytes.
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def _seconds(ms: int | None) -> float:
    return float("nan") if ms is None else ms / 1000


def _text_seconds(ms: int | None) -> str:
    return "none" if ms is None else f"{ms / 1000:.1f}s"


def _alt(text: str, limit: int = 2000) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
