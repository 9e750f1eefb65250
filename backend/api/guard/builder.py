"""One place that turns `GuardSettings` into the schema extensions to install."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial

from strawberry.extensions import DisableIntrospection, SchemaExtension

from backend.api.guard.allow_list import PersistedQueriesOnly, load_operation_allow_list
from backend.api.guard.extension import QueryGuard
from backend.api.guard.production import HideSuggestions, JalurErrorCodes, MaskUnexpectedErrors
from backend.api.guard.settings import GuardSettings

ExtensionFactory = type[SchemaExtension] | Callable[[], SchemaExtension]


def guard_extensions(
    settings: GuardSettings, *, allow_list: Mapping[str, str] | None = None
) -> list[ExtensionFactory]:
    """Return the extension factories for `strawberry.Schema(extensions=...)`.

    Always: the query limits and budget, and domain error codes. In production also: no
    introspection, no suggestions, masked unexpected errors and (when `persisted_queries_only`)
    the allow-list, read from `settings.operations_dir` unless `allow_list` is given.
    """
    extensions: list[ExtensionFactory] = [partial(QueryGuard, settings), JalurErrorCodes]
    if not settings.production:
        return extensions
    extensions += [DisableIntrospection, HideSuggestions, MaskUnexpectedErrors]
    if settings.persisted_queries_only:
        allowed = allow_list if allow_list is not None else load_allow_list(settings)
        extensions.insert(0, partial(PersistedQueriesOnly, allowed))
    return extensions


def load_allow_list(settings: GuardSettings) -> dict[str, str]:
    """Load the allow-list from the settings' operations folder, refusing an empty one."""
    allowed = load_operation_allow_list(settings.operations_dir)
    if not allowed:
        raise ValueError(f"no operations found under {settings.operations_dir}")
    return allowed
