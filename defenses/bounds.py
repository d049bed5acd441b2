"""How many items every list of the API holds, for the query cost.

Every list field of every output type has an entry in ``LIST_BOUNDS``; a schema
test fails when one is missing, so a new list cannot slip in at cost 1. A bound
is either ``Items`` (a fixed number: a cap the server enforces when it writes,
or, where it enforces none, the number the cost assumes; ``why`` says which) or
``Argument`` (as many as an argument asks for, never more than the resolver
accepts). docs/security.md lists them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Items:
    """The cost counts ``count`` items; ``why`` says where the number comes from."""

    count: int
    why: str


@dataclass(frozen=True)
class Argument:
    """As many items as argument ``name`` asks for, kept within 1..``maximum``.

    Attributes:
        name: the argument, or a dotted path into an input object argument
            (``period.count``).
        maximum: the largest value the resolver accepts.
        owner: the field that carries the argument when it is not the list
            field itself (``effectiveness`` decides how many ``groups``).
    """

    name: str
    maximum: int
    owner: str | None = None


Bound = Items | Argument

#: The types whose objects are stored documents, read from the store (through a
#: loader) for every one an answer holds; the query cost counts each. A schema
#: test keeps every ``relay.Node`` type in it.
DOCUMENTS = frozenset(
    {"Node", "Customer", "Rep", "Demand", "Visit", "VisitPlan", "ApiKey", "AuditRecord"}
)

#: A connection's ``edges`` and ``nodes``: its page size already counts them.
PAGED = Items(1, "counted by the connection's first/last")

#: One entry per list field, ``"Type.field"``.
LIST_BOUNDS: dict[str, Bound] = {
    # --- connections and pages
    "CustomerConnection.edges": PAGED,
    "CustomerConnection.nodes": PAGED,
    "DemandConnection.edges": PAGED,
    "DemandConnection.nodes": PAGED,
    "RepConnection.edges": PAGED,
    "RepConnection.nodes": PAGED,
    "VisitConnection.edges": PAGED,
    "VisitConnection.nodes": PAGED,
    "Query.auditRecords": Argument("first", 100),
    "Customer.lastVisits": Argument("last", 100),
    # --- computed lists, sized by their arguments
    "Query.customerPriorities": Argument("limit", 100),
    "Query.recommendations": Argument("limit", 50),
    "EffectivenessReport.groups": Argument("limit", 100, owner="effectiveness"),
    "EffectivenessGroup.periods": Argument("period.count", 60, owner="effectiveness"),
    "Query.coverage": Items(50, "assumed: one row per rep or team visible"),
    "Coverage.tiers": Items(3, "cap: tiers A, B and C"),
    "CustomerPriority.components": Items(10, "cap: the score's components"),
    "CustomerPriority.reasons": Items(10, "cap: one per component"),
    "Recommendation.reasons": Items(10, "cap: one per component, plus place"),
    # --- related entities (loaded in batches)
    "Customer.openDemands": Items(20, "assumed"),
    "Visit.demands": Items(20, "assumed"),
    "Outcome.followUps": Items(20, "cap: MAX_FOLLOW_UPS"),
    "Query.apiKeys": Items(20, "assumed"),
    # --- values stored in their parent document
    "Customer.tags": Items(50, "cap: the model's max_length"),
    "Customer.contacts": Items(20, "assumed (the model allows 100)"),
    "Customer.addresses": Items(5, "assumed (the model allows 20)"),
    "Customer.openingHours": Items(7, "cap: one per weekday"),
    "Customer.customFields": Items(20, "assumed (the model allows 100)"),
    "Contact.phones": Items(10, "cap: the model's max_length"),
    "Contact.emails": Items(10, "cap: the model's max_length"),
    "DayHours.intervals": Items(6, "cap: the input bound"),
    "Rep.workingHours": Items(7, "cap: one per weekday"),
    "Demand.history": Items(20, "assumed: one entry per status change"),
    "Customer.externalIds": Items(10, "cap: MAX_EXTERNAL_IDS"),
    "Contact.externalIds": Items(10, "cap: MAX_EXTERNAL_IDS"),
    "Rep.externalIds": Items(10, "cap: MAX_EXTERNAL_IDS"),
    "Demand.externalIds": Items(10, "cap: MAX_EXTERNAL_IDS"),
    "Visit.externalIds": Items(10, "cap: MAX_EXTERNAL_IDS"),
    "ApiKey.scopes": Items(7, "cap: the seven scopes"),
    "ScoringSettings.strategicTags": Items(50, "cap: the model's max_length"),
    "AuditRecord.operations": Items(15, "assumed: one per root field"),
    "AuditRecord.outcomes": Items(15, "assumed: one per root field"),
    "AuditRecord.changes": Items(20, "assumed"),
    # --- plans
    "VisitPlan.routes": Items(20, "assumed: one per rep and working day"),
    "PlannedRoute.stops": Items(20, "assumed: a day's visits"),
    "PlannedRoute.breaks": Items(3, "assumed"),
    "VisitPlan.unserved": Items(50, "assumed"),
    "VisitPlan.changes": Items(20, "assumed: a re-planned day"),
    "VisitPlan.infeasibleVisits": Items(20, "assumed"),
    "VisitPlan.createdVisits": Items(100, "assumed: the accepted plan's visits"),
}


#: The most items every list argument and list input field accepts, keyed
#: ``"Input.field"`` or ``"Type.field(argument)"``. ``ListInputLimiter``
#: (defenses/inputs.py) refuses a longer list before any resolver runs; a schema
#: test fails when a list input has no entry.
MAX_IDS = 100
MAX_VALUES = 100
MAX_ENUMS = 20
INPUT_BOUNDS: dict[str, int] = {
    # filters
    "CustomerFilterInput.ownerIds": MAX_IDS,
    "CustomerFilterInput.territories": MAX_VALUES,
    "CustomerFilterInput.tiers": MAX_ENUMS,
    "CustomerFilterInput.statuses": MAX_ENUMS,
    "CustomerFilterInput.tagsAll": 50,
    "CustomerFilterInput.tagsAny": 50,
    "CustomerFilterInput.customFields": 20,
    "DemandFilterInput.customerIds": MAX_IDS,
    "DemandFilterInput.assigneeIds": MAX_IDS,
    "DemandFilterInput.statuses": MAX_ENUMS,
    "DemandFilterInput.priorities": MAX_ENUMS,
    "DemandFilterInput.types": MAX_ENUMS,
    "VisitFilterInput.repIds": MAX_IDS,
    "VisitFilterInput.customerIds": MAX_IDS,
    "VisitFilterInput.statuses": MAX_ENUMS,
    "VisitFilterInput.purposes": MAX_ENUMS,
    "EffectivenessFilterInput.repIds": MAX_IDS,
    "EffectivenessFilterInput.customerIds": MAX_IDS,
    "EffectivenessFilterInput.purposes": MAX_ENUMS,
    "Query.coverage(repIds)": MAX_IDS,
    # what a change stores (the models' own caps)
    "CreateCustomerInput.tags": 50,
    "CreateCustomerInput.contacts": 100,
    "CreateCustomerInput.addresses": 20,
    "CreateCustomerInput.openingHours": 7,
    "CreateCustomerInput.customFields": 100,
    "UpdateCustomerInput.tags": 50,
    "UpdateCustomerInput.addresses": 20,
    "UpdateCustomerInput.openingHours": 7,
    "UpdateCustomerInput.customFields": 100,
    "ContactInput.phones": 10,
    "ContactInput.emails": 10,
    "ContactChangesInput.phones": 10,
    "ContactChangesInput.emails": 10,
    "DayHoursInput.intervals": 6,
    "CreateRepInput.workingHours": 7,
    "UpdateRepInput.workingHours": 7,
    "CreateApiKeyInput.scopes": 7,
    "UpdateScoringSettingsInput.strategicTags": 50,
    "UpsertCustomerInput.tags": 50,
    "UpsertCustomerInput.contacts": 100,
    "UpsertCustomerInput.addresses": 20,
    "UpsertCustomerInput.openingHours": 7,
    "UpsertCustomerInput.customFields": 100,
    # partners' ids (MAX_EXTERNAL_IDS in models/common.py)
    "CreateCustomerInput.externalIds": 10,
    "UpdateCustomerInput.externalIds": 10,
    "ContactInput.externalIds": 10,
    "ContactChangesInput.externalIds": 10,
    "CreateRepInput.externalIds": 10,
    "UpdateRepInput.externalIds": 10,
    "CreateDemandInput.externalIds": 10,
    "UpdateDemandInput.externalIds": 10,
    "PlanVisitInput.externalIds": 10,
    # planning and visits
    "PlanVisitsInput.repIds": MAX_IDS,
    "PlanVisitInput.demandIds": 20,
    "UpsertVisitInput.demandIds": 20,
    "RecordOutcomeInput.followUps": 20,
}
