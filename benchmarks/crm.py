"""How fast does the local CRM answer at 10,000 customers and 20,000 jobs, and what does a lookup cost in Leap requests?

Local CRM (LocalCRM over SQLite and PostgreSQL). A seeded generator writes a company shaped like
hard_e/store/crm_sample/*.json to a temporary folder: the sample's six users, --customers customers
(default 10,000) and --jobs jobs (default 20,000) with about two notes a job (about 40,000). Names are
drawn from lists: half the last names from a Zipf-weighted list of common ones (about 1% are Smiths;
some with accents), half from a long tail of rarer ones shared by two or three customers, 3%
hyphenated. Addresses are in the sample's two branches (Denver, Dallas-Fort Worth) with street words
written out; phones are in the fictional 555-0100 to 555-0199 block of the branch's area codes (so one
number is shared by about eight customers); emails are @example.com. Customers were created mostly in
the last two years; a job's stage follows its age (recent jobs are in the open stages, old ones
Completed or Lost: all eight stages occur), its rep is a project consultant of the customer's branch,
and its notes are tagged one-sentence notes by that rep or the branch's manager. Ids go up in creation
order.

For each backend, on a fresh database (a SQLite file in the temporary folder; a throwaway PostgreSQL
database made through the admin URL --postgres-url and dropped afterwards) the script applies the
migrations, imports the folder with `import_crm` (one transaction; records/s) and then measures, over
--queries lookups each (default 500) drawn with a seed from the generated data, about 10% of them
misses (names, phones, emails, ids and reps that are in no record):
  find_customers   by last name, by full name, by phone (in the formats people type), by email;
                   limit 5, as the CRM agent's resolver asks
  jobs             by customer_id; by stages (one or two, limit 25); by rep (full, first or last name)
  job, notes       one job by id; a job's notes (limit 5)
  job status       the CRM agent's `job_status` tool itself (its FunctionTool invoked as a model's tool
                   call is): find_jobs(crm, reference), then crm.notes(job.id, limit=1) per job, then
                   job_line. References mix last names ("the Okafors"), full names, job numbers ("#20417",
                   "job 20417") and references that match nothing; first one at a time, then by
                   --concurrency callers at once (default 8). A breakdown by kind of reference follows.
Each lookup is timed on its own (p50/p95/max in ms; lookups/s = lookups / wall time, one at a time).
"found" is the share that returned anything; "SQL" the statements each lookup sent, on average. A few
warm-up lookups of each kind run first and are not counted. The PostgreSQL database is ANALYZEd after
the import, as autovacuum does within a minute of a bulk load; SQLite is left as the project leaves it
(no ANALYZE). --explain prints the plan of every statement one lookup of each kind sends (SQLite:
EXPLAIN QUERY PLAN; PostgreSQL: EXPLAIN ANALYZE).

Leap (request cost). The fake Leap API of the tests (tests/fakes/leap_server.py, seeded with the sample
company) runs on 127.0.0.1 and a real `LeapCRM("leap-test", fake.api_url)` talks to it. The job_status
tool is run for a customer with one job ("Okafor"), one with two open jobs ("Dunn"), a job
number ("4723") and a name that matches nothing; then jobs(stages=["Estimate Sent"]) twice (the first
call also reads /workflow/stages, the second uses the cached codes) and jobs(rep="Luis Ortega"). For
each: the requests it sent (from the fake's request log) and the wall time, the median of three rounds,
each with a new client (its own connection, rate limiter and stage-code cache; a round's first request,
GET /customers/1001, opens the connection and is not counted). Leap allows 60 requests a minute per
token and LeapCRM keeps to 50, so the request count is the price that matters; the wall time here is the
loopback fake's and says nothing about Leap's own latency. Last, the rep filter's paging: LeapCRM
matches reps client-side over pages of 100 jobs, so the fake is started again serving 5 jobs a page
(the 50-job sample is then 10 pages, as 1,000 jobs would be at 100) to count what jobs(rep=...) costs for
a rep with fewer than 25 jobs and for a name no job has.

PostgreSQL is skipped, with a message, when the admin URL does not answer.

Run from the repo root:
  .venv/bin/python benchmarks/crm.py [--backend sqlite|postgresql|both] [--customers N] [--jobs N]
      [--queries N] [--concurrency N] [--postgres-url URL] [--seed N] [--explain] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import math
import os
import random
import re
import sys
import tempfile
import time
import unicodedata
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agents import set_tracing_disabled
from agents.tool_context import ToolContext
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from benchmarks.databases import postgres_answers, throwaway_postgres
from hard_e.agents.context import TurnContext
from hard_e.agents.crm.resolve import MAX_CUSTOMERS
from hard_e.agents.ports import CRM
from hard_e.agents.specialists.crm import job_status
from hard_e.agents.turn import Turn
from hard_e.integrations.leap import LeapCRM
from hard_e.records import STAGES
from hard_e.store.crm import LocalCRM
from hard_e.store.crm_import import SAMPLE_DIR, import_crm
from hard_e.store.db import create_engine
from hard_e.store.migrate import upgrade
from tests.fakes.leap_server import FakeLeap

DEFAULT_POSTGRES_URL = os.environ.get("HARDE_TEST_POSTGRES_URL") or "postgresql://postgres@127.0.0.1:5432/test"
WARMUP_LOOKUPS = 20
MISS_SHARE = 0.10
NOTES_PER_JOB = 2.0
SNAPSHOT = datetime(2025, 10, 31, 18, 0)  # the sample's "now": the end of Friday, October 31, 2025 (local time)
STAGES_LIMIT = 25
LEAP_ROUNDS = 3  # 16 requests a round: three stay under the fake's 60 a minute and each client's 50

# -- the company ------------------------------------------------------------------------------------

FIRST_NAMES = [
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth", "William",
    "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen", "Christopher", "Lisa",
    "Daniel", "Nancy", "Matthew", "Betty", "Anthony", "Sandra", "Mark", "Margaret", "Donald", "Ashley", "Steven",
    "Kimberly", "Paul", "Emily", "Andrew", "Donna", "Joshua", "Michelle", "Kenneth", "Carol", "Kevin", "Amanda",
    "Brian", "Melissa", "George", "Deborah", "Timothy", "Stephanie", "Ronald", "Rebecca", "Jason", "Laura", "Edward",
    "Helen", "Jeffrey", "Sharon", "Ryan", "Cynthia", "Jacob", "Kathleen", "Gary", "Amy", "Nicholas", "Angela", "Eric",
    "Shirley", "Jonathan", "Anna", "Stephen", "Brenda", "Larry", "Pamela", "Justin", "Emma", "Scott", "Nicole",
    "Brandon", "Samantha", "Benjamin", "Katherine", "Samuel", "Christine", "Gregory", "Debra", "Alexander", "Rachel",
    "Patrick", "Carolyn", "Frank", "Janet", "Raymond", "Maria", "Jack", "Olivia", "Dennis", "Heather", "Jerry",
    "Catherine", "Tyler", "Diane", "Aaron", "Julie", "José", "Sofía", "Luis", "Camila", "Carlos", "Lucía", "Miguel",
    "Valentina", "Juan", "Ximena", "Wei", "Mei", "Hiroshi", "Yuki", "Raj", "Priya", "Arjun", "Ananya", "Chinedu",
    "Ngozi", "Emeka", "Amara", "Oluwaseun", "Fatima", "Omar", "Layla", "Ahmed", "Noor", "Dmitri", "Olga", "Søren",
    "Ingrid", "Björn", "Zoë", "Chloé", "André", "Renée", "Thanh", "Linh", "Minh", "Tuan", "Grace", "Vernon", "Teresa",
]
# Most common first: half the customers get one of these, Zipf-weighted (about 1% are Smiths, as in the US)...
LAST_NAMES = [
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
    "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee",
    "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young",
    "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker",
    "Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "Gomez", "Phillips", "Evans", "Turner", "Diaz",
    "Parker", "Cruz", "Edwards", "Collins", "Reyes", "Stewart", "Morris", "Morales", "Murphy", "Cook", "Rogers",
    "Gutierrez", "Ortiz", "Morgan", "Cooper", "Peterson", "Bailey", "Reed", "Kelly", "Howard", "Ramos", "Kim", "Cox",
    "Ward", "Richardson", "Watson", "Brooks", "Chavez", "Wood", "James", "Bennett", "Gray", "Mendoza", "Ruiz",
    "Hughes", "Price", "Alvarez", "Castillo", "Sanders", "Patel", "Myers", "Long", "Ross", "Foster", "Jimenez",
    "Powell", "Jenkins", "Perry", "Russell", "Sullivan", "Coleman", "Butler", "Henderson", "Barnes", "Gonzales",
    "Fisher", "Vasquez", "Simmons", "Romero", "Jordan", "Patterson", "Hamilton", "Graham", "Reynolds", "Griffin",
    "Wallace", "Moreno", "West", "Cole", "Hayes", "Bryant", "Herrera", "Gibson", "Ellis", "Tran", "Medina", "Aguilar",
    "Stevens", "Murray", "Ford", "Castro", "Marshall", "Owens", "Harrison", "Fernandez", "McDonald", "Woods",
    "Washington", "Kennedy", "Wells", "Vargas", "Henry", "Chen", "Freeman", "Webb", "Tucker", "Guzman", "Burns",
    "Crawford", "Olson", "Simpson", "Porter", "Hunter", "Gordon", "Mendez", "Silva", "Shaw", "Snyder", "Mason",
    "Dixon", "Muñoz", "Hunt", "Hicks", "Holmes", "Palmer", "Wagner", "Black", "Robertson", "Boyd", "Rose", "Stone",
    "Salazar", "Fox", "Warren", "Mills", "Meyer", "Rice", "Schmidt", "Garza", "Daniels", "Ferguson", "Nichols",
    "Stephens", "Soto", "Weaver", "Ryan", "Gardner", "Payne", "Grant", "Dunn", "Kelley", "Spencer", "Hawkins",
    "Arnold", "Pierce", "Vazquez", "Hansen", "Peters", "Santos", "Hart", "Bradley", "Knight", "Elliott", "Cunningham",
    "Duncan", "Armstrong", "Hudson", "Carroll", "Lane", "Riley", "Andrews", "Alvarado", "Ray", "Delgado", "Berry",
    "Perkins", "Hoffman", "Johnston", "Matthews", "Peña", "Richards", "Willis", "Carpenter", "Lawrence", "Sandoval",
    "Okafor", "Okoye", "Adeyemi", "Nwosu", "Lindqvist", "Núñez", "Ibáñez", "Østergaard", "O'Brien", "O'Connor",
    "McAllister", "Van der Berg", "De la Cruz", "Nakamura", "Tanaka", "Yamamoto", "Kowalski", "Nowak", "Horvath",
    "Schröder", "Müller", "Becker", "Rossi", "Bianchi", "Ferrari", "Papadopoulos", "Ivanov", "Petrov", "Haddad",
    "Khalil", "Hussain", "Singh", "Kumar", "Sharma", "Gupta", "Reddy", "Iyer", "Wu", "Zhang", "Li", "Wang", "Liu",
    "Huang", "Lin", "Pham", "Le", "Vu", "Hoang", "Dang", "Franklin", "Pryce", "Greer", "Ashford", "Whitcombe",
]
# ...and half a rarer one made of these parts ("Ashworth", "Lindgren"), each shared by two or three customers.
SURNAME_HEADS = [
    "Ash", "Black", "Brad", "Brook", "Cald", "Carl", "Craw", "Dal", "Den", "East", "Fair", "Fen", "Gold", "Green", "Hal", "Hart",
    "Hol", "Kirk", "Lang", "Lind", "Mar", "Mid", "Nor", "Oak", "Pem", "Ral", "Red", "Roth", "Sand", "Shel", "Stan", "Stock",
    "Thorn", "Wake", "Wes", "Whit", "Wind", "Wood", "Ack", "Bur", "Cor", "Dun", "Eck", "Gar", "Hag", "Ing", "Kel", "Lock",
    "Mor", "Ost", "Pres", "Quin", "Rad", "Sel", "Tal", "Ud", "Vick", "Wal", "Yar", "Zell",
]
SURNAME_TAILS = [
    "ley", "ton", "wood", "field", "worth", "berg", "strom", "man", "son", "ford", "well", "by", "ham", "more", "stead",
    "ridge", "bury", "wick", "dale", "hurst", "land", "quist", "gren", "holm", "er", "ington", "combe", "shaw", "lund", "sen",
]
# Surnames in no record, street or city (checked when the queries are made): the misses.
MISSING_LAST_NAMES = [
    "Featherstonehaugh", "Quackenbush", "Zabriskie", "Throckmorton", "Vandersloot", "Kierkegaard", "Oyelaran",
    "Szczepanski", "Drummondville", "Fairweather", "Wolfenden", "Bergkamp", "Tsvangirai", "Abernathy", "Quisenberry",
]
MISSING_REPS = ["Jordan Blake", "Stacy", "Mendelsohn", "Chris Park"]

BRANCHES: dict[str, dict[str, Any]] = {
    "Denver": {
        "state": "CO", "zone": ZoneInfo("America/Denver"), "area_codes": ["303", "720", "983", "970", "719"],
        "cities": {
            "Denver": ["80202", "80205", "80210", "80219", "80224", "80231", "80237"], "Aurora": ["80010", "80013", "80015", "80016"],
            "Lakewood": ["80226", "80227", "80228"], "Littleton": ["80120", "80123", "80127"], "Arvada": ["80002", "80004", "80005"],
            "Westminster": ["80021", "80031", "80234"], "Golden": ["80401", "80403"], "Englewood": ["80110", "80113"],
            "Highlands Ranch": ["80126", "80129", "80130"], "Wheat Ridge": ["80033"], "Parker": ["80134", "80138"],
            "Castle Rock": ["80104", "80108", "80109"], "Thornton": ["80229", "80241"], "Centennial": ["80112", "80122"],
            "Broomfield": ["80020", "80023"],
        },
    },
    "Dallas-Fort Worth": {
        "state": "TX", "zone": ZoneInfo("America/Chicago"), "area_codes": ["214", "469", "972", "945", "817", "682", "940"],
        "cities": {
            "Dallas": ["75204", "75214", "75218", "75230", "75238", "75243"], "Plano": ["75023", "75025", "75093"],
            "Frisco": ["75033", "75034", "75035"], "McKinney": ["75070", "75071"], "Allen": ["75002", "75013"],
            "Garland": ["75040", "75043", "75044"], "Richardson": ["75080", "75081"], "Carrollton": ["75006", "75007", "75010"],
            "Prosper": ["75078"], "Irving": ["75038", "75062"], "Arlington": ["76010", "76013", "76016"],
            "Fort Worth": ["76107", "76109", "76132"], "Denton": ["76205", "76210"], "Grapevine": ["76051"],
            "Mesquite": ["75149", "75150"],
        },
    },
}
STREET_NAMES = [
    "Clear Creek", "Meadow Sage", "Saddle Creek", "Elm", "Oak", "Maple", "Cedar", "Pine", "Willow", "Aspen", "Juniper",
    "Cottonwood", "Columbine", "Blue Spruce", "Bluebonnet", "Pecan", "Magnolia", "Live Oak", "Prairie View",
    "Ridgecrest", "Hillside", "Lakeview", "Sunset", "Timberline", "Red Rocks", "Bear Creek", "Cherry Creek",
    "Pinehurst", "Stonegate", "Brookhaven", "Windmill", "Wagon Wheel", "Trail Ridge", "Quail Run", "Fox Hollow",
    "Eagle Crest", "Silver Sage", "Golden Eagle", "Shadow Creek", "Mesa Verde", "Prairie Dog", "Bison", "Longhorn",
    "Post Oak", "Hackberry", "Spring Valley", "Mockingbird", "Walnut Hill", "Forest", "Preston",
]
STREET_KINDS = ["Street", "Drive", "Lane", "Court", "Avenue", "Way", "Circle", "Place", "Road", "Trail", "Boulevard", "Parkway"]
LEAD_SOURCES = ["website", "phone_in", "storm_canvass", "home_show", "referral", "social", "door_knock", "repeat_customer"]
LEAD_WEIGHTS = [18, 8, 5, 3, 3, 3, 2, 1]
TRADES = ["roofing", "gutters", "windows", "siding", "solar"]
TRADE_WEIGHTS = [25, 7, 7, 5, 6]
JOB_KINDS = {
    "roofing": ["roof replacement", "roof replacement", "roof replacement", "roof repair", "roof inspection", "metal roof",
                "chimney re-flashing"],
    "gutters": ["gutter replacement", "gutter guards"],
    "windows": ["window replacement", "patio door"],
    "siding": ["siding replacement", "trim and fascia"],
    "solar": ["solar installation", "battery storage"],
}
AMOUNTS = {"roofing": (9_000, 38_000), "gutters": (1_200, 6_500), "windows": (4_000, 30_000), "siding": (12_000, 45_000),
           "solar": (15_000, 48_000)}
LOST_REASONS = ["Price", "Competitor", "Timing/Postponed", "Financing declined", "Insurance denied", "No response", "Not a fit", "Other"]
LOST_WEIGHTS = [30, 18, 15, 8, 10, 12, 4, 3]
# (stage, weight) by the job's age in days: recent jobs are open, old ones Completed or Lost.
STAGE_WEIGHTS = [
    (45, [20, 20, 15, 25, 10, 5, 2, 3]),
    (180, [3, 3, 4, 20, 10, 10, 30, 20]),
    (math.inf, [1, 0, 1, 5, 2, 2, 55, 34]),
]
# Days from the job's start to its latest stage change, per stage.
STAGE_DAYS = {"Lead": (0, 2), "Appointment Set": (0, 3), "Inspection": (3, 15), "Estimate Sent": (5, 30),
              "Contract Signed": (10, 45), "Production": (20, 60), "Completed": (30, 120), "Lost": (5, 90)}
NOTE_WEIGHTS = {"Lead": 0.5, "Appointment Set": 1, "Inspection": 1.5, "Estimate Sent": 2, "Contract Signed": 2.5,
                "Production": 3, "Completed": 3, "Lost": 2}
PARTS = ["ridge", "north slope", "valleys", "chimney flashing", "gutters", "fascia", "west slope", "skylight", "downspouts"]
ISSUES = ["hail hits on every slope", "granule loss", "lifted shingles", "rotted decking at the eaves", "a failed pipe boot",
          "overflowing gutters", "cracked seals on two windows", "soft fascia boards", "no damage worth a claim"]
TIERS = ["Good", "Better", "Best", "Preferred", "Signature"]
NOTE_TEMPLATES = [
    "[Call] {first} called about the {part}; booked a visit for {day} at {hour}.",
    "[Call] Left a voicemail for {first} about the estimate. Next: try again {day}.",
    "[Call] {first} wants to talk it over with {partner} first. Next: follow-up call {day}.",
    "[Text] Texted {first} a reminder for the appointment; confirmed.",
    "[Text] {first} sent photos of the {part}; looks like {issue}.",
    "[Email] Estimate sent: {job}, ${amount:,}. Next: follow-up call in three days.",
    "[Email] Sent the financing options; {first} asked about the same-as-cash plan.",
    "[Visit] Inspected the {part}: {issue}. {photos} photos uploaded.",
    "[Visit] Walked {first} and {partner} through good, better, best; leaning toward {tier} at ${amount:,}.",
    "[Internal] Permit pulled with {city}; install scheduled for {day}.",
    "[Internal] Crew lead confirmed materials delivered; dumpster ordered for {day}.",
]
HOURS = ["9 am", "10 am", "11 am", "1 pm", "2 pm", "4 pm", "5 pm"]
SERVICE_NOTE = "[Service] Warranty check: {issue} looked at and fixed at no charge."
PARTNERS = ["her husband", "his wife", "their son", "her partner", "his partner", "the landlord", "the HOA"]
CUSTOMER_NOTES = [
    "Prefers texts after 5 pm.", "Dog in the backyard; call before opening the gate.", "Partner {partner_name} is a co-decision-maker.",
    "HOA needs color approval before any siding or roof work.", "Referred by neighbor {partner_name}.",
    "Works nights; mornings are best.", "Rental property; tenant lets the crew in.", "Claim denied last year; wants a second opinion.",
]


@dataclass
class Company:
    users: list[dict[str, Any]]
    customers: list[dict[str, Any]]
    jobs: list[dict[str, Any]]
    notes: list[dict[str, Any]]

    @property
    def records(self) -> int:
        return len(self.users) + len(self.customers) + len(self.jobs) + len(self.notes)


def _zipf_weights(n: int, exponent: float = 0.9) -> list[float]:
    return [1.0 / (rank + 1) ** exponent for rank in range(n)]


def _ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.replace("ø", "o").replace("Ø", "O"))
    return "".join(c for c in decomposed if c.isascii() and c.isalnum())


def _local(at: datetime, zone: ZoneInfo) -> str:
    return at.replace(tzinfo=zone).isoformat()


def _at_hour(day: datetime, rng: random.Random, first: int = 9, last: int = 19) -> datetime:
    return day.replace(hour=rng.randint(first, last), minute=rng.choice([0, 15, 30, 45]), second=0, microsecond=0)


def _day(at: datetime) -> str:
    return f"{at:%A} {at.month}/{at.day}"


def _next_base(after: int) -> int:
    """The first id of the next kind: past `after`, at a round number (ids never repeat across kinds)."""
    return (after // 10_000 + 1) * 10_000 + 1


def generate_company(customers: int, jobs: int, seed: int) -> Company:
    """A seeded company shaped like hard_e/store/crm_sample (see the module's docstring)."""
    rng = random.Random(seed)
    users = json.loads((SAMPLE_DIR / "users.json").read_text(encoding="utf-8"))
    consultants = {b: [f"{u['first_name']} {u['last_name']}" for u in users if u["branch"] == b and "Consultant" in (u["role"] or "")]
                   for b in BRANCHES}
    managers = {b: [f"{u['first_name']} {u['last_name']}" for u in users if u["branch"] == b and "Consultant" not in (u["role"] or "")]
                for b in BRANCHES}
    last_weights = _zipf_weights(len(LAST_NAMES), 0.4)

    def surname() -> str:
        if rng.random() < 0.5:
            return rng.choices(LAST_NAMES, weights=last_weights)[0]
        return rng.choice(SURNAME_HEADS) + rng.choice(SURNAME_TAILS)

    used_emails: set[str] = set()

    people: list[dict[str, Any]] = []
    for _ in range(customers):
        branch = rng.choice(list(BRANCHES))
        b = BRANCHES[branch]
        first = rng.choice(FIRST_NAMES)
        last = surname()
        if rng.random() < 0.03:
            last = f"{last}-{surname()}"
        city = rng.choice(list(b["cities"]))
        digits = f"{rng.choice(b['area_codes'])}5550{rng.randint(100, 199)}"
        area, exchange, line = digits[:3], digits[3:6], digits[6:]
        phone = rng.choices([f"{area}-{exchange}-{line}", f"({area}) {exchange}-{line}", f"{area}.{exchange}.{line}",
                             f"+1 {area} {exchange} {line}"], weights=[80, 10, 5, 5])[0]
        email = None
        if rng.random() > 0.04:
            f, la = _ascii(first).lower(), _ascii(last).lower()
            local = rng.choice([f"{f}.{la}", f"{f[0]}{la}", f"{f}{la}", f"{f}_{la}", f"{la}.{f}"])
            email, n = f"{local}@example.com", 2
            while email in used_emails:
                email, n = f"{local}{n}@example.com", n + 1
            used_emails.add(email)
        days_ago = min(rng.expovariate(1 / 600), 7 * 365)
        created = SNAPSHOT - timedelta(days=days_ago)
        company = None
        if rng.random() < 0.02:
            company = f"{rng.choice(STREET_NAMES)} Property Management LLC"
        note = ""
        if rng.random() < 0.3:
            note = rng.choice(CUSTOMER_NOTES).format(partner_name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}")
        people.append({
            "first_name": first, "last_name": last, "email": email, "phone": phone,
            "address": {"street": f"{rng.randint(100, 19999)} {rng.choice(STREET_NAMES)} {rng.choice(STREET_KINDS)}",
                        "city": city, "state": b["state"], "zip": rng.choice(b["cities"][city])},
            "company": company,
            "trades": sorted(set(rng.choices(TRADES, weights=TRADE_WEIGHTS, k=rng.choice([1, 1, 2])))),
            "lead_source": rng.choices(LEAD_SOURCES, weights=LEAD_WEIGHTS)[0],
            "created_at": created.date().isoformat(),
            "assigned_rep": rng.choice(consultants[branch]),
            "notes": note,
            "_branch": branch, "_created": created,
        })
    people.sort(key=lambda c: c["_created"])
    for number, c in enumerate(people):
        c["id"] = 1001 + number

    # Every customer has a job (while there are jobs enough); the rest go to repeat customers.
    owners = list(people) if jobs >= customers else rng.sample(people, jobs)
    owners += rng.choices(people, k=max(0, jobs - len(owners)))
    work: list[dict[str, Any]] = []
    for owner in owners:
        branch, zone = owner["_branch"], BRANCHES[owner["_branch"]]["zone"]
        started = owner["_created"] + timedelta(days=rng.uniform(0, 5))
        if owner.setdefault("_jobs", []):  # a repeat job: any time since they became a customer
            started = owner["_created"] + timedelta(days=rng.uniform(0, max(1.0, (SNAPSHOT - owner["_created"]).days)))
        started = min(started, SNAPSHOT - timedelta(hours=1))
        age = (SNAPSHOT - started).days
        weights = next(w for limit, w in STAGE_WEIGHTS if age < limit)
        stage = rng.choices(STAGES, weights=weights)[0]
        trade = rng.choice(owner["trades"]) if owner["trades"] and rng.random() < 0.85 else rng.choices(TRADES, weights=TRADE_WEIGHTS)[0]
        low, high = STAGE_DAYS[stage]
        changed = min(_at_hour(started + timedelta(days=rng.uniform(low, high)), rng), SNAPSHOT - timedelta(minutes=5))
        appointment = None
        if stage == "Appointment Set":
            appointment = _at_hour(SNAPSHOT + timedelta(days=rng.randint(1, 14)), rng)
        elif stage != "Lead" and not (stage == "Lost" and rng.random() < 0.3):
            appointment = _at_hour(started + timedelta(days=rng.uniform(0, min(3, (changed - started).days))), rng)
            changed = max(changed, appointment + timedelta(hours=2))
            changed = min(changed, SNAPSHOT - timedelta(minutes=5))
        priced = stage in ("Estimate Sent", "Contract Signed", "Production", "Completed") or (stage == "Lost" and rng.random() < 0.6)
        amount = round(rng.uniform(*AMOUNTS[trade]), -1) if priced else None
        rep = owner["assigned_rep"] if rng.random() < 0.9 else rng.choice(consultants[branch])
        job = {
            "customer_id": owner["id"],
            "name": f"{owner['last_name']} {rng.choice(JOB_KINDS[trade])}",
            "trade": trade,
            "stage": stage,
            "stage_changed_at": None if stage == "Lead" and rng.random() < 0.05 else _local(changed, zone),
            "estimate_amount": int(amount) if amount is not None else None,
            "assigned_rep": rep,
            "appointment_at": _local(appointment, zone) if appointment else None,
            "lost_reason": rng.choices(LOST_REASONS, weights=LOST_WEIGHTS)[0] if stage == "Lost" else None,
            "call_ids": [],
            "_started": started, "_changed": changed, "_owner": owner, "_zone": zone, "_branch": branch,
        }
        owner["_jobs"].append(job)
        work.append(job)
    work.sort(key=lambda j: j["_started"])
    job_base = _next_base(1001 + customers)
    for number, j in enumerate(work):
        j["id"] = job_base + number

    notes: list[dict[str, Any]] = []
    if work:
        for j in rng.choices(work, weights=[NOTE_WEIGHTS[j["stage"]] for j in work], k=round(NOTES_PER_JOB * len(work))):
            owner = j["_owner"]
            span = max(0.0, (j["_changed"] - j["_started"]).total_seconds())
            at = _at_hour(j["_started"] + timedelta(seconds=rng.uniform(0, span)), rng, 9, 19)
            if j["stage"] == "Completed" and rng.random() < 0.05:
                body = SERVICE_NOTE.format(issue=rng.choice(ISSUES))
                at = _at_hour(min(j["_changed"] + timedelta(days=rng.randint(30, 300)), SNAPSHOT - timedelta(days=1)), rng)
            else:
                body = rng.choice(NOTE_TEMPLATES).format(
                    first=owner["first_name"], partner=rng.choice(PARTNERS), part=rng.choice(PARTS), issue=rng.choice(ISSUES),
                    day=_day(at + timedelta(days=rng.randint(1, 6))), hour=rng.choice(HOURS),
                    job=j["name"], amount=j["estimate_amount"] or rng.randint(2, 30) * 1000, photos=rng.randint(12, 48),
                    tier=rng.choice(TIERS), city=owner["address"]["city"],
                )
            author = j["assigned_rep"] if rng.random() < 0.9 else rng.choice(managers[j["_branch"]] or [j["assigned_rep"]])
            notes.append({"job_id": j["id"], "author": author, "created_at": _local(at, j["_zone"]), "text": body, "_at": at})
    notes.sort(key=lambda n: n["_at"])
    note_base = _next_base(job_base + jobs)
    for number, n in enumerate(notes):
        n["id"] = note_base + number

    def public(records: list[dict[str, Any]], order: list[str]) -> list[dict[str, Any]]:
        return [{key: r[key] for key in order} for r in sorted(records, key=lambda r: r["id"])]

    return Company(
        users=users,
        customers=public(people, ["id", "first_name", "last_name", "email", "phone", "address", "company", "trades", "lead_source",
                                  "created_at", "assigned_rep", "notes"]),
        jobs=public(work, ["id", "customer_id", "name", "trade", "stage", "stage_changed_at", "estimate_amount", "assigned_rep",
                           "appointment_at", "lost_reason", "call_ids"]),
        notes=public(notes, ["id", "job_id", "author", "created_at", "text"]),
    )


def write_company(folder: Path, company: Company) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for kind in ("users", "customers", "jobs", "notes"):
        (folder / f"{kind}.json").write_text(json.dumps(getattr(company, kind), ensure_ascii=False), encoding="utf-8")


# -- the lookups ------------------------------------------------------------------------------------


def _phone_as_typed(digits: str, rng: random.Random) -> str:
    return rng.choice([f"{digits[:3]}-{digits[3:6]}-{digits[6:]}", f"({digits[:3]}) {digits[3:6]}-{digits[6:]}", digits,
                       f"+1 {digits[:3]} {digits[3:6]} {digits[6:]}", f"{digits[3:6]}-{digits[6:]}"])


def _unaccented(name: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))


