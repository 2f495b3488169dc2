"""Command line: `python -m positions COMMAND ...`; each command lives in positions/commands/."""

from __future__ import annotations

import argparse
import importlib
import sys

from positions.embedding import ModelUnavailableError  # cheap: torch loads only on first encode

# Command name -> module in positions.commands. Each module has add_arguments(parser) and run(args) -> int.
COMMANDS = {
    "validate": "Check a negotiation folder; exit non-zero with file:line: reason on any error.",
    "compare": "Per-issue relations between parties (curated data, or extracted from --doc files).",
    "extract": "Extract a demand list from a document.",
    "evaluate": "Measure extraction quality on the development set.",
    "embed": "Refresh the shipped embedding cache for a negotiation.",
    "brief": "Export a briefing (Markdown or self-contained HTML).",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m positions", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, help_text in COMMANDS.items():
        try:
            module = importlib.import_module(f"positions.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"positions.commands.{name}":
                raise  # a broken import inside a command must not hide the command silently
            continue
        command = sub.add_parser(name, help=help_text, description=help_text)
        module.add_arguments(command)
        command.set_defaults(_run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args._run(args) or 0)
    except (KeyError, ValueError, OSError, ModelUnavailableError) as exc:
        # Expected failures (unknown party, bad date, a folder instead of a file, no usable model):
        # one clear line, no traceback.
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        if isinstance(exc, OSError) and exc.filename:
            message = f"{exc.strerror or exc}: {exc.filename!r}"
        print(f"error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
