"""Who may see and change what: every row, field and write rule lives here.

A request acts as a ``Principal``: a signed-in user, or a partner's API key acting
within its creator's rights and its scopes. Reads add the principal's filter to
their query (so lists, counts, loaders and aggregates see the same rows); the
schema's access guard passes every field through ``check_field`` (personal
fields, declared once in ``PERSONAL``, and colleagues' fields); writes check the
document first (``check_assignment``, ``check_may_change_customer``, ...). A row
the principal may not see reads exactly like a row that does not exist, and so
does a user it may not see when an input or a filter names one.

Roles:

* admin: everything.
* manager: their team (the reps whose manager they are, and themselves): the
  team's customers (by owner), visits (by rep), demands (of those customers),
  plans (of those reps).
* rep: customers they own or whose territory they work, demands of those
  customers, their own visits and plans.
* partner: an API key's scopes, within the rows its creator may see; personal
  fields are hidden. A key with a write scope (``customers:write``,
  ``demands:write``, ``visits:write``) writes by its creator's rules, never more.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from beanie import PydanticObjectId

from models.rep import Role

if TYPE_CHECKING:
    from resolvers.context import Context

#: What an API key may be allowed to do.
SCOPES = frozenset(
    {
        "customers:read",
        "customers:write",
        "demands:read",
        "demands:write",
        "visits:read",
        "visits:write",
        "plans:read",
    }
)
#: The scope an API key needs to change each kind of row.
CUSTOMERS_WRITE, DEMANDS_WRITE, VISITS_WRITE = (
    "customers:write",
    "demands:write",
    "visits:write",
)


class Unauthenticated(Exception):
    """No valid credential came with the request."""


class Forbidden(Exception):
    """The principal may not do this."""


@dataclass(frozen=True)
class Principal:
    """Who is acting.

    Attributes:
        user_id: the signed-in user, or the creator of the API key.
        role: the user's role (``partner`` for API keys).
        territory: the user's territory, for reps.
        key_id: the API key in use, if any.
        scopes: what the API key allows (empty for users: their role decides).
        team: for managers, the ids of their reps and themselves.
        creator_role: for API keys, the role of the key's creator.
        colleagues: for reps, their manager and the reps who share that manager
            (whose names they may read, not their rows).
        creator_territory: for API keys, the territory of the key's creator.
        team_territories: for managers (and their keys), the territories their
            team works.
    """

    user_id: PydanticObjectId | None
    role: Role
    territory: str | None = None
    key_id: PydanticObjectId | None = None
    scopes: frozenset[str] = frozenset()
    team: tuple[PydanticObjectId, ...] = ()
    creator_role: Role | None = None
    colleagues: tuple[PydanticObjectId, ...] = ()
    creator_territory: str | None = field(default=None)
    team_territories: tuple[str, ...] = ()

    @classmethod
    def system(cls) -> Principal:
        """Full rights, for the command line, seeding and benchmarks."""
        return cls(user_id=None, role=Role.ADMIN)

    @property
    def is_key(self) -> bool:
        """Whether this is a partner's API key."""
        return self.key_id is not None

    @property
    def row_role(self) -> Role:
        """The role whose row rules apply: a key sees what its creator sees."""
        return self.creator_role if self.is_key and self.creator_role else self.role

    @property
    def row_territory(self) -> str | None:
        """The territory whose customers the row rules include."""
        return self.creator_territory if self.is_key else self.territory


def principal(ctx: Context) -> Principal:
    """The request's principal, or ``Unauthenticated``."""
    if ctx.principal is None:
        raise Unauthenticated(
            ctx.auth_error or "sign in, or send an API key, in the Authorization header"
        )
    return ctx.principal


def _scope(who: Principal, scope: str) -> None:
    if who.role == Role.PARTNER and not who.is_key:
        raise Forbidden("partners reach the data through an API key")
    if who.is_key and scope not in who.scopes:
        raise Forbidden(f"this API key lacks the {scope} scope")


