"""Bearer tokens: HS256 JWTs carrying tenant, user and role."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

from backend.identity.models import Role
from backend.kit.errors import Unauthenticated

ALGORITHM = "HS256"


@dataclass(frozen=True)
class TokenClaims:
    """What a verified token says about its bearer."""

    tenant_id: uuid.UUID
    user_id: uuid.UUID
    role: Role
    expires_at: datetime


def issue_token(
    *,
    secret: str,
    issuer: str,
    tenant_id: uuid.UUID,
    user_id: uuid.UUID,
    role: Role,
    ttl: timedelta,
    now: datetime | None = None,
) -> str:
    """Sign a token for one user of one tenant."""
    issued = now or datetime.now(UTC)
    claims = {
        "iss": issuer,
        "sub": str(user_id),
        "tid": str(tenant_id),
        "role": role.value,
        "iat": int(issued.timestamp()),
        "exp": int((issued + ttl).timestamp()),
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def verify_token(token: str, *, secret: str, issuer: str) -> TokenClaims:
    """Check signature, issuer and expiry; return the claims or raise `Unauthenticated`."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            issuer=issuer,
            options={"require": ["exp", "iat", "iss", "sub", "tid", "role"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise Unauthenticated("token expired") from exc
    except jwt.PyJWTError as exc:
        raise Unauthenticated("invalid token") from exc
    try:
        return TokenClaims(
            tenant_id=uuid.UUID(claims["tid"]),
            user_id=uuid.UUID(claims["sub"]),
            role=Role(claims["role"]),
            expires_at=datetime.fromtimestamp(claims["exp"], UTC),
        )
    except (ValueError, KeyError) as exc:
        raise Unauthenticated("invalid token claims") from exc
