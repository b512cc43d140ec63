"""``Principal.requester``: what is kept per requester (idempotent requests, who may fetch the extract they
asked for, whose verifications a department reads) is keyed by the API client or by a token's issuer and
subject, never by a display name that two people may share."""

from __future__ import annotations

from gateway.auth.identity import ClaimsPrincipalResolver
from gateway.auth.principal import Principal, Role
from gateway.kernel.settings import Settings


async def test_tokens_of_two_people_with_one_name_are_two_requesters() -> None:
    resolver = ClaimsPrincipalResolver(settings=Settings(), domains=["tax", "urban_management"])
    claims = {"iss": "https://idp.example", "role": "department", "name": "张伟"}
    tax = await resolver.resolve({**claims, "sub": "tax-user-1", "domain": "tax"})
    urban = await resolver.resolve({**claims, "sub": "urban-user-9", "domain": "urban_management"})
    assert tax.name == urban.name == "张伟"
    assert tax.requester == "token:https://idp.example|tax-user-1" != urban.requester
    other_issuer = await resolver.resolve(
        {**claims, "iss": "https://other.example", "sub": "tax-user-1", "domain": "tax"}
    )
    assert other_issuer.requester != tax.requester


def test_keys_are_their_client_and_others_are_told_apart_by_all_they_hold() -> None:
    assert Principal(Role.DEPARTMENT, client_id=7, name="张伟", domain="tax").requester == "client:7"
    # A custom resolver that sets no identity: still never the name alone.
    one = Principal(Role.DEPARTMENT, name="张伟", domain="tax", authenticated_by="jwt")
    two = Principal(Role.DEPARTMENT, name="张伟", domain="urban_management", authenticated_by="jwt")
    assert one.requester != two.requester
    long = Principal(Role.SUBJECT, identity="https://idp.example|" + "x" * 500, authenticated_by="jwt")
    assert len(long.requester) <= 120 and long.requester != Principal(Role.SUBJECT, identity="y").requester