def _check_misses(company: Company) -> None:
    haystack = " ".join(
        f"{c['first_name']} {c['last_name']} {c['email'] or ''} {c['address']['street']} {c['address']['city']} {c['company'] or ''}"
        for c in company.customers
    ).casefold()
    haystack += " ".join(j["name"] for j in company.jobs).casefold()
    for name in MISSING_LAST_NAMES:
        if name.casefold() in haystack:
            raise AssertionError(f"the miss {name!r} is in the generated data")


def make_lookups(company: Company, count: int, seed: int) -> dict[str, list[Any]]:
    """Per kind of lookup, `count` seeded inputs drawn from the generated records, about MISS_SHARE of them misses."""
    _check_misses(company)
    rng = random.Random(seed + 11)
    customers, jobs = company.customers, company.jobs
    noted_jobs = sorted({n["job_id"] for n in company.notes})
    last_customer, last_job = customers[-1]["id"], jobs[-1]["id"] if jobs else 0
    consultants = sorted({j["assigned_rep"] for j in jobs})

    def pick(hit: Callable[[], Any], miss: Callable[[], Any]) -> list[Any]:
        return [miss() if rng.random() < MISS_SHARE else hit() for _ in range(count)]

    def someone() -> dict[str, Any]:
        return rng.choice(customers)

    def last_name() -> str:
        last = someone()["last_name"]
        return _unaccented(last) if rng.random() < 0.5 else last.upper() if rng.random() < 0.1 else last

    def full_name() -> str:
        c = someone()
        if rng.random() < 0.8:
            return f"{c['first_name']} {c['last_name']}"
        return f"{c['first_name'].lower()} {_unaccented(c['last_name']).lower()}"

    def phone() -> str:
        digits = "".join(ch for ch in someone()["phone"] if ch.isdigit())[-10:]
        return _phone_as_typed(digits, rng)

    def email() -> str:
        address = None
        while not address:  # 96% of customers have one
            address = someone()["email"]
        return address if rng.random() < 0.9 else address.upper()

    def rep() -> str:
        name = rng.choice(consultants)
        return rng.choice([name, name.split()[0], name.split()[-1], name.lower()])

    def stages() -> list[str]:
        chosen = rng.sample(STAGES, rng.choice([1, 1, 1, 1, 2]))
        return [s.lower() if rng.random() < 0.2 else s for s in chosen]

    def job_id() -> str:
        return str(rng.choice(jobs)["id"])

    def missing_name() -> str:
        return rng.choice(MISSING_LAST_NAMES)

    def reference() -> tuple[str, str]:
        roll = rng.random()
        if roll < 0.30:
            last = rng.choice([last_name(), last_name(), f"the {last_name()} job", f"the {_unaccented(someone()['last_name'])}s"])
            return "last name", last
        if roll < 0.55:
            return "full name", rng.choice([full_name(), full_name(), f"{full_name()}'s job"])
        if roll < 0.85:
            return "job number", rng.choice(["{}", "#{}", "job {}", "job #{}"]).format(job_id())
        if rng.random() < 2 / 3:
            return "no match", rng.choice(["{}", "the {} job", "{} roof"]).format(missing_name())
        return "no match", f"#{last_job + rng.randint(1, 10**6)}"

    return {
        "last name": pick(last_name, missing_name),
        "full name": pick(full_name, lambda: f"{rng.choice(FIRST_NAMES)} {missing_name()}"),
        "phone": pick(phone, lambda: _phone_as_typed(f"{rng.choice(['303', '214', '469'])}5550{rng.randint(200, 999)}", rng)),
        "email": pick(email, lambda: f"{missing_name().lower()}@example.org"),
        "customer jobs": pick(lambda: str(someone()["id"]), lambda: str(last_customer + rng.randint(1, 10**6))),
        "stage jobs": [stages() for _ in range(count)],
        "rep jobs": pick(rep, lambda: rng.choice(MISSING_REPS)),
        "job": pick(job_id, lambda: str(last_job + rng.randint(1, 10**6))),
        "notes": pick(lambda: str(rng.choice(noted_jobs)), lambda: str(last_job + rng.randint(1, 10**6))),
        "job status": [reference() for _ in range(count)],
    }


