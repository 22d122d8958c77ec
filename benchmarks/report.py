"""Targets, ratios and the printed table; the same figures go to ``results.json``.

Ratios are taken between contenders measured in the same run, one scenario after the other, so
machine noise mostly cancels out. Targets apply to this library only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .spread import verdict as spread_verdict

CONTENDERS = ("library", "reference", "raw-b2sdk")
TITLES = {"library": "this library", "reference": "7.0.0", "raw-b2sdk": "b2sdk"}

#: (scenario, label, [(figure, label)]) for the big-file table.
MEASURED_ROWS: list[tuple[str, str, list[tuple[str, str]]]] = [
    (
        "save-large",
        "save() from disk (TemporaryUploadedFile)",
        [("peak_mib", "peak MiB"), ("mib_s", "MiB/s"), ("cpu_ms_per_mib", "CPU ms/MiB")],
    ),
    (
        "read-large",
        "open().read(chunk) to the end",
        [
            ("peak_mib", "peak MiB"),
            ("mib_s", "MiB/s"),
            ("cpu_ms_per_mib", "CPU ms/MiB"),
            ("ttfb_seconds", "first byte ms"),
        ],
    ),
    (
        "proxy-large",
        "GET /b2l/ (proxy view)",
        [
            ("peak_mib", "peak MiB"),
            ("mib_s", "MiB/s"),
            ("cpu_ms_per_mib", "CPU ms/MiB"),
            ("ttfb_seconds", "first byte ms"),
            ("status", "status"),
        ],
    ),
    (
        "proxy-range",
        "GET /b2l/, Range: 1 KiB mid-file",
        [("status", "status"), ("bytes", "bytes sent"), ("ttfb_seconds", "first byte ms"), ("peak_mib", "peak MiB")],
    ),
]

COUNTED_ROWS: list[tuple[str, str]] = [
    ("save-new", "save a new file (10 KiB)"),
    ("save-existing-name", "save under an existing name"),
    ("exists-hit", "exists(), file there"),
    ("exists-miss", "exists(), no such file"),
    ("size", "size()"),
    ("url-BackblazeB2Storage", "url(), BackblazeB2Storage (private bucket)"),
    ("url-PublicStorage", "url(), PublicStorage (private bucket)"),
    ("url-LoggedInStorage", "url(), LoggedInStorage"),
    ("url-StaffStorage", "url(), StaffStorage"),
    ("open-read-small", "open() and read() a 10 KiB file"),
    ("delete", "delete()"),
    ("proxy-get-1", "one proxied GET (/b2l/)"),
    ("proxy-get-10", "ten proxied GETs of one file"),
    ("expiring-links-100", "100 expiring links (100 files)"),
    ("expiring-links-100-one-file", "100 expiring links (one file)"),
]

#: Figures compared between contenders (this library's divided by the other's, same run).
RATIO_FIGURES = ("mib_s", "cpu_ms_per_mib")

Key = tuple[str, int | None, str]  # scenario, size in MiB (None for transaction scenarios), contender


@dataclass
class Target:
    text: str
    check: Callable[[dict[str, dict[str, Any]]], bool | None]  # results by contender -> verdict (None: n/a)


def _figure(result: dict[str, Any] | None, name: str) -> Any:
    if not result or result.get("outcome") not in ("ok", "wrong"):
        return None
    return result.get(name)


def _at_most(limit: float, figure: str) -> Target:
    def check(by_contender: dict[str, dict[str, Any]]) -> bool | None:
        library = by_contender.get("library")
        value = _figure(library, figure)
        if value is None:
            return None
        return library is not None and library["outcome"] == "ok" and value <= limit

    return Target(f"<= {limit:g}", check)


def _throughput_vs_b2sdk(share: float) -> Target:
    def check(by_contender: dict[str, dict[str, Any]]) -> bool | None:
        library, b2sdk = by_contender.get("library"), by_contender.get("raw-b2sdk")
        mine, theirs = _figure(library, "mib_s"), _figure(b2sdk, "mib_s")
        if mine is None or not theirs:
            return None
        return library is not None and library["outcome"] == "ok" and mine >= share * theirs

    return Target(f">= {share:g}x b2sdk", check)


def _status(expected: int, figure: str = "status") -> Target:
    def check(by_contender: dict[str, dict[str, Any]]) -> bool | None:
        value = _figure(by_contender.get("library"), figure)
        return None if value is None else value == expected

    return Target(f"{expected}", check)


MEASURED_TARGETS: dict[tuple[str, str], Target] = {
    ("save-large", "peak_mib"): _at_most(32, "peak_mib"),
    ("save-large", "mib_s"): _throughput_vs_b2sdk(0.9),
    ("read-large", "peak_mib"): _at_most(16, "peak_mib"),
    ("read-large", "mib_s"): _throughput_vs_b2sdk(0.9),
    ("proxy-large", "peak_mib"): _at_most(16, "peak_mib"),
    ("proxy-large", "mib_s"): _throughput_vs_b2sdk(0.9),
    ("proxy-range", "peak_mib"): _at_most(16, "peak_mib"),
    ("proxy-range", "status"): _status(206),
    ("proxy-range", "bytes"): _status(1024, "bytes"),
}


def calls_by_class(calls: dict[str, int]) -> dict[str, int]:
    from django_backblaze_b2.testing.simulator import transaction_class

    totals = {"A": 0, "B": 0, "C": 0}
    for name, count in calls.items():
        totals[transaction_class(name)] += count
    return totals


def _calls_at_most(limit: int, billed_only: bool) -> Target:
    def check(by_contender: dict[str, dict[str, Any]]) -> bool | None:
        library = by_contender.get("library")
        if not library or library["outcome"] not in ("ok", "wrong"):
            return None
        by_class = calls_by_class(library["calls"])
        spent = by_class["B"] + by_class["C"] if billed_only else sum(by_class.values())
        return library["outcome"] == "ok" and spent <= limit

    what = "billed call" if billed_only else "call"
    return Target(f"<= {limit} {what}{'s' if limit != 1 else ''}", check)


COUNTED_TARGETS: dict[str, Target] = {
    "proxy-get-1": _calls_at_most(1, billed_only=True),
    "proxy-get-10": _calls_at_most(10, billed_only=True),
    **{scenario: _calls_at_most(0, billed_only=False) for scenario, _ in COUNTED_ROWS if scenario.startswith("url-")},
    # A link that opens a file in a private bucket carries a download authorization: one, reused
    # (7.0.0 and plain b2sdk give a link that answers 401, at no cost).
    "url-BackblazeB2Storage": _calls_at_most(1, billed_only=False),
    # Each link opens only its own file (url_expiry_scope="file"): one authorization per file, as by hand,
    # and one for any number of links to the same file.
    "expiring-links-100": _calls_at_most(100, billed_only=False),
    "expiring-links-100-one-file": _calls_at_most(1, billed_only=False),
}


def verdict(value: bool | None) -> str:
    return "n/a" if value is None else ("pass" if value else "FAIL")


# -- rendering ----------------------------------------------------------------------------------


class Notes:
    """Footnotes for cells whose result was wrong, an error or not applicable."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def mark(self, result: dict[str, Any], where: str) -> str:
        reason = result.get("wrong") or result.get("reason") or ""
        # One note per distinct reason; the "wrong" ones also say which cell.
        line = (
            f"{where}: {result['outcome']}: {reason}"
            if result["outcome"] == "wrong"
            else f"{result['outcome']}: {reason}"
        )
        if line not in self.lines:
            self.lines.append(line)
        return f"[{self.lines.index(line) + 1}]"


