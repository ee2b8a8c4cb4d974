from datetime import timedelta

from kpo.routing.engine import RouterSettings
from kpo.routing.fairness import VendorTargets
from tests.unit.routing.helpers import T0, person, router, work_item

SEC = timedelta(seconds=1)


def test_vendor_targets_are_kept_within_tolerance_although_one_vendor_is_cheaper() -> None:
    cheap = [person(f"k{i}", "10", vendor_id="krakow") for i in range(5)]
    dear = [person(f"m{i}", "30", vendor_id="manila") for i in range(5)]
    targets = VendorTargets({"krakow": 0.6, "manila": 0.4}, tolerance=0.05)
    r = router(*cheap, *dear, settings=RouterSettings(vendor_targets=targets))
    now = T0
    shares = []
    for n in range(400):
        now += SEC
        decision = r.submit(work_item(id=f"w{n}"), now=now)
        assert decision.winner is not None
        r.accept(f"w{n}", specialist_id=decision.winner, now=now)
        r.start(f"w{n}", specialist_id=decision.winner, now=now)
        r.resolve(f"w{n}", specialist_id=decision.winner, now=now)
        report = r.fairness(now=now)
        if n >= 2 / targets.tolerance:
            shares.append({v.vendor_id: v.share for v in report.vendors})
    assert all(abs(s["krakow"] - 0.6) <= 0.05 and abs(s["manila"] - 0.4) <= 0.05 for s in shares)
    explained = [d for d in r.drain_decisions() if "volume target" in d.reason]
    assert explained
    assert all(d.winner and d.winner.startswith("m") for d in explained)


def test_without_targets_the_ranking_alone_decides() -> None:
    r = router(person("k", "10", vendor_id="krakow"), person("m", "30", vendor_id="manila"))
    now = T0
    for n in range(30):
        now += SEC
        assert r.submit(work_item(id=f"w{n}"), now=now).winner == "k"
        r.accept(f"w{n}", specialist_id="k", now=now)
        r.start(f"w{n}", specialist_id="k", now=now)
        r.resolve(f"w{n}", specialist_id="k", now=now)
    vendors = {v.vendor_id: v for v in r.fairness(now=now).vendors}
    assert vendors["krakow"].share == 1.0
    assert vendors["krakow"].target is None


def test_occupancy_and_idle_share_per_specialist() -> None:
    r = router(person("a"))
    r.submit(work_item(), now=T0)
    r.accept("W000001", specialist_id="a", now=T0)
    r.start("W000001", specialist_id="a", now=T0)
    r.resolve("W000001", specialist_id="a", now=T0 + timedelta(hours=1))
    (load,) = r.fairness(now=T0 + timedelta(hours=4)).specialists
    assert load.occupancy == 0.25
    assert load.idle_share == 0.75
