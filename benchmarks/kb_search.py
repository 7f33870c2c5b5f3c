"""How fast does the knowledge index sync and search at about 10,000 chunks, on SQLite and PostgreSQL?

Writes a synthetic knowledge base to a temporary folder: --docs Markdown documents (default 1,700)
from a seeded generator with a contractor's sales vocabulary (roofing, siding, windows, gutters,
solar, warranties, financing, objections, pricing, storm damage, permits), each with headings,
lists and varied sentences, word frequencies skewed so some terms are everywhere and some rare.
The default size lands at about 10,000 chunks; the real count is read from the index and printed.

For each backend, on a fresh database (a SQLite file in the temporary folder; a throwaway PostgreSQL
database made through the admin URL --postgres-url and dropped afterwards), the script applies the
migrations and then, through the project's own KnowledgeIndex and FolderSource:
  initial sync     every document added (documents/s and chunks/s)
  no-change sync   every document listed and skipped (documents/s)
  5% changed       --changed of the documents rewritten (new text, new mtime), then a sync
                   (changed documents/s; the figure includes listing all the others)
  search           --queries searches (limit 5) from a seeded list of realistic queries — 2 to 5
                   words, some misspelled, some with rare words, some phrased as questions — one
                   at a time (p50/p95/p99/max latency), then the same list by --concurrency
                   searchers at once (searches/s, and the latencies they saw)
A few warm-up searches run first and are not counted. "On topic" is the share of generated queries
whose top passage comes from a document of the topic the query was drawn from: a sanity check
that ranking does work, not a relevance benchmark.

PostgreSQL is skipped, with a message, when the admin URL does not answer.

Run from the repo root:
  .venv/bin/python benchmarks/kb_search.py [--backend sqlite|postgresql|both] [--docs N]
      [--queries N] [--concurrency N] [--changed FRACTION] [--postgres-url URL] [--seed N] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text
from sqlalchemy.engine import make_url

from benchmarks.databases import postgres_answers, throwaway_postgres
from hard_e.agents.knowledge import KnowledgeIndex, SyncReport
from hard_e.integrations.document_sources import FolderSource
from hard_e.store.db import create_engine
from hard_e.store.migrate import upgrade

DEFAULT_POSTGRES_URL = os.environ.get("HARDE_TEST_POSTGRES_URL") or "postgresql://postgres@127.0.0.1:5432/test"
WARMUP_QUERIES = 20
SEARCH_LIMIT = 5

# -- the corpus -------------------------------------------------------------------------------------

# Per topic: what its documents are called, what their sections are called, and the words and
# phrases its sentences are made of (most common first: picks are Zipf-weighted).
TOPICS: dict[str, dict[str, list[str]]] = {
    "roofing": {
        "kinds": ["Installation Standard", "Product Guide", "Field Notes", "Crew Checklist", "Homeowner FAQ"],
        "subjects": ["Architectural Shingles", "Metal Roofs", "Tear-Off and Decking", "Ventilation",
                     "Flat and Low-Slope Roofs", "Ridge and Hip Details", "Chimney Flashing", "Skylights"],
        "sections": ["Scope", "Materials", "Tear-off", "Decking", "Underlayment", "Flashing", "Ventilation",
                     "Cleanup", "Inspection", "Common mistakes"],
        "terms": ["shingle", "roof", "underlayment", "decking", "drip edge", "ridge vent", "flashing",
                  "ice and water shield", "starter strip", "pipe boot", "valley", "pitch", "tear-off",
                  "ridge cap", "nail pattern", "attic ventilation", "standing seam", "rake", "eave",
                  "Class 4 impact-resistant shingle", "OSB sheathing", "step flashing", "cricket",
                  "TPO membrane", "granule loss", "soffit intake", "counter-flashing"],
    },
    "siding": {
        "kinds": ["Product Guide", "Installation Standard", "Sales Notes", "Homeowner FAQ"],
        "subjects": ["Vinyl Siding", "Fiber Cement", "Engineered Wood", "Trim and Fascia", "Soffit", "House Wrap"],
        "sections": ["Overview", "Profiles and colors", "Installation", "Trim", "Maintenance", "Pricing notes"],
        "terms": ["siding", "vinyl", "fiber cement", "trim", "fascia", "soffit", "house wrap", "lap siding",
                  "board and batten", "J-channel", "corner post", "color match", "insulated vinyl",
                  "James Hardie", "LP SmartSide", "shake profile", "caulk joint", "wind load", "fade warranty",
                  "rot", "moisture barrier", "furring strip"],
    },
    "windows": {
        "kinds": ["Product Guide", "Measuring Guide", "Sales Notes", "Installation Standard"],
        "subjects": ["Double-Hung Windows", "Casement Windows", "Sliding Patio Doors", "Bay and Bow Windows",
                     "Energy Performance", "Full-Frame Replacement"],
        "sections": ["Overview", "Glass packages", "Measuring", "Installation", "Lead times", "Objections"],
        "terms": ["window", "double-hung", "casement", "glass", "frame", "sash", "Low-E coating", "argon fill",
                  "U-factor", "triple pane", "tilt-in", "insert replacement", "full-frame", "condensation",
                  "grid pattern", "egress", "tempered glass", "Energy Star", "SHGC", "weatherstripping",
                  "rough opening", "fibrex"],
    },
    "gutters": {
        "kinds": ["Product Guide", "Installation Standard", "Homeowner FAQ", "Upsell Notes"],
        "subjects": ["Seamless Aluminum Gutters", "Gutter Guards", "Downspouts", "Half-Round Copper Gutters"],
        "sections": ["Sizing", "Materials", "Installation", "Guards", "Drainage", "Add-on pricing"],
        "terms": ["gutter", "downspout", "seamless", "K-style", "gutter guard", "half-round", "hanger",
                  "splash block", "fascia board", "pitch toward the outlet", "leaf screen", "micro-mesh",
                  "ice dam", "overflow", "6-inch gutter", "copper", "end cap", "underground drain", "miter"],
    },
    "solar": {
        "kinds": ["Product Guide", "Sales Playbook", "Homeowner FAQ", "Design Notes"],
        "subjects": ["Roof-Plus-Solar", "Panels and Inverters", "Net Metering", "Battery Storage",
                     "Site Survey", "Interconnection"],
        "sections": ["Overview", "System sizing", "Equipment", "Utility rules", "Incentives", "Objections"],
        "terms": ["solar", "panel", "inverter", "microinverter", "net metering", "kWh", "utility bill",
                  "battery", "shading", "production estimate", "interconnection", "array", "racking",
                  "tax credit", "roof-plus-solar", "monocrystalline", "Enphase", "consumption history",
                  "time-of-use rate", "export credit", "string inverter", "rapid shutdown"],
    },
    "warranty": {
        "kinds": ["Policy", "Claims Procedure", "Homeowner FAQ", "Registration Guide"],
        "subjects": ["Workmanship Warranty", "Manufacturer Warranty", "Warranty Transfers",
                     "Warranty Claims", "Enhanced System Warranty"],
        "sections": ["What is covered", "What is not covered", "Registration", "Transfers", "Claims",
                     "Exclusions"],
        "terms": ["warranty", "workmanship warranty", "manufacturer warranty", "coverage", "registration",
                  "transfer", "non-prorated", "prorated", "claim", "exclusion", "lifetime", "defect",
                  "labor coverage", "system warranty", "certificate", "wind warranty", "algae resistance",
                  "second owner", "service call", "warranty card"],
    },
    "financing": {
        "kinds": ["Lending Guide", "Sales Playbook", "Homeowner FAQ", "Compliance Notes"],
        "subjects": ["Same-as-Cash Plans", "Fixed-Rate Loans", "Monthly Payment Reframe",
                     "Credit Applications", "Deferred Interest"],
        "sections": ["The plans", "Who qualifies", "How to present it", "Rules of thumb", "Compliance",
                     "Objections"],
        "terms": ["financing", "monthly payment", "APR", "same-as-cash", "deferred interest", "credit score",
                  "loan", "term", "prepayment", "lending partner", "application", "soft pull", "approval",
                  "down payment", "promotional rate", "installment", "Keystone Home Finance", "co-applicant",
                  "debt-to-income", "payment factor"],
    },
    "objections": {
        "kinds": ["Playbook", "Coaching Notes", "Role-Play Script", "Call Review"],
        "subjects": ["Price Objections", "Spouse Approval", "Competitor Quotes", "Timing Objections",
                     "Trust and Reputation", "Insurance Objections"],
        "sections": ["What it sounds like", "What is behind it", "Technique", "Say this", "Avoid this",
                     "Next step"],
        "terms": ["objection", "price", "competitor quote", "spouse", "decision maker", "trust", "timing",
                  "acknowledge", "clarify", "good better best", "feel felt found", "trial close",
                  "cost of waiting", "third-party proof", "isolate the objection", "reviews", "referral",
                  "neighbor reference", "second visit", "think it over"],
    },
    "pricing": {
        "kinds": ["Price Book", "Discount Policy", "Estimating Guide", "Sales Notes"],
        "subjects": ["Roof Replacement Pricing", "Per-Square Pricing", "Discount Authority",
                     "Add-Ons and Upgrades", "Estimate Presentation"],
        "sections": ["Base prices", "Add-ons", "Discount authority", "Manager approval", "Presenting the price",
                     "Examples"],
        "terms": ["price", "estimate", "per square", "discount", "manager approval", "margin", "add-on",
                  "upgrade", "tier", "package", "line item", "decking allowance", "tear-off layer",
                  "steep charge", "permit fee", "dumpster", "quote validity", "price match", "deposit",
                  "change order"],
    },
    "storm": {
        "kinds": ["Inspection Process", "Insurance Guide", "Canvassing Notes", "Adjuster Meeting Guide"],
        "subjects": ["Hail Damage", "Wind Damage", "Insurance Claims", "Adjuster Meetings", "Supplements",
                     "Storm Canvassing"],
        "sections": ["Before you go up", "Test squares", "Collateral damage", "Photos", "Filing the claim",
                     "Meeting the adjuster", "Supplements"],
        "terms": ["hail", "storm", "adjuster", "insurance claim", "deductible", "test square", "hail hit",
                  "wind damage", "collateral damage", "supplement", "Xactimate", "ACV", "RCV",
                  "depreciation", "scope of loss", "storm date", "hail report", "creased shingle",
                  "soft metals", "claim number", "mortgage company check"],
    },
    "permits": {
        "kinds": ["Permit Guide", "Code Notes", "HOA Guide", "Inspection Checklist"],
        "subjects": ["Building Permits", "HOA Approval", "Code Upgrades", "Final Inspections",
                     "Historic Districts"],
        "sections": ["When a permit is needed", "Who pulls it", "Timeline", "Inspection", "Code upgrades",
                     "HOA approval"],
        "terms": ["permit", "building department", "inspection", "code", "HOA", "architectural review",
                  "final inspection", "re-roof permit", "code upgrade", "ice barrier requirement",
                  "lead-safe", "historic district", "permit fee", "setback", "variance", "inspector",
                  "drip edge requirement", "job card", "certificate of completion"],
    },
}

PLACES = ["Denver", "Aurora", "Lakewood", "Littleton", "Parker", "Castle Rock", "Boulder", "Longmont",
          "Fort Collins", "Loveland", "Greeley", "Colorado Springs", "Monument", "Frisco", "Golden",
          "Westminster", "Thornton", "Broomfield", "Erie", "Windsor"]
PEOPLE = ["the homeowner", "the customer", "the adjuster", "the project manager", "the consultant",
          "the crew lead", "the office", "the inspector", "both spouses", "the sales manager"]
VERBS = ["check", "confirm", "photograph", "explain", "document", "measure", "note", "compare", "record",
         "review", "replace", "inspect", "price", "show", "discuss", "mark up"]
ADVICE = ["before you leave the driveway", "in plain words", "on every appointment", "in the CRM the same day",
          "with a ruler in the photo", "slope by slope", "before the estimate", "without guessing",
          "in front of both decision makers", "when the weather allows", "within 48 hours",
          "before the crew arrives", "on the job card", "in writing", "with their own photos"]
CONNECTORS = ["Then", "Afterwards", "If in doubt", "In most cases", "On older homes", "For rentals",
              "On two-story homes", "In cold climates", "When the budget is tight", "After a hail storm",
              "On steep roofs", "For repeat customers", "Before the adjuster visit", "During the walk-around"]

SENTENCES = [
    "Always {verb} the {term} {advice}.",
    "{connector}, {verb} the {term} and the {term2} {advice}.",
    "{Person} should {verb} the {term} {advice}, because it is the first thing {person2} asks about.",
    "The {term} is where most callbacks start, so {verb} it {advice}.",
    "Never promise anything about the {term} that is not written in the {kind}.",
    "On a typical job in {place} the {term} adds {n} to {n2} percent to the total.",
    "{connector}, {person} will ask whether the {term} affects the {term2}; answer {advice}.",
    "Ask what made them call today, then {verb} the {term} and listen for the worry behind the question.",
    "A {term} that looks fine from the ground can still fail within {n} months if the {term2} was skipped.",
    "Keep the {term} and the {term2} on separate lines of the estimate so {person} can compare them.",
    "Our crews in {place} {verb} the {term} on every job, even when the {term2} looks new.",
    "If {person} mentions the {term}, {verb} it {advice} and agree on one next step.",
    "Most complaints about the {term} come from jobs where nobody wrote down the {term2}.",
    "{connector}, the {term} matters more than the {term2}; say so {advice}.",
    "Allow {n} business days for the {term} and tell {person} the date {advice}.",
    "A clear photo of the {term} saves a second trip, and {person2} will thank you for it.",
]
QUESTIONS = ["How long does the {term} take?", "What does the {term} cost?", "Who pays for the {term}?",
             "Does the {term} change the {term2}?", "Can we skip the {term}?"]


def _zipf_weights(n: int) -> list[float]:
    return [1.0 / (rank + 1) ** 0.8 for rank in range(n)]


class CorpusWriter:
    """Seeded Markdown documents about the topics above, with Zipf-skewed word choice."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self._weights = {name: _zipf_weights(len(t["terms"])) for name, t in TOPICS.items()}

    def term(self, topic: str) -> str:
        return self.rng.choices(TOPICS[topic]["terms"], weights=self._weights[topic])[0]

    def sentence(self, topic: str, kind: str) -> str:
        rng = self.rng
        # One sentence in five borrows a neighbouring topic's words: real documents cross-reference.
        other = rng.choice(list(TOPICS)) if rng.random() < 0.2 else topic
        term, term2 = self.term(topic), self.term(other)
        n = rng.randint(2, 30)
        person, person2 = rng.sample(PEOPLE, 2)
        line = rng.choice(SENTENCES).format(
            term=term, term2=term2, verb=rng.choice(VERBS), advice=rng.choice(ADVICE), kind=kind.lower(),
            connector=rng.choice(CONNECTORS), place=rng.choice(PLACES), n=n, n2=n + rng.randint(1, 15),
            person=person, Person=person[0].upper() + person[1:], person2=person2,
        )
        return line[0].upper() + line[1:]

    def paragraph(self, topic: str, kind: str) -> str:
        return " ".join(self.sentence(topic, kind) for _ in range(self.rng.randint(3, 7)))

    def bullets(self, topic: str, kind: str) -> str:
        return "\n".join(f"- {self.sentence(topic, kind)}" for _ in range(self.rng.randint(3, 6)))

    def faq(self, topic: str, kind: str) -> str:
        question = self.rng.choice(QUESTIONS).format(term=self.term(topic), term2=self.term(topic))
        return f"**{question}** {self.paragraph(topic, kind)}"

    def document(self, topic: str, number: int) -> tuple[str, str]:
        """(relative path, Markdown text) of one document."""
        rng, spec = self.rng, TOPICS[topic]
        kind, subject = rng.choice(spec["kinds"]), rng.choice(spec["subjects"])
        place = rng.choice(PLACES)
        title = f"{subject} {kind} ({place})" if rng.random() < 0.4 else f"{subject} {kind}"
        lines = [f"# {title}", "", f"*{self.sentence(topic, kind)}*", ""]
        for section in rng.sample(spec["sections"], rng.randint(3, min(6, len(spec["sections"])))):
            lines += [f"## {section}", ""]
            for _ in range(rng.randint(1, 3)):
                block = rng.choices([self.paragraph, self.bullets, self.faq], weights=[6, 2, 1])[0]
                lines += [block(topic, kind), ""]
            if rng.random() < 0.25:
                lines += [f"### {self.term(topic).capitalize()}", "", self.paragraph(topic, kind), ""]
        slug = f"{subject}-{kind}".lower().replace(" ", "-").replace("(", "").replace(")", "")
        return f"{topic}/{slug}-{number:05d}.md", "\n".join(lines)


