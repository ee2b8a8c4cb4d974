"""The routing engine: pure and in-memory; rebuilt from storage at start.

Public surface: :class:`Router` with :class:`LineSetup` and :class:`RouterSettings`
(:mod:`kpo.routing.engine`), decisions (:mod:`kpo.routing.explain`), vendor targets and
fairness reports (:mod:`kpo.routing.fairness`), shift changes (:mod:`kpo.routing.shifts`) and
event replay (:mod:`kpo.routing.replay`). See docs/routing.md.
"""

from kpo.routing.engine import ItemView, LineSetup, Router, RouterSettings
from kpo.routing.explain import Candidate, Decision, Trigger
from kpo.routing.fairness import FairnessReport, VendorTargets
from kpo.routing.replay import replay
from kpo.routing.shifts import ShiftChange, current_shift_end, shift_changes

__all__ = [
    "Candidate",
    "Decision",
    "FairnessReport",
    "ItemView",
    "LineSetup",
    "Router",
    "RouterSettings",
    "ShiftChange",
    "Trigger",
    "VendorTargets",
    "current_shift_end",
    "replay",
    "shift_changes",
]
