"""``kpo kb …``: a client's knowledge base — import/export, search, suggestions, life cycle,
capture, reports and evaluation.

No ``from __future__ import annotations``: Typer reads the annotations at run time.
"""

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from kpo.adapters.clock import SystemClock
from kpo.bootstrap import SEMANTIC_UNAVAILABLE, connect, embedder, scratch_app
from kpo.domain.access import Actor
from kpo.domain.knowledge import Article, ArticleStatus
from kpo.entrypoints.cli.output import console, err_console, print_json
from kpo.knowledge.vectors import Embedder
from kpo.services import knowledge
from kpo.services.formats import parse_instant
from kpo.services.knowledge_eval import FULLTEXT, evaluate_dataset, read_queries
from kpo.services.knowledge_io import export_articles, import_articles
from kpo.services.suggestions import (
    Mode,
    index_embeddings,
    load_base,
    suggest,
    suggest_for_item,
    suggest_many,
)

__all__ = ["app"]

app = typer.Typer(
    help="The client's knowledge base: import/export (JSONL), search, suggested articles, "
    "drafts and reviews, knowledge capture and reports. Reference: docs/knowledge-base.md.",
    no_args_is_help=True,
)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
ClientOption = Annotated[str, typer.Option("--client", help="The client's name or id.")]
ModeOption = Annotated[
    str | None,
    typer.Option(
        "--mode",
        help="lexical, semantic or hybrid (default: hybrid when the semantic extra is "
        "installed, else lexical).",
    ),
]

# The command line works on the local database with the operator's rights.
OPERATOR = Actor.operator("cli")

_warned: list[bool] = []


def _warn_semantic_once() -> None:
    if not _warned:
        _warned.append(True)
        err_console.print(SEMANTIC_UNAVAILABLE, markup=False)


def _mode_and_embedder(requested: str | None) -> tuple[Mode, Embedder | None]:
    """The ranking mode to use and the embedder it needs (said once if it is missing)."""
    model = embedder()
    if requested is None:
        if model is None:
            _warn_semantic_once()
            return Mode.LEXICAL, None
        return Mode.HYBRID, model
    try:
        mode = Mode(requested)
    except ValueError:
        raise typer.BadParameter(
            f"{requested!r}: choose lexical, semantic or hybrid", param_hint="--mode"
        ) from None
    if mode is not Mode.LEXICAL and model is None:
        _warn_semantic_once()
    return mode, model if mode is not Mode.LEXICAL else None


@contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[str, int, int], None]]:
    """A Rich progress bar on stderr (only on a terminal); yields ``update(stage, done, total)``."""
    if not enabled or not sys.stderr.isatty():
        yield lambda _stage, _done, _total: None
        return
    bars: dict[str, Any] = {}
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as progress:

        def update(stage: str, done: int, total: int) -> None:
            if stage not in bars:
                bars[stage] = progress.add_task(stage, total=total)
            progress.update(bars[stage], completed=done, total=total)

        yield update


def _now() -> datetime:
    return SystemClock().now()


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help='JSONL: one {"id","title","body","tags"} per line.')],
    client: ClientOption,
    json_output: JsonFlag = False,
) -> None:
    """Import articles (all or none). Ids are kept; the client is created if missing."""
    with connect() as kpo, _progress(not json_output) as update:
        kpo.require_schema()
        result = import_articles(
            kpo.uow(),
            client,
            file,
            at=_now(),
            progress=lambda done, total: update("import", done, total),
        )
    if json_output:
        print_json(
            {
                "client": result.client.id,
                "client_created": result.client_created,
                "added": result.added,
                "updated": result.updated,
                "unchanged": result.unchanged,
            }
        )
        return
    if result.client_created:
        console.print(
            f"Client {result.client.name!r} did not exist: created it with id "
            f"{result.client.id} (time zone UTC, currency USD)."
        )
    console.print(
        f"Imported {file} into {result.client.id}: {result.added} added, {result.updated} "
        f"updated, {result.unchanged} unchanged."
    )