def write_corpus(folder: Path, docs: int, seed: int) -> list[Path]:
    writer = CorpusWriter(seed)
    topics = list(TOPICS)
    paths = []
    for number in range(docs):
        relative, body = writer.document(topics[number % len(topics)], number)
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body, encoding="utf-8")
        paths.append(path)
    return paths


def change_documents(paths: list[Path], fraction: float, seed: int) -> int:
    """Rewrite a seeded `fraction` of the documents with new text and a later mtime; how many."""
    rng = random.Random(seed + 1)
    chosen = rng.sample(paths, max(1, round(len(paths) * fraction))) if fraction > 0 else []
    writer = CorpusWriter(seed + 2)
    later = time.time_ns() + 5_000_000_000  # a later mtime even on coarse-grained file systems
    for path in chosen:
        topic, number = path.parent.name, int(path.stem.rsplit("-", 1)[1])
        _, body = writer.document(topic, number)
        path.write_text(body, encoding="utf-8")
        os.utime(path, ns=(later, later))
    return len(chosen)


# -- the queries ------------------------------------------------------------------------------------

HANDWRITTEN_QUERIES = [
    "hail damage test square", "how many hail hits file a claim", "roof warranty transfer",
    "transfer warranty to new owner", "same as cash deferred interest", "monthly payment per 10000",
    "ice and water shield eaves", "ridge vent attic ventilation", "gutter guard price",
    "seamless gutters downspout size", "solar net metering credit", "roof plus solar financing",
    "spouse not home objection", "competitor quote cheaper", "discount authority manager approval",
    "permit fee who pays", "HOA approval siding color", "meet the adjuster on site",
    "Xactimate supplement decking", "ACV vs RCV depreciation", "Low-E argon U-factor",
    "double hung vs casement", "fiber cement vs vinyl siding", "Class 4 impact resistant shingle",
    "what does tear-off cost per square", "do we need a permit for reroof", "workmanship warranty years",
    "final inspection certificate of completion", "microinverter vs string inverter",
    "warrenty transfer fee", "finacing credit score minimum", "shingel granule loss", "guter guards",
    "adjustor meeting checklist", "persmit timeline", "Keystone Home Finance approval",
    "rapid shutdown requirement", "historic district window replacement", "mortgage company check endorse",
    "feel felt found", "cost of waiting hail", "wind damage creased shingles", "condensation between panes",
    "triple pane egress window", "board and batten trim", "half-round copper gutters", "zebra trampoline",
]
QUERY_SHAPES = [
    "{a} {b}", "{a} {b} {c}", "{a} {place}", "how much is {a}", "does {a} cover {b}",
    "{a} vs {b}", "{a} {b} objection", "who pays for {a}", "{a} {b} {c} {d}",
]


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 1)
    return rng.choice([word[:i] + word[i + 1:], word[:i] + word[i + 1] + word[i] + word[i + 2:], word[:i] + word[i] + word[i:]])


