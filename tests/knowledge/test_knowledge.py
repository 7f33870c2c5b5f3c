"""The knowledge base: sources sync incrementally into the store, and searches cite their sources."""

from __future__ import annotations

import io
import logging
import os
import shutil
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from hard_e.agents.knowledge import KnowledgeIndex, chunk_document, query_terms
from hard_e.bot.config import Settings
from hard_e.integrations.document_sources import FolderSource, S3Source, build_sources, s3_client
from hard_e.integrations.documents import DocumentError, ParsedDocument, parse_document
from hard_e.store.models import KbChunk, KbDocument
from tests.conftest import sqlite_only
from tests.processes import hard_e

SAMPLES = Path(__file__).parents[1] / "data" / "knowledge"
WARRANTY_QUERY = "workmanship warranty signature package"


@pytest.fixture
def kb_dir(tmp_path) -> Path:
    """A writable copy of the sample knowledge folder (11 Markdown documents)."""
    folder = tmp_path / "kb"
    shutil.copytree(SAMPLES, folder)
    for path in folder.iterdir():
        path.chmod(0o644)
    return folder


@pytest.fixture
def index(engine) -> KnowledgeIndex:
    return KnowledgeIndex(engine)


async def chunk_rows(engine, uri: str | None = None) -> list[tuple[int, str]]:
    query = select(KbChunk.id, KbChunk.document_uri).order_by(KbChunk.id)
    if uri is not None:
        query = query.where(KbChunk.document_uri == uri)
    async with engine.connect() as conn:
        return [tuple(row) for row in await conn.execute(query)]


async def indexed_uris(engine) -> set[str]:
    async with engine.connect() as conn:
        return set((await conn.scalars(select(KbDocument.uri))).all())


# --- Folder sync and search ----------------------------------------------------------------------


async def test_folder_sync_indexes_the_sample_documents_and_search_cites_the_warranty_policy(index, engine, kb_dir):
    report = await index.sync([FolderSource(kb_dir)])

    assert (report.added, report.updated, report.unchanged, report.removed, report.failed) == (11, 0, 0, 0, [])
    documents, chunks = await index.counts()
    assert documents == 11 and chunks >= 30
    passages = await index.search(WARRANTY_QUERY)
    top = passages[0]
    warranty = str(kb_dir / "warranty_policy.md")
    assert (top.title, top.uri) == ("Warranty Policy", warranty)
    # Cited by its place in the knowledge folder: the server's directories don't belong in Slack.
    assert top.citation == "Warranty Policy (warranty_policy.md)"
    assert top.heading.startswith("Warranty Policy > ") and "Signature package" in top.text
    assert 1 <= len(passages) <= 5 and all(p.score > 0 for p in passages)


async def test_resync_with_nothing_changed_reports_all_unchanged_and_rechunks_nothing(index, engine, kb_dir):
    await index.sync([FolderSource(kb_dir)])
    before = await chunk_rows(engine)

    report = await index.sync([FolderSource(kb_dir)])

    assert (report.added, report.updated, report.unchanged, report.removed, report.failed) == (0, 0, 11, 0, [])
    assert await chunk_rows(engine) == before


async def test_touched_file_is_updated_and_deleted_file_leaves_the_index(index, engine, kb_dir):
    await index.sync([FolderSource(kb_dir)])
    pricing, warranty = kb_dir / "pricing_guidelines.md", kb_dir / "warranty_policy.md"
    others_before = [row for row in await chunk_rows(engine) if row[1] != str(pricing)]
    pricing_before = await chunk_rows(engine, str(pricing))
    stat = pricing.stat()
    os.utime(pricing, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))

    report = await index.sync([FolderSource(kb_dir)])

    assert (report.added, report.updated, report.unchanged, report.removed) == (0, 1, 10, 0)
    pricing_after = await chunk_rows(engine, str(pricing))
    assert len(pricing_after) == len(pricing_before) and not set(pricing_after) & set(pricing_before)
    assert [row for row in await chunk_rows(engine) if row[1] != str(pricing)] == others_before

    warranty.unlink()
    report = await index.sync([FolderSource(kb_dir)])

    assert (report.added, report.updated, report.unchanged, report.removed) == (0, 0, 10, 1)
    assert str(warranty) not in await indexed_uris(engine)
    assert await chunk_rows(engine, str(warranty)) == []
    assert all(p.uri != str(warranty) for p in await index.search(WARRANTY_QUERY, limit=50))


