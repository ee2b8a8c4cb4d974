"""Fairness: occupancy and idle share per specialist, volume share per vendor, and optional
vendor volume targets.

**Volume** of a vendor is the number of items its specialists accepted (``ItemAssigned``).

**Vendor targets** such as ``{"krakow": 0.6, "manila": 0.4}`` with a tolerance τ (default
0.05) are kept by a bias in the choice among candidates of one decision. The engine looks at
the best candidates of the step in ranking order (at most ``depth`` of them) and takes the
best one of each vendor. With *s* a vendor's share of accepted plus pending offers and *t* its
target (0 for a vendor without one):

1. if some candidate's vendor lags its target by more than τ/2 (*t* − *s* > τ/2), the
   candidate of the vendor that lags most wins;
2. otherwise the best-ranked candidate whose vendor is not ahead by more than τ/2 wins;
3. otherwise the best-ranked candidate wins.

Shares therefore stay within ±τ of the targets as long as each vendor keeps eligible free
specialists and the volume is large enough for one item to move a share by less than τ/2
(at least 2/τ items; before ``warmup`` items the ranking decides alone). When a vendor has no
free eligible specialist the item still goes to the best one available: a target never leaves
an item waiting. Freed specialists taking queued items are not biased (the vendor is given).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from kpo.domain.errors import ValidationError

__all__ = ["FairnessReport", "SpecialistLoad", "VendorTargets", "VendorVolume"]


@dataclass(frozen=True)
class VendorTargets:
    shares: Mapping[str, float]
    tolerance: float = 0.05
    depth: int = 64
    warmup: int = 20

    def __post_init__(self) -> None:
        total = sum(self.shares.values())
        if any(s < 0 for s in self.shares.values()) or abs(total - 1) > 1e-9:
            raise ValidationError(
                f"vendor targets must be non-negative shares adding up to 1, got {total:g}",
                field="vendor_targets",
            )
        if not 0 < self.tolerance < 1:
            raise ValidationError("tolerance is a share between 0 and 1", field="tolerance")

    def choose(self, vendors: Sequence[str], volume: Mapping[str, int]) -> int:
        """Index into ``vendors`` (candidates' vendors, best-ranked first) of the winner."""
        total = sum(volume.values())
        if total < self.warmup or len(set(vendors)) < 2:
            return 0
        half = self.tolerance / 2
        lag = {v: self.shares.get(v, 0.0) - volume.get(v, 0) / total for v in set(vendors)}
        worst = max(lag, key=lambda v: (lag[v], -vendors.index(v)))
        if lag[worst] > half:
            return vendors.index(worst)
        for position, vendor in enumerate(vendors):
            if lag[vendor] >= -half:
                return position
        return 0


@dataclass(frozen=True, slots=True)
class SpecialistLoad:
    specialist_id: str
    vendor_id: str
    shift_seconds: float
    busy_seconds: float

    @property
    def occupancy(self) -> float:
        """Share of on-shift time holding at least one item (offered, assigned or worked)."""
        return 0.0 if self.shift_seconds <= 0 else min(1.0, self.busy_seconds / self.shift_seconds)

    @property
    def idle_share(self) -> float:
        return 0.0 if self.shift_seconds <= 0 else 1.0 - self.occupancy


@dataclass(frozen=True, slots=True)
class VendorVolume:
    vendor_id: str
    items: int
    share: float
    target: float | None


@dataclass(frozen=True)
class FairnessReport:
    specialists: list[SpecialistLoad] = field(default_factory=list)
    vendors: list[VendorVolume] = field(default_factory=list)

    @classmethod
    def build(
        cls,
        loads: Iterable[SpecialistLoad],
        volume: Mapping[str, int],
        targets: VendorTargets | None,
    ) -> FairnessReport:
        total = sum(volume.values())
        names = set(volume) | (set(targets.shares) if targets else set())
        vendors = [
            VendorVolume(
                v,
                volume.get(v, 0),
                0.0 if total == 0 else volume.get(v, 0) / total,
                None if targets is None else targets.shares.get(v, 0.0),
            )
            for v in sorted(names)
        ]
        return cls(sorted(loads, key=lambda s: s.specialist_id), vendors)