def make_queries(count: int, seed: int) -> list[tuple[str, str | None]]:
    """(query, topic it was drawn from, or None for the handwritten ones), seeded and shuffled."""
    rng = random.Random(seed + 3)
    writer = CorpusWriter(seed + 4)
    queries: list[tuple[str, str | None]] = [(q, None) for q in HANDWRITTEN_QUERIES]
    topics = list(TOPICS)
    while len(queries) < count:
        topic = rng.choice(topics)
        # Rarely-used words (the tail of the list) as often as common ones: the index must find both.
        terms: list[str] = []
        while len(terms) < 4:
            term = writer.term(topic) if rng.random() < 0.6 else rng.choice(TOPICS[topic]["terms"])
            if term not in terms:
                terms.append(term)
        query = rng.choice(QUERY_SHAPES).format(a=terms[0], b=terms[1], c=terms[2], d=terms[3], place=rng.choice(PLACES))
        words = query.split()
        if len(words) > 5:
            query = " ".join(words[:5])
        if rng.random() < 0.12:
            words = query.split()
            j = rng.randrange(len(words))
            words[j] = _typo(rng, words[j])
            query = " ".join(words)
        queries.append((query, topic))
    rng.shuffle(queries)
    return queries[:count]


# -- running ----------------------------------------------------------------------------------------


