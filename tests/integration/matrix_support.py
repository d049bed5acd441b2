"""Builds one operation per root field from the schema, with placeholder arguments.

The placeholders are valid literals of each argument's type (ids of the type the
argument names, the first enum value, small numbers), so every operation reaches
its resolver and the access rules decide the outcome.
"""

from __future__ import annotations

import base64
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLUnionType,
)
from graphql.pyutils import Undefined

#: The type an id argument or input field points at, by its name.
ID_TYPES = {
    "customerId": "Customer",
    "customerIds": "Customer",
    "repId": "Rep",
    "repIds": "Rep",
    "ownerId": "Rep",
    "ownerIds": "Rep",
    "assigneeId": "Rep",
    "assigneeIds": "Rep",
    "managerId": "Rep",
    "actorId": "Rep",
    "demandIds": "Demand",
    "documentId": "Customer",
    "contactId": "Contact",
}
#: The type of an ``id`` argument or input field, by the root field it belongs to.
SUBJECT = {
    "customer": "Customer",
    "rep": "Rep",
    "demand": "Demand",
    "visit": "Visit",
    "visitPlan": "VisitPlan",
    "node": "Customer",
    "customerPriority": "Customer",
    "revokeApiKey": "ApiKey",
}
SCALARS = {
    "String": '"x"',
    "Int": "1",
    "Float": "1",
    "Boolean": "false",
    "DateTime": '"2031-03-03T09:00:00+00:00"',
    "Date": '"2031-03-03"',
    "JSON": "{}",
}


def global_id(type_name: str) -> str:
    """A well-formed global id of ``type_name`` that matches no document."""
    raw = f"{type_name}:0000000000000000000000ff".encode()
    return base64.b64encode(raw).decode()


def _subject(field: str) -> str:
    for prefix, name in (
        ("Customer", "Customer"),
        ("Rep", "Rep"),
        ("Demand", "Demand"),
        ("VisitPlan", "VisitPlan"),
        ("Visit", "Visit"),
        ("Contact", "Customer"),
    ):
        if prefix.lower() in field.lower():
            return name
    return SUBJECT.get(field, "Customer")


def literal(gql_type: Any, name: str, root: str, depth: int = 0) -> str | None:
    """A placeholder literal for a value of ``gql_type`` named ``name``."""
    if isinstance(gql_type, GraphQLNonNull):
        return literal(gql_type.of_type, name, root, depth)
    if isinstance(gql_type, GraphQLList):
        inner = literal(gql_type.of_type, name, root, depth)
        return f"[{inner}]" if inner is not None else "[]"
    if isinstance(gql_type, GraphQLEnumType):
        return next(iter(gql_type.values))
    if isinstance(gql_type, GraphQLScalarType):
        if gql_type.name == "ID":
            kind = ID_TYPES.get(name) or (
                _subject(root) if name == "id" else "Customer"
            )
            return f'"{global_id(kind)}"'
        return SCALARS.get(gql_type.name, '"x"')
    if isinstance(gql_type, GraphQLInputObjectType):
        if depth > 3:
            return None
        if gql_type.is_one_of:
            key, sub = next(iter(gql_type.fields.items()))
            return f"{{{key}: {literal(sub.type, key, root, depth + 1)}}}"
        parts = []
        for key, sub in gql_type.fields.items():
            if isinstance(sub.type, GraphQLNonNull) and sub.default_value is Undefined:
                parts.append(f"{key}: {literal(sub.type, key, root, depth + 1)}")
        return "{" + ", ".join(parts) + "}"
    return None


def selection(gql_type: Any) -> str:
    """The smallest selection a field of ``gql_type`` needs."""
    while isinstance(gql_type, GraphQLNonNull | GraphQLList):
        gql_type = gql_type.of_type
    if isinstance(
        gql_type, GraphQLUnionType | GraphQLInterfaceType | GraphQLObjectType
    ):
        return " { __typename }"
    return ""


def operation(kind: str, name: str, field: GraphQLField) -> str:
    """One operation calling root field ``name`` with placeholder arguments."""
    args = []
    for arg_name, arg in field.args.items():
        if isinstance(arg.type, GraphQLNonNull):
            args.append(f"{arg_name}: {literal(arg.type, arg_name, name)}")
    call = f"{name}({', '.join(args)})" if args else name
    return f"{kind} {{ {call}{selection(field.type)} }}"
