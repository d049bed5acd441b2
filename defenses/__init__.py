"""Limits and guards on the HTTP and GraphQL surface (see docs/security.md).

* ``defenses.limits``: what a GraphQL document may ask for (size, tokens, depth,
  aliases, directives, cost, introspection), as Strawberry schema extensions.
* ``defenses.http``: ASGI middleware in front of the app (CORS, compression,
  request time, body size).
* ``defenses.connections``: uvicorn's h11 protocol with a header deadline and a
  cap on connections per client address.
* ``defenses.logs``: keeps rejected requests from flooding the log.
"""