def require_scope(ctx: Context, scope: str) -> Principal:
    """The principal, if an API key in use carries ``scope`` (users always pass)."""
    who = principal(ctx)
    _scope(who, scope)
    return who


def require_role(ctx: Context, *roles: Role) -> Principal:
    """The principal, if it acts in one of ``roles`` (API keys never do)."""
    who = principal(ctx)
    if who.is_key or who.role not in roles:
        raise Forbidden("your role does not allow this")
    return who


def _people(who: Principal) -> list[PydanticObjectId]:
    """The users whose rows ``who`` sees: a manager's team, else the user alone."""
    if who.row_role == Role.MANAGER:
        return list(who.team) or ([who.user_id] if who.user_id else [])
    return [who.user_id] if who.user_id is not None else []


def people(who: Principal) -> list[PydanticObjectId]:
    """The users whose rows ``who`` sees (all for admins: empty means no limit)."""
    return [] if who.row_role == Role.ADMIN else _people(who)


def row_keys(who: Principal) -> frozenset[str] | None:
    """The access keys of the customer rows ``who`` sees; ``None`` for all of them.

    Customers and their demands carry ``access`` keys (``owner:<id>``,
    ``territory:<name>``); a row is visible when it shares one with the principal.
    """
    if who.row_role == Role.ADMIN:
        return None
    keys = {f"owner:{person}" for person in _people(who)}
    if who.row_role == Role.REP and who.row_territory:
        keys.add(f"territory:{who.row_territory}")
    return frozenset(keys)


def _keys_rule(keys: frozenset[str] | None) -> dict[str, Any]:
    return {} if keys is None else {"access": {"$in": sorted(keys)}}


def customer_rule(who: Principal) -> dict[str, Any]:
    """The customers ``who`` may see, as a query to add to every read."""
    _scope(who, "customers:read")
    return _keys_rule(row_keys(who))


def demand_rule(who: Principal) -> dict[str, Any]:
    """The demands ``who`` may see: those of customers it may see."""
    _scope(who, "demands:read")
    return _keys_rule(row_keys(who))


def shares_keys(keys: frozenset[str] | None, row: list[str]) -> bool:
    """Whether a row with access keys ``row`` is visible to holders of ``keys``."""
    return keys is None or not keys.isdisjoint(row)


def visit_rule(who: Principal) -> dict[str, Any]:
    """The visits ``who`` may see: its own, or its team's."""
    _scope(who, "visits:read")
    if who.row_role == Role.ADMIN:
        return {}
    return {"rep_id": {"$in": _people(who)}}


def plan_rule(who: Principal) -> dict[str, Any]:
    """The visit plans ``who`` may see: its own, or its team's."""
    _scope(who, "plans:read")
    if who.row_role == Role.ADMIN:
        return {}
    return {"rep_ids": {"$in": _people(who)}}


def rep_rule(who: Principal) -> dict[str, Any]:
    """The users ``who`` may see: admins all, managers their team, reps themselves,
    their manager and their teammates."""
    if who.row_role == Role.ADMIN and not who.is_key:
        return {}
    return {"_id": {"$in": [*_people(who), *who.colleagues]}}


def rep_detail_rule(who: Principal) -> dict[str, Any]:
    """The users of whom ``who`` may read more than the name (see
    ``sees_person``): lists filtered by a user's territory or manager use it, so
    the filter does not tell what a colleague's hidden fields hold."""
    if who.row_role == Role.ADMIN and not who.is_key:
        return {}
    return {"_id": {"$in": _people(who)}}


def reps_seen(who: Principal) -> frozenset[PydanticObjectId] | None:
    """The users whose rows ``who`` sees (``rep_rule`` as a set); ``None``: all."""
    rule = rep_rule(who)
    return None if not rule else frozenset(rule["_id"]["$in"])


def seen_reps(who: Principal, ids: list[PydanticObjectId]) -> list[PydanticObjectId]:
    """``ids`` without the users ``who`` may not see.

    Filters by owner, assignee or rep use it, so that naming a user one may not
    see matches what naming a made-up id matches: nothing of theirs.
    """
    seen = reps_seen(who)
    return list(ids) if seen is None else [i for i in ids if i in seen]


