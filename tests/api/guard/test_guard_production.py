"""Production mode: no introspection or suggestions, unexpected errors masked, domain ones coded."""

from __future__ import annotations

import logging
from enum import Enum

import pytest
import strawberry
from graphql import GraphQLError
from strawberry.types import ExecutionResult

from backend.api.guard import GuardSettings, guard_extensions, should_mask_error
from backend.api.guard.production import strip_suggestions
from backend.kit.errors import NotFound, ValidationFailed


@strawberry.enum(description="A colour.")
class Color(Enum):
    RED = "red"
    GREEN = "green"


@strawberry.type(description="An outlet.")
class Retailer:
    code: str
    name: str


@strawberry.type
class Query:
    @strawberry.field(description="One outlet by code.")
    def retailer(self, code: str) -> Retailer:
        return Retailer(code=code, name=f"Toko {code}")

    @strawberry.field(description="Refuses its input, as a domain rule would.")
    def failing(self) -> str | None:
        raise ValidationFailed("The code must be 3 to 12 characters.", field="code")

    @strawberry.field(description="Fails unexpectedly.")
    def broken(self) -> str | None:
        raise RuntimeError("connection to db:5432 failed, password=hunter2")

    @strawberry.field(description="Echoes a colour.")
    def color(self, value: Color) -> Color:
        return value


def make_schema(*, production: bool) -> strawberry.Schema:
    settings = GuardSettings(production=production, persisted_queries_only=False)
    return strawberry.Schema(Query, extensions=guard_extensions(settings))


production_schema = make_schema(production=True)
development_schema = make_schema(production=False)


def messages(result: ExecutionResult) -> list[str]:
    return [error.message for error in result.errors or []]


async def test_introspection_is_refused_in_production() -> None:
    for query in ("{ __schema { types { name } } }", '{ __type(name: "Query") { name } }'):
        result = await production_schema.execute(query)
        assert result.data is None
        assert messages(result)
        assert all("introspection has been disabled" in m for m in messages(result))


async def test_typename_still_works_in_production() -> None:
    result = await production_schema.execute('{ retailer(code: "R1") { __typename code } }')
    assert result.errors is None
    assert result.data == {"retailer": {"__typename": "Retailer", "code": "R1"}}


async def test_introspection_works_in_development() -> None:
    result = await development_schema.execute('{ __type(name: "Retailer") { name } }')
    assert result.errors is None
    assert result.data == {"__type": {"name": "Retailer"}}


async def test_field_suggestions_are_hidden_in_production() -> None:
    query = '{ retailr(code: "R1") { name } }'
    development = await development_schema.execute(query)
    production = await production_schema.execute(query)
    assert messages(development) == [
        "Cannot query field 'retailr' on type 'Query'. Did you mean 'retailer'?"
    ]
    assert messages(production) == ["Cannot query field 'retailr' on type 'Query'."]


async def test_argument_and_enum_suggestions_are_hidden_in_production() -> None:
    result = await production_schema.execute('{ retailer(cod: "R1") { name } }')
    assert "Unknown argument 'cod' on field 'Query.retailer'." in messages(result)
    result = await production_schema.execute(
        "query Paint($c: Color!) { color(value: $c) }", {"c": "REDD"}
    )
    assert result.errors is not None
    assert all("Did you mean" not in message for message in messages(result))
    assert "REDD" in messages(result)[0]


async def test_unexpected_error_is_masked_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="backend.api.guard.production"):
        result = await production_schema.execute("{ broken }")
    assert result.data == {"broken": None}
    assert result.errors is not None
    assert [e.formatted for e in result.errors] == [
        {
            "message": "Unexpected error.",
            "locations": [{"line": 1, "column": 3}],
            "path": ["broken"],
            "extensions": {"code": "INTERNAL_ERROR"},
        }
    ]
    [record] = [r for r in caplog.records if r.name == "backend.api.guard.production"]
    assert "password=hunter2" in record.getMessage()
    assert record.exc_info is not None
    assert record.exc_info[0] is RuntimeError


async def test_unexpected_error_is_readable_in_development() -> None:
    result = await development_schema.execute("{ broken }")
    assert messages(result) == ["connection to db:5432 failed, password=hunter2"]


async def test_domain_error_keeps_its_code_field_and_message() -> None:
    for schema in (production_schema, development_schema):
        result = await schema.execute("{ failing }")
        assert result.errors is not None
        assert [e.formatted for e in result.errors] == [
            {
                "message": "The code must be 3 to 12 characters.",
                "locations": [{"line": 1, "column": 3}],
                "path": ["failing"],
                "extensions": {"code": "INVALID_INPUT", "field": "code"},
            }
        ]


async def test_validation_and_syntax_errors_stay_readable_in_production() -> None:
    missing_argument = await production_schema.execute("{ retailer { name } }")
    assert messages(missing_argument) == [
        "Argument 'Query.retailer(code:)' of type 'String!' is required, but it was not provided."
    ]
    syntax = await production_schema.execute("{ retailer(")
    assert messages(syntax)[0].startswith("Syntax Error:")
    bad_variable = await production_schema.execute(
        "query One($c: String!) { retailer(code: $c) { name } }", {"c": 5}
    )
    assert messages(bad_variable) == [
        "Variable '$c' has invalid value: String cannot represent a non string value: 5"
    ]


async def test_guard_refusals_keep_their_codes_in_production() -> None:
    aliases = " ".join(f'r{i}: retailer(code: "R{i}") {{ code }}' for i in range(31))
    result = await production_schema.execute("{ " + aliases + " }")
    assert result.errors is not None
    assert [(e.extensions or {}).get("code") for e in result.errors] == ["TOO_MANY_ALIASES"]


def test_should_mask_error_keeps_domain_and_graphql_errors() -> None:
    domain = GraphQLError("Retailer not found.", original_error=NotFound("Retailer not found."))
    wrapped_domain = GraphQLError(
        "x", original_error=GraphQLError("y", original_error=NotFound("z"))
    )
    unexpected = GraphQLError("boom", original_error=RuntimeError("boom"))
    wrapped_unexpected = GraphQLError(
        "x", original_error=GraphQLError("y", original_error=KeyError())
    )
    graphql_core_raised_from_internal = GraphQLError("Value 'X' does not exist in 'Color' enum.")
    graphql_core_raised_from_internal.__cause__ = KeyError("X")
    assert not should_mask_error(domain)
    assert not should_mask_error(wrapped_domain)
    assert not should_mask_error(graphql_core_raised_from_internal)
    assert not should_mask_error(GraphQLError("Cannot query field 'x' on type 'Query'."))
    assert should_mask_error(unexpected)
    assert should_mask_error(wrapped_unexpected)


def test_strip_suggestions_removes_every_form_of_hint() -> None:
    assert strip_suggestions("Unknown type 'Retailr'. Did you mean 'Retailer' or 'Retail'?") == (
        "Unknown type 'Retailr'."
    )
    assert strip_suggestions(
        "Value 'REDD' does not exist in 'Color' enum. Did you mean the enum value 'RED'?"
    ) == ("Value 'REDD' does not exist in 'Color' enum.")
