"""Slack markup is read once where text enters the brain (a Turn), so the router and the model see the same clean text:
mentions, channels, links (a CRM job link as a record reference), entities — and nothing else is touched.
"""

from __future__ import annotations

import random

import pytest

from hard_e.agents.router import route
from hard_e.agents.slack_text import normalize_slack
from hard_e.agents.turn import Turn

CRM_LINK = "https://www.jobprogress.com/app/#/customer-jobs/1028/job/4733/overview"


@pytest.mark.parametrize(
    ("raw", "read"),
    [
        ("<@U123ABC> can you check this", "@U123ABC can you check this"),
        ("ask <@U123ABC|dana> about it", "ask @dana about it"),
        ("posted in <#C0456|sales>", "posted in #sales"),
        ("posted in <#C0456>", "posted in #C0456"),
        ("posted in <#C0456|>", "posted in #C0456"),
        ("<!here> storm tonight", "@here storm tonight"),
        ("<!channel> heads up", "@channel heads up"),
        ("<!everyone> meeting", "@everyone meeting"),
        ("ping <!subteam^S0789|@install-crew>", "ping @install-crew"),
        ("due <!date^1392734382^{date_short}|Feb 18, 2014>", "due Feb 18, 2014"),
        ("<https://example.com/news/shingles|this article> says so", "this article (https://example.com/news/shingles) says so"),
        ("see <https://example.com/a>", "see https://example.com/a"),
        ("see <http://www.example.com|www.example.com>", "see www.example.com"),
        ("email <mailto:ann@example.com|ann@example.com>", "email ann@example.com"),
        ("email <mailto:ann@example.com|Ann Lee>", "email Ann Lee (ann@example.com)"),
        ("call <tel:+13035550188|303-555-0188>", "call 303-555-0188"),
        ("Tom &amp; Jerry said 3 &lt; 5 &gt; 2", "Tom & Jerry said 3 < 5 > 2"),
        ("<https://x.example/q?a=1&amp;b=2|Q &amp; A>", "Q & A (https://x.example/q?a=1&b=2)"),
    ],
)
def test_each_markup_form_reads_as_a_person_would(raw, read):
    assert normalize_slack(raw) == read


@pytest.mark.parametrize(
    ("raw", "read"),
    [
        (f"<{CRM_LINK}|Jimenez roof> status?", "Jimenez roof [CRM job 4733, customer 1028] status?"),
        (f"<{CRM_LINK}>", "[CRM job 4733, customer 1028]"),
        ("<https://leap.example.net/app/#/customer-jobs/7/job/90/photos|Okafor>", "Okafor [CRM job 90, customer 7]"),
        (f"pasted {CRM_LINK} here", "pasted [CRM job 4733, customer 1028] here"),
        (f"({CRM_LINK}).", "([CRM job 4733, customer 1028])."),
    ],
)
def test_a_link_to_a_crm_job_keeps_its_label_and_reads_as_a_record(raw, read):
    assert normalize_slack(raw) == read


def test_a_crm_link_names_a_record_for_the_router():
    r = route(f"<{CRM_LINK}|Jimenez roof> what's the status on this one?")
    assert (r.flow, r.agent) == ("agents", "crm")


@pytest.mark.parametrize(
    "text",
    [
        "price < 5k and margin > 20%",
        "I <3 metal roofs",
        "a <b> tag",
        "ann@example.com",
        "R&D",
        "see https://example.com/a?b=1&c=2",
        "",
    ],
)
def test_text_without_markup_is_untouched(text):
    assert normalize_slack(text) == text


def test_normalising_twice_changes_nothing():
    messages = [
        f"<@U1|dana> <#C1|sales> <!here> <{CRM_LINK}|Jimenez roof> <https://x.example|x> &amp;lt; &lt;@U2&gt;",
        "<<@U1>> <@U9<@U1>> &lt;<@U1> x <@U1 &amp;amp;",
    ]
    pieces = ["<", "<<", ">", "|", "@", "#", "!", "&", "&amp;", "&lt;", "&gt;", "lt;", "U1", "https://x.example/a",
              "mailto:", "a@b.c", " ", "label", "<@U1>", f"<{CRM_LINK}", "|x>", "^", "subteam", "tel:", "<!here>", "(",
              ")", ".", CRM_LINK]
    rnd = random.Random(15)
    messages += ["".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 12))) for _ in range(5000)]
    for text in messages:
        once = normalize_slack(text)
        assert normalize_slack(once) == once, repr(text)


def test_hostile_markup_is_read_in_linear_time():
    import time

    start = time.perf_counter()
    normalize_slack("<" * 200_000 + "@U1")
    normalize_slack("<https://" + "a" * 200_000)
    normalize_slack("&lt;" * 50_000)
    assert time.perf_counter() - start < 1


def test_a_turn_built_from_raw_slack_text_carries_the_read_text():
    turn = Turn("T1", "C1", "1.0", "1.0", "U1", f"<@U2|dana> <{CRM_LINK}|Jimenez roof> &amp; the <#C3|sales> ask", "channel")
    assert turn.text == "@dana Jimenez roof [CRM job 4733, customer 1028] & the #sales ask"


def test_route_reads_raw_and_normalised_text_alike():
    raw = "<@U02KHOLT7> wants to know which inspections in DFW are still waiting on an estimate &amp; can you pull that?"
    assert route(raw) == route(normalize_slack(raw))
