"""GraphiQL's page and its vendored assets: pinned, hashed, licensed, local."""

from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

import ide

STATIC = Path(ide.__file__).parent / "static"
NOTICES = STATIC / "THIRD_PARTY_NOTICES.txt"


class _Loads(HTMLParser):
    """Every URL the page makes a browser load, with its integrity value."""

    def __init__(self) -> None:
        super().__init__()
        self.loads: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        url = found.get("src") if tag == "script" else found.get("href")
        if url is not None and tag in {"script", "link", "img", "iframe"}:
            self.loads.append((url, found.get("integrity")))


def _loads() -> list[tuple[str, str | None]]:
    parser = _Loads()
    parser.feed(ide.page())
    return parser.loads


def sri(data: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()


@pytest.mark.parametrize("asset", ide.ASSETS, ids=lambda a: a.name)
def test_each_file_has_its_pinned_hash(asset):
    """Tests that the bytes in ide/static/ are those whose sha384 is pinned."""
    # when
    actual = sri(ide.read(asset))
    # then
    assert actual == asset.sha384, f"{asset.name} changed: its hash is now {actual}"


def test_the_page_loads_every_asset_with_its_hash_and_nothing_else():
    """Tests that the page names each asset once, with integrity, and no other URL."""
    # when
    loads = _loads()
    # then
    expected = [(a.url, a.sha384) for a in ide.ASSETS]
    icon = ("data:,", None)  # an empty icon, so the browser asks for no favicon
    assert sorted(loads) == sorted([*expected, icon])


def test_the_page_names_no_other_host():
    """Tests that no absolute or protocol-relative URL appears in the page."""
    # when
    text = ide.page()
    # then
    assert re.findall(r"(?:https?:)?//[\w.-]+", text) == []


def test_every_file_in_static_is_listed():
    """Tests that ide/static/ holds only the listed assets and their notices."""
    # when
    present = {p.name for p in STATIC.iterdir()}
    # then
    assert present == {a.name for a in ide.ASSETS} | {NOTICES.name}


@pytest.mark.parametrize(
    "asset", [a for a in ide.ASSETS if a.package != ide.OWN], ids=lambda a: a.name
)
def test_the_notices_name_each_vendored_file_and_package(asset):
    """Tests that THIRD_PARTY_NOTICES.txt says where each vendored file came from."""
    # given
    text = NOTICES.read_text(encoding="utf-8")
    # then
    assert f"{asset.name}" in text
    assert f"{asset.package} {asset.source}" in text


def test_the_notices_carry_the_licences_of_what_the_bundles_embed():
    """Tests that the notices hold the MIT, BSD, 0BSD, Apache and OFL texts."""
    # given
    text = NOTICES.read_text(encoding="utf-8")
    # then
    for phrase in [
        "Copyright (c) Facebook, Inc. and its affiliates.",  # react, react-dom
        "GraphQL Contributors",  # graphiql and its packages
        "Permission is hereby granted, free of charge",  # MIT
        "Redistribution and use in source and binary forms",  # BSD (entities)
        "Permission to use, copy, modify, and/or distribute",  # 0BSD (tslib)
        "Apache License\n                           Version 2.0",  # Roboto
        "SIL OPEN FONT LICENSE",  # Fira Code
    ]:
        assert phrase in text, phrase


def test_the_project_licence_is_apache_2():
    """Tests that LICENSE is the Apache 2.0 text pyproject.toml declares."""
    # given
    root = Path(__file__).resolve().parents[2]
    pyproject = (root / "pyproject.toml").read_text(encoding="utf-8")
    text = (root / "LICENSE").read_text(encoding="utf-8")
    # then
    assert 'license = "Apache-2.0"' in pyproject
    assert text.lstrip().startswith(
        "Apache License\n                           Version 2.0"
    )
    assert "END OF TERMS AND CONDITIONS" in text