# -- running ----------------------------------------------------------------------------------------


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
        ordered = sorted(samples) or [0.0]

        def rank(q: float) -> float:  # nearest rank
            return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))] * 1000

        return cls(len(samples), seconds, rank(0.50), rank(0.95), rank(0.99), ordered[-1] * 1000)


@dataclass
class LookupFigures:
    label: str
    latencies: Latencies
    found: int  # lookups that returned anything
    statements: float  # SQL statements per lookup, on average
    rows: float  # records per lookup, on average


@dataclass
class BackendResult:
    backend: str
    customers: int = 0
    jobs: int = 0
    notes: int = 0
    records: int = 0
    import_seconds: float = 0.0
    database_bytes: int | None = None
    lookups: list[LookupFigures] = field(default_factory=list)
    job_status_concurrent: Latencies | None = None
    concurrency: int = 0
    job_status_by_reference: list[LookupFigures] = field(default_factory=list)
    job_status_answers: dict[str, int] = field(default_factory=dict)  # what the tool said, by kind of answer
    plans: dict[str, list[str]] = field(default_factory=dict)


class Statements:
    """Counts the SQL statements an engine sends; with `capture` on, keeps them and their parameters."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.count = 0
        self.captured: list[tuple[str, Any]] | None = None
        event.listen(engine.sync_engine, "before_cursor_execute", self._seen)

    def _seen(self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        self.count += 1
        if self.captured is not None:
            self.captured.append((statement, parameters))


def answer_kind(answer: str) -> str:
    if answer.startswith("Several customers match"):
        return "several customers"
    if answer.startswith("No customer or job"):
        return "no match"
    if " has no jobs in " in answer.split("\n", 1)[0]:
        return "customer without jobs"
    return "jobs listed"


def tool_call(crm: CRM, reference: str) -> Awaitable[str]:
    """The job_status tool run as the model's tool call runs it, in a private turn (a DM)."""
    payload = json.dumps({"customer_or_job": reference})
    turn = Turn(team_id="T0BENCH", channel_id="D0BENCH", thread_ts="1.0", message_ts="1.0", user_id="U0BENCH",
                text="how is that job doing?", channel_type="im")
    context = ToolContext(TurnContext(turn=turn, crm=crm), tool_name=job_status.name, tool_call_id="call-bench",
                          tool_arguments=payload)
    return job_status.on_invoke_tool(context, payload)