@dataclass
class SyncFigures:
    documents: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.documents / self.seconds if self.seconds else math.inf


@dataclass
class Latencies:
    count: int
    seconds: float  # wall time of the whole run
    p50: float
    p95: float
    p99: float
    max: float  # milliseconds, all four

    @property
    def per_second(self) -> float:
        return self.count / self.seconds if self.seconds else math.inf

    @classmethod
    def of(cls, samples: list[float], seconds: float) -> Latencies:
        ordered = sorted(samples)

        def rank(q: float) -> float:  # nearest rank
            return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))] * 1000

        return cls(len(ordered), seconds, rank(0.50), rank(0.95), rank(0.99), ordered[-1] * 1000)


@dataclass
class BackendResult:
    backend: str
    documents: int = 0
    chunks: int = 0
    database_bytes: int | None = None
    initial: SyncFigures | None = None
    unchanged: SyncFigures | None = None
    changed: SyncFigures | None = None
    sequential: Latencies | None = None
    concurrent: Latencies | None = None
    concurrency: int = 0
    changed_share: float = 0.0
    empty_results: int = 0
    on_topic: tuple[int, int] = (0, 0)  # (top passage from the query's topic, generated queries)
    notes: list[str] = field(default_factory=list)


async def timed_sync(index: KnowledgeIndex, source: FolderSource) -> tuple[float, SyncReport]:
    started = time.perf_counter()
    report = await index.sync([source])
    seconds = time.perf_counter() - started
    if report.failed:
        raise RuntimeError(f"sync failed for {len(report.failed)} documents, e.g. {report.failed[0]}")
    return seconds, report


