"""Static query-cost estimate: an upper bound on the work a document asks for, before it runs.

The model, chosen to be easy to compute by hand:

- every selected field costs its complexity (1 unless annotated with `cost(...)`);
- a field with a selection set adds its children's cost times a multiplier:
  - the annotated fixed `multiplier`, if any;
  - else the largest size argument present (`first`/`last`, or the annotated `multiplier_args`),
    taken from the literal, the variable, the variable's default or the argument's schema
    default; when none is known (or is not an integer) the assumed page size is `max_page_size`;
  - else, for a list-typed field, `default_list_size`, except the `edges`/`nodes` lists of a
    connection type, whose length the connection's own `first` already counted;
  - else 1;
- fragments and inline fragments add their selections where they are spread (all branches of an
  abstract type are summed, an upper bound); `@skip`/`@include` are ignored (an upper bound);
- introspection fields (`__typename`, `__schema`, `__type`) cost nothing: production disables
  introspection, and development tools need it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    Undefined,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_list_type,
    value_from_ast_untyped,
)
from strawberry import Schema

COST_METADATA_KEY = "jalur.cost"
STRAWBERRY_DEFINITION_KEY = "strawberry-definition"
CONNECTION_SIZE_ARGUMENTS = ("first", "last")
CONNECTION_LIST_FIELDS = frozenset({"edges", "nodes"})


@dataclass(frozen=True)
class FieldCost:
    """A field's own complexity and how its children are multiplied."""

    complexity: int = 1
    multiplier: int | None = None
    multiplier_args: tuple[str, ...] = ()


def cost(
    complexity: int = 1,
    *,
    multiplier: int | None = None,
    multiplier_args: tuple[str, ...] = (),
) -> dict[str, FieldCost]:
    """Return strawberry field metadata that overrides the estimated cost of the field.

    Use as `strawberry.field(metadata=cost(complexity=5, multiplier_args=("limit",)))`.
    """
    return {COST_METADATA_KEY: FieldCost(complexity, multiplier, multiplier_args)}


def field_cost_annotation(field_definition: GraphQLField | None) -> FieldCost | None:
    """Read the `cost(...)` annotation of a graphql-core field built by strawberry, if any."""
    if field_definition is None or not field_definition.extensions:
        return None
    strawberry_field = field_definition.extensions.get(STRAWBERRY_DEFINITION_KEY)
    metadata = getattr(strawberry_field, "metadata", None) or {}
    annotation = metadata.get(COST_METADATA_KEY)
    return annotation if isinstance(annotation, FieldCost) else None


def graphql_core_schema(schema: Schema | GraphQLSchema) -> GraphQLSchema:
    """Return the graphql-core schema behind a strawberry schema (or the schema itself)."""
    if isinstance(schema, GraphQLSchema):
        return schema
    return schema._schema


def estimate_cost(
    schema: Schema | GraphQLSchema,
    document: DocumentNode,
    variables: Mapping[str, Any] | None = None,
    operation_name: str | None = None,
    *,
    default_list_size: int = 10,
    max_page_size: int = 100,
) -> int:
    """Estimate the cost of the operation to run (the costliest one when it is ambiguous)."""
    core_schema = graphql_core_schema(schema)
    operations = select_operations(document, operation_name)
    fragments = {
        definition.name.value: definition
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }
    costs = [
        _CostWalk(
            schema=core_schema,
            fragments=fragments,
            variables=_with_variable_defaults(operation, variables or {}),
            default_list_size=default_list_size,
            max_page_size=max_page_size,
        ).operation_cost(operation)
        for operation in operations
    ]
    return max(costs, default=0)


def select_operations(
    document: DocumentNode, operation_name: str | None
) -> list[OperationDefinitionNode]:
    """Return the named operation, or every operation of the document when no name is given."""
    operations = [
        definition
        for definition in document.definitions
        if isinstance(definition, OperationDefinitionNode)
    ]
    if operation_name is None:
        return operations
    return [op for op in operations if op.name is not None and op.name.value == operation_name]


def _with_variable_defaults(
    operation: OperationDefinitionNode, variables: Mapping[str, Any]
) -> dict[str, Any]:
    merged = dict(variables)
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        if name not in merged and definition.default_value is not None:
            merged[name] = value_from_ast_untyped(definition.default_value)
    return merged


