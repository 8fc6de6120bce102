from __future__ import annotations

import re

import pytest

from klantenservice.domain import permissions
from klantenservice.domain.errors import PermissionDenied
from klantenservice.domain.permissions import (
    ROLE_PERMISSIONS,
    Permission,
    has_permission,
    permission_to_assign,
    permissions_for,
    require,
)
from klantenservice.domain.vocabulary import Role

P = Permission
READ_ONLY = {P.CUSTOMER_READ, P.CASE_READ, P.PROMISE_READ}
CASEWORK = READ_ONLY | {P.CUSTOMER_WRITE, P.CASE_WRITE, P.CASE_ASSIGN, P.MESSAGE_WRITE}

EXPECTED = {
    Role.AGENT: CASEWORK,
    Role.SUPERVISOR: CASEWORK | {P.CASE_ASSIGN_OTHERS, P.CASE_MERGE, P.QUEUE_SUPERVISE},
    Role.QUALITY: READ_ONLY,
    Role.COMPLIANCE: READ_ONLY | {P.AUDIT_READ, P.AUDIT_VERIFY},
    Role.CREDIT: CASEWORK,
    Role.ADMIN: set(Permission),
    Role.INTEGRATION: READ_ONLY | {P.MESSAGE_INTAKE},
}


def test_every_role_has_a_row_so_a_new_role_forces_a_decision() -> None:
    assert set(ROLE_PERMISSIONS) == set(Role)


@pytest.mark.parametrize("role", list(Role))
def test_each_role_has_exactly_the_permissions_of_the_matrix(role: Role) -> None:
    assert permissions_for([role]) == EXPECTED[role]


def test_the_matrix_in_the_docstring_matches_the_table() -> None:
    doc = permissions.__doc__ or ""
    header = next(line for line in doc.splitlines() if line.strip().startswith("permission "))
    columns = [Role(name) for name in header.split()[1:]]
    for permission in Permission:
        row = next(line for line in doc.splitlines() if line.strip().startswith(f"{permission} "))
        for role in columns:
            mark = row[header.index(role.value) : header.index(role.value) + len(role.value)]
            assert ("x" in mark) == (permission in ROLE_PERMISSIONS[role]), (permission, role)


def test_several_roles_get_the_union_of_their_permissions() -> None:
    granted = permissions_for([Role.QUALITY, Role.COMPLIANCE, Role.AGENT])
    assert granted == EXPECTED[Role.AGENT] | EXPECTED[Role.COMPLIANCE]


def test_no_roles_and_unknown_roles_grant_nothing() -> None:
    assert permissions_for([]) == frozenset()
    assert permissions_for(["root", "Admin", " admin"]) == frozenset()


def test_role_names_as_plain_strings_work_like_roles() -> None:
    assert permissions_for(["supervisor"]) == permissions_for([Role.SUPERVISOR])
    assert has_permission(["compliance"], P.AUDIT_VERIFY)


def test_only_compliance_and_admin_read_the_audit_trail() -> None:
    readers = {role for role in Role if has_permission([role], P.AUDIT_READ)}
    assert readers == {Role.COMPLIANCE, Role.ADMIN}


def test_reviewers_never_write() -> None:
    writes = {P.CUSTOMER_WRITE, P.CASE_WRITE, P.MESSAGE_WRITE, P.CASE_ASSIGN, P.CASE_MERGE}
    for role in (Role.QUALITY, Role.COMPLIANCE):
        assert not permissions_for([role]) & writes


def test_an_integration_token_posts_messages_but_never_writes_as_an_agent() -> None:
    granted = permissions_for([Role.INTEGRATION])
    assert P.MESSAGE_INTAKE in granted
    assert P.MESSAGE_WRITE not in granted
    assert P.MESSAGE_INTAKE not in permissions_for([Role.AGENT])


def test_staff_and_tokens_are_managed_by_admins_only() -> None:
    for permission in (P.STAFF_MANAGE, P.TOKEN_MANAGE):
        assert {role for role in Role if has_permission([role], permission)} == {Role.ADMIN}


def test_require_passes_silently_when_a_role_grants_the_permission() -> None:
    require([Role.AGENT, Role.COMPLIANCE], P.AUDIT_READ)


def test_require_says_which_role_may_not_do_what_and_what_is_needed() -> None:
    with pytest.raises(PermissionDenied) as caught:
        require([Role.AGENT], P.AUDIT_READ)
    assert str(caught.value) == "role agent may not read the audit trail (needs audit_read)"
    assert caught.value.code == "forbidden"


def test_require_lists_several_roles_in_a_stable_order() -> None:
    with pytest.raises(PermissionDenied, match=re.escape("roles agent, quality may not merge")):
        require([Role.QUALITY, Role.AGENT, Role.AGENT], P.CASE_MERGE)


def test_require_without_roles_is_refused_with_a_clear_message() -> None:
    with pytest.raises(PermissionDenied, match="an account without roles may not manage API"):
        require([], P.TOKEN_MANAGE)


def test_every_permission_describes_its_activity() -> None:
    for permission in Permission:
        assert permission.activity
        assert not permission.activity.endswith(".")


def test_taking_a_case_needs_case_assign_and_handing_it_over_needs_more() -> None:
    assert permission_to_assign(to_self=True) is P.CASE_ASSIGN
    assert permission_to_assign(to_self=False) is P.CASE_ASSIGN_OTHERS
    require([Role.AGENT], permission_to_assign(to_self=True))
    with pytest.raises(PermissionDenied, match="assign cases to someone else"):
        require([Role.AGENT], permission_to_assign(to_self=False))
    require([Role.SUPERVISOR], permission_to_assign(to_self=False))