async def run_searches(
    index: KnowledgeIndex, queries: list[tuple[str, str | None]], concurrency: int
) -> tuple[Latencies, list[list]]:
    samples: list[float] = [0.0] * len(queries)
    results: list[list] = [[] for _ in queries]
    next_query = iter(range(len(queries)))

    async def searcher() -> None:
        for i in next_query:  # a shared iterator: each searcher takes the next query
            started = time.perf_counter()
            results[i] = await index.search(queries[i][0], limit=SEARCH_LIMIT)
            samples[i] = time.perf_counter() - started

    started = time.perf_counter()
    await asyncio.gather(*(searcher() for _ in range(concurrency)))
    return Latencies.of(samples, time.perf_counter() - started), results


async def bench_backend(backend: str, database_url: str, folder: Path, args: argparse.Namespace) -> BackendResult:
    result = BackendResult(backend, concurrency=args.concurrency, changed_share=args.changed)
    paths = write_corpus(folder, args.docs, args.seed)
    source = FolderSource(folder)
    queries = make_queries(args.queries, args.seed)
    engine = create_engine(database_url)
    try:
        await upgrade(engine)
        index = KnowledgeIndex(engine)

        seconds, report = await timed_sync(index, source)
        result.initial = SyncFigures(report.added, seconds)
        result.documents, result.chunks = await index.counts()

        seconds, report = await timed_sync(index, source)
        result.unchanged = SyncFigures(report.unchanged, seconds)
        if report.added or report.updated or report.removed:
            result.notes.append(f"the no-change sync was not a no-op: {report.summary()}")

        changed = change_documents(paths, args.changed, args.seed)
        seconds, report = await timed_sync(index, source)
        result.changed = SyncFigures(report.updated, seconds)
        if report.updated != changed:
            result.notes.append(f"{changed} documents were changed but the sync updated {report.updated}")
        result.documents, result.chunks = await index.counts()

        if backend == "sqlite":
            result.database_bytes = sum(
                p.stat().st_size for p in Path(make_url(database_url).database).parent.glob("kb.sqlite3*")
            )
        else:
            async with engine.connect() as conn:
                result.database_bytes = await conn.scalar(text("SELECT pg_database_size(current_database())"))

        await run_searches(index, make_queries(WARMUP_QUERIES, args.seed + 100), 1)
        result.sequential, answers = await run_searches(index, queries, 1)
        result.concurrent, _ = await run_searches(index, queries, args.concurrency)

        result.empty_results = sum(1 for passages in answers if not passages)
        generated = [(passages, topic) for passages, (_, topic) in zip(answers, queries, strict=True) if topic is not None]
        hits = sum(1 for passages, topic in generated if passages and f"/{topic}/" in passages[0].uri)
        result.on_topic = (hits, len(generated))
    finally:
        await engine.dispose()
    return result


