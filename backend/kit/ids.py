"""Global object ids: `base64url("TypeName:uuid")`, opaque to clients, decodable by the server."""

from __future__ import annotations

import base64
import binascii
import uuid

from backend.kit.errors import ValidationFailed


def encode_global_id(type_name: str, local_id: uuid.UUID) -> str:
    """Return the global id of one object."""
    raw = f"{type_name}:{local_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_global_id(global_id: str, *, field: str = "id") -> tuple[str, uuid.UUID]:
    """Split a global id into type name and UUID, or raise a field error."""
    try:
        padded = global_id + "=" * (-len(global_id) % 4)
        type_name, _, local = base64.urlsafe_b64decode(padded.encode()).decode().partition(":")
        return type_name, uuid.UUID(local)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise ValidationFailed("not a valid id", field=field) from exc


def decode_typed_id(global_id: str, expected_type: str, *, field: str) -> uuid.UUID:
    """Decode a global id that must name `expected_type`."""
    type_name, local_id = decode_global_id(global_id, field=field)
    if type_name != expected_type:
        raise ValidationFailed(f"expected the id of a {expected_type}", field=field)
    return local_id