async def test_edited_document_is_searchable_by_its_new_words(index, kb_dir):
    await index.sync([FolderSource(kb_dir)])
    assert await index.search("quetzalcoatl") == []
    with (kb_dir / "company_overview.md").open("a") as f:
        f.write("\n\n## Mascot\n\nOur mascot is a quetzalcoatl named Shingles.\n")

    report = await index.sync([FolderSource(kb_dir)])

    assert report.updated == 1
    [hit] = await index.search("quetzalcoatl")
    assert hit.heading.endswith("Mascot") and hit.uri == str(kb_dir / "company_overview.md")


async def test_a_source_that_fails_to_list_keeps_its_documents_and_is_reported(index, engine, kb_dir, tmp_path):
    await index.sync([FolderSource(kb_dir)])
    kb_dir.rename(tmp_path / "elsewhere")  # the folder vanishes (an unmounted share, say)

    report = await index.sync([FolderSource(kb_dir)])

    [(uri, reason)] = report.failed
    assert uri == str(kb_dir) and "does not exist" in reason
    assert (report.added, report.updated, report.unchanged, report.removed) == (0, 0, 0, 0)
    assert await index.counts() == (11, len(await chunk_rows(engine)))
    assert (await index.search(WARRANTY_QUERY))[0].title == "Warranty Policy"

    (tmp_path / "elsewhere").rename(kb_dir)
    report = await index.sync([FolderSource(kb_dir)])
    assert (report.unchanged, report.failed) == (11, [])