def _format(figure: str, value: Any) -> str:
    if value is None:
        return "-"
    if figure == "ttfb_seconds":
        return f"{value * 1000:.0f}" if value >= 0.01 else f"{value * 1000:.1f}"
    if figure == "cpu_ms_per_mib":
        return f"{value:.2f}"
    if isinstance(value, float):
        return f"{value:.1f}" if value < 100 else f"{value:.0f}"
    return str(value)


def _format_spread(figure: str, result: dict[str, Any]) -> str:
    """The figure's median, with the rounds' min-max beside it when they differ."""
    text = _format(figure, result.get(figure))
    spread = result.get(f"{figure}_spread")
    if spread and spread["rounds"] > 1:
        low, high = _format(figure, spread["min"]), _format(figure, spread["max"])
        if low != high:
            text = f"{text} ({low}-{high})"
    return text


def judge(target: Target, by_contender: dict[str, dict[str, Any]]) -> str:
    """The target's verdict in every round (contenders' rounds paired by number; see :mod:`.spread`)."""
    rounds = max((len(result.get("rounds", ())) for result in by_contender.values()), default=0)
    if rounds <= 1:
        return verdict(target.check(by_contender))
    per_round = []
    for number in range(rounds):
        in_round = {
            contender: result["rounds"][number] if number < len(result.get("rounds", ())) else result
            for contender, result in by_contender.items()
        }
        per_round.append(target.check(in_round))
    return spread_verdict(per_round)


