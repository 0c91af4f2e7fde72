"""A bar or line chart in the terminal (textual-plotext), for the supervisor's trends.

It keeps the series it shows (`labels`, `values`) so tests and screens can read them back.
"""
from __future__ import annotations

from gettext import gettext as _

from textual_plotext import PlotextPlot

MAX_TICKS = 8


class Chart(PlotextPlot):
    title_text = ""
    labels: list[str] = []
    values: list[float] = []
    kind = "bar"

    def show(self, title: str, labels: list[str], values: list[float], *, kind: str = "bar",
             ylabel: str = "") -> None:
        """Draw VALUES against LABELS; at most MAX_TICKS labels are written under the axis."""
        self.title_text, self.labels, self.values, self.kind = title, list(labels), list(values), kind
        plt = self.plt
        plt.clear_figure()
        plt.title(title)
        if ylabel:
            plt.ylabel(ylabel)
        xs = list(range(1, len(values) + 1))
        if not xs:
            plt.title(_("{title}: no data").format(title=title))
        elif kind == "line":
            plt.plot(xs, values, marker="braille")
        else:
            plt.bar(xs, values)
        if xs:
            step = max(1, -(-len(xs) // MAX_TICKS))
            ticks = xs[::step]
            plt.xticks(ticks, [self.labels[x - 1] for x in ticks])
        self.refresh()
