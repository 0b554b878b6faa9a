"""docs/security.md names the test behind each requirement; every test it names must exist."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = re.compile(r"`(tests/[\w/]+(?:\.py)?)((?:::\w+)*)`")


def test_every_test_the_checklist_names_exists() -> None:
    text = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    references = REFERENCE.findall(text)
    assert len(references) > 50
    for path, names in references:
        target = ROOT / path
        assert target.exists(), path
        for name in filter(None, names.split("::")):
            source = target.read_text(encoding="utf-8")
            assert re.search(rf"^\s*(def|class) {name}\b", source, re.M), f"{path}::{name}"