async def run(args: argparse.Namespace) -> list[BackendResult]:
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    results: list[BackendResult] = []
    for backend in backends:
        with tempfile.TemporaryDirectory(prefix="harde-kb-bench-") as tmp:
            folder = Path(tmp, "knowledge")
            if backend == "sqlite":
                print("sqlite…", file=sys.stderr, flush=True)
                url = f"sqlite+aiosqlite:///{Path(tmp, 'kb.sqlite3')}"
                results.append(await bench_backend(backend, url, folder, args))
                continue
            problem = await postgres_answers(args.postgres_url)
            if problem:
                print(f"PostgreSQL skipped: {make_url(args.postgres_url).render_as_string()} does not answer ({problem})",
                      file=sys.stderr)
                continue
            print("postgresql…", file=sys.stderr, flush=True)
            async with throwaway_postgres(args.postgres_url) as url:
                results.append(await bench_backend(backend, url, folder, args))
    return results


# -- printing ---------------------------------------------------------------------------------------


def print_result(r: BackendResult) -> None:
    size = f" · {r.database_bytes / 2**20:.1f} MB on disk" if r.database_bytes else ""
    print(f"{'SQLite' if r.backend == 'sqlite' else 'PostgreSQL'}: {r.documents:,} documents, {r.chunks:,} chunks{size}")
    print(f"  {'sync':<32}{'docs':>7}{'seconds':>9}{'docs/s':>9}{'chunks/s':>10}")
    for label, figures, chunks in (
        ("initial (all added)", r.initial, r.chunks),
        ("no change (all skipped)", r.unchanged, None),
        (f"{r.changed_share:.0%} changed (re-indexed)", r.changed, None),
    ):
        rate = f"{chunks / figures.seconds:>10,.0f}" if chunks else f"{'—':>10}"
        print(f"  {label:<32}{figures.documents:>7,}{figures.seconds:>9.2f}{figures.per_second:>9,.0f}{rate}")
    print(f"  {f'search, limit {SEARCH_LIMIT}':<32}{'queries':>7}{'p50':>7}{'p95':>7}{'p99':>7}{'max':>7}  ms{'searches/s':>12}")
    for label, lat in (("one at a time", r.sequential), (f"{r.concurrency} concurrent", r.concurrent)):
        print(f"  {label:<32}{lat.count:>7,}{lat.p50:>7.1f}{lat.p95:>7.1f}{lat.p99:>7.1f}{lat.max:>7.1f}    {lat.per_second:>12,.0f}")
    hits, generated = r.on_topic
    print(f"  no results: {r.empty_results} of {r.sequential.count} queries · "
          f"top passage on the query's topic: {hits} of {generated} generated queries")
    for note in r.notes:
        print(f"  note: {note}")


