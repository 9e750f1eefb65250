"""Shape limits measured on the parsed document: nesting depth and alias count.

Both walks follow fragment spreads (each fragment measured once and cached, so a document that
spreads fragments many times is still measured in linear time) and skip unknown or cyclic
fragments, which validation reports on its own. Introspection fields are not counted towards
depth, as in strawberry's `QueryDepthLimiter`: production disables introspection altogether.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)


def query_depth(document: DocumentNode) -> int:
    """Return the deepest field nesting of any operation: `{ a }` is 1, `{ a { b } }` is 2."""
    walk = _ShapeWalk(_fragments(document), _depth_of_field, combine=max)
    return max((walk.selection_set(op.selection_set) for op in _operations(document)), default=0)


def alias_count(document: DocumentNode) -> int:
    """Return the aliases of all operations, counting a fragment's once per spread."""
    walk = _ShapeWalk(_fragments(document), _aliases_of_field, combine=sum)
    return sum(walk.selection_set(op.selection_set) for op in _operations(document))


FieldMeasure = Callable[["_ShapeWalk", FieldNode, frozenset[str]], int]


@dataclass
class _ShapeWalk:
    fragments: Mapping[str, FragmentDefinitionNode]
    measure_field: FieldMeasure
    combine: Callable[[list[int]], int]
    cache: dict[str, int] = field(default_factory=dict)

    def selection_set(
        self, selection_set: SelectionSetNode, visiting: frozenset[str] = frozenset()
    ) -> int:
        measures: list[int] = []
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                measures.append(self.measure_field(self, selection, visiting))
            elif isinstance(selection, InlineFragmentNode):
                measures.append(self.selection_set(selection.selection_set, visiting))
            elif isinstance(selection, FragmentSpreadNode):
                measures.append(self.fragment(selection.name.value, visiting))
        return self.combine(measures) if measures else 0

    def fragment(self, name: str, visiting: frozenset[str]) -> int:
        fragment = self.fragments.get(name)
        if fragment is None or name in visiting:
            return 0
        if name not in self.cache:
            self.cache[name] = self.selection_set(fragment.selection_set, visiting | {name})
        return self.cache[name]


def _depth_of_field(walk: _ShapeWalk, node: FieldNode, visiting: frozenset[str]) -> int:
    if node.name.value.startswith("__"):
        return 0
    if node.selection_set is None:
        return 1
    return 1 + walk.selection_set(node.selection_set, visiting)


def _aliases_of_field(walk: _ShapeWalk, node: FieldNode, visiting: frozenset[str]) -> int:
    own = 1 if node.alias is not None else 0
    if node.selection_set is None:
        return own
    return own + walk.selection_set(node.selection_set, visiting)


def _fragments(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {
        definition.name.value: definition
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }


def _operations(document: DocumentNode) -> list[OperationDefinitionNode]:
    return [
        definition
        for definition in document.definitions
        if isinstance(definition, OperationDefinitionNode)
    ]