async def test_documents_of_a_source_no_longer_configured_are_removed(index, kb_dir, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    (other / "extra.md").write_text("# Extra\n\nGutter guard cleaning schedule.\n")
    await index.sync([FolderSource(kb_dir), FolderSource(other)])
    assert (await index.counts())[0] == 12

    report = await index.sync([FolderSource(kb_dir)])

    assert (report.unchanged, report.removed) == (11, 1)
    assert all(p.title != "Extra" for p in await index.search("gutter guard cleaning schedule extra"))


async def test_a_batch_that_fails_to_commit_is_redone_by_the_next_sync(engine, kb_dir):
    # One document at a time in listing order, three per transaction; the database refuses the last
    # batch, which holds the new document, at commit (PostgreSQL) or on insert (SQLite).
    index = KnowledgeIndex(engine, concurrency=1, batch_documents=3)
    late = kb_dir / "zz_late_addition.md"
    late.write_text("# Late Addition\n\nThe zeppelin hangar roof needs a cricket.\n")
    await refuse_chunks_mentioning(engine, "zeppelin")

    with pytest.raises(DBAPIError):
        await index.sync([FolderSource(kb_dir)])

    committed = await indexed_uris(engine)
    assert len(committed) == 9 and str(late) not in committed  # three whole batches, nothing of the fourth
    chunks_before = {uri: await chunk_rows(engine, uri) for uri in committed}
    assert all(chunks_before.values())
    assert {row[1] for row in await chunk_rows(engine)} == committed

    await refuse_chunks_mentioning(engine, None)
    report = await index.sync([FolderSource(kb_dir)])

    assert (report.added, report.updated, report.unchanged, report.removed, report.failed) == (3, 0, 9, 0, [])
    assert {uri: await chunk_rows(engine, uri) for uri in committed} == chunks_before  # not written twice
    expected_chunks = sum(len(chunk_document(parse_document(path.name, path.read_bytes()))) for path in kb_dir.iterdir())
    assert await index.counts() == (12, expected_chunks)
    assert [p.title for p in await index.search("zeppelin hangar")] == ["Late Addition"]


async def refuse_chunks_mentioning(engine, word: str | None) -> None:
    """A trigger that makes the transaction writing a chunk containing `word` fail; None drops it."""
    async with engine.begin() as conn:
        postgres = engine.dialect.name == "postgresql"
        if word is None:
            await conn.execute(text("DROP TRIGGER refuse_chunk" + (" ON kb_chunks" if postgres else "")))
        elif postgres:
            await conn.execute(text(
                "CREATE FUNCTION refuse_chunk() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"IF NEW.text LIKE '%{word}%' THEN RAISE EXCEPTION 'chunk refused'; END IF; RETURN NEW; END $$"
            ))
            await conn.execute(text(
                "CREATE CONSTRAINT TRIGGER refuse_chunk AFTER INSERT ON kb_chunks DEFERRABLE INITIALLY DEFERRED "
                "FOR EACH ROW EXECUTE FUNCTION refuse_chunk()"
            ))
        else:
            await conn.execute(text(
                f"CREATE TRIGGER refuse_chunk BEFORE INSERT ON kb_chunks WHEN new.text LIKE '%{word}%' "
                "BEGIN SELECT RAISE(ABORT, 'chunk refused'); END"
            ))


async def test_malformed_pdf_is_counted_as_failed_and_the_rest_indexed(index, kb_dir, caplog):
    (kb_dir / "broken.pdf").write_bytes(b"%PDF-1.4\nnot really a pdf: CONFIDENTIAL-PAYLOAD\n")
    caplog.set_level(logging.DEBUG, logger="hard_e")

    report = await index.sync([FolderSource(kb_dir)])

    assert report.added == 11
    [(uri, reason)] = report.failed
    assert uri == str(kb_dir / "broken.pdf") and "PDF" in reason and "CONFIDENTIAL" not in reason
    assert str(kb_dir / "broken.pdf") in caplog.text and "CONFIDENTIAL" not in caplog.text


async def test_logs_carry_neither_document_text_nor_queries(index, kb_dir, caplog):
    (kb_dir / "secret.md").write_text("# Secret\n\nThe vault code is xylophonist-4471.\n")
    caplog.set_level(logging.DEBUG, logger="hard_e")

    await index.sync([FolderSource(kb_dir)])
    assert [p.title for p in await index.search("xylophonist vault code")][:1] == ["Secret"]

    assert "xylophonist" not in caplog.text and "vault" not in caplog.text


async def test_every_document_kind_is_indexed_and_searchable(index, tmp_path):
    folder = tmp_path / "kinds"
    (folder / "nested" / "deeper").mkdir(parents=True)
    (folder / ".git").mkdir()
    (folder / "notes.txt").write_text("Ladder safety: always tie off above the eave. Marmalade.\n")
    (folder / "nested" / "page.html").write_text(
        "<html><head><title>Gutter Guide</title></head><body><h1>Gutters</h1><p>Seamless aluminium, no bananas.</p></body></html>"
    )
    memo = docx([("Title", "Siding Memo"), (None, "Fiber cement resists woodpeckers.")])
    (folder / "nested" / "deeper" / "memo.docx").write_bytes(memo)
    (folder / "nested" / "scan.pdf").write_bytes(tiny_pdf(["Skylight flashing uses a saddle kit."], title="Skylight Notes"))
    (folder / ".hidden.md").write_text("# Hidden\n\nmarmalade\n")
    (folder / ".git" / "readme.md").write_text("# Git\n\nmarmalade\n")
    (folder / "sheet.xlsx").write_bytes(b"PK\x03\x04 not indexed")

    report = await index.sync([FolderSource(folder)])

    assert (report.added, report.failed) == (4, [])
    expected = {"marmalade": "notes", "bananas": "Gutter Guide", "woodpeckers": "Siding Memo", "saddle": "Skylight Notes"}
    for word, title in expected.items():
        [hit] = await index.search(word)
        assert hit.title == title, word
    [memo] = await index.search("woodpeckers")
    assert memo.citation == "Siding Memo (nested/deeper/memo.docx)"


async def test_queries_with_punctuation_quotes_and_search_syntax_never_raise(index, kb_dir):
    await index.sync([FolderSource(kb_dir)])
    nasty = [
        "what's the 15-year rate?", '"', '""', "'", "AND", "OR", "NOT", "NEAR", "NEAR(warranty package, 2)", "*",
        "warranty*", "-warranty", "+warranty", "(", ")", "()", "[", "{heading}: x", "heading:warranty", "text : roof",
        "^", "\\", "\x00", "", "   ", "a" * 5000, "🙂 roof", "warranty AND NOT package", "SELECT * FROM kb_chunks; --",
        "' OR 1=1 --", "roof & | ! <-> :*", "é", "15", "what is it",
    ]
    for query in nasty:
        assert isinstance(await index.search(query), list), query
    assert any("15" in p.text for p in await index.search("what's the 15-year rate?"))
    assert await index.search("what is it") == []  # only stopwords: nothing to look for


# --- S3 (moto's server on 127.0.0.1) ------------------------------------------------------------


async def test_s3_prefix_syncs_incrementally_by_etag(index, engine, s3_server):
    client = s3_client()
    assert client.meta.endpoint_url == s3_server
    client.create_bucket(Bucket="harde-kb")
    for path in SAMPLES.glob("*.md"):
        client.put_object(Bucket="harde-kb", Key=f"kb/{path.name}", Body=path.read_bytes())
    client.put_object(Bucket="harde-kb", Key="kb/.drafts/wip.md", Body=b"# WIP\n")
    client.put_object(Bucket="harde-kb", Key="kb/budget.xlsx", Body=b"not a document")
    client.put_object(Bucket="harde-kb", Key="outside/other.md", Body=b"# Other\n")
    settings = Settings.from_env({"HARDE_KB_S3_URIS": "s3://harde-kb/kb/"}, dotenv=None)
    sources = build_sources(settings.kb_dir, settings.kb_s3_uris)
    assert [type(s) for s in sources] == [S3Source]

    report = await index.sync(sources)

    assert (report.added, report.failed) == (11, [])
    top = (await index.search(WARRANTY_QUERY))[0]
    assert top.citation == "Warranty Policy (s3://harde-kb/kb/warranty_policy.md)"

    before = await chunk_rows(engine, "s3://harde-kb/kb/company_overview.md")
    body = (SAMPLES / "company_overview.md").read_bytes() + b"\n\n## Mascot\n\nA quetzalcoatl named Shingles.\n"
    client.put_object(Bucket="harde-kb", Key="kb/company_overview.md", Body=body)
    client.delete_object(Bucket="harde-kb", Key="kb/storm_damage_inspection.md")

    report = await index.sync(sources)

    assert (report.added, report.updated, report.unchanged, report.removed, report.failed) == (0, 1, 9, 1, [])
    assert not set(await chunk_rows(engine, "s3://harde-kb/kb/company_overview.md")) & set(before)
    assert [p.uri for p in await index.search("quetzalcoatl")] == ["s3://harde-kb/kb/company_overview.md"]
    assert "s3://harde-kb/kb/storm_damage_inspection.md" not in await indexed_uris(engine)


async def test_s3_errors_are_reported_and_keep_the_prefix_documents(index, s3_server):
    import boto3
    from botocore.config import Config

    client = s3_client()
    client.create_bucket(Bucket="harde-kb")
    client.put_object(Bucket="harde-kb", Key="kb/roof.md", Body=b"# Roof\n\nIce and water shield.\n")
    await index.sync([S3Source("s3://harde-kb/kb/", client)])
    dead = boto3.client("s3", endpoint_url="http://127.0.0.1:9", config=Config(retries={"max_attempts": 1}, connect_timeout=1))

    report = await index.sync([S3Source("s3://harde-kb/kb/", dead), S3Source("s3://no-such-bucket/x/", client)])

    assert [uri for uri, _ in report.failed] == ["s3://harde-kb/kb/", "s3://no-such-bucket/x/"]
    assert "NoSuchBucket" in report.failed[1][1]
    assert report.removed == 0 and (await index.counts())[0] == 1
    assert [p.title for p in await index.search("ice water shield")] == ["Roof"]


# --- Document extraction ------------------------------------------------------------------------


def test_markdown_and_text_keep_their_text_and_take_the_first_h1_as_title():
    doc = parse_document("roof_guide.md", b"```\n# not a heading\n```\n\n# Roof Guide\n\nBody.\n\n## Vents\n\nRidge vents.\n")
    assert doc.title == "Roof Guide" and "## Vents" in doc.text
    assert parse_document("crew_notes.txt", "Plain notes, caf\u00e9.\n".encode()).title == "crew notes"
    assert parse_document("legacy.txt", "Se\u00f1or".encode("cp1252")).text == "Se\u00f1or"


def test_html_keeps_headings_lists_and_tables_and_drops_scripts_and_styles():
    html = b"""<!doctype html><html><head><meta charset="utf-8"><title>Roof Care</title>
    <style>.x { color: red }</style><script>var tracking = "s3cr3t";</script></head>
    <body><nav>Home</nav><h1>Roof care</h1><p>Clean the gutters &amp; downspouts<br>twice a year.</p>
    <h2>Moss</h2><ul><li>Scrape gently</li><li>Treat with zinc</li></ul>
    <table><tr><th>Pitch</th><th>Shingle</th></tr><tr><td>4/12</td><td>Architectural</td></tr></table>
    <noscript>enable js</noscript></body></html>"""
    doc = parse_document("care.html", html)
    assert doc.title == "Roof Care"
    lines = doc.text.split("\n\n")
    assert "# Roof care" in lines and "## Moss" in lines
    assert "Clean the gutters & downspouts twice a year." in lines
    assert "- Scrape gently" in lines and "Pitch | Shingle" in lines and "4/12 | Architectural" in lines
    assert "s3cr3t" not in doc.text and "color" not in doc.text and "enable js" not in doc.text
    assert parse_document("x.html", b"<h1>Only a heading</h1><p>x</p>").title == "Only a heading"


def test_docx_paragraph_styles_become_markdown_headings():
    data = docx(
        [
            ("Title", "Installer Handbook"),
            (None, "Read this before your first job."),
            ("Heading1", "Safety"),
            ("berschrift2", "Ladders"),  # a localized style id, named "heading 2" in styles.xml
            ("list", "Tie off above the eave"),
            (None, "Inspect feet & rungs."),
        ],
        table=[["Tool", "Check"], ["Harness", "Daily"]],
    )
    doc = parse_document("handbook.docx", data)
    assert doc.title == "Installer Handbook"
    assert doc.text.split("\n\n") == [
        "# Installer Handbook", "Read this before your first job.", "# Safety", "## Ladders",
        "- Tie off above the eave", "Inspect feet & rungs.", "Tool | Check", "Harness | Daily",
    ]
    # One short document, one passage: its sections' headings stay in the text and name it.
    [(heading, text)] = chunk_document(doc)
    assert heading == "Installer Handbook > Safety" and "## Safety\n### Ladders\n- Tie off above the eave" in text


def test_pdf_text_is_extracted_with_its_title():
    doc = parse_document("scan.pdf", tiny_pdf(["Hail damage checklist", "Test squares on each slope."], title="Inspection"))
    assert doc.title == "Inspection"
    assert "Hail damage checklist" in doc.text and "Test squares on each slope." in doc.text
    assert parse_document("untitled_scan.pdf", tiny_pdf(["Some text."])).title == "untitled scan"


@pytest.mark.parametrize(
    "name, data, reason",
    [
        ("bad.pdf", b"%PDF-1.4 garbage", "PDF"),
        ("empty.pdf", b"", "PDF"),
        ("bad.docx", b"not a zip", "Word"),
        ("nobody.docx", None, "word/document.xml"),
        ("image.pdf", "blank-page", "no extractable text"),
    ],
)
def test_unreadable_documents_raise_a_clear_error(name, data, reason):
    if data is None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as z:
            z.writestr("[Content_Types].xml", "<Types/>")
        data = buffer.getvalue()
    elif data == "blank-page":
        data = tiny_pdf([])
    with pytest.raises(DocumentError, match=reason):
        parse_document(name, data)


def test_chunks_follow_headings_and_stay_near_a_thousand_characters():
    sentence = "Every ridge cap is nailed by hand and checked twice. "
    text = "# Guide\n\nIntro.\n\n## Long\n\n" + "\n\n".join(sentence * 6 for _ in range(8)) + "\n\n## Short\n\nOne line.\n"
    chunks = chunk_document(ParsedDocument("Guide", text))
    assert all(len(body) <= 1200 for _, body in chunks)
    long_chunks = [body for heading, body in chunks if heading == "Guide > Long"]
    assert len(long_chunks) >= 2 and all(len(body) >= 600 for body in long_chunks)
    # The short intro joins the first passage of the next section, whose heading moves into the text.
    assert chunks[0][0] == "Guide > Long" and chunks[0][1].startswith("Intro.\n\n## Long\n")
    assert "One line." in chunks[-1][1]
    one_huge_paragraph = chunk_document(ParsedDocument("Huge", "word " * 2000))
    assert all(len(body) <= 1200 for _, body in one_huge_paragraph) and len(one_huge_paragraph) >= 8


def test_query_terms_drop_stopwords_and_search_syntax():
    assert query_terms("What's the 15-year rate?") == ["15", "year", "rate"]
    assert query_terms('"NEAR(a b)" AND warranty* OR -roof') == ["near", "warranty", "roof"]
    assert query_terms("the and or not") == []


# --- Command line -------------------------------------------------------------------------------




@sqlite_only  # the index on PostgreSQL: the tests above
def test_kb_sync_and_search_from_the_command_line(tmp_path, database_url):
    env = {"HARDE_KB_DIR": str(SAMPLES), "HARDE_DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": database_url}

    synced = hard_e("kb", "sync", env=env, cwd=tmp_path)
    assert synced.returncode == 0, synced.stderr
    assert "11 added, 0 updated, 0 unchanged, 0 removed, 0 failed" in synced.stdout

    found = hard_e("kb", "search", WARRANTY_QUERY, "--limit", "2", env=env, cwd=tmp_path)
    assert found.returncode == 0, found.stderr
    assert found.stdout.startswith("1. Warranty Policy (warranty_policy.md)\n")
    assert "2. " in found.stdout and "3. " not in found.stdout
    excerpt_line = found.stdout.split("\n")[2].strip()
    assert 50 <= len(excerpt_line) <= 201
    assert "Traceback" not in found.stderr + synced.stderr


def test_kb_commands_without_a_source_say_what_to_set(tmp_path):
    env = {"HARDE_DATA_DIR": str(tmp_path / "data")}
    for args in (("kb", "sync"), ("kb", "search", "warranty")):
        result = hard_e(*args, env=env, cwd=tmp_path)
        assert result.returncode == 1
        assert "Set HARDE_KB_DIR or HARDE_KB_S3_URIS" in result.stderr and "Traceback" not in result.stderr


def test_kb_sync_reports_failures_with_a_nonzero_exit(tmp_path):
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "ok.md").write_text("# Ok\n\nFine.\n")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 broken")
    result = hard_e("kb", "sync", env={"HARDE_KB_DIR": str(folder), "HARDE_DATA_DIR": str(tmp_path / "data")}, cwd=tmp_path)
    assert result.returncode == 1
    assert "1 added" in result.stdout and "1 failed" in result.stdout
    assert f"failed: {folder / 'broken.pdf'}: not a readable PDF" in result.stdout