@app.command("export")
def export(
    client: ClientOption,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file, not stdout.")
    ] = None,
) -> None:
    """Export every article with its full history as JSONL (the format import reads)."""
    with connect() as kpo:
        kpo.require_schema()
        records = export_articles(kpo.uow(), client)
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    if output is None:
        sys.stdout.write(lines)
        return
    partial = output.with_name(output.name + ".partial")
    partial.write_text(lines, encoding="utf-8")
    partial.replace(output)
    console.print(f"Exported {len(records)} article(s) to {output}.", highlight=False)


@app.command("search")
def search(
    text: Annotated[str, typer.Argument(help='Words, "exact phrases" and prefix* words.')],
    client: ClientOption,
    limit: Annotated[int, typer.Option(help="At most this many results (1-100).")] = 10,
    json_output: JsonFlag = False,
) -> None:
    """Full-text search of published articles, best first, with highlighted snippets."""
    with connect() as kpo:
        kpo.require_schema()
        hits = knowledge.search_articles(kpo.uow(), OPERATOR, client, text, limit=limit)
    if json_output:
        print_json(
            [{"id": h.article_id, "title": h.title, "score": round(h.score, 6)} for h in hits]
        )
        return
    if not hits:
        console.print("No article matches.")
        return
    table = Table("id", "title", "score", "snippet")
    for hit in hits:
        table.add_row(hit.article_id, hit.title, f"{hit.score:.3f}", hit.snippet)
    console.print(table)


@app.command("suggest")
def suggest_one(
    client: ClientOption,
    text: Annotated[
        str | None, typer.Argument(help="The work item's subject and description.")
    ] = None,
    item: Annotated[
        str | None, typer.Option("--item", help="A stored work item instead of TEXT.")
    ] = None,
    limit: Annotated[int, typer.Option(help="At most this many suggestions.")] = 5,
    mode: ModeOption = None,
    json_output: JsonFlag = False,
) -> None:
    """Suggested articles for one work item; nothing below the calibrated threshold."""
    if (text is None) == (item is None):
        raise typer.BadParameter("give either TEXT or --item ID", param_hint="TEXT")
    chosen, model = _mode_and_embedder(mode)
    with connect() as kpo:
        kpo.require_schema()
        if model is not None:
            index_embeddings(kpo.uow, client, model)
        base = load_base(kpo.uow(), client, mode=chosen, embedder=model)
        if item is not None:
            result = suggest_for_item(kpo.uow(), base, item, limit=limit)
    if text is not None:
        result = suggest(base, text, limit=limit)
    found = result.suggested
    if json_output:
        rows = [
            {
                "id": r.article_id,
                "title": r.title,
                "score": round(r.score, 4),
                "confidence": round(r.confidence, 4),
                "line": r.best_line,
            }
            for r in found
        ]
        print_json(
            {"mode": chosen.value, "threshold": round(result.threshold, 4), "articles": rows}
        )
        return
    if not found:
        console.print(f"No article clears the threshold ({result.threshold:.3f}).")
        return
    table = Table("id", "title", "score", "confidence", "best line")
    for r in found:
        table.add_row(r.article_id, r.title, f"{r.score:.3f}", f"{r.confidence:.3f}", r.best_line)
    console.print(table)


@app.command("suggest-batch")
def suggest_batch(
    queries: Annotated[Path, typer.Argument(help='JSONL: one {"id","text"} per line.')],
    client: ClientOption,
    limit: Annotated[int, typer.Option(help="At most this many articles per query.")] = 10,
    mode: ModeOption = None,
) -> None:
    """Write one {"query_id","article_ids"} line per query (best first; empty when nothing
    clears the threshold)."""
    chosen, model = _mode_and_embedder(mode)
    items = read_queries(queries)
    with connect() as kpo, _progress(True) as update:
        kpo.require_schema()
        if model is not None:
            index_embeddings(
                kpo.uow, client, model, progress=lambda d, t: update("embeddings", d, t)
            )
        base = load_base(kpo.uow(), client, mode=chosen, embedder=model)
    results = suggest_many(base, [q.text for q in items], limit=limit)
    for query, result in zip(items, results, strict=True):
        ids = [r.article_id for r in result.suggested]
        sys.stdout.write(json.dumps({"query_id": query.id, "article_ids": ids}) + "\n")