def as_json(r: BackendResult) -> dict:
    out = asdict(r)
    for name in ("initial", "unchanged", "changed"):
        out[name]["documents_per_second"] = getattr(r, name).per_second
    for name in ("sequential", "concurrent"):
        out[name]["searches_per_second"] = getattr(r, name).per_second
    out["initial"]["chunks_per_second"] = r.chunks / r.initial.seconds
    return out


def fraction(value: str) -> float:
    number = float(value)
    if not 0 <= number <= 1:
        raise argparse.ArgumentTypeError("a fraction between 0 and 1")
    return number


def positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("a positive integer")
    return number


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both",
                        help="which database(s) to benchmark (default both)")
    parser.add_argument("--docs", type=positive, default=1700,
                        help="documents in the synthetic knowledge base (default 1700: about 10,000 chunks)")
    parser.add_argument("--queries", type=positive, default=500, help="searches per run (default 500)")
    parser.add_argument("--concurrency", type=positive, default=8, help="searchers in the concurrent run (default 8)")
    parser.add_argument("--changed", type=fraction, default=0.05,
                        help="share of documents rewritten before the third sync (default 0.05)")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL,
                        help="PostgreSQL admin URL; a throwaway database is made on that server "
                             "(default $HARDE_TEST_POSTGRES_URL or postgresql://postgres@127.0.0.1:5432/test)")
    parser.add_argument("--seed", type=int, default=7, help="seed for the corpus and the queries (default 7)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()

    results = asyncio.run(run(args))
    if args.json:
        print(json.dumps([as_json(r) for r in results], indent=2))
        return
    print(f"{args.docs:,} synthetic documents (seed {args.seed}), {args.changed:.0%} changed before the third sync; "
          f"{args.queries:,} queries")
    for r in results:
        print()
        print_result(r)


if __name__ == "__main__":
    main()