def shown_user(who: Principal | None, user_id: Any) -> Any:
    """``user_id`` if ``who`` may see that user, else ``None``: references to
    users (who changed a row, who moved a demand) name no one a direct read
    would not."""
    if user_id is None or who is None:
        return user_id
    seen = reps_seen(who)
    return user_id if seen is None or user_id in seen else None


#: The roles that may hand out API keys (a key acts within its creator's rows).
KEY_GRANTORS = frozenset({Role.ADMIN, Role.MANAGER})


def api_key_rule(who: Principal) -> dict[str, Any]:
    """The API keys ``who`` may list and revoke: admins all, managers their own;
    nobody else, and no key, manages keys."""
    if who.is_key or who.role not in KEY_GRANTORS:
        raise Forbidden("your role does not allow this")
    return {} if who.role == Role.ADMIN else {"created_by": who.user_id}


#: The roles that may subscribe to their own visits as a calendar feed.
FEED_ROLES = frozenset({Role.ADMIN, Role.MANAGER, Role.REP})


def check_may_subscribe(who: Principal) -> None:
    """Refuse a calendar feed to API keys and to partners: a feed is a user's own
    visits, read with the user's own rights (``calendar_feed_rule``)."""
    if who.is_key or who.role not in FEED_ROLES or who.user_id is None:
        raise Forbidden("only users with visits have a calendar feed")


def calendar_feed_rule(who: Principal) -> dict[str, Any]:
    """The visits in ``who``'s calendar feed: their own (a manager's team's
    visits stay out of it), within what ``visit_rule`` lets them see."""
    check_may_subscribe(who)
    return restrict({"rep_id": who.user_id}, visit_rule(who))


#: What users may change on their own profile.
SELF_SERVICE = frozenset(
    {"name", "home", "working_hours", "flexible_break", "time_zone", "password"}
)


def check_profile_change(
    who: Principal, user_id: PydanticObjectId | None, fields: set[str]
) -> None:
    """Refuse a change to a user: admins change anyone, users their own name,
    home, working hours, time zone and password; nobody else anything."""
    if who.is_key:
        raise Forbidden("this API key may not make this change")
    if who.role == Role.ADMIN:
        return
    if user_id != who.user_id or fields - SELF_SERVICE:
        raise Forbidden("only admins change roles, territories, managers and access")


def customer_filter(ctx: Context) -> dict[str, Any]:
    """``customer_rule`` for the request's principal."""
    return customer_rule(principal(ctx))


def demand_filter(ctx: Context) -> dict[str, Any]:
    """``demand_rule`` for the request's principal."""
    return demand_rule(principal(ctx))


def visit_filter(ctx: Context) -> dict[str, Any]:
    """``visit_rule`` for the request's principal."""
    return visit_rule(principal(ctx))


def plan_filter(ctx: Context) -> dict[str, Any]:
    """``plan_rule`` for the request's principal."""
    return plan_rule(principal(ctx))


def rep_filter(ctx: Context) -> dict[str, Any]:
    """``rep_rule`` for the request's principal."""
    return rep_rule(principal(ctx))


def _id_set(condition: Any) -> set[Any] | None:
    """The values an equality or ``$in`` condition allows, else ``None``."""
    if isinstance(condition, dict):
        if set(condition) == {"$in"}:
            return set(condition["$in"])
        return None
    return {condition}


def restrict(query: dict[str, Any], rule: dict[str, Any]) -> dict[str, Any]:
    """``query`` narrowed by an access ``rule``.

    A rule and a filter on the same field (the reps asked for, the reps allowed)
    become one condition holding their intersection: a single equality or ``$in``
    is what every query planner serves from an index, where an ``$and`` of the two
    is not.
    """
    if not rule or _implied(query, rule):
        return query
    if not query:
        return {key: _single(condition) for key, condition in rule.items()}
    merged = dict(query)
    rest: dict[str, Any] = {}
    for key, condition in rule.items():
        if key not in merged:
            merged[key] = _single(condition)
            continue
        asked, allowed = _id_set(merged[key]), _id_set(condition)
        if asked is None or allowed is None:
            rest[key] = condition
            continue
        both = [v for v in _ordered(merged[key]) if v in allowed]
        merged[key] = both[0] if len(both) == 1 else {"$in": both}
    if rest:
        return {"$and": [merged, rest]}
    return merged


