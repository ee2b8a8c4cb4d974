"""Discrete-event simulation that drives the real routing engine (pure: no I/O).

:class:`Simulator` replays arrivals, shifts and people's behaviour (:class:`Behaviour`)
through a :class:`~kpo.routing.engine.Router` on a SimPy clock and returns per-item
:class:`Outcomes`; :func:`summarise` turns them into a :class:`SimulationReport`.
:func:`check_staffing` runs an Erlang staffing recommendation through it. See docs/demo.md.
"""

from kpo.simulation.behaviour import Behaviour, HandleTimes, Lognormal
from kpo.simulation.outcomes import Outcomes, Staffed
from kpo.simulation.report import (
    ItemCounts,
    LineReport,
    SimulationReport,
    VendorReport,
    summarise,
)
from kpo.simulation.simulator import Progress, Simulator

__all__ = [
    "Behaviour",
    "HandleTimes",
    "ItemCounts",
    "LineReport",
    "Lognormal",
    "Outcomes",
    "Progress",
    "SimulationReport",
    "Simulator",
    "Staffed",
    "VendorReport",
    "summarise",
]
