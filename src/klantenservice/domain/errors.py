"""The domain's error tree.

Every rule the domain enforces raises one of these; the web layer maps them to HTTP in one
handler (``web/errors.py``) and the CLI prints their message on one line. Messages are written
for the person who caused them: they say what is wrong and, where it helps, what is allowed.

    DomainError                      400  (base: a rule of the domain was broken)
    ├── ValidationError              422  input that can never be valid (bad e-mail, phone, size)
    ├── NotFound                     404  unknown id, or one the actor may not see
    ├── PermissionDenied             403  the actor's role does not allow the action
    ├── AuthenticationFailed         401  bad credentials, expired session, bad second factor
    ├── InvalidTransition            409  the state machine forbids this change now
    └── Conflict                     409  a concurrent or duplicate change (capacity, claim)

"Not found" and "not allowed to see" are deliberately the same ``NotFound`` when the object
exists but is outside the actor's reach (DESIGN.md convention 5).
"""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain was broken; ``str(error)`` is the message for a person."""

    code = "domain_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationError(DomainError):
    code = "invalid"


class NotFound(DomainError):
    code = "not_found"


class PermissionDenied(DomainError):
    code = "forbidden"


class AuthenticationFailed(DomainError):
    code = "unauthenticated"


class InvalidTransition(DomainError):
    code = "invalid_transition"


class Conflict(DomainError):
    code = "conflict"


class TooManyRequests(DomainError):
    """Someone asks faster than a person would (e.g. starting chat after chat): wait."""

    code = "rate_limited"
