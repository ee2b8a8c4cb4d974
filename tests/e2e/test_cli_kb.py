"""``kpo kb`` end to end on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kpo.entrypoints.cli import kb
from kpo.entrypoints.cli.main import app

ARTICLES: list[dict[str, object]] = [
    {
        "id": "T-1",
        "title": "Card arrival",
        "body": "My card has not arrived\nWhere is my card",
        "tags": ["cards"],
    },
    {
        "id": "T-2",
        "title": "PIN blocked",
        "body": "My PIN is blocked\nI typed a wrong PIN",
        "tags": [],
    },
    {
        "id": "T-3",
        "title": "Exchange rate",
        "body": "Which rate do you use\nBad exchange rate",
        "tags": [],
    },
]
QUERIES = [
    {"id": "q1", "text": "my card still has not arrived"},
    {"id": "q2", "text": "PIN blocked after wrong tries"},
    {"id": "q3", "text": "volcano eruption on the weekend"},
]


def _jsonl(path: Path, rows: Sequence[Mapping[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def kpo(database_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("KPO_DATABASE_URL", database_url)
    runner = CliRunner()
    assert runner.invoke(app, ["init"]).exit_code == 0
    return runner


def invoke(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_import_search_suggest_export(kpo: CliRunner, tmp_path: Path) -> None:
    articles = _jsonl(tmp_path / "articles.jsonl", ARTICLES)
    code, out, err = invoke(kpo, "kb", "import", "--client", "Acme Bank", str(articles))
    assert code == 0, err
    assert "did not exist: created it with id acme-bank" in out
    assert "3 added" in out

    code, out, _ = invoke(
        kpo, "kb", "search", "--client", "Acme Bank", "card arrived", "--limit", "10", "--json"
    )
    assert code == 0
    hits = json.loads(out)
    assert hits[0]["id"] == "T-1"
    assert set(hits[0]) == {"id", "title", "score"}

    queries = _jsonl(tmp_path / "queries.jsonl", QUERIES)
    code, out, err = invoke(
        kpo,
        "kb",
        "suggest-batch",
        "--client",
        "acme-bank",
        str(queries),
        "--limit",
        "10",
        "--mode",
        "lexical",
    )
    assert code == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["query_id"] for line in lines] == ["q1", "q2", "q3"]
    assert lines[0]["article_ids"][0] == "T-1"
    assert lines[1]["article_ids"][0] == "T-2"
    assert lines[2]["article_ids"] == []

    code, out, _ = invoke(kpo, "kb", "export", "--client", "Acme Bank")
    exported = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in exported] == ["T-1", "T-2", "T-3"]
    assert exported[0]["versions"][0]["author"] == "import"


def test_bad_import_is_exit_2_with_line_and_field(kpo: CliRunner, tmp_path: Path) -> None:
    bad = _jsonl(tmp_path / "bad.jsonl", [ARTICLES[0], {"id": "x y", "title": "t"}])
    code, _, err = invoke(kpo, "kb", "import", "--client", "Acme", str(bad))
    assert code == 2
    assert "line 2, field 'id'" in err
    code, _, err = invoke(kpo, "kb", "search", "--client", "Acme", "card")
    assert code == 2
    assert "client 'Acme' does not exist" in err


def test_draft_publish_archive(kpo: CliRunner, tmp_path: Path) -> None:
    invoke(kpo, "kb", "import", "--client", "Acme", str(_jsonl(tmp_path / "a.jsonl", ARTICLES)))
    code, _, err = invoke(
        kpo,
        "kb",
        "draft",
        "new-1",
        "--client",
        "Acme",
        "--title",
        "Lost phone",
        "--body",
        "Freeze the card in the app.",
        "--author",
        "ana",
    )
    assert code == 0, err
    assert json.loads(invoke(kpo, "kb", "search", "--client", "Acme", "phone", "--json")[1]) == []
    assert invoke(kpo, "kb", "publish", "new-1", "--client", "Acme")[0] == 0
    found = json.loads(invoke(kpo, "kb", "search", "--client", "Acme", "phone", "--json")[1])
    assert [h["id"] for h in found] == ["new-1"]
    assert invoke(kpo, "kb", "archive", "new-1", "--client", "Acme")[0] == 0
    listed = json.loads(
        invoke(kpo, "kb", "list", "--client", "Acme", "--status", "archived", "--json")[1]
    )
    assert [a["id"] for a in listed] == ["new-1"]
    code, _, err = invoke(kpo, "kb", "publish", "new-1", "--client", "Acme")
    assert code == 2
    assert "only drafts can be published" in err


def test_evaluate_prints_the_measures(tmp_path: Path) -> None:
    folder = tmp_path / "tiny"
    folder.mkdir()
    _jsonl(folder / "articles.jsonl", ARTICLES)
    _jsonl(folder / "queries.jsonl", QUERIES)
    (folder / "qrels.tsv").write_text(
        "query_id\tarticle_id\trelevance\nq1\tT-1\t1\nq2\tT-2\t1\n", encoding="utf-8"
    )
    for mode in ("lexical", "fulltext"):
        result = CliRunner().invoke(app, ["kb", "evaluate", str(folder), "--mode", mode, "--json"])
        assert result.exit_code == 0, result.stderr
        values = json.loads(result.stdout)
        assert values["mrr_at_10"] == 1.0
        assert values["recall_at_1"] == 1.0
        assert values["queries"] == 3
    assert values["false_suggestion_rate"] is None  # fulltext has no threshold
    lexical = json.loads(
        CliRunner()
        .invoke(app, ["kb", "evaluate", str(folder), "--mode", "lexical", "--json"])
        .stdout
    )
    assert lexical["false_suggestion_rate"] == 0.0
    assert lexical["no_suggestion_rate"] == 0.0


def test_evaluate_on_half_a_base_turns_the_other_halfs_queries_unanswerable(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "tiny"
    folder.mkdir()
    _jsonl(folder / "articles.jsonl", ARTICLES)
    _jsonl(folder / "queries.jsonl", QUERIES)
    (folder / "qrels.tsv").write_text(
        "query_id\tarticle_id\trelevance\nq1\tT-1\t1\nq2\tT-2\t1\n", encoding="utf-8"
    )
    result = CliRunner().invoke(
        app, ["kb", "evaluate", str(folder), "--mode", "lexical", "--half", "even", "--json"]
    )
    assert result.exit_code == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["half"] == "even"
    assert values["articles"] == len(ARTICLES) - len(ARTICLES) // 2
    assert values["answerable"] == 1  # q1 (T-1 is kept); q2's T-2 is held out
    assert values["mrr_at_10"] == 1.0
    assert values["false_suggestion_rate"] is not None
    bad = CliRunner().invoke(app, ["kb", "evaluate", str(folder), "--half", "third"])
    assert bad.exit_code != 0


def test_evaluate_measures_off_topic_queries_apart(tmp_path: Path) -> None:
    folder = tmp_path / "tiny"
    folder.mkdir()
    _jsonl(folder / "articles.jsonl", ARTICLES)
    _jsonl(folder / "queries.jsonl", QUERIES)
    (folder / "qrels.tsv").write_text(
        "query_id\tarticle_id\trelevance\nq1\tT-1\t1\nq2\tT-2\t1\n", encoding="utf-8"
    )
    off_topic = _jsonl(
        tmp_path / "other.jsonl",
        [
            {"id": "q1", "text": "volcano eruption on the weekend"},  # same id: kept apart
            {"id": "o2", "text": "where is my card"},  # on the base's subject after all
            {"id": "o3", "text": "best lasagne recipe"},
            {"id": "o4", "text": "tides of the north sea"},
        ],
    )
    args = ["kb", "evaluate", str(folder), "--mode", "lexical", "--json"]
    result = CliRunner().invoke(app, [*args, "--off-topic", str(off_topic)])
    assert result.exit_code == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["off_topic_queries"] == 4
    assert values["off_topic_suggestion_rate"] == 0.25  # only "where is my card"
    without = json.loads(CliRunner().invoke(app, args).stdout)
    assert without["off_topic_suggestion_rate"] is None
    # the dataset's own measures do not change with off-topic queries beside them
    assert {k: v for k, v in values.items() if not k.startswith("off_topic")} == {
        k: v for k, v in without.items() if not k.startswith("off_topic")
    }
    fulltext = CliRunner().invoke(
        app, ["kb", "evaluate", str(folder), "--mode", "fulltext", "--off-topic", str(off_topic)]
    )
    assert fulltext.exit_code == 2
    assert "fulltext mode" in fulltext.stderr


def test_without_the_model_lexical_works_and_says_so_once(
    kpo: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(kb, "embedder", lambda: None)
    monkeypatch.setattr(kb, "_warned", [])
    invoke(kpo, "kb", "import", "--client", "Acme", str(_jsonl(tmp_path / "a.jsonl", ARTICLES)))
    code, out, err = invoke(kpo, "kb", "suggest", "--client", "Acme", "wrong PIN", "--json")
    assert code == 0
    assert json.loads(out)["mode"] == "lexical"
    assert err.count("semantic search unavailable: install openkpo[semantic]") == 1
    code, _, err = invoke(kpo, "kb", "suggest", "--client", "Acme", "wrong PIN", "--mode", "hybrid")
    assert code == 2
    assert "install openkpo[semantic]" in err
