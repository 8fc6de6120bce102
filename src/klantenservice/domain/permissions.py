"""Permissions: what each staff role (and each integration token) may do.

A role is a job (``Role`` in ``vocabulary.py``); a permission is one kind of action. Services ask
``require(actor.roles, Permission.X)`` before they act, so the whole policy lives in this one
table and a reviewer can read it here instead of hunting ``if role == ...`` through the code.
An actor with several roles gets the union of their permissions. An unknown role grants
nothing (fail closed).

The matrix (``x`` = granted)::

    permission          agent supervisor quality compliance credit admin integration
    customer_read         x       x         x        x        x      x        x
    customer_write        x       x                           x      x
    case_read             x       x         x        x        x      x        x
    case_write            x       x                           x      x
    case_assign           x       x                           x      x
    case_assign_others            x                                  x
    case_merge                    x                                  x
    message_intake                                                   x        x
    message_write         x       x                           x      x
    promise_read          x       x         x        x        x      x        x
    audit_read                                       x               x
    audit_verify                                     x               x
    staff_manage                                                     x
    token_manage                                                     x
    template_manage                                                  x
    queue_supervise               x                                  x

Why the rows are cut this way:

- ``queue_supervise`` is the supervisor view: every queue's load, every agent's state and
  work (``services/supervision.py``); with ``case_assign_others`` it is a team lead's job.
- ``case_assign`` lets an agent take a case (assign it to themselves); handing a case to someone
  else is ``case_assign_others``, a supervisor's decision. ``permission_to_assign`` picks the
  right one so services do not have to.
- ``quality`` reviews conversations and ``compliance`` investigates: both read, neither writes,
  so a review can never change what it reviews. Only compliance (and admin) reads and verifies
  the audit trail.
- ``credit`` (credit-risk specialists) work customers and cases like an agent.
- ``integration`` is a system's API token: it posts inbound messages (``message_intake``) and
  may look up the customer, case and promise they belong to; it never writes as an agent.
- ``admin`` holds everything, including staff (users, agents, teams, queues, skills, promise
  policies), API tokens and the reply templates every agent uses.

Scope ("only cases in my queues") is not a permission: it is checked where objects are fetched,
in ``services/access.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from types import MappingProxyType

from klantenservice.domain.errors import PermissionDenied
from klantenservice.domain.vocabulary import Role


class Permission(StrEnum):
    CUSTOMER_READ = "customer_read"
    CUSTOMER_WRITE = "customer_write"
    CASE_READ = "case_read"
    CASE_WRITE = "case_write"
    CASE_ASSIGN = "case_assign"
    CASE_ASSIGN_OTHERS = "case_assign_others"
    CASE_MERGE = "case_merge"
    MESSAGE_INTAKE = "message_intake"
    MESSAGE_WRITE = "message_write"
    PROMISE_READ = "promise_read"
    AUDIT_READ = "audit_read"
    AUDIT_VERIFY = "audit_verify"
    STAFF_MANAGE = "staff_manage"
    TOKEN_MANAGE = "token_manage"  # noqa: S105 - a permission name, not a secret
    TEMPLATE_MANAGE = "template_manage"
    QUEUE_SUPERVISE = "queue_supervise"

    @property
    def activity(self) -> str:
        """What the permission allows, as the end of "... may not <activity>"."""
        return _ACTIVITIES[self]


_ACTIVITIES: Mapping[Permission, str] = MappingProxyType(
    {
        Permission.CUSTOMER_READ: "view customers",
        Permission.CUSTOMER_WRITE: "change customer details",
        Permission.CASE_READ: "view cases",
        Permission.CASE_WRITE: "change cases",
        Permission.CASE_ASSIGN: "take cases",
        Permission.CASE_ASSIGN_OTHERS: "assign cases to someone else",
        Permission.CASE_MERGE: "merge cases",
        Permission.MESSAGE_INTAKE: "post inbound messages",
        Permission.MESSAGE_WRITE: "write replies or notes",
        Permission.PROMISE_READ: "view service promises",
        Permission.AUDIT_READ: "read the audit trail",
        Permission.AUDIT_VERIFY: "verify the audit trail",
        Permission.STAFF_MANAGE: "manage staff, teams, queues, skills or policies",
        Permission.TOKEN_MANAGE: "manage API tokens",
        Permission.TEMPLATE_MANAGE: "manage reply templates",
        Permission.QUEUE_SUPERVISE: "watch queues and agents (the supervisor view)",
    }
)

_READ_ONLY = frozenset({Permission.CUSTOMER_READ, Permission.CASE_READ, Permission.PROMISE_READ})

_CASEWORK = _READ_ONLY | {
    Permission.CUSTOMER_WRITE,
    Permission.CASE_WRITE,
    Permission.CASE_ASSIGN,
    Permission.MESSAGE_WRITE,
}

ROLE_PERMISSIONS: Mapping[Role, frozenset[Permission]] = MappingProxyType(
    {
        Role.AGENT: _CASEWORK,
        Role.SUPERVISOR: _CASEWORK
        | {Permission.CASE_ASSIGN_OTHERS, Permission.CASE_MERGE, Permission.QUEUE_SUPERVISE},
        Role.QUALITY: _READ_ONLY,
        Role.COMPLIANCE: _READ_ONLY | {Permission.AUDIT_READ, Permission.AUDIT_VERIFY},
        Role.CREDIT: _CASEWORK,
        Role.ADMIN: frozenset(Permission),
        Role.INTEGRATION: _READ_ONLY | {Permission.MESSAGE_INTAKE},
    }
)
"""Role -> permissions; the matrix in the module docstring, as data."""


def permissions_for(roles: Iterable[Role | str]) -> frozenset[Permission]:
    """The union of the permissions of ``roles``; unknown role names grant nothing."""
    granted: set[Permission] = set()
    for name in roles:
        role = _known_role(name)
        if role is not None:
            granted |= ROLE_PERMISSIONS[role]
    return frozenset(granted)


def has_permission(roles: Iterable[Role | str], permission: Permission) -> bool:
    return permission in permissions_for(roles)


def require(roles: Iterable[Role | str], permission: Permission) -> None:
    """Raise ``PermissionDenied`` unless one of ``roles`` grants ``permission``.

    The message names the roles, the activity and the missing permission, e.g.
    "role agent may not read the audit trail (needs audit_read)".
    """
    held = sorted({str(role) for role in roles})
    if permission in permissions_for(held):
        return
    raise PermissionDenied(
        f"{_describe_roles(held)} may not {permission.activity} (needs {permission.value})"
    )


def permission_to_assign(*, to_self: bool) -> Permission:
    """Taking a case needs ``case_assign``; giving it to someone else ``case_assign_others``."""
    return Permission.CASE_ASSIGN if to_self else Permission.CASE_ASSIGN_OTHERS


def _known_role(name: Role | str) -> Role | None:
    try:
        return Role(name)
    except ValueError:
        return None


def _describe_roles(roles: list[str]) -> str:
    if not roles:
        return "an account without roles"
    label = "role" if len(roles) == 1 else "roles"
    return f"{label} {', '.join(roles)}"


__all__ = [
    "ROLE_PERMISSIONS",
    "Permission",
    "has_permission",
    "permission_to_assign",
    "permissions_for",
    "require",
]