def lookup_calls(crm: LocalCRM) -> list[tuple[str, str, Callable[[Any], Awaitable[Any]]]]:
    """(kind of input, label, the call) for every measured lookup but the job status."""
    return [
        ("last name", f"find_customers: last name (limit {MAX_CUSTOMERS})", lambda q: crm.find_customers(q, limit=MAX_CUSTOMERS)),
        ("full name", f"find_customers: full name (limit {MAX_CUSTOMERS})", lambda q: crm.find_customers(q, limit=MAX_CUSTOMERS)),
        ("phone", f"find_customers: phone (limit {MAX_CUSTOMERS})", lambda q: crm.find_customers(q, limit=MAX_CUSTOMERS)),
        ("email", f"find_customers: email (limit {MAX_CUSTOMERS})", lambda q: crm.find_customers(q, limit=MAX_CUSTOMERS)),
        ("customer jobs", "jobs(customer_id=…)", lambda q: crm.jobs(customer_id=q)),
        ("stage jobs", f"jobs(stages=[…], limit={STAGES_LIMIT})", lambda q: crm.jobs(stages=q, limit=STAGES_LIMIT)),
        ("rep jobs", "jobs(rep=…) (limit 25)", lambda q: crm.jobs(rep=q)),
        ("job", "job(id)", lambda q: crm.job(q)),
        ("notes", "notes(job_id, limit=5)", lambda q: crm.notes(q, limit=5)),
    ]


