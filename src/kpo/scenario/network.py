"""The demo network: two clients, four vendors in four time zones, about 150 specialists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from random import Random

from kpo.domain.calendars import parse_hours
from kpo.domain.channels import Channel
from kpo.domain.clients import Client, Coverage, ServiceLine, SkillRequirement
from kpo.domain.money import Money
from kpo.domain.sla import SlaPolicy
from kpo.domain.specialists import Specialist
from kpo.domain.vendors import RateCard, Vendor

__all__ = ["Network", "VendorProfile", "build_network"]

CURRENCY = "USD"


L2_POLICY = (
    '[{"ranking": "min_cost_batch", "batch_seconds": 60, "timeout_seconds": 300}, '
    '{"ranking": "cost_sla"}]'
)


def _usd(amount: str) -> Money:
    return Money(Decimal(amount), CURRENCY)


CLIENTS = (
    Client("novapay", "NovaPay", "Europe/London", "GBP"),
    Client("cloudlane", "Cloudlane", "America/New_York", "USD"),
)


def _service_lines() -> tuple[ServiceLine, ...]:
    return (
        ServiceLine(
            id="novapay-payments",
            client_id="novapay",
            name="Payment support EN/ES",
            channel=Channel.CALL,
            required_skills=(SkillRequirement("payments", 2),),
            languages=frozenset({"en", "es"}),
            sla=SlaPolicy(
                first_response=None,
                resolution=None,
                answer_within=timedelta(seconds=20),
                answer_target=Decimal("0.8"),
            ),
            coverage=Coverage("Europe/London", "mon-sun 00:00-24:00"),
            handle_time=timedelta(minutes=5),
        ),
        ServiceLine(
            id="novapay-disputes",
            client_id="novapay",
            name="Card disputes EN/ES",
            channel=Channel.TICKET,
            required_skills=(SkillRequirement("card_disputes", 3),),
            languages=frozenset({"en", "es"}),
            sla=SlaPolicy(
                first_response=timedelta(hours=4),
                resolution=timedelta(hours=24),
                answer_within=None,
                answer_target=None,
            ),
            coverage=Coverage("Europe/London", "mon-fri 08:00-20:00", country="GB"),
            handle_time=timedelta(minutes=12),
        ),
        ServiceLine(
            id="cloudlane-l1",
            client_id="cloudlane",
            name="L1 IT help desk",
            channel=Channel.CHAT,
            required_skills=(SkillRequirement("it_support_l1", 2),),
            languages=frozenset({"en"}),
            sla=SlaPolicy(
                first_response=timedelta(minutes=2),
                resolution=timedelta(hours=8),
                answer_within=timedelta(seconds=60),
                answer_target=Decimal("0.85"),
            ),
            coverage=Coverage("America/New_York", "mon-sun 00:00-24:00"),
            handle_time=timedelta(minutes=8),
        ),
        ServiceLine(
            id="cloudlane-l2",
            client_id="cloudlane",
            name="L2 IT support",
            channel=Channel.TICKET,
            required_skills=(SkillRequirement("it_support_l2", 3),),
            languages=frozenset({"en"}),
            sla=SlaPolicy(
                first_response=timedelta(hours=2),
                resolution=timedelta(hours=16),
                answer_within=None,
                answer_target=None,
            ),
            coverage=Coverage("America/New_York", "mon-fri 07:00-22:00", country="US"),
            handle_time=timedelta(minutes=20),
            # Tickets can wait minutes: assigned in least-total-cost batches every minute; one
            # still waiting after five is offered to the best free specialist at once.
            routing_policy=L2_POLICY,
        ),
    )


@dataclass(frozen=True, slots=True)
class VendorProfile:
    """How the generator staffs one vendor: who works there, on which shifts, at what cost."""

    vendor: Vendor
    headcount: int
    languages: tuple[tuple[str, float], ...]  # extra language and the share who speak it
    skills: tuple[str, ...]
    shifts: tuple[tuple[str, float], ...]  # weekly hours text and the share on that shift
    cost_range: tuple[int, int]  # hourly cost in cents
    prefixes: tuple[str, ...]
    surnames: tuple[str, ...]


PROFILES = (
    VendorProfile(
        Vendor("manila", "Luzon Contact Partners", "PH", "Asia/Manila", RateCard(_usd("16.00"))),
        headcount=46,
        languages=(("es", 0.1),),
        skills=("payments", "it_support_l1", "it_support_l2", "card_disputes"),
        shifts=(
            ("mon-fri 21:00-06:00", 0.3),  # US daytime, the classic Manila night shift
            ("tue-sat 21:00-06:00", 0.15),
            ("mon-fri 13:00-22:00", 0.2),  # European morning
            ("mon-sat 07:00-16:00", 0.1),  # US evening and Asia-Pacific day
            ("fri-sun 16:00-04:00", 0.25),  # the European weekend
        ),
        cost_range=(850, 1250),
        prefixes=("Maria", "Jose", "Angel", "Mark", "Joy", "Paolo", "Kristine", "Ramon"),
        surnames=("Santos", "Reyes", "Cruz", "Bautista", "Ocampo", "Garcia", "Mendoza"),
    ),
    VendorProfile(
        Vendor(
            "bengaluru", "Deccan Knowledge Services", "IN", "Asia/Kolkata", RateCard(_usd("15.00"))
        ),
        headcount=40,
        languages=(("hi", 0.6),),
        skills=("it_support_l1", "it_support_l2", "cloud_ops", "card_disputes"),
        shifts=(
            ("mon-fri 09:00-18:00", 0.4),
            ("mon-fri 13:00-22:00", 0.3),
            ("mon-fri 19:30-04:30", 0.2),  # US east-coast day
            ("sat-sun 09:00-21:00", 0.1),
        ),
        cost_range=(800, 1200),
        prefixes=("Aarav", "Priya", "Rahul", "Ananya", "Vikram", "Divya", "Karthik", "Sneha"),
        surnames=("Sharma", "Iyer", "Reddy", "Nair", "Rao", "Gupta", "Menon"),
    ),
    VendorProfile(
        Vendor(
            "krakow", "Vistula Business Services", "PL", "Europe/Warsaw", RateCard(_usd("38.00"))
        ),
        headcount=24,
        languages=(("pl", 0.9), ("de", 0.3), ("es", 0.25)),
        skills=("card_disputes", "payments", "fraud_review", "it_support_l2", "kyc"),
        shifts=(
            ("mon-fri 08:00-16:00", 0.45),
            ("mon-fri 12:00-20:00", 0.3),
            ("sat-sun 09:00-17:00", 0.25),
        ),
        cost_range=(2200, 3000),
        prefixes=("Anna", "Piotr", "Katarzyna", "Tomasz", "Magdalena", "Jakub", "Agnieszka"),
        surnames=("Nowak", "Kowalski", "Wiśniewska", "Wójcik", "Kamińska", "Lewandowski"),
    ),
    VendorProfile(
        Vendor("bogota", "Andes Service Hub", "CO", "America/Bogota", RateCard(_usd("20.00"))),
        headcount=32,
        languages=(("es", 1.0),),
        skills=("payments", "card_disputes", "it_support_l1", "customer_service"),
        shifts=(
            ("mon-fri 07:00-16:00", 0.3),
            ("mon-fri 13:00-22:00", 0.3),
            ("fri-sun 08:00-20:00", 0.25),
            ("mon-fri 22:00-07:00", 0.15),
        ),
        cost_range=(1050, 1500),
        prefixes=("Camila", "Santiago", "Valentina", "Andrés", "Daniela", "Juan", "Laura"),
        surnames=("Rodríguez", "Gómez", "Martínez", "López", "Hernández", "Díaz", "Moreno"),
    ),
)


@dataclass(frozen=True, slots=True)
class Network:
    clients: tuple[Client, ...]
    service_lines: tuple[ServiceLine, ...]
    vendors: tuple[Vendor, ...]
    specialists: tuple[Specialist, ...]


def _pick(rng: Random, weighted: tuple[tuple[str, float], ...]) -> str:
    roll = rng.random() * sum(weight for _, weight in weighted)
    for value, weight in weighted:
        roll -= weight
        if roll <= 0:
            return value
    return weighted[-1][0]


def _specialists(
    profile: VendorProfile, rng: Random, hired_before: date, headcount: int
) -> list[Specialist]:
    people: list[Specialist] = []
    for n in range(1, headcount + 1):
        languages = {"en"} | {lang for lang, share in profile.languages if rng.random() < share}
        if profile.vendor.id == "bogota" and rng.random() < 0.3:
            languages.discard("en")  # some Bogotá agents serve Spanish only
        count = rng.choice((2, 2, 3, 3))
        skills = {
            skill: rng.choice((2, 3, 3, 4, 4, 5)) for skill in rng.sample(profile.skills, count)
        }
        start = hired_before - timedelta(days=rng.randint(30, 1500))
        low, high = profile.cost_range
        people.append(
            Specialist(
                id=f"{profile.vendor.id}-{n:03d}",
                vendor_id=profile.vendor.id,
                name=f"{rng.choice(profile.prefixes)} {rng.choice(profile.surnames)}",
                skills=skills,
                languages=frozenset(languages),
                time_zone=profile.vendor.time_zone,
                working_hours=parse_hours(_pick(rng, profile.shifts)),
                capacity={Channel.CALL: 1, Channel.CHAT: 3, Channel.TICKET: 1},
                hourly_cost=Money(Decimal(rng.randint(low, high)) / 100, CURRENCY),
                employment_start=start,
            )
        )
    return people


def build_network(seed: int, *, week_start: date, staff_scale: float = 1.0) -> Network:
    """The same seed and week give the same network. ``staff_scale`` multiplies every
    vendor's headcount (to match arrivals scaled up for a benchmark)."""
    rng = Random(seed)
    specialists = [
        person
        for profile in PROFILES
        for person in _specialists(
            profile, rng, week_start, max(1, round(profile.headcount * staff_scale))
        )
    ]
    return Network(
        clients=CLIENTS,
        service_lines=_service_lines(),
        vendors=tuple(profile.vendor for profile in PROFILES),
        specialists=tuple(specialists),
    )
