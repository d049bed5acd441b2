"""Every part of the public schema carries a description (STYLE.md §4)."""

from __future__ import annotations

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
)

from schema import schema


def undescribed() -> list[str]:
    """Coordinates of every type, field, argument, input field and enum value
    without a description, or whose description starts with a small letter (as
    graphql-schema-linter's descriptions-are-capitalized rule asks); introspection
    types are not ours to describe."""
    missing: list[str] = []

    def check(coordinate: str, description: str | None) -> None:
        text = (description or "").strip()
        if not text:
            missing.append(coordinate)
        elif text[0].islower():
            missing.append(f"{coordinate} (starts with a small letter)")

    named: GraphQLNamedType
    for name, named in schema._schema.type_map.items():
        if name.startswith("__"):
            continue
        check(name, named.description)
        if isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in named.fields.items():
                check(f"{name}.{field_name}", field.description)
                for arg_name, arg in field.args.items():
                    check(f"{name}.{field_name}({arg_name}:)", arg.description)
        elif isinstance(named, GraphQLInputObjectType):
            for field_name, input_field in named.fields.items():
                check(f"{name}.{field_name}", input_field.description)
        elif isinstance(named, GraphQLEnumType):
            for value_name, value in named.values.items():
                check(f"{name}.{value_name}", value.description)
    return missing


def test_every_type_field_argument_and_enum_value_is_described() -> None:
    """Tests that the schema leaves no type, field, argument, input field or
    enum value without a description."""
    missing = undescribed()
    assert not missing, "add a description to: " + ", ".join(missing)


def test_the_check_sees_a_description_in_small_letters() -> None:
    """Tests that the walk reports a description that is not capitalized."""
    field = schema._schema.type_map["Query"].fields["node"]  # type: ignore[union-attr]
    saved, field.description = field.description, "fetches any object by its id."
    try:
        assert "Query.node (starts with a small letter)" in undescribed()
    finally:
        field.description = saved


def test_the_check_sees_a_missing_description() -> None:
    """Tests that the walk reports a part whose description is removed."""
    field = schema._schema.type_map["Query"].fields["node"]  # type: ignore[union-attr]
    saved, field.description = field.description, None
    try:
        assert "Query.node" in undescribed()
    finally:
        field.description = saved