def _cell(result: dict[str, Any] | None, figure: str, notes: Notes, where: str) -> str:
    if result is None:
        return ""
    outcome = result["outcome"]
    if outcome in ("n/a", "error"):
        return f"{outcome} {notes.mark(result, where)}"
    text = _format_spread(figure, result)
    return f"{text} {notes.mark(result, where)}" if outcome == "wrong" else text


def _ok_figure(result: dict[str, Any] | None, name: str) -> Any:
    """A figure fit for a ratio: from a run that gave the right answer."""
    return result.get(name) if result and result.get("outcome") == "ok" else None


def _format_ratio(ratio: float | None) -> str:
    return "-" if ratio is None else f"{ratio:.2f}x"


def _ratio(mine: Any, theirs: Any) -> float | None:
    if not isinstance(mine, (int, float)) or not isinstance(theirs, (int, float)) or not theirs:
        return None
    return round(mine / theirs, 2)


def table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)) + " |"

    return "\n".join([line(headers), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, rows)])


def measured_table(
    results: dict[Key, dict[str, Any]], sizes: list[int], notes: Notes
) -> tuple[str, list[dict[str, Any]]]:
    headers = ["scenario", "size", "figure", *(TITLES[c] for c in CONTENDERS), "lib/b2sdk", "lib/7.0.0", "target"]
    rows: list[list[str]] = []
    verdicts: list[dict[str, Any]] = []
    for scenario, label, figures in MEASURED_ROWS:
        for size in sizes:
            by_contender = {c: results[(scenario, size, c)] for c in CONTENDERS if (scenario, size, c) in results}
            if not by_contender:
                continue
            for number, (figure, figure_label) in enumerate(figures):
                where = f"{scenario} {size} MiB"
                cells = [_cell(by_contender.get(c), figure, notes, f"{where}, {TITLES[c]}") for c in CONTENDERS]
                ratios = ["", ""]
                if figure in RATIO_FIGURES:
                    mine = _ok_figure(by_contender.get("library"), figure)
                    ratios = [
                        _format_ratio(_ratio(mine, _ok_figure(by_contender.get(other), figure)))
                        for other in ("raw-b2sdk", "reference")
                    ]
                target_cell = ""
                target = MEASURED_TARGETS.get((scenario, figure))
                if target is not None:
                    outcome = judge(target, by_contender)
                    target_cell = f"{target.text}: {outcome}"
                    verdicts.append(
                        {
                            "scenario": scenario,
                            "size_mib": size,
                            "figure": figure,
                            "target": target.text,
                            "verdict": outcome,
                        }
                    )
                first = number == 0
                rows.append(
                    [label if first else "", f"{size} MiB" if first else "", figure_label, *cells, *ratios, target_cell]
                )
    return table(headers, rows), verdicts


def _calls_cell(result: dict[str, Any] | None, notes: Notes, where: str) -> str:
    if result is None:
        return ""
    if result["outcome"] in ("n/a", "error"):
        return f"{result['outcome']} {notes.mark(result, where)}"
    by_class = calls_by_class(result["calls"])
    text = " ".join(f"{n}{cls}" for cls, n in by_class.items() if n) or "0"
    return f"{text} {notes.mark(result, where)}" if result["outcome"] == "wrong" else text


def counted_table(results: dict[Key, dict[str, Any]], notes: Notes) -> tuple[str, list[dict[str, Any]]]:
    headers = ["operation (warm storage)", *(TITLES[c] for c in CONTENDERS), "target"]
    rows: list[list[str]] = []
    verdicts: list[dict[str, Any]] = []
    for scenario, label in COUNTED_ROWS:
        by_contender = {c: results[(scenario, None, c)] for c in CONTENDERS if (scenario, None, c) in results}
        if not by_contender:
            continue
        cells = [_calls_cell(by_contender.get(c), notes, f"{scenario}, {TITLES[c]}") for c in CONTENDERS]
        target_cell = ""
        target = COUNTED_TARGETS.get(scenario)
        if target is not None:
            outcome = verdict(target.check(by_contender))
            target_cell = f"{target.text}: {outcome}"
            verdicts.append({"scenario": scenario, "target": target.text, "verdict": outcome})
        rows.append([label, *cells, target_cell])
    return table(headers, rows), verdicts
