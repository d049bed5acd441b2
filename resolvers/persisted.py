"""Which document a request runs: its query text, an APQ hash, or the allow-list.

* **Automatic persisted queries** (Apollo's APQ, the default): a request may send
  ``extensions.persistedQuery = {version: 1, sha256Hash}`` instead of its query.
  A known hash runs the query registered under it; an unknown one is refused
  with ``PersistedQueryNotFound`` (code ``PERSISTED_QUERY_NOT_FOUND``), and the
  client sends the hash again with the query, which registers it once it has
  passed validation. The cache is the ``persisted_queries`` collection, shared
  by every server on the store and bounded by count and age.
* **Persisted documents** (an allow-list, for production): with a manifest,
  only its documents run, by hash or by their exact text; registration is off
  and every other document is refused.

Refusals raise ``DocumentRefused`` with a code; the HTTP view gives them their
status (``server.GraphQLView``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from beanie.operators import In
from graphql import GraphQLError, parse
from pymongo.errors import DuplicateKeyError

from models.common import as_utc, utc_now
from models.persisted_query import KEEP_SECONDS, PersistedQuery

log = logging.getLogger("visitplan")

#: Entries the APQ cache holds at most; past it the least recently used go.
MAX_ENTRIES = 2_000
#: How stale ``used_at`` may get before a hit writes it again (one write a day).
REFRESH_AFTER = timedelta(days=1)
_SHA256 = re.compile(r"^[0-9a-f]{64}$")

NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
HASH_MISMATCH = "PERSISTED_QUERY_HASH_MISMATCH"
BAD_REQUEST = "BAD_REQUEST"
NOT_IN_LIST = "PERSISTED_QUERY_NOT_IN_LIST"
NOT_IN_SAFELIST = "QUERY_NOT_IN_SAFELIST"


class DocumentRefused(Exception):
    """A request's document cannot be run; ``code`` says why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def sha256(query: str) -> str:
    """The APQ hash of a query text: SHA-256 of its UTF-8 bytes, lowercase hex."""
    return hashlib.sha256(query.encode()).hexdigest()


@dataclass(frozen=True)
class Manifest:
    """The documents an allow-list lets run.

    Attributes:
        by_id: document text by the id clients send as ``sha256Hash``.
        hashes: the SHA-256 of every text, for documents sent as text.
    """

    by_id: Mapping[str, str]
    hashes: frozenset[str]


def load_manifest(path: Path) -> Manifest:
    """Read a manifest: ``{"<id>": "<document>"}``, or Apollo's
    ``{"format": "apollo-persisted-query-manifest", "operations": [{id, body}]}``.

    Raises:
        ValueError: the file is missing, not JSON, not of either shape, or holds
            a document that does not parse; the message names what and where.
    """
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ValueError(f"persisted documents {path}: {error}") from error
    if isinstance(raw, dict) and "operations" in raw:
        operations = raw["operations"]
        if not isinstance(operations, list) or not all(
            isinstance(o, dict) for o in operations
        ):
            raise ValueError(f"persisted documents {path}: operations is not a list")
        raw = {o.get("id"): o.get("body") for o in operations}
    if not isinstance(raw, dict) or not raw:
        raise ValueError(f"persisted documents {path}: expected a non-empty object")
    by_id: dict[str, str] = {}
    for key, body in raw.items():
        if not isinstance(key, str) or not key or not isinstance(body, str):
            raise ValueError(f"persisted documents {path}: {key!r} is not id: text")
        try:
            parse(body)
        except GraphQLError as error:
            raise ValueError(f"persisted documents {path}: {key}: {error}") from error
        by_id[key] = body
    return Manifest(by_id=by_id, hashes=frozenset(sha256(b) for b in by_id.values()))


@dataclass(frozen=True)
class Document:
    """The text a request runs, and the hash to register it under once valid."""

    query: str | None
    register: str | None = None


class PersistedDocuments:
    """Resolves a request's document, in APQ mode or against an allow-list."""

    def __init__(self, manifest: Manifest | None = None) -> None:
        self.manifest = manifest

    async def resolve(
        self, query: str | None, extensions: Mapping[str, Any] | None
    ) -> Document:
        """The document to run for a request's ``query`` and ``extensions``.

        Raises:
            DocumentRefused: unknown hash, hash and text that differ, a
                malformed ``persistedQuery``, or a document not allowed.
        """
        persisted = (extensions or {}).get("persistedQuery")
        if persisted is None:
            manifest, text = self.manifest, query
            if manifest and text is not None and sha256(text) not in manifest.hashes:
                raise DocumentRefused(
                    NOT_IN_SAFELIST,
                    "The operation is not in the persisted documents list.",
                )
            return Document(query)
        digest = _digest(persisted)
        if self.manifest is not None:
            return Document(self._listed(digest, query))
        if query is None:
            found = await lookup(digest)
            if found is None:
                raise DocumentRefused(NOT_FOUND, "PersistedQueryNotFound")
            return Document(found)
        if sha256(query) != digest:
            raise DocumentRefused(HASH_MISMATCH, "provided sha does not match query")
        return Document(query, register=digest)

    def _listed(self, digest: str, query: str | None) -> str:
        assert self.manifest is not None
        listed = self.manifest.by_id.get(digest)
        if listed is None:
            raise DocumentRefused(
                NOT_IN_LIST,
                f"Persisted query '{digest}' is not in the persisted documents list.",
            )
        if query is not None and query != listed:
            raise DocumentRefused(HASH_MISMATCH, "provided sha does not match query")
        return listed


def _digest(persisted: object) -> str:
    """The hash of a ``persistedQuery`` extension, checked as Apollo does."""
    if not isinstance(persisted, Mapping):
        raise DocumentRefused(
            BAD_REQUEST, "extensions.persistedQuery must be an object"
        )
    if persisted.get("version") != 1:
        raise DocumentRefused(BAD_REQUEST, "Unsupported persisted query version")
    digest = persisted.get("sha256Hash")
    if not isinstance(digest, str) or not digest:
        raise DocumentRefused(
            BAD_REQUEST, "extensions.persistedQuery.sha256Hash must be a string"
        )
    return digest


async def lookup(digest: str) -> str | None:
    """The query registered under ``digest``, unless it is unknown or expired."""
    if not _SHA256.fullmatch(digest):
        return None
    entry = await PersistedQuery.find_one(PersistedQuery.hash == digest)
    now = utc_now()
    if entry is None or as_utc(entry.used_at) < now - timedelta(seconds=KEEP_SECONDS):
        return None  # the TTL index may not have deleted it yet
    if as_utc(entry.used_at) < now - REFRESH_AFTER:
        await entry.set({PersistedQuery.used_at: now})
    return entry.query


async def register(digest: str, query: str) -> None:
    """Keep ``query`` under ``digest``, then trim the cache to ``MAX_ENTRIES``."""
    if await lookup(digest) is not None:
        return
    now = utc_now()
    try:
        await PersistedQuery.find_one(PersistedQuery.hash == digest).upsert(
            {"$set": {"used_at": now}},
            on_insert=PersistedQuery(hash=digest, query=query, used_at=now),
        )
    except DuplicateKeyError:
        return  # registered by a concurrent request
    surplus = await PersistedQuery.count() - MAX_ENTRIES
    if surplus > 0:
        oldest = (
            await PersistedQuery.find_all().sort("used_at").limit(surplus).to_list()
        )
        ids = [e.id for e in oldest]
        await PersistedQuery.find(In(PersistedQuery.id, ids)).delete()
        log.info("persisted queries: %d least recently used dropped", len(oldest))