def _implied(query: dict[str, Any], rule: dict[str, Any]) -> bool:
    """Whether every row ``query`` matches already passes ``rule``: a query for
    owners or territories whose keys the rule allows needs no access clause."""
    keys = _id_set(rule.get("access")) if set(rule) == {"access"} else None
    if not keys:
        return False
    for name, prefix in (("owner_id", "owner"), ("territory", "territory")):
        values = _id_set(query[name]) if name in query else None
        if values and all(f"{prefix}:{v}" in keys for v in values):
            return True
    return False


def _single(condition: Any) -> Any:
    """A one-value ``$in`` as plain equality (what planners match to indexes)."""
    values = _id_set(condition)
    if isinstance(condition, dict) and values is not None and len(values) == 1:
        return condition["$in"][0]
    return condition


def _ordered(condition: Any) -> list[Any]:
    return list(condition["$in"]) if isinstance(condition, dict) else [condition]


def check_assignment(
    who: Principal,
    owner_id: PydanticObjectId | None,
    territory: str | None,
    *,
    before: tuple[PydanticObjectId | None, str | None] | None = None,
) -> None:
    """Refuse an owner or territory a principal may not give a customer.

    ``before`` is the customer's current owner and territory (``None`` for a new
    customer); only what changes is checked, and clearing a value is a change.
    Reps create customers for themselves in their territory (or none) and never
    change an owner or territory afterwards; managers give customers to their
    team (never to nobody) and put them in the team's territories; admins assign
    anything. An API key with ``customers:write`` follows its creator's rule.
    """
    check_writer(who, key_scope=CUSTOMERS_WRITE)
    if who.row_role == Role.ADMIN:
        return
    new_owner = before is None or owner_id != before[0]
    new_territory = before is None or territory != before[1]
    if who.row_role == Role.REP:
        if before is not None and (new_owner or new_territory):
            raise Forbidden("reps cannot give customers away or move them")
        if owner_id != who.user_id:
            raise Forbidden("you may not give customers to that rep")
        if territory not in (None, who.row_territory):
            raise Forbidden("you may not move customers to another territory")
        return
    if new_owner and (owner_id is None or owner_id not in _people(who)):
        raise Forbidden("you may not give customers to that rep")
    if before is None and territory is None:
        return
    if new_territory and territory not in who.team_territories:
        raise Forbidden("you may not move customers to another team's territory")


def default_owner(who: Principal) -> PydanticObjectId | None:
    """The owner of a customer created without one: users keep what they create
    (so they can see it), admins leave it unassigned; a key's are its creator's."""
    return None if who.row_role == Role.ADMIN else who.user_id


def check_may_change_customer(who: Principal, customer: Any) -> None:
    """Refuse changing a customer the principal sees but does not hold.

    Reps see their territory's customers but change only those they own;
    managers change their team's; admins all. Keys need ``customers:write``
    and then change what their creator may.
    """
    check_writer(who, key_scope=CUSTOMERS_WRITE)
    if who.row_role == Role.REP and customer.owner_id != who.user_id:
        raise Forbidden("reps change only the customers they own")


def check_may_plan_for(who: Principal, rep_id: PydanticObjectId) -> None:
    """Refuse planning questions (recommendations) about a rep outside the
    principal's reach: yourself, your team, or anyone as an admin."""
    if who.user_id == rep_id or who.row_role == Role.ADMIN:
        return
    if who.row_role == Role.MANAGER and rep_id in who.team:
        return
    raise Forbidden("you may only ask for your own recommendations or your team's")


def check_writer(who: Principal, *, key_scope: str | None = None) -> None:
    """Refuse writes by API keys, except those their scope allows."""
    if who.is_key and (key_scope is None or key_scope not in who.scopes):
        raise Forbidden("this API key may not make this change")


