"""Where the demo data lives: Munich districts, their streets, and distance helpers.

Customers and reps are scattered around a few real district centres so that "nearby"
means something on a map; every district belongs to one sales territory.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

CITY = "München"
COUNTRY = "DE"
TIME_ZONE = "Europe/Berlin"

#: The city box every generated point stays inside (degrees).
LAT_MIN, LAT_MAX = 48.06, 48.23
LNG_MIN, LNG_MAX = 11.36, 11.72

TERRITORIES = ("Centre", "North", "East", "South", "West")

_EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True)
class District:
    """A Munich district: its centre, territory, postal codes and some real streets."""

    name: str
    lat: float
    lng: float
    territory: str
    postal_codes: tuple[str, ...]
    streets: tuple[str, ...]
    #: Relative share of the customers; the centre is denser than the outskirts.
    weight: float = 1.0


DISTRICTS: tuple[District, ...] = (
    District(
        "Altstadt",
        48.1374,
        11.5755,
        "Centre",
        ("80331", "80333"),
        (
            "Kaufingerstraße",
            "Sendlinger Straße",
            "Tal",
            "Residenzstraße",
            "Theatinerstraße",
            "Neuhauser Straße",
        ),
        2.0,
    ),
    District(
        "Maxvorstadt",
        48.1500,
        11.5680,
        "Centre",
        ("80333", "80335", "80799"),
        (
            "Augustenstraße",
            "Türkenstraße",
            "Amalienstraße",
            "Schellingstraße",
            "Gabelsbergerstraße",
            "Theresienstraße",
        ),
        1.8,
    ),
    District(
        "Haidhausen",
        48.1290,
        11.5990,
        "Centre",
        ("81667", "81669"),
        (
            "Rosenheimer Straße",
            "Weißenburger Straße",
            "Wörthstraße",
            "Kirchenstraße",
            "Preysingstraße",
        ),
        1.4,
    ),
    District(
        "Schwabing",
        48.1640,
        11.5850,
        "North",
        ("80801", "80802", "80803", "80804"),
        (
            "Leopoldstraße",
            "Hohenzollernstraße",
            "Kurfürstenstraße",
            "Ainmillerstraße",
            "Belgradstraße",
        ),
        1.6,
    ),
    District(
        "Milbertshofen",
        48.1850,
        11.5700,
        "North",
        ("80807", "80809"),
        (
            "Schleißheimer Straße",
            "Knorrstraße",
            "Keferloherstraße",
            "Riesenfeldstraße",
            "Frankfurter Ring",
        ),
        1.0,
    ),
    District(
        "Freimann",
        48.2030,
        11.6100,
        "North",
        ("80805", "80939"),
        ("Ungererstraße", "Heidemannstraße", "Situlistraße", "Domagkstraße"),
        0.7,
    ),
    District(
        "Moosach",
        48.1800,
        11.5100,
        "North",
        ("80992", "80993", "80997"),
        ("Dachauer Straße", "Pelkovenstraße", "Feldmochinger Straße", "Hanauer Straße"),
        0.8,
    ),
    District(
        "Bogenhausen",
        48.1530,
        11.6180,
        "East",
        ("81675", "81677", "81679"),
        (
            "Prinzregentenstraße",
            "Ismaninger Straße",
            "Möhlstraße",
            "Einsteinstraße",
            "Cosimastraße",
        ),
        1.2,
    ),
    District(
        "Trudering",
        48.1260,
        11.6650,
        "East",
        ("81825", "81827"),
        (
            "Wasserburger Landstraße",
            "Truderinger Straße",
            "Kreillerstraße",
            "Bajuwarenstraße",
        ),
        0.8,
    ),
    District(
        "Perlach",
        48.0950,
        11.6350,
        "East",
        ("81735", "81737", "81739"),
        (
            "Putzbrunner Straße",
            "Fritz-Erler-Straße",
            "Ottobrunner Straße",
            "Thomas-Dehler-Straße",
        ),
        0.9,
    ),
    District(
        "Giesing",
        48.1100,
        11.5800,
        "South",
        ("81539", "81541", "81547"),
        (
            "Tegernseer Landstraße",
            "Silberhornstraße",
            "St.-Martin-Straße",
            "Martin-Luther-Straße",
            "Schwanseestraße",
        ),
        1.1,
    ),
    District(
        "Sendling",
        48.1180,
        11.5450,
        "South",
        ("81369", "81371", "81373"),
        (
            "Lindwurmstraße",
            "Plinganserstraße",
            "Implerstraße",
            "Daiserstraße",
            "Alramstraße",
        ),
        1.1,
    ),
    District(
        "Hadern",
        48.1150,
        11.4800,
        "South",
        ("81375", "81377"),
        ("Würmtalstraße", "Heiglhofstraße", "Guardinistraße", "Blumenauer Straße"),
        0.6,
    ),
    District(
        "Solln",
        48.0800,
        11.5250,
        "South",
        ("81477", "81479"),
        (
            "Wolfratshauser Straße",
            "Herterichstraße",
            "Diefenbachstraße",
            "Sollner Straße",
        ),
        0.6,
    ),
    District(
        "Neuhausen",
        48.1560,
        11.5380,
        "West",
        ("80634", "80636", "80637"),
        (
            "Nymphenburger Straße",
            "Donnersbergerstraße",
            "Landshuter Allee",
            "Leonrodstraße",
            "Volkartstraße",
        ),
        1.2,
    ),
    District(
        "Laim",
        48.1380,
        11.5020,
        "West",
        ("80686", "80687", "80689"),
        (
            "Fürstenrieder Straße",
            "Agnes-Bernauer-Straße",
            "Gotthardstraße",
            "Perhamerstraße",
        ),
        0.9,
    ),
    District(
        "Pasing",
        48.1490,
        11.4610,
        "West",
        ("81241", "81243"),
        (
            "Landsberger Straße",
            "Bodenseestraße",
            "Gleichmannstraße",
            "Planegger Straße",
            "Bäckerstraße",
        ),
        0.9,
    ),
)

_WEIGHTS = tuple(d.weight for d in DISTRICTS)


def pick_district(rng: random.Random, territory: str | None = None) -> District:
    """Draw a district by customer density, optionally only within ``territory``."""
    if territory is None:
        return rng.choices(DISTRICTS, weights=_WEIGHTS)[0]
    inside = [d for d in DISTRICTS if d.territory == territory]
    return rng.choices(inside, weights=[d.weight for d in inside])[0]


def point_near(rng: random.Random, district: District) -> tuple[float, float]:
    """A ``(lat, lng)`` about a kilometre around the district centre, inside the box."""
    # Degrees of longitude are shorter than degrees of latitude at 48° N; scale the
    # spread so that the cloud is round on the ground rather than on the map.
    lat = rng.gauss(district.lat, 0.008)
    lng = rng.gauss(district.lng, 0.012)
    lat = min(max(lat, LAT_MIN + 0.001), LAT_MAX - 0.001)
    lng = min(max(lng, LNG_MIN + 0.001), LNG_MAX - 0.001)
    return round(lat, 6), round(lng, 6)


def offset_m(
    rng: random.Random, lat: float, lng: float, sigma_m: float
) -> tuple[float, float]:
    """``(lat, lng)`` moved by a random offset of about ``sigma_m`` metres."""
    dlat = rng.gauss(0.0, sigma_m) / 111_320.0
    dlng = rng.gauss(0.0, sigma_m) / (111_320.0 * math.cos(math.radians(lat)))
    return round(lat + dlat, 6), round(lng + dlng, 6)


def haversine_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance between two points, in metres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlmb = math.radians(lng2 - lng1)
    a = (
        math.sin(dphi / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    )
    return 2 * _EARTH_RADIUS_M * math.asin(math.sqrt(a))


def street_address(rng: random.Random, district: District) -> tuple[str, str]:
    """A ``(street and number, postal code)`` pair in ``district``."""
    street = rng.choice(district.streets)
    number = rng.randint(1, 140)
    suffix = rng.choice(("", "", "", "", "a", "b"))
    return f"{street} {number}{suffix}", rng.choice(district.postal_codes)