def _size(result: Any) -> int:
    if result is None:
        return 0
    if isinstance(result, list):
        return len(result)
    if isinstance(result, str):
        return result.count("\n  latest note") + result.count("\n  no notes yet")
    return 1


async def timed_run(
    call: Callable[[Any], Awaitable[Any]], inputs: list[Any], statements: Statements | None, concurrency: int = 1
) -> tuple[Latencies, list[Any], list[float], list[int]]:
    """Every input through `call`, by `concurrency` callers at once: (latencies, results, seconds each, statements each)."""
    samples = [0.0] * len(inputs)
    results: list[Any] = [None] * len(inputs)
    sent = [0] * len(inputs)
    next_input = iter(range(len(inputs)))

    async def caller() -> None:
        for i in next_input:  # a shared iterator: each caller takes the next input
            before = statements.count if statements is not None else 0
            started = time.perf_counter()
            results[i] = await call(inputs[i])
            samples[i] = time.perf_counter() - started
            if statements is not None and concurrency == 1:
                sent[i] = statements.count - before

    started = time.perf_counter()
    await asyncio.gather(*(caller() for _ in range(concurrency)))
    return Latencies.of(samples, time.perf_counter() - started), results, samples, sent


def figures(label: str, latencies: Latencies, results: list[Any], sent: list[int], found: Callable[[Any], bool]) -> LookupFigures:
    n = max(1, len(results))
    return LookupFigures(label, latencies, sum(1 for r in results if found(r)), sum(sent) / n, sum(map(_size, results)) / n)


