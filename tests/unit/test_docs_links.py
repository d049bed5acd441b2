"""Every relative link in README.md and docs/ leads to a file, and to a heading."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").rglob("*.md")])

FENCE = re.compile(r"^(```|~~~).*?^\1", re.M | re.S)
CODE = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"!?\[[^\]\n]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.M)
#: docs/<page>.md as named in code, schema descriptions and comments.
DOC_MENTION = re.compile(r"\bdocs/[\w./-]+\.md\b")


def prose(text: str) -> str:
    """``text`` without fenced code blocks and code spans (links there are code)."""
    return CODE.sub("", FENCE.sub("", text))


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link's text
    text = text.replace("`", "").strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    """Every heading anchor of ``page``, with GitHub's -1, -2 for repeats."""
    found: set[str] = set()
    seen: Counter[str] = Counter()
    for heading in HEADING.findall(FENCE.sub("", page.read_text(encoding="utf-8"))):
        base = slug(heading)
        found.add(f"{base}-{seen[base]}" if seen[base] else base)
        seen[base] += 1
    return found


def broken_links(page: Path) -> list[str]:
    """The relative links of ``page`` whose file or heading does not exist."""
    broken = []
    for target in LINK.findall(prose(page.read_text(encoding="utf-8"))):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):  # https:, mailto:
            continue
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        if not linked.exists():
            broken.append(f"{target}: no such file")
        elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
            broken.append(f"{target}: no heading #{anchor} in {linked.name}")
    return broken


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves(page):
    """Tests that each relative link names an existing file, and heading if any."""
    # when
    broken = broken_links(page)
    # then
    assert broken == []


def test_the_checker_finds_a_missing_page_and_a_missing_heading(tmp_path):
    """Tests that a link to a missing file or heading is reported, a good one not."""
    # given
    (tmp_path / "there.md").write_text("# A `Heading`, really\n\n## Twice\n## Twice\n")
    page = tmp_path / "page.md"
    page.write_text(
        "[ok](there.md#a-heading-really) [twice](there.md#twice-1) [web](https://x.y)\n"
        "[gone](missing.md) [bad](there.md#nowhere) [self](#top)\n"
        "```\n[code](not-checked.md)\n```\n# Top\n"
    )
    # when
    broken = broken_links(page)
    # then
    assert broken == [
        "missing.md: no such file",
        "there.md#nowhere: no heading #nowhere in there.md",
    ]


def test_docs_named_in_the_code_exist():
    """Tests that every docs/*.md that code or the schema points readers to exists."""
    # given
    sources = [
        p
        for p in ROOT.rglob("*")
        if p.suffix in {".py", ".graphql", ".toml", ".yml"}
        and not {".venv", "node_modules", ".git"} & set(p.relative_to(ROOT).parts)
    ]
    # when
    missing = sorted(
        f"{p.relative_to(ROOT)}: {name}"
        for p in sources
        for name in set(DOC_MENTION.findall(p.read_text(encoding="utf-8")))
        if not (ROOT / name).exists()
    )
    # then
    assert missing == []
