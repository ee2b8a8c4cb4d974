from datetime import timedelta

from kpo.knowledge.capture import propose_draft
from kpo.knowledge.records import Resolution
from kpo.knowledge.reports import coverage, turnover_risk
from tests.factories import T0


def _history() -> list[Resolution]:
    def r(n: int, line: str, who: str | None, helped: tuple[str, ...] = ()) -> Resolution:
        return Resolution(f"W{n}", line, who, T0 + timedelta(hours=n), helped)

    return [
        r(1, "disputes", "ana", ("a1",)),
        r(2, "disputes", "bo"),
        r(3, "disputes", "cy", ("a2",)),
        r(4, "disputes", "ana"),
        r(5, "payroll", "dee"),
        r(6, "payroll", "dee", ("a3",)),
        r(7, "payroll", None),
    ]


def test_coverage_is_the_share_resolved_with_an_article_per_service_line() -> None:
    rows = {r.service_line_id: r for r in coverage(_history())}
    assert (rows["disputes"].resolved, rows["disputes"].with_article) == (4, 2)
    assert rows["disputes"].share == 0.5
    assert (rows["payroll"].resolved, rows["payroll"].with_article) == (3, 1)


def test_turnover_risk_flags_lines_and_skills_with_two_or_fewer_specialists() -> None:
    skills = {"disputes": ["card_disputes", "english"], "payroll": ["payroll", "english"]}
    rows = turnover_risk(_history(), skills=skills)
    flagged = {(r.kind, r.name): r.specialists for r in rows}
    assert flagged == {("service_line", "payroll"): ("dee",), ("skill", "payroll"): ("dee",)}
    assert ("skill", "english") not in flagged  # ana, bo, cy, dee
    strict = turnover_risk(_history(), skills=skills, max_specialists=3)
    assert ("service_line", "disputes") in {(r.kind, r.name) for r in strict}


def test_draft_is_proposed_only_when_no_article_helped_and_the_note_says_something() -> None:
    proposal = propose_draft(
        item_id="W9",
        subject="Refund to a closed card",
        description="Customer's card was closed before the refund.",
        note="Refunds to closed cards are returned to the account within 5 days.",
        helped=(),
    )
    assert proposal is not None
    assert proposal.article_id == "draft-W9"
    assert proposal.title == "Refund to a closed card"
    assert "## Resolution" in proposal.body
    assert "closed before the refund" in proposal.body
    assert propose_draft(item_id="W9", subject="s", description="", note="done", helped=()) is None
    helped = propose_draft(
        item_id="W9", subject="s", description="", note="a long enough note here", helped=("a1",)
    )
    assert helped is None