async def explain(engine: AsyncEngine, statements: Statements, call: Awaitable[Any]) -> list[str]:
    """The plan of every statement `call` sends."""
    statements.captured = []
    try:
        await call
        captured = statements.captured
    finally:
        statements.captured = None
    lines: list[str] = []
    async with engine.connect() as conn:
        for statement, parameters in captured:
            shown = re.sub(r"^SELECT .+? FROM ", "SELECT … FROM ", " ".join(statement.split()), count=1)
            lines.append("» " + (shown if len(shown) <= 400 else shown[:399] + "…"))
            if conn.dialect.name == "sqlite":
                rows = (await conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)).all()
                depth: dict[int, int] = {0: 0}
                for node, parent, _, detail in rows:
                    depth[node] = depth.get(parent, 0) + 1
                    lines.append("  " * depth[node] + detail)
            else:
                rows = (await conn.exec_driver_sql("EXPLAIN (ANALYZE, COSTS OFF) " + statement, parameters)).all()
                lines.extend("  " + row[0] for row in rows)
    return lines


async def bench_backend(backend: str, database_url: str, folder: Path, company: Company, args: argparse.Namespace) -> BackendResult:
    result = BackendResult(backend, len(company.customers), len(company.jobs), len(company.notes), company.records,
                           concurrency=args.concurrency)
    lookups = make_lookups(company, args.queries, args.seed)
    warmups = make_lookups(company, WARMUP_LOOKUPS, args.seed + 100)
    engine = create_engine(database_url)
    try:
        await upgrade(engine)
        report = await import_crm(engine, folder)
        if not report.ok:
            raise RuntimeError(f"the import skipped records: {report.problems[:3]}")
        result.import_seconds = report.seconds
        if backend == "postgresql":
            async with engine.connect() as conn:
                await conn.execute(text("ANALYZE crm_users, crm_customers, crm_jobs, crm_notes"))
                await conn.commit()
            async with engine.connect() as conn:
                result.database_bytes = await conn.scalar(text("SELECT pg_database_size(current_database())"))
        else:
            result.database_bytes = sum(p.stat().st_size for p in Path(make_url(database_url).database).parent.glob("crm.sqlite3*"))

        gc.collect()
        gc.freeze()  # the generated company stays in memory: keep the collector from walking it in the middle of a lookup
        crm = LocalCRM(engine)
        statements = Statements(engine)
        hits: dict[str, Any] = {}  # per kind, an input that found something: what --explain shows
        for kind, label, call in lookup_calls(crm):
            for q in warmups[kind]:
                await call(q)
            latencies, results, _, sent = await timed_run(call, lookups[kind], statements)
            result.lookups.append(figures(label, latencies, results, sent, bool))
            hits[kind] = next((q for q, found in zip(lookups[kind], results, strict=True) if found), lookups[kind][0])

        def status(reference: tuple[str, str]) -> Awaitable[str]:
            return tool_call(crm, reference[1])

        def listed(answer: str) -> bool:
            return answer_kind(answer) == "jobs listed"

        for reference in warmups["job status"]:
            await status(reference)
        references = lookups["job status"]
        latencies, answers, samples, sent = await timed_run(status, references, statements)
        result.lookups.append(figures("job status (the tool), one at a time", latencies, answers, sent, listed))
        result.job_status_answers = dict(Counter(map(answer_kind, answers)))
        for kind in ("last name", "full name", "job number", "no match"):
            chosen = [i for i, (k, _) in enumerate(references) if k == kind]
            if chosen:
                result.job_status_by_reference.append(figures(
                    kind, Latencies.of([samples[i] for i in chosen], sum(samples[i] for i in chosen)),
                    [answers[i] for i in chosen], [sent[i] for i in chosen], listed))
        result.job_status_concurrent, _, _, _ = await timed_run(status, references, None, args.concurrency)

        if args.explain:
            for kind, label, call in lookup_calls(crm):
                result.plans[f"{label}: {hits[kind]!r}"] = await explain(engine, statements, call(hits[kind]))
            miss, nobody = MISSING_LAST_NAMES[0], MISSING_REPS[0]
            result.plans[f"jobs(keyword={miss!r}, limit={MAX_CUSTOMERS}): find_jobs' fallback when no customer matches"] = await explain(
                engine, statements, crm.jobs(keyword=miss, limit=MAX_CUSTOMERS))
            result.plans[f"jobs(rep={nobody!r}): a name no user has"] = await explain(engine, statements, crm.jobs(rep=nobody))
    finally:
        await engine.dispose()
    return result


