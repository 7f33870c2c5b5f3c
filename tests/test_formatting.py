"""Markdown → Slack mrkdwn, including partial text mid-stream, and splitting long answers."""

from __future__ import annotations

import pytest

from hard_e.bot.formatting import markdown_to_mrkdwn, split_for_slack


@pytest.mark.parametrize(
    ("markdown", "mrkdwn"),
    [
        ("**bold** and __also bold__", "*bold* and *also bold*"),
        ("*italic* and _italic_", "_italic_ and _italic_"),
        ("~~gone~~", "~gone~"),
        ("[rates](https://example.com/a?b=1&c=2)", "<https://example.com/a?b=1&c=2|rates>"),
        ("# Title\n### Sub", "*Title*\n*Sub*"),
        ("- one\n  - nested\n* two", "• one\n    ◦ nested\n• two"),
        ("1. first\n2. second", "1. first\n2. second"),
        ("> quoted **line**", "> quoted *line*"),
        ("use `a < b` here", "use `a &lt; b` here"),
        ("```python\nx = 1 < 2\n```", "```\nx = 1 &lt; 2\n```"),
        ("2 * 3 * 4 is 24", "2 * 3 * 4 is 24"),
    ],
)
def test_markdown_becomes_mrkdwn(markdown, mrkdwn):
    assert markdown_to_mrkdwn(markdown) == mrkdwn


def test_table_renders_as_aligned_monospace():
    table = "| Product | Price |\n|---|---:|\n| Roof | $12k |\n| Gutters | $2k |"
    assert markdown_to_mrkdwn(table) == "```\nProduct  Price\nRoof     $12k\nGutters  $2k\n```"


@pytest.mark.parametrize("partial", ["Here you go:\n```\nline one", "**half bold", "[half a link](https://exa"])
def test_partial_text_stays_valid(partial):
    out = markdown_to_mrkdwn(partial)
    assert out.count("```") % 2 == 0
    assert "<https://exa" not in out  # an unfinished link is shown as text, not a broken link


@pytest.mark.parametrize("mention", ["<!channel>", "<!here>", "<!everyone>", "<!subteam^S123|sales>", "<@U999>"])
def test_mentions_the_model_writes_are_defanged(mention):
    out = markdown_to_mrkdwn(f"Heads up {mention} please")
    assert mention not in out and "&lt;" in out


def test_long_answer_splits_into_complete_messages_under_the_limit():
    paragraphs = [f"Paragraph {i}: " + "Solid advice about roofing sales. " * 12 for i in range(30)]
    text = "\n\n".join(paragraphs)
    chunks = split_for_slack(text, limit=3800)
    assert len(chunks) >= 3
    assert all(len(c) <= 3800 for c in chunks)
    assert " ".join(" ".join(chunks).split()) == " ".join(text.split())


def test_split_never_leaves_a_code_block_open():
    text = "Intro\n```\n" + "\n".join(f"line {i} of the script" for i in range(400)) + "\n```\nOutro"
    chunks = split_for_slack(text, limit=2000)
    assert len(chunks) > 1
    assert all(c.count("```") % 2 == 0 for c in chunks)
