"""The console's GraphQL documents (stream start/stop through Apollo) are valid against the platform's schema."""

from __future__ import annotations

import re
from pathlib import Path

from graphql import parse, validate

from ggpgfx.services.graphql_api import schema

CONSOLE_SRC = Path(__file__).resolve().parents[2] / "console" / "src"


def console_documents() -> dict[str, str]:
    """Every gql`...` document in the console's sources, by file and operation name."""
    documents = {}
    for path in sorted(CONSOLE_SRC.rglob("*.tsx")) + sorted(CONSOLE_SRC.rglob("*.ts")):
        for body in re.findall(r"gql`(.*?)`", path.read_text(encoding="utf-8"), flags=re.S):
            name = re.search(r"(?:query|mutation|subscription)\s+(\w+)", body)
            documents[f"{path.name}:{name.group(1) if name else '?'}"] = body
    return documents


def test_the_console_uses_the_stream_mutations() -> None:
    assert {"StreamPanel.tsx:StartStream", "StreamPanel.tsx:StopStream"} <= set(console_documents())


def test_every_console_document_validates_against_the_schema() -> None:
    problems = {name: [e.message for e in validate(schema._schema, parse(body))]
                for name, body in console_documents().items()}
    assert {name: errors for name, errors in problems.items() if errors} == {}


def test_a_drifted_document_would_be_caught() -> None:
    body = console_documents()["StreamPanel.tsx:StartStream"].replace("destinationIds:", "destinations:")
    assert validate(schema._schema, parse(body))  # the check above is not vacuous