@dataclass
class LeapCost:
    label: str
    requests: list[str]  # "GET /jobs/4709/notes -> 200", in the order sent
    milliseconds: float
    outcome: str

    @property
    def count(self) -> int:
        return len(self.requests)


@dataclass
class LeapResult:
    costs: list[LeapCost] = field(default_factory=list)
    paging: list[LeapCost] = field(default_factory=list)  # the rep filter against a fake serving 5 jobs a page


async def leap_cost(fake: FakeLeap, label: str, call: Callable[[], Awaitable[Any]], outcome: Callable[[Any], str]) -> LeapCost:
    before = len(fake.history)
    started = time.perf_counter()
    value = await call()
    milliseconds = (time.perf_counter() - started) * 1000
    calls = fake.history[before:]
    return LeapCost(label, [f"{c.method} {c.path.removeprefix('/api/v3')} -> {c.status}" for c in calls], milliseconds, outcome(value))


def _jobs_outcome(jobs: list[Any]) -> str:
    return f"{len(jobs)} job{'s' if len(jobs) != 1 else ''}"


def _status_outcome(answer: str) -> str:
    kind = answer_kind(answer)
    if kind == "jobs listed":
        listed = answer.count("\n  latest note") + answer.count("\n  no notes yet")
        open_note = " (asks which one)" if "open jobs: ask which one" in answer else ""
        return f"{listed} job{'s' if listed != 1 else ''} listed{open_note}"
    return kind


async def leap_round(fake: FakeLeap) -> list[LeapCost]:
    """Each measured call once, through a new client: its own connection, limiter and stage-code cache."""
    crm = LeapCRM("leap-test", fake.api_url)
    costs: list[LeapCost] = []
    try:
        await crm.customer("1001")  # opens the session and its connection; not counted
        for label, reference in (
            ('job status "Okafor" (one job)', "Okafor"),
            ('job status "Dunn" (two open jobs)', "Dunn"),
            ('job status "4723" (a job number)', "4723"),
            ('job status "Featherstonehaugh" (no match)', "Featherstonehaugh"),
        ):
            costs.append(await leap_cost(fake, label, lambda r=reference: tool_call(crm, r), _status_outcome))
        for label in ('jobs(stages=["Estimate Sent"]), first call', 'jobs(stages=["Estimate Sent"]), again (codes cached)'):
            costs.append(await leap_cost(fake, label, lambda: crm.jobs(stages=["Estimate Sent"]), _jobs_outcome))
        costs.append(await leap_cost(fake, 'jobs(rep="Luis Ortega")', lambda: crm.jobs(rep="Luis Ortega"), _jobs_outcome))
    finally:
        await crm.aclose()
    return costs


