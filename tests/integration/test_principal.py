"""The caller's principal: read with as few round trips as the rules allow, and
still right at once when a user's role or manager changes."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from models import Rep
from models.rep import Role
from resolvers import auth
from resolvers.access import Unauthenticated
from resolvers.auth import Auth, hash_password, identify, sign_in

AUTH = Auth(secret="principal-test-secret-" + "x" * 40)


async def _rep(name: str, role: Role, manager: Rep | None = None, **kw: Any) -> Rep:
    rep = Rep(
        name=name,
        email=f"{name}@example.com",
        role=role,
        manager_id=manager.id if manager else None,
        password_hash=hash_password("secret-password"),
        **kw,
    )
    await rep.insert()
    return rep


async def _token(rep: Rep) -> str:
    tokens = await sign_in(AUTH, rep.email, "secret-password", None)
    return tokens.access_token


@pytest.fixture
async def team(db: Any) -> dict[str, Rep]:
    m1 = await _rep("mara", Role.MANAGER, territory="North")
    m2 = await _rep("mats", Role.MANAGER, territory="South")
    return {
        "m1": m1,
        "m2": m2,
        "r": await _rep("rosa", Role.REP, m1, territory="North"),
        "x": await _rep("xaver", Role.REP, m1, territory="North"),
        "y": await _rep("yuki", Role.REP, m2, territory="South"),
    }


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The managers whose reps were read for a principal."""
    seen: list[Any] = []
    original = auth._reps_of

    async def counting(manager_id: Any) -> Any:
        seen.append(manager_id)
        return await original(manager_id)

    monkeypatch.setattr(auth, "_reps_of", counting)
    return seen


async def test_a_reps_colleagues_come_with_the_user_and_session(
    team, reads, monkeypatch
) -> None:
    """Tests that a rep's colleagues are read once, beside the user and session:
    their read starts before the user's has answered."""
    token = await _token(team["r"])
    original = Rep.get.__func__  # type: ignore[attr-defined]

    async def user_read(cls: Any, *args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(0.05)  # a store that takes its time to answer
        found = await original(cls, *args, **kwargs)
        reads.append("user read")
        return found

    monkeypatch.setattr(Rep, "get", classmethod(user_read))
    # when
    principal, _ = await identify(AUTH, token)
    # then
    assert set(principal.colleagues) == {team["m1"].id, team["x"].id}
    assert reads == [team["m1"].id, "user read"]


async def test_a_moved_rep_has_the_new_managers_colleagues_at_once(team, reads) -> None:
    """Tests that a token issued under the old manager gets the new colleagues."""
    token = await _token(team["r"])
    # when: the rep moves to the other manager's team after signing in
    rep = team["r"]
    rep.manager_id = team["m2"].id
    await rep.save()
    principal, _ = await identify(AUTH, token)
    # then: the reps the token named were read, then the right ones
    assert set(principal.colleagues) == {team["m2"].id, team["y"].id}
    assert reads == [team["m1"].id, team["m2"].id]


async def test_a_manager_made_a_rep_loses_the_team_at_once(team) -> None:
    """Tests that a role changed after sign-in changes the principal at once."""
    token = await _token(team["m1"])
    before, _ = await identify(AUTH, token)
    # when
    manager = team["m1"]
    manager.role = Role.REP
    manager.manager_id = team["m2"].id
    await manager.save()
    after, _ = await identify(AUTH, token)
    # then
    assert set(before.team) == {team["m1"].id, team["r"].id, team["x"].id}
    assert after.role == Role.REP
    assert after.team == ()
    assert set(after.colleagues) == {team["m2"].id, team["y"].id}


async def test_a_disabled_user_is_refused_at_once(team) -> None:
    """Tests that the user is still read on every request."""
    token = await _token(team["r"])
    rep = team["r"]
    rep.active = False
    await rep.save()
    with pytest.raises(Unauthenticated):
        await identify(AUTH, token)