@app.command("index")
def index(client: ClientOption, json_output: JsonFlag = False) -> None:
    """Compute missing embeddings (semantic index) with progress; lexical search keeps
    working meanwhile. Safe to stop and run again."""
    model = embedder()
    if model is None:
        _warn_semantic_once()
        raise typer.Exit(2)
    with connect() as kpo, _progress(not json_output) as update:
        kpo.require_schema()
        done = index_embeddings(
            kpo.uow, client, model, progress=lambda d, t: update("embeddings", d, t)
        )
    if json_output:
        print_json({"embedded": done})
    else:
        console.print(f"Embedded {done} article(s).")


@app.command("evaluate")
def evaluate(
    dataset: Annotated[
        Path, typer.Argument(help="Folder with articles.jsonl, queries.jsonl, qrels.tsv.")
    ],
    mode: ModeOption = None,
    half: Annotated[
        str | None,
        typer.Option(
            help="Keep only the even (1st, 3rd, …) or odd articles; the others' queries "
            "become unanswerable, so the false-suggestion rate is measured.",
        ),
    ] = None,
    off_topic: Annotated[
        Path | None,
        typer.Option(
            "--off-topic",
            help='A queries file ({"id","text"} per line, e.g. another dataset\'s '
            "queries.jsonl) on other subjects altogether: prints the share that still got a "
            "suggestion (off_topic_suggestion_rate).",
        ),
    ] = None,
    json_output: JsonFlag = False,
) -> None:
    """Import a judged dataset into a scratch database and print recall@1, recall@5,
    MRR@10, nDCG@10 and the threshold's no-/false-suggestion rates. --mode fulltext scores
    `kpo kb search` instead of suggestions."""
    if mode == FULLTEXT:
        chosen: str = FULLTEXT
        model = None
    else:
        picked, model = _mode_and_embedder(mode)
        chosen = picked.value
    with scratch_app() as scratch, _progress(True) as update:
        result = evaluate_dataset(
            scratch.uow,
            dataset,
            mode=chosen,
            embedder=model,
            at=_now(),
            stage=update,
            half=half,
            off_topic=off_topic,
        )
    values = result.as_dict()
    if json_output:
        print_json(values)
        return
    table = Table("measure", "value")
    for key, value in values.items():
        table.add_row(key, "-" if value is None else str(value))
    console.print(table)


def _article_json(article: Article) -> dict[str, Any]:
    return {
        "id": article.id,
        "status": article.status.value,
        "title": article.title,
        "tags": list(article.tags),
        "versions": [
            {"number": v.number, "author": v.author, "at": v.at.isoformat()}
            for v in article.versions
        ],
    }


@app.command("list")
def list_(
    client: ClientOption,
    status: Annotated[
        str | None, typer.Option(help="Only draft, published or archived articles.")
    ] = None,
    json_output: JsonFlag = False,
) -> None:
    """List the client's articles."""
    wanted = None
    if status is not None:
        try:
            wanted = ArticleStatus(status)
        except ValueError:
            raise typer.BadParameter(
                "choose draft, published or archived", param_hint="--status"
            ) from None
    with connect() as kpo:
        kpo.require_schema()
        articles = knowledge.list_articles(kpo.uow(), OPERATOR, client, status=wanted)
    if json_output:
        print_json([_article_json(a) for a in articles])
        return
    table = Table("id", "status", "title", "versions")
    for article in articles:
        table.add_row(article.id, article.status.value, article.title, str(len(article.versions)))
    console.print(table)


@app.command("show")
def show(
    article_id: Annotated[str, typer.Argument(help="The article's id.")],
    client: ClientOption,
    json_output: JsonFlag = False,
) -> None:
    """Show an article and its version history."""
    with connect() as kpo:
        kpo.require_schema()
        article = knowledge.get_article(kpo.uow(), OPERATOR, client, article_id)
    if json_output:
        print_json(_article_json(article) | {"body": article.body})
        return
    console.print(f"[bold]{article.title}[/] ({article.id}, {article.status.value})")
    console.print(article.body, markup=False)
    for v in article.versions:
        console.print(f"  version {v.number} by {v.author} at {v.at.isoformat()}", markup=False)