async def bench_leap() -> LeapResult:
    result = LeapResult()
    with FakeLeap() as fake:
        rounds = [await leap_round(fake) for _ in range(LEAP_ROUNDS)]
        for same in zip(*rounds, strict=True):  # the first round's requests, the median round's time
            if len({tuple(c.requests) for c in same}) != 1:
                raise AssertionError(f"{same[0].label}: the rounds sent different requests")
            times = sorted(c.milliseconds for c in same)
            result.costs.append(LeapCost(same[0].label, same[0].requests, times[len(times) // 2], same[0].outcome))
    with FakeLeap(max_per_page=5) as fake:
        crm = LeapCRM("leap-test", fake.api_url)
        try:
            await crm.customer("1001")
            for label, rep in (
                ('jobs(rep="Luis Ortega") (13 of the 50 jobs)', "Luis Ortega"),
                ('jobs(rep="Jordan Blake") (no such rep)', "Jordan Blake"),
            ):
                result.paging.append(await leap_cost(fake, label, lambda r=rep: crm.jobs(rep=r), _jobs_outcome))
        finally:
            await crm.aclose()
    return result


# -- printing ---------------------------------------------------------------------------------------


def _row(label: str, f: LookupFigures, indent: int = 2) -> str:
    lat = f.latencies
    found = f"{f.found / lat.count:.0%}" if lat.count else "—"
    return (f"{' ' * indent}{label:<{46 - indent}}{lat.count:>6,}{found:>7}{lat.p50:>8.2f}{lat.p95:>8.2f}{lat.max:>8.1f}"
            f"{lat.per_second:>11,.0f}{f.statements:>6.1f}{f.rows:>7.1f}")


def print_result(r: BackendResult) -> None:
    size = f" · {r.database_bytes / 2**20:.1f} MB on disk" if r.database_bytes else ""
    print(f"{'SQLite' if r.backend == 'sqlite' else 'PostgreSQL'}: {r.customers:,} customers, {r.jobs:,} jobs, {r.notes:,} notes{size}")
    print(f"  import_crm (one transaction): {r.records:,} records in {r.import_seconds:.2f} s, "
          f"{r.records / r.import_seconds:,.0f} records/s")
    print(f"  {'lookup (ms)':<44}{'count':>6}{'found':>7}{'p50':>8}{'p95':>8}{'max':>8}{'lookups/s':>11}{'SQL':>6}{'rows':>7}")
    for f in r.lookups:
        print(_row(f.label, f))
    lat = r.job_status_concurrent
    if lat is not None:
        print(f"  {f'job status (the tool), {r.concurrency} concurrent':<44}{lat.count:>6,}{'':>7}{lat.p50:>8.2f}{lat.p95:>8.2f}"
              f"{lat.max:>8.1f}{lat.per_second:>11,.0f}")
    print("  found: the share that returned anything (job status: that listed a job); SQL: statements sent per lookup; "
          "rows: records returned (job status: jobs listed)")
    print("  job status one at a time, by reference:")
    for f in r.job_status_by_reference:
        print(_row(f.label, f, indent=4))
    print("  the tool answered: " + ", ".join(f"{kind} {n}" for kind, n in sorted(r.job_status_answers.items(), key=lambda p: -p[1])))
    for label, lines in r.plans.items():
        print(f"  plan: {label}")
        for line in lines:
            print(f"    {line}")


def print_leap(leap: LeapResult) -> None:
    print("Leap: a real LeapCRM against the fake Leap API on 127.0.0.1 (sample company; times are the loopback fake's)")
    print(f"  {'call':<52}{'requests':>8}{'ms':>8}  {'result':<32}requests sent")
    for cost in leap.costs:
        sent = " · ".join(r.removesuffix(" -> 200") for r in cost.requests)
        print(f"  {cost.label:<52}{cost.count:>8}{cost.milliseconds:>8.1f}  {cost.outcome:<32}{sent}")
    print("  rep filter paging, fake serving 5 jobs a page (as 1,000 jobs would be at Leap's 100):")
    for cost in leap.paging:
        print(f"    {cost.label:<50}{cost.count:>8}{cost.milliseconds:>8.1f}  {cost.outcome}")
    print(f"  ms: the median of {LEAP_ROUNDS} rounds, each with a new client. Leap allows 60 requests a minute per token and LeapCRM "
          "keeps to 50: a lookup costing N requests can run 50/N times a minute.")


def as_json(r: BackendResult) -> dict[str, Any]:
    out = asdict(r)
    for f, raw in zip(r.lookups + r.job_status_by_reference, out["lookups"] + out["job_status_by_reference"], strict=True):
        raw["latencies"]["lookups_per_second"] = f.latencies.per_second
    if r.job_status_concurrent is not None:
        out["job_status_concurrent"]["lookups_per_second"] = r.job_status_concurrent.per_second
    out["import_records_per_second"] = r.records / r.import_seconds if r.import_seconds else None
    return out


def positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("a positive integer")
    return number


async def run(args: argparse.Namespace) -> tuple[list[BackendResult], LeapResult]:
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    print("generating the company…", file=sys.stderr, flush=True)
    company = generate_company(args.customers, args.jobs, args.seed)
    results: list[BackendResult] = []
    with tempfile.TemporaryDirectory(prefix="harde-crm-bench-") as tmp:
        folder = Path(tmp, "crm")
        write_company(folder, company)
        for backend in backends:
            if backend == "sqlite":
                print("sqlite…", file=sys.stderr, flush=True)
                url = f"sqlite+aiosqlite:///{Path(tmp, 'crm.sqlite3')}"
                results.append(await bench_backend(backend, url, folder, company, args))
                continue
            problem = await postgres_answers(args.postgres_url)
            if problem:
                print(f"PostgreSQL skipped: {make_url(args.postgres_url).render_as_string()} does not answer ({problem})",
                      file=sys.stderr)
                continue
            print("postgresql…", file=sys.stderr, flush=True)
            async with throwaway_postgres(args.postgres_url) as url:
                results.append(await bench_backend(backend, url, folder, company, args))
    print("leap…", file=sys.stderr, flush=True)
    leap = await bench_leap()
    return results, leap


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both",
                        help="which database(s) to benchmark the local CRM on (default both)")
    parser.add_argument("--customers", type=positive, default=10_000, help="customers in the generated company (default 10000)")
    parser.add_argument("--jobs", type=positive, default=20_000, help="jobs in the generated company (default 20000; ~2 notes each)")
    parser.add_argument("--queries", type=positive, default=500, help="lookups of each kind (default 500)")
    parser.add_argument("--concurrency", type=positive, default=8, help="callers in the concurrent job-status run (default 8)")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL,
                        help="PostgreSQL admin URL; a throwaway database is made on that server "
                             "(default $HARDE_TEST_POSTGRES_URL or postgresql://postgres@127.0.0.1:5432/test)")
    parser.add_argument("--seed", type=int, default=7, help="seed for the company and the lookups (default 7)")
    parser.add_argument("--explain", action="store_true", help="also print the plan of each lookup's statements")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    set_tracing_disabled(True)

    results, leap = asyncio.run(run(args))
    if args.json:
        print(json.dumps({"settings": {k: v for k, v in vars(args).items() if k not in ("json", "postgres_url")},
                          "backends": [as_json(r) for r in results], "leap": asdict(leap)}, indent=2, default=str))
        return
    print(f"Generated company (seed {args.seed}): {args.customers:,} customers, {args.jobs:,} jobs; {args.queries:,} lookups of each kind, "
          f"~{MISS_SHARE:.0%} misses; times in ms")
    for r in results:
        print()
        print_result(r)
    print()
    print_leap(leap)


if __name__ == "__main__":
    main()
