"""Words the demo data is made of: business segments, roles, titles, notes.

The API is international, so everything a user reads is English, while company,
person and street names stay German, as they would be in a Munich CRM.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.customer import Channel
from models.demand import DemandType

#: Opening hours as ``{weekday index: ((start, end), ...)}``; missing days are closed.
Hours = dict[int, tuple[tuple[str, str], ...]]

_WEEKDAYS = range(5)


def _week(
    weekday: tuple[tuple[str, str], ...], saturday: tuple[tuple[str, str], ...]
) -> Hours:
    hours: Hours = dict.fromkeys(_WEEKDAYS, weekday)
    if saturday:
        hours[5] = saturday
    return hours


OFFICE = _week((("08:00", "17:00"),), ())
OFFICE_LATE = _week((("09:00", "18:00"),), ())
SHOP_LUNCH = _week((("09:00", "12:30"), ("14:00", "18:30")), (("09:00", "13:00"),))
SHOP_LONG = _week((("08:00", "20:00"),), (("08:00", "20:00"),))
PHARMACY = _week((("08:00", "18:30"),), (("08:30", "13:00"),))
PHARMACY_LUNCH = _week((("08:30", "13:00"), ("14:00", "18:30")), (("08:30", "12:30"),))
CAFE = _week((("07:00", "18:00"),), (("08:00", "16:00"),))
RESTAURANT = _week((("11:00", "14:30"), ("17:30", "23:00")), (("17:00", "23:30"),))
HOTEL = _week((("07:00", "21:00"),), (("08:00", "14:00"),))


@dataclass(frozen=True)
class Segment:
    """A kind of business: how its names, contacts, tags and hours look."""

    key: str
    weight: float
    names: tuple[str, ...]
    legal_forms: tuple[str, ...]
    roles: tuple[str, ...]
    tags: tuple[str, ...]
    hours: tuple[Hours, ...]
    fridge_chance: float


#: ``{last}``, ``{last2}`` and ``{district}`` are filled in per customer.
SEGMENTS: tuple[Segment, ...] = (
    Segment(
        "pharmacy",
        2.0,
        (
            "{district}-Apotheke",
            "{last}-Apotheke",
            "Neue {district}-Apotheke",
            "Stern-Apotheke {district}",
        ),
        ("e.K.", "OHG"),
        ("Owner", "Head pharmacist", "Purchasing manager"),
        ("pharmacy",),
        (PHARMACY, PHARMACY_LUNCH),
        0.6,
    ),
    Segment(
        "retail",
        4.0,
        (
            "{last} Getränkemarkt",
            "Feinkost {last}",
            "{last} Lebensmittel",
            "Drogerie {last}",
            "Kiosk {last}",
            "Bio-Markt {district}",
        ),
        ("GmbH", "e.K.", "KG", "GmbH & Co. KG"),
        ("Owner", "Store manager", "Assistant store manager", "Purchasing manager"),
        ("retail",),
        (SHOP_LUNCH, SHOP_LONG),
        0.7,
    ),
    Segment(
        "wholesale",
        1.0,
        (
            "{last} Großhandel",
            "{last} & {last2} Handelsgesellschaft",
            "{last} Logistik",
            "Großmarkt {district}",
        ),
        ("GmbH", "GmbH & Co. KG", "AG"),
        (
            "Managing director",
            "Purchasing manager",
            "Operations manager",
            "Accounts payable",
        ),
        ("wholesale",),
        (OFFICE, OFFICE_LATE),
        0.2,
    ),
    Segment(
        "gastronomy",
        2.0,
        (
            "Café {last}",
            "Wirtshaus {last}",
            "Bistro {district}",
            "Bäckerei {last}",
            "Gasthof {last}",
        ),
        ("GmbH", "e.K.", "UG (haftungsbeschränkt)"),
        ("Owner", "Restaurant manager", "Head chef", "Purchasing manager"),
        ("gastronomy",),
        (CAFE, RESTAURANT),
        0.9,
    ),
    Segment(
        "hotel",
        0.7,
        (
            "Hotel {district}",
            "Hotel {last}",
            "Pension {last}",
            "Boardinghouse {district}",
        ),
        ("GmbH", "GmbH & Co. KG"),
        ("General manager", "Purchasing manager", "Front office manager"),
        ("hospitality",),
        (HOTEL,),
        0.5,
    ),
    Segment(
        "clinic",
        1.0,
        ("Praxis Dr. {last}", "Zahnarztpraxis Dr. {last}", "MVZ {district}"),
        ("GbR", "GmbH", "PartG"),
        ("Owner", "Practice manager", "Purchasing manager"),
        ("healthcare",),
        (OFFICE, OFFICE_LATE),
        0.1,
    ),
)

#: Tags any customer may carry besides its segment tag.
EXTRA_TAGS = (
    "new-product",
    "price-sensitive",
    "seasonal",
    "multi-site",
    "newsletter",
    "sample-request",
    "delivery-issue",
)

CHANNELS = (Channel.PHONE, Channel.EMAIL, Channel.SMS, Channel.IN_PERSON)
CHANNEL_WEIGHTS = (4, 4, 1, 2)

MOBILE_PREFIXES = ("151", "152", "160", "170", "171", "172", "176", "179")

DEMAND_TITLES: dict[DemandType, tuple[str, ...]] = {
    DemandType.PRODUCT_INQUIRY: (
        "Price list for the new product range",
        "Samples of the organic line",
        "Availability of the summer assortment",
        "Volume discount for bulk orders",
    ),
    DemandType.COMPLAINT: (
        "Damaged goods in the last delivery",
        "Delivery arrived two days late",
        "Wrong items on invoice",
        "Display stand broken",
    ),
    DemandType.SERVICE_REQUEST: (
        "Fridge needs maintenance",
        "Replace the shelf labels",
        "Set up the new display",
        "Update delivery address",
    ),
    DemandType.RENEWAL: (
        "Annual contract renewal",
        "Renegotiate payment terms",
        "Extend the framework agreement",
    ),
    DemandType.TRAINING: (
        "Product training for the store team",
        "Training on the ordering portal",
        "Introduce the new staff to the range",
    ),
    DemandType.OTHER: (
        "Marketing material for the shop window",
        "Invitation to the trade fair",
        "Question about the loyalty programme",
    ),
}

DEMAND_COMMENTS = (
    "Called the customer.",
    "Waiting for the purchasing manager.",
    "Forwarded to the back office.",
    "Customer confirmed.",
    "Discussed on site.",
    "Sent an offer by e-mail.",
    "Checked with logistics.",
)

VISIT_NOTES = (
    "Presented the new range; the owner wants samples.",
    "Order placed for the next delivery.",
    "Checked the shelf placement and refreshed the display.",
    "Discussed prices; customer compares with a competitor.",
    "Short visit, decision maker absent; follow up by phone.",
    "Resolved the open complaint on site.",
    "Agreed on a promotion for next month.",
    "Trained two staff members on the ordering portal.",
    "Customer is happy with the service; no open issues.",
    "Collected the outstanding payment.",
)

CANCEL_REASONS = (
    "Customer asked to reschedule.",
    "Rep sick.",
    "Shop closed for inventory.",
    "Decision maker on holiday.",
    "Traffic disruption on the Mittlerer Ring.",
    "Visit merged with another appointment.",
)

AGENDAS = (
    "Review orders and open demands.",
    "Present the seasonal assortment.",
    "Check the display and stock levels.",
    "Discuss the contract renewal.",
    "Introduce the new product line.",
    "Collect feedback on deliveries.",
)