@app.command("draft")
def draft(
    article_id: Annotated[str, typer.Argument(help="Id of the new article.")],
    client: ClientOption,
    title: Annotated[str, typer.Option(help="The article's title.")],
    author: Annotated[str, typer.Option(help="Who writes it.")],
    body_file: Annotated[
        Path | None, typer.Option("--body-file", help="Markdown body from this file.")
    ] = None,
    body: Annotated[str, typer.Option(help="Markdown body (or use --body-file).")] = "",
    tag: Annotated[list[str] | None, typer.Option("--tag", help="A tag (repeatable).")] = None,
) -> None:
    """Create a draft article (reviewed and published with `kpo kb publish`)."""
    text = body_file.read_text(encoding="utf-8") if body_file is not None else body
    with connect() as kpo:
        kpo.require_schema()
        article = knowledge.create_draft(
            kpo.uow(),
            OPERATOR,
            client,
            article_id=article_id,
            title=title,
            body=text,
            tags=tag or [],
            author=author,
            at=_now(),
        )
    console.print(f"Draft {article.id} saved (version 1).")


def _lifecycle(action: Callable[..., Article], verb: str) -> Callable[..., None]:
    def command(
        article_id: Annotated[str, typer.Argument(help="The article's id.")],
        client: ClientOption,
    ) -> None:
        with connect() as kpo:
            kpo.require_schema()
            article = action(kpo.uow(), OPERATOR, client, article_id)
        console.print(f"Article {article.id} {verb}; it is now {article.status.value}.")

    return command


app.command("publish", help="Publish a reviewed draft: it becomes searchable and suggestible.")(
    _lifecycle(knowledge.publish_article, "published")
)
app.command("archive", help="Archive an article: out of search and suggestions, history kept.")(
    _lifecycle(knowledge.archive_article, "archived")
)
app.command("restore", help="Restore an archived article to the status it had.")(
    _lifecycle(knowledge.restore_article, "restored")
)


@app.command("capture")
def capture(
    item_id: Annotated[str, typer.Argument(help="A resolved work item.")],
    note: Annotated[str, typer.Option(help="The resolution note.")],
    helped: Annotated[
        list[str] | None,
        typer.Option("--helped", help="Id of an article that helped (repeatable)."),
    ] = None,
    json_output: JsonFlag = False,
) -> None:
    """Record a resolution; when no article helped, a draft is proposed from the note."""
    with connect() as kpo:
        kpo.require_schema()
        result = knowledge.capture_resolution(
            kpo.uow(), item_id, note=note, helped=helped or [], at=_now()
        )
    draft_id = result.draft.id if result.draft else None
    if json_output:
        print_json({"item_id": item_id, "draft": draft_id})
    elif draft_id:
        console.print(f"Recorded; draft article {draft_id} proposed for review.")
    else:
        console.print("Recorded; no draft proposed.")


@app.command("report")
def report(
    client: ClientOption,
    start: Annotated[str, typer.Option(help="Period start, e.g. 2026-10-01T00:00:00Z.")],
    end: Annotated[str, typer.Option(help="Period end (exclusive).")],
    max_specialists: Annotated[
        int, typer.Option(help="Flag skills/lines resolved by this many people or fewer.")
    ] = 2,
    json_output: JsonFlag = False,
) -> None:
    """Coverage per service line and turnover risk in a period."""
    with connect() as kpo:
        kpo.require_schema()
        result = knowledge.knowledge_report(
            kpo.uow(),
            OPERATOR,
            client,
            start=parse_instant(start).astimezone(UTC),
            end=parse_instant(end).astimezone(UTC),
            max_specialists=max_specialists,
        )
    coverage = [
        {
            "service_line": r.service_line_id,
            "resolved": r.resolved,
            "with_article": r.with_article,
            "share": round(r.share, 4),
        }
        for r in result.coverage
    ]
    risk = [
        {"kind": r.kind, "name": r.name, "resolved": r.resolved, "specialists": list(r.specialists)}
        for r in result.turnover_risk
    ]
    if json_output:
        print_json({"client": result.client_id, "coverage": coverage, "turnover_risk": risk})
        return
    table = Table("service line", "resolved", "with article", "share")
    for line in result.coverage:
        table.add_row(
            line.service_line_id, str(line.resolved), str(line.with_article), f"{line.share:.0%}"
        )
    console.print(table)
    risky = Table("kind", "name", "resolved", "specialists")
    for found in result.turnover_risk:
        risky.add_row(found.kind, found.name, str(found.resolved), ", ".join(found.specialists))
    console.print(risky)