#: The scopes an API key needs to import each kind of row in bulk: the write
#: scope, and the read scopes of the rows an upsert looks up (its own, by
#: external id, and the customers it names).
IMPORT_SCOPES = {
    "customers": (CUSTOMERS_WRITE, "customers:read"),
    "demands": (DEMANDS_WRITE, "demands:read", "customers:read"),
    "visits": (VISITS_WRITE, "visits:read", "customers:read"),
}


def check_may_import(who: Principal, entity: str) -> None:
    """Refuse a bulk import of ``entity`` rows: admins import anything, an API
    key with the scopes ``IMPORT_SCOPES`` names (each row then within its
    creator's rules); other users change rows one at a time, through the API."""
    if who.is_key:
        for scope in IMPORT_SCOPES[entity]:
            _scope(who, scope)
    elif who.role != Role.ADMIN:
        raise Forbidden("only admins and API keys with a write scope import in bulk")


def check_may_export(who: Principal, entity: str) -> None:
    """Refuse a bulk export of ``entity`` rows: admins export everything, an
    API key the rows its read scope and its creator's rules let it read
    (without personal fields, see ``check_field``); other users read through
    the API."""
    if who.is_key:
        _scope(who, f"{entity}:read")
    elif who.role != Role.ADMIN:
        raise Forbidden("only admins and API keys with a read scope export in bulk")


def check_acts_for(
    who: Principal, rep_id: PydanticObjectId, *, key_scope: str | None = None
) -> None:
    """Refuse acting for a rep outside the principal's reach (self, team, all);
    an API key needs ``key_scope`` and reaches what its creator reaches."""
    check_writer(who, key_scope=key_scope)
    if who.row_role != Role.ADMIN and rep_id not in _people(who):
        raise Forbidden("you may not act for that rep")


# Field rules: personal data, and what colleagues see of each other.

#: What erased free text reads.
ERASED = "[erased]"
#: What an erased contact is called.
ERASED_NAME = "Erased contact"


def scrub(value: Any) -> Any:
    """Erased free text: ``ERASED`` where there was text, else as it was."""
    return ERASED if value else value


def emptied(value: Any) -> list[Any]:
    """An erased list: empty."""
    return []


def anonymised(contacts: list[Any]) -> list[Any]:
    """Contacts without names, roles, phones, e-mails or channels (ids kept)."""
    blank: dict[str, Any] = {
        "name": ERASED_NAME,
        "role": None,
        "phones": [],
        "emails": [],
        "preferred_channel": None,
    }
    return [c.model_copy(update=blank) for c in contacts]


@dataclass(frozen=True)
class Personal:
    """A field that holds personal data, or is derived from it.

    Attributes:
        label: the GraphQL field, ``Type.field``; API keys get ``FORBIDDEN`` on it.
        document: the stored document it comes from (``Customer``, ``Demand``,
            ``Visit``) when a customer's data-subject request covers it.
        path: its attribute path in that document; a list on the way applies
            the rest to each item (``history.comment``).
        erase: what erasure writes instead (given the old value); ``None`` keeps
            it (a rep's check-ins are the rep's data, not the contact's).
    """

    label: str
    document: str | None = None
    path: str | None = None
    erase: Callable[[Any], Any] | None = None