# --- Builders for small documents ---------------------------------------------------------------

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def docx(paragraphs: list[tuple[str | None, str]], table: list[list[str]] | None = None) -> bytes:
    """A minimal .docx: (style id or "list" or None, text) paragraphs, then an optional table."""

    def paragraph(style: str | None, text: str) -> str:
        props = ""
        if style == "list":
            props = '<w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr></w:pPr>'
        elif style:
            props = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>'
        return f'<w:p>{props}<w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:p>'

    body = "".join(paragraph(style, text) for style, text in paragraphs)
    if table:
        rows = "".join("<w:tr>" + "".join(f"<w:tc>{paragraph(None, cell)}</w:tc>" for cell in row) + "</w:tr>" for row in table)
        body += f"<w:tbl>{rows}</w:tbl>"
    document = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<w:document xmlns:w="{W}"><w:body>{body}<w:sectPr/></w:body></w:document>'
    )
    styles = (
        f'<?xml version="1.0" encoding="UTF-8"?><w:styles xmlns:w="{W}">'
        '<w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/></w:style>'
        '<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/></w:style>'
        '<w:style w:type="paragraph" w:styleId="berschrift2"><w:name w:val="heading 2"/></w:style>'
        "</w:styles>"
    )
    content_types = (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/word/document.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
        "</Types>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", content_types)
        z.writestr("word/document.xml", document)
        z.writestr("word/styles.xml", styles)
    return buffer.getvalue()


