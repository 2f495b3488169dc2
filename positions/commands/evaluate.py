"""`evaluate`: precision, recall, party, issue, stance and relation accuracy on the development set."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from positions.evaluation import DEVSET, calibration, evaluate, load_devset

_COLUMNS = ("precision", "recall", "party_accuracy", "issue_accuracy", "stance_accuracy", "stance_exact",
            "relation_accuracy", "predicted", "gold", "matched")
_HEADERS = ("prec", "recall", "party", "issue", "stance", "exact", "relation", "pred", "gold", "match")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--devset", type=Path, default=DEVSET, help="folder of cases (default: tests/devset)")
    parser.add_argument("--format", choices=["json", "table"], default="table")
    parser.add_argument("--detect-authors", action="store_true",
                        help="ignore the authors case.yaml gives and read them from the documents' headings")
    parser.add_argument("--details", action="store_true",
                        help="after the table, list every miss, false alarm and wrong party/issue/stance")


def run(args: argparse.Namespace) -> int:
    if not Path(args.devset).is_dir():
        raise FileNotFoundError(f"no development set at {args.devset}")
    cases = load_devset(args.devset)
    if not cases:
        raise ValueError(f"{args.devset} has no case folders (each needs a case.yaml)")
    from positions.embedding import get_embedder  # the model loads only when something must be encoded

    results, overall = evaluate(cases, get_embedder(), use_authors=not args.detect_authors)
    report = {
        "cases": {r.case: r.scores.metrics() for r in results},
        "overall": overall.metrics(),
        "calibration": calibration(results),
        "relations": {r.case: {issue: {"expected": e, "found": f} for issue, (e, f) in r.relations.items()}
                      for r in results},
    }
    if args.format == "json":
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print(format_table(report))
        if args.details:
            print()
            print(format_details(results))
    return 0


def format_details(results) -> str:
    """What went wrong, case by case: the lines an engineer reads before changing a rule."""
    lines = []
    for result in results:
        texts = {source.id: source.text for source in result.extraction.sources}
        lines.append(f"## {result.case}")
        for label in result.misses:
            lines.append(f"  MISS   {label.party} {label.issue} {label.stance:+d}: "
                         f"{_snippet(texts.get(label.document, ''), label.start, label.end)}")
        for demand in result.false_alarms:
            lines.append(f"  EXTRA  {demand.party} {demand.issue} {demand.stance:+g}: "
                         f"{_snippet(texts.get(demand.document, ''), demand.evidence_start, demand.evidence_end)}")
            lines.append(f"           {demand.note}")
        for label, demand in result.wrong:
            lines.append(f"  WRONG  gold {label.party} {label.issue} {label.stance:+d} | got {demand.party} "
                         f"{demand.issue} {demand.stance:+g}: "
                         f"{_snippet(texts.get(label.document, ''), label.start, label.end)}")
            lines.append(f"           {demand.note} | {demand.text[:100]}")
        for issue, (expected, found) in result.relations.items():
            if expected != found:
                lines.append(f"  REL    {issue}: expected {expected}, found {found}")
    return "\n".join(lines)


def _snippet(text: str, start: int | None, end: int | None, width: int = 160) -> str:
    piece = " ".join(text[start or 0:end or 0].split())
    return piece if len(piece) <= width else piece[:width - 1] + "…"


def format_table(report: dict) -> str:
    """Metrics per case and overall, then how often demands of each confidence band were right."""
    width = max(len(name) for name in [*report["cases"], "overall"]) + 2
    header = f"{'case':<{width}}" + "".join(f"{h:>9}" for h in _HEADERS)
    lines = [header, "-" * len(header)]
    rows = [*report["cases"].items(), ("overall", report["overall"])]
    for name, metrics in rows:
        if name == "overall":
            lines.append("-" * len(header))
        cells = []
        for column in _COLUMNS:
            value = metrics[column]
            cells.append(f"{'—' if value is None else value:>9}" if isinstance(value, int) or value is None
                         else f"{value:>9.3f}")
        lines.append(f"{name:<{width}}" + "".join(cells))
    lines.append("")
    lines.append("confidence band   demands   share right (matched, same party, issue and stance sign)")
    for band in report["calibration"]:
        share = "—" if band["correct"] is None else f"{band['correct']:.3f}"
        lines.append(f"{band['confidence']:<17}{band['demands']:>8}   {share}")
    lines.append("")
    lines.append("stance: sign agrees with the gold label (matched demands, right party); exact: same number.")
    lines.append("relation: first two parties per labelled issue, computed by positions.compare from the extraction.")
    return "\n".join(lines)