#: Every personal field: the one list the schema's field rule, the export, the
#: erasure and the schema test read. Derived values count: a distance to a rep's
#: home or a free slot in the day gives the home and the calendar away.
PERSONAL: tuple[Personal, ...] = (
    # The customer's people, and free texts that may name them.
    Personal("Customer.contacts", "Customer", "contacts", anonymised),
    Personal("Customer.tags", "Customer", "tags", emptied),
    Personal("Demand.title", "Demand", "title", lambda _: ERASED),
    Personal("Demand.description", "Demand", "description", scrub),
    Personal("DemandTransition.comment", "Demand", "history.comment", scrub),
    Personal("Visit.purposeText", "Visit", "purpose_text", scrub),
    Personal("Visit.agenda", "Visit", "agenda", scrub),
    Personal("Visit.cancelReason", "Visit", "cancel_reason", scrub),
    Personal("Outcome.notes", "Visit", "outcome.notes", scrub),
    # Reps' addresses and whereabouts.
    Personal("Visit.checkIn", "Visit", "check_in"),
    Personal("Visit.checkOut", "Visit", "check_out"),
    # Whether the rep was near the customer: derived from the check-in's place.
    Personal("Visit.checkInGeofence"),
    Personal("Rep.email"),
    Personal("Rep.home"),
    # Derived from a rep's home or calendar: travel from and to home, the times
    # it sets, and free time.
    Personal("Recommendation.slot"),
    Personal("PlannedRoute.depart"),
    Personal("PlannedRoute.back"),
    Personal("PlannedRoute.travelMinutes"),
    Personal("PlannedRoute.breaks"),
    Personal("PlannedStop.arrive"),
    Personal("PlannedStop.start"),
    Personal("PlannedStop.end"),
    Personal("PlannedStop.travelMinutes"),
    Personal("PlanTotals.travelMinutes"),
    Personal("PlanTotals.travelCost"),
    Personal("PlanTotals.objective"),
    Personal("PlanProgress.objective"),
    Personal("PlanChange.after"),
    Personal("PlanChange.movedMinutes"),
    # "no window reachable" says the customer is out of reach from home
    Personal("UnservedCustomer.reason"),
)
_PERSONAL_LABELS = frozenset(tuple(p.label.split(".")) for p in PERSONAL)
#: What a colleague (a rep's manager or teammate) sees of a user: the name.
COLLEAGUE_FIELDS = frozenset({"id", "name", "__typename"})
#: The GraphQL types with a field rule (the others need no check).
RULED_TYPES = frozenset({"Rep", *(t for t, _ in _PERSONAL_LABELS)})


def personal_of(document: str) -> list[Personal]:
    """The personal fields stored in ``document`` (``"Customer"``, ...)."""
    return [p for p in PERSONAL if p.document == document and p.path]


def sees_person(who: Principal | None, user_id: Any) -> bool:
    """Whether ``who`` may read more of the user ``user_id`` than the name.

    Users see themselves in full, managers their team, admins everyone; a rep's
    manager and teammates are colleagues, of whom they see names only. API keys
    act for their creator, but personal fields stay hidden from them.
    """
    if who is None:  # signing in: the user's own record
        return True
    if who.row_role == Role.ADMIN:
        return True
    oid = user_id if isinstance(user_id, PydanticObjectId) else _oid(user_id)
    return oid is not None and (oid == who.user_id or oid in who.team)


def sees_personal(who: Principal | None, user_id: Any) -> bool:
    """Whether ``who`` may read personal data of, or derived from, ``user_id``."""
    return (who is None or not who.is_key) and sees_person(who, user_id)


def _oid(raw: Any) -> PydanticObjectId | None:
    try:
        return PydanticObjectId(str(raw))
    except (TypeError, ValueError):
        return None


def check_field(
    who: Principal | None, type_name: str, field_name: str, source: Any
) -> None:
    """Refuse reading ``type_name.field_name`` of ``source`` (``Forbidden``).

    Personal fields are refused to API keys; a user's fields other than the name
    are refused to colleagues. Every field the schema resolves passes here.
    """
    if (type_name, field_name) in _PERSONAL_LABELS and who is not None and who.is_key:
        raise Forbidden("personal data is not available to API keys")
    if (
        type_name == "Rep"
        and field_name not in COLLEAGUE_FIELDS
        and not sees_person(who, getattr(source, "id", None))
    ):
        raise Forbidden("of colleagues, only their names may be read")


def check_filter(who: Principal, label: str) -> None:
    """Refuse an API key a search or filter on the personal field ``label``:
    which rows match would tell what the field holds."""
    if who.is_key and tuple(label.split(".")) in _PERSONAL_LABELS:
        raise Forbidden(f"API keys cannot search or filter on {label}")
