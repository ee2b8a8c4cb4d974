from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from kpo.domain.clients import SkillRequirement
from kpo.routing.model import meets_skills, relax_needed
from kpo.routing.policies import PolicyStep, Ranking, RoutingPolicy
from tests.factories import service_line, specialist
from tests.unit.routing.helpers import T0, person, router, work_item


def one_step(ranking: Ranking) -> RoutingPolicy:
    return RoutingPolicy((PolicyStep(ranking),))


def test_least_cost_offers_the_cheapest_and_explains_the_order() -> None:
    r = router(person("a", "30"), person("b", "20"), person("c", "25"))
    decision = r.submit(work_item(), now=T0)
    assert decision.winner == "b"
    assert [c.specialist_id for c in decision.candidates] == ["b", "c", "a"]
    # 15 min at level 4 (pace 0.85) = 765 s; 20 USD/h × 765 s
    assert decision.candidates[0].score == 20 * 765 / 3600
    assert decision.eligible_count == 3
    assert decision.ranking is Ranking.LEAST_COST
    assert decision.step == 0


def test_best_skill_prefers_the_higher_level_over_the_cheaper() -> None:
    expert = person("expert", "40", skills={"card_disputes": 5})
    cheap = person("cheap", "10", skills={"card_disputes": 3})
    r = router(expert, cheap, policy=one_step(Ranking.BEST_SKILL))
    decision = r.submit(work_item(), now=T0)
    assert decision.winner == "expert"
    assert [c.score for c in decision.candidates] == [5.0, 3.0]


def test_longest_idle_prefers_whoever_finished_last_item_earliest() -> None:
    r = router(person("a"), person("b"), policy=one_step(Ranking.LONGEST_IDLE))
    first = r.submit(work_item(id="w1"), now=T0)
    second = r.submit(work_item(id="w2"), now=T0)
    assert {first.winner, second.winner} == {"a", "b"}
    for item, who in (("w1", first.winner), ("w2", second.winner)):
        assert who is not None
        r.accept(item, specialist_id=who, now=T0)
        r.start(item, specialist_id=who, now=T0)
    # b finishes first, a later: b has been idle longest
    assert second.winner is not None
    assert first.winner is not None
    r.resolve("w2", specialist_id=second.winner, now=T0 + timedelta(minutes=5))
    r.resolve("w1", specialist_id=first.winner, now=T0 + timedelta(minutes=9))
    decision = r.submit(work_item(id="w3"), now=T0 + timedelta(minutes=10))
    assert decision.winner == second.winner
    assert [c.score for c in decision.candidates] == [300.0, 60.0]


def test_cost_sla_lets_a_faster_specialist_beat_a_cheaper_one() -> None:
    fast = person("fast", "30", skills={"card_disputes": 5})  # 675 s × 30/h = 5.625
    cheap = person("cheap", "21", skills={"card_disputes": 3})  # 900 s × 21/h = 5.25
    assert router(fast, cheap).submit(work_item(), now=T0).winner == "cheap"
    r = router(fast, cheap, policy=one_step(Ranking.COST_SLA))
    due = T0 + timedelta(hours=2)
    decision = r.submit(work_item(), now=T0, due=due)
    assert decision.winner == "fast"
    # urgency 1/2 h⁻¹ × speed (1 / 0.1875 h) ÷ cost 5.625
    assert abs(decision.candidates[0].score - 0.5 / 0.1875 / 5.625) < 1e-9


def test_cost_sla_urgency_grows_as_the_due_time_nears() -> None:
    r = router(person("a"), person("b"), policy=one_step(Ranking.COST_SLA))
    late = r.submit(work_item(id="w1"), now=T0, due=T0 + timedelta(minutes=30))
    early = r.submit(work_item(id="w2"), now=T0, due=T0 + timedelta(hours=8))
    assert late.candidates[0].score > early.candidates[0].score


def test_task_order_is_priority_then_oldest() -> None:
    r = router()
    r.add_specialist(person("a"), now=T0)
    for item_id, minutes, priority in (("old", 0, 0), ("urgent", 3, 5), ("new", 2, 0)):
        item = work_item(id=item_id, created_at=T0 + timedelta(minutes=minutes), priority=priority)
        r.submit(item, now=T0 + timedelta(minutes=5))
    now = T0 + timedelta(minutes=6)
    r.shift_started("a", now=now, ends=now + timedelta(hours=8))
    assert r.held("a") == {"urgent": r.item("urgent").state}
    r.reject("urgent", specialist_id="a", now=now)
    assert list(r.held("a")) == ["old"]


@given(
    levels=st.dictionaries(st.sampled_from(["x", "y", "z"]), st.integers(1, 5), max_size=3),
    required=st.dictionaries(st.sampled_from(["x", "y", "z"]), st.integers(1, 5), min_size=1),
    relax=st.integers(0, 5),
)
def test_relax_needed_agrees_with_meets_skills(
    levels: dict[str, int], required: dict[str, int], relax: int
) -> None:
    line = service_line(required_skills=tuple(SkillRequirement(s, n) for s, n in required.items()))
    who = specialist(skills=levels)
    need = relax_needed(line, who)
    assert meets_skills(line, who, relax=relax) == (need is not None and relax >= need)


def test_longest_idle_keeps_its_order_as_specialists_free_up_again_and_again() -> None:
    r = router(person("a"), person("b"), person("c"), policy=one_step(Ranking.LONGEST_IDLE))
    minute = timedelta(minutes=1)

    def work(item: str, at: timedelta) -> str:
        winner = r.submit(work_item(id=item), now=T0 + at).winner
        assert winner is not None
        r.accept(item, specialist_id=winner, now=T0 + at)
        r.start(item, specialist_id=winner, now=T0 + at)
        return winner

    assert [work(f"w{n}", 0 * minute) for n in range(3)] == ["a", "b", "c"]  # a tie: by index
    r.resolve("w1", specialist_id="b", now=T0 + minute)
    r.resolve("w0", specialist_id="a", now=T0 + 2 * minute)
    r.resolve("w2", specialist_id="c", now=T0 + 2 * minute)
    decision = r.submit(work_item(id="x"), now=T0 + 5 * minute)
    assert [(c.specialist_id, c.score) for c in decision.candidates] == [
        ("b", 240.0),
        ("a", 180.0),
        ("c", 180.0),
    ]
    r.accept("x", specialist_id="b", now=T0 + 5 * minute)
    r.start("x", specialist_id="b", now=T0 + 5 * minute)
    r.resolve("x", specialist_id="b", now=T0 + 6 * minute)  # b is the most recently idle now
    decision = r.submit(work_item(id="y"), now=T0 + 7 * minute)
    assert [c.specialist_id for c in decision.candidates] == ["a", "c", "b"]
