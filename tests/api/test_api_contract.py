"""The committed contract matches the code: SDL, operations, descriptions."""

from __future__ import annotations

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    parse,
    validate,
)

from backend.api.schema import build_schema, export_sdl
from backend.kit.settings import REPO_ROOT
from tests.support.graphql_client import OPERATIONS, OPERATIONS_DIR


def test_committed_schema_matches_the_code() -> None:
    committed = (REPO_ROOT / "graphql" / "schema.graphql").read_text()

    assert committed == export_sdl(), "graphql/schema.graphql is stale: run `jalur schema export`"


def test_every_operation_document_validates_against_the_schema() -> None:
    schema = build_schema()._schema
    files = sorted(OPERATIONS_DIR.glob("*.graphql"))

    problems = {
        path.name: [e.message for e in validate(schema, parse(path.read_text()))] for path in files
    }

    assert len(files) >= 17
    assert {name: errors for name, errors in problems.items() if errors} == {}


def test_operation_names_are_unique_and_one_per_file() -> None:
    files = sorted(OPERATIONS_DIR.glob("*.graphql"))

    assert len(OPERATIONS) == len(files)
    assert all(f"{path.stem}" in OPERATIONS for path in files)


def test_every_type_and_field_has_a_description() -> None:
    schema = build_schema()._schema
    missing: list[str] = []
    for name, gql_type in schema.type_map.items():
        if (
            name.startswith("__")
            or name in {"Query", "Mutation"}
            or not hasattr(gql_type, "description")
        ):
            continue
        described = (
            GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType | GraphQLEnumType
        )
        if isinstance(gql_type, described) and not gql_type.description:
            missing.append(name)
        if isinstance(gql_type, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            missing += [
                f"{name}.{f}" for f, field in gql_type.fields.items() if not field.description
            ]
    for root in (schema.query_type, schema.mutation_type):
        assert root is not None
        missing += [f"{root.name}.{f}" for f, field in root.fields.items() if not field.description]

    assert missing == []