@dataclass
class _CostWalk:
    schema: GraphQLSchema
    fragments: Mapping[str, FragmentDefinitionNode]
    variables: Mapping[str, Any]
    default_list_size: int
    max_page_size: int
    # Fragment costs do not depend on where they are spread; caching them keeps the walk linear
    # in the document size even when fragments spread each other many times.
    fragment_costs: dict[str, int] = field(default_factory=dict)

    def operation_cost(self, operation: OperationDefinitionNode) -> int:
        root_type = self.schema.get_root_type(operation.operation)
        return self.selection_set_cost(operation.selection_set, root_type, frozenset())

    def selection_set_cost(
        self,
        selection_set: SelectionSetNode,
        parent: GraphQLNamedType | None,
        visiting: frozenset[str],
    ) -> int:
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self.field_cost(selection, parent, visiting)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                fragment_type = self.schema.get_type(condition.name.value) if condition else parent
                total += self.selection_set_cost(selection.selection_set, fragment_type, visiting)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.fragment_cost(selection.name.value, visiting)
        return total

    def fragment_cost(self, name: str, visiting: frozenset[str]) -> int:
        fragment = self.fragments.get(name)
        if fragment is None or name in visiting:
            return 0  # unknown or cyclic: validation reports it, the query never runs
        if name not in self.fragment_costs:
            fragment_type = self.schema.get_type(fragment.type_condition.name.value)
            self.fragment_costs[name] = self.selection_set_cost(
                fragment.selection_set, fragment_type, visiting | {name}
            )
        return self.fragment_costs[name]

    def field_cost(
        self, node: FieldNode, parent: GraphQLNamedType | None, visiting: frozenset[str]
    ) -> int:
        if node.name.value.startswith("__"):
            return 0
        definition = _field_definition(parent, node.name.value)
        annotation = field_cost_annotation(definition)
        complexity = annotation.complexity if annotation else 1
        if node.selection_set is None:
            return complexity
        child_type = get_named_type(definition.type) if definition else None
        children = self.selection_set_cost(node.selection_set, child_type, visiting)
        return complexity + self.multiplier(node, definition, parent, annotation) * children

    def multiplier(
        self,
        node: FieldNode,
        definition: GraphQLField | None,
        parent: GraphQLNamedType | None,
        annotation: FieldCost | None,
    ) -> int:
        if definition is None:
            return 1
        if annotation is not None and annotation.multiplier is not None:
            return annotation.multiplier
        size_arguments = (annotation.multiplier_args if annotation else ()) or tuple(
            name for name in CONNECTION_SIZE_ARGUMENTS if name in definition.args
        )
        if size_arguments:
            return self.page_size(node, definition, size_arguments)
        if not is_list_type(get_nullable_type(definition.type)):
            return 1
        if node.name.value in CONNECTION_LIST_FIELDS and _is_connection_type(parent):
            return 1
        return self.default_list_size

    def page_size(
        self, node: FieldNode, definition: GraphQLField, size_arguments: tuple[str, ...]
    ) -> int:
        sizes = [self.argument_value(node, definition, name) for name in size_arguments]
        known = [size for size in sizes if isinstance(size, int) and not isinstance(size, bool)]
        if not known:
            return self.max_page_size
        return max(0, *known)

    def argument_value(self, node: FieldNode, definition: GraphQLField, name: str) -> Any:
        for argument in node.arguments or ():
            if argument.name.value != name:
                continue
            if isinstance(argument.value, VariableNode):
                return self.variables.get(argument.value.name.value)
            return value_from_ast_untyped(argument.value, dict(self.variables))
        schema_argument = definition.args.get(name)
        if schema_argument is None or schema_argument.default_value is Undefined:
            return None
        return schema_argument.default_value


def _field_definition(parent: GraphQLNamedType | None, name: str) -> GraphQLField | None:
    if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
        return parent.fields.get(name)
    return None


def _is_connection_type(parent: GraphQLNamedType | None) -> bool:
    if not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
        return False
    return parent.name.endswith("Connection") or "pageInfo" in parent.fields