def tiny_pdf(lines: list[str], title: str | None = None) -> bytes:
    """A one-page PDF writing `lines` in Helvetica, with a correct cross-reference table."""
    text = "".join(f"({line}) Tj T* " for line in lines)
    content = f"BT /F1 12 Tf 14 TL 72 720 Td {text}ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    if title:
        objects.append(f"<< /Title ({title}) >>")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    info = f" /Info {len(objects)} 0 R" if title else ""
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R{info} >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


# --- In a running Hard-E ---------------------------------------------------------------------------------


async def test_a_simple_question_in_slack_is_answered_with_cited_knowledge_passages(bot_factory, fake_slack, fake_openai, kb_dir):
    from hard_e.bot.scheduler import sync_knowledge
    from tests import slack_events as se
    bot = await bot_factory(HARDE_KB_DIR=str(kb_dir))
    await sync_knowledge(bot.services)  # as `hard-e run` does in the background at start
    answer = "Signature roofs carry a 25-year workmanship warranty (Warranty Policy — warranty_policy.md)."
    fake_openai.reply(answer)
    event = se.mention("how long is the workmanship warranty on a signature roof?")
    await bot.send_event(event)
    await bot.settle()

    # One direct call: the passages and their citations were in the model's instructions.
    [request] = fake_openai.requests
    assert [t["name"] for t in request.body.get("tools") or []] in ([], ["hand_over"])  # the direct flow: at most the hand-over
    instructions = request.body["instructions"]
    assert "Warranty Policy (warranty_policy.md)" in instructions
    assert str(kb_dir) not in instructions  # no server paths
    assert "cite" in instructions and "Signature package" in instructions
    [reply] = fake_slack.messages(channel="C1", thread_ts=event["ts"])
    assert "Warranty Policy" in reply.text and "warranty_policy.md" in reply.text


async def test_small_talk_is_answered_without_knowledge_passages(bot_factory, fake_slack, fake_openai, kb_dir):
    from hard_e.bot.scheduler import sync_knowledge
    from tests import slack_events as se

    bot = await bot_factory(HARDE_KB_DIR=str(kb_dir))
    await sync_knowledge(bot.services)
    assert await bot.services.knowledge.search("good morning")  # the words do match documents...
    fake_openai.reply("Morning! What can I dig up for you?")
    event = se.mention("good morning")
    await bot.send_event(event)
    await bot.settle()

    [request] = fake_openai.requests
    assert "From the company knowledge base" not in request.body["instructions"]  # ...but a greeting looks nothing up
    assert [m.text for m in fake_slack.messages(channel="C1", thread_ts=event["ts"])] == ["Morning! What can I dig up for you?"]
