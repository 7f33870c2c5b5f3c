"""Markdown → Slack mrkdwn, including partial text mid-stream, and splitting long answers."""

from __future__ import annotations

import random
import re

import pytest

from hard_e.bot.formatting import markdown_to_mrkdwn
from hard_e.bot.splitting import split_markdown, take_head


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
    chunks = [markdown_to_mrkdwn(p) for p in split_markdown(text, 3800)]
    assert len(chunks) >= 3
    assert all(len(c) <= 3800 for c in chunks)
    assert " ".join(" ".join(chunks).split()) == " ".join(text.split())


def test_split_never_leaves_a_code_block_open():
    text = "Intro\n```\n" + "\n".join(f"line {i} of the script" for i in range(400)) + "\n```\nOutro"
    chunks = [markdown_to_mrkdwn(p) for p in split_markdown(text, 2000)]
    assert len(chunks) > 1
    assert all(c.count("```") % 2 == 0 for c in chunks)


# -- more of the conversion -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("markdown", "mrkdwn"),
    [
        ("---", "──────────"),
        ("1. first\n   - detail", "1. first\n    ◦ detail"),
        ("[a|b](https://example.com)", "<https://example.com|a/b>"),
        ("[mail us](mailto:sales@example.com)", "<mailto:sales@example.com|mail us>"),
        ("Tom & Jerry <3", "Tom &amp; Jerry &lt;3"),
        ("|---|---|\nnext", "|---|---|\nnext"),  # a lone rule row (a split can start there) used to crash
    ],
)
def test_more_markdown_becomes_mrkdwn(markdown, mrkdwn):
    assert markdown_to_mrkdwn(markdown) == mrkdwn


# -- nothing the model writes can ping anyone ---------------------------------------------------

LINK_WE_BUILD = re.compile(r"<(?:https?://|mailto:)[^\s<>|]+\|[^<>]*>")


def assert_only_our_links(mrkdwn: str) -> None:
    """Slack acts on `<…>`: the only ones allowed are http(s)/mailto links we built."""
    rest = re.sub(r"(?m)^> ", "", LINK_WE_BUILD.sub("", mrkdwn))  # a leading "> " is a block quote
    assert "<" not in rest and ">" not in rest, mrkdwn


@pytest.mark.parametrize(
    "markdown",
    [
        "[click](javascript:alert(1))",
        "[x](<!channel>)",
        "[x](https://example.com|<!here>)",
        "[x](https://example.com/<!everyone>)",
        "[<!channel>](https://example.com)",
        "<https://evil.example|looks like a link>",
        "Ping <!subteam^S123|sales> and <@U999> and <#C123>",
        "`<!here>` and\n```\n<!channel>\n```\n| <!here> | x |\n|---|---|\n| <@U1> | y |",
    ],
)
def test_model_written_links_and_mentions_never_become_live(markdown):
    for partial in (False, True):
        out = markdown_to_mrkdwn(markdown, partial=partial)
        assert_only_our_links(out)
        assert "<!" not in out and "<@" not in out and "<#" not in out


def test_a_link_to_anything_but_the_web_or_mail_stays_text():
    assert markdown_to_mrkdwn("[click](javascript:alert(1))") == "[click](javascript:alert(1))"
    assert markdown_to_mrkdwn("[x](<!channel>)") == "[x](&lt;!channel&gt;)"


def test_a_link_whose_address_has_parentheses_stays_whole():
    assert markdown_to_mrkdwn("See [Hail](https://en.wikipedia.org/wiki/Hail_(disambiguation)) and [x](https://e.com/a).") == (
        "See <https://en.wikipedia.org/wiki/Hail_(disambiguation)|Hail> and <https://e.com/a|x>."
    )


def test_plain_at_mentions_stay_plain_text():
    # Slack only pings the bracket forms; plain "@channel" in a bot message is just text.
    assert markdown_to_mrkdwn("Tell @channel and @here") == "Tell @channel and @here"


# -- partial text while streaming ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("partial", "shown"),
    [
        ("Here you go:\n```python\nline one", "Here you go:\n```\nline one\n```"),
        ("**half bold", "half bold"),
        ("__half bold", "half bold"),
        ("~~half struck", "half struck"),
        ("an *half italic", "an half italic"),
        ("an _half italic", "an half italic"),
        ("ends on **", "ends on "),
        ("**closing bold*", "closing bold"),
        ("a snake_", "a snake"),
        ("all done: **a**, *b*, _c_, ~~d~~", "all done: *a*, _b_, _c_, ~d~"),
        ("run `ls -la <dir", "run ls -la &lt;dir"),
        ("see [the price sheet](https://exa", "see the price sheet"),
        ("see [the price sheet](", "see the price sheet"),
        ("see [the price", "see the price"),
        ("**done** and *done* and _done_ then **more", "*done* and _done_ and _done_ then more"),
        ("- item with **bold", "• item with bold"),
        ("# Heading with `co", "*Heading with co*"),
        ("| Product | Price |\n|---|---|\n| Roof | $1", "```\nProduct  Price\n```\n| Roof | $1"),
        ("2 * 3 is 6 and 2 *", "2 * 3 is 6 and 2 "),
    ],
)
def test_partial_text_hides_what_is_still_being_written(partial, shown):
    assert markdown_to_mrkdwn(partial, partial=True) == shown


@pytest.mark.parametrize(
    "text",
    [
        "**bold** line\nnext **half\n",  # the last line is finished once its line break arrives
        "```\n**not markdown",  # inside code nothing is hidden
        "**a**\n*b\nlast",  # only the last line is ever touched
        "plain words",
    ],
)
def test_partial_rendering_changes_only_an_unfinished_last_line(text):
    assert markdown_to_mrkdwn(text, partial=True) == markdown_to_mrkdwn(text)


def test_partial_rendering_of_random_answers_is_valid():
    for seed in range(60):
        text = random_answer(random.Random(seed), 1500)
        for end in range(0, len(text), 37):
            out = markdown_to_mrkdwn(text[:end], partial=True)
            assert out.count("```") % 2 == 0
            assert_only_our_links(out)


# -- splitting long answers ---------------------------------------------------------------------

WORDS = "roof shingle gutter lead quote storm claim adjuster ridge vent flashing deck crew the a of to".split()


def random_words(rnd: random.Random, n: int) -> str:
    words = []
    for _ in range(n):
        roll = rnd.random()
        if roll < 0.03:
            words.append("x" * rnd.randint(20, 900))  # a long token: URL, hash, pasted blob
        elif roll < 0.06:
            words.append(rnd.choice(["&", "<b>", "a&b", "1<2", "x>y", "&amp;", "<!channel>", "R&D"]))
        elif roll < 0.09:
            words.append(f"[{rnd.choice(WORDS)} {rnd.choice(WORDS)}](https://example.com/{rnd.choice(WORDS)}?a=1&b=2)")
        elif roll < 0.11:
            words.append(f"`{rnd.choice(WORDS)} < {rnd.choice(WORDS)}`")
        elif roll < 0.13:
            words.append(f"**{rnd.choice(WORDS)} {rnd.choice(WORDS)}**")
        elif roll < 0.14:
            words.append("[x](javascript:alert(1))")
        else:
            words.append(rnd.choice(WORDS))
        if rnd.random() < 0.1:
            words[-1] += rnd.choice(".!?")
    return " ".join(words)


def random_block(rnd: random.Random) -> str:
    kind = rnd.choice(["para", "para", "para", "list", "numbered", "code", "table", "heading", "quote"])
    if kind == "para":
        return random_words(rnd, rnd.randint(3, 150))
    if kind == "list":
        return "\n".join(("  " * rnd.randint(0, 2)) + "- " + random_words(rnd, rnd.randint(1, 25)) for _ in range(rnd.randint(1, 8)))
    if kind == "numbered":
        return "\n".join(f"{i}. " + random_words(rnd, rnd.randint(1, 25)) for i in range(1, rnd.randint(2, 8)))
    if kind == "code":
        lines = [rnd.choice(["x = 1 < 2 && y > 3", "", "  return a & b", "# " + "long comment " * rnd.randint(1, 80)])
                 for _ in range(rnd.randint(1, 40))]
        return "```" + rnd.choice(["", "python", "bash"]) + "\n" + "\n".join(lines) + "\n```"
    if kind == "table":
        rows = [f"| {rnd.choice(WORDS)} & co | ${rnd.randint(1, 99999)} | {random_words(rnd, rnd.randint(0, 4))} |"
                for _ in range(rnd.randint(1, 12))]
        return "| Item | Price | Note |\n|---|---:|---|\n" + "\n".join(rows)
    if kind == "heading":
        return "#" * rnd.randint(1, 3) + " " + random_words(rnd, rnd.randint(1, 8))
    return "> " + random_words(rnd, rnd.randint(1, 40))


def random_answer(rnd: random.Random, size: int) -> str:
    blocks: list[str] = []
    while sum(map(len, blocks)) < size:
        blocks.append(random_block(rnd))
        blocks.append(rnd.choice(["\n\n", "\n\n", "\n", "\n\n\n"]))
    text = "".join(blocks[:-1])
    if rnd.random() < 0.1:
        text = text.replace("\n", "\r\n")
    if rnd.random() < 0.1:
        text += "\n```\nunclosed code at the end"
    return text


def cuts(text: str, limit: int) -> list[tuple[str, str]]:
    """Split `text` with `take_head`, as (reopened fence the piece starts with, piece) pairs."""
    pieces, current, prefix, consumed = [], text, "", 0
    while (cut := take_head(current, limit)) is not None:
        head, rest = cut
        assert head.startswith(prefix) and len(head) > len(prefix), "every cut makes progress"
        pieces.append((prefix, head))
        consumed += len(head) - len(prefix)
        prefix = rest[: len(rest) - (len(text) - consumed)]
        assert rest[len(prefix) :] == text[consumed:]
        assert prefix == "" or (FENCE_LINE.fullmatch(prefix) and prefix.removesuffix("\n") in text.splitlines())
        current = rest
    pieces.append((prefix, current))
    return pieces


FENCE_LINE = re.compile(r"\s*```[^\n]*\n")


def random_cases(count: int):
    for seed in range(count):
        rnd = random.Random(seed)
        limit = rnd.choice([200, 350, 600, 1000, 3500])
        yield seed, limit, random_answer(rnd, rnd.randint(limit // 2, limit * 6))


def test_random_answers_split_into_pieces_that_fit_and_reassemble_exactly():
    for seed, limit, text in random_cases(150):
        pieces = cuts(text, limit)
        assert [piece for _, piece in pieces] == split_markdown(text, limit)
        assert "".join(piece[len(prefix) :] for prefix, piece in pieces) == text, seed
        for _, piece in pieces:
            out = markdown_to_mrkdwn(piece)
            assert len(out) <= limit, (seed, len(out))
            assert out.count("```") % 2 == 0, seed
            assert_only_our_links(out)


def test_a_cut_is_decided_by_the_text_up_to_just_past_the_limit():
    """The streaming engine cuts a message once its text is 200+ characters past the limit; the
    finished answer must be cut in the same place."""
    for seed, limit, text in random_cases(80):
        expected = take_head(text, limit)
        rnd = random.Random(seed)
        # The prefixes just past the threshold are the hard ones; add a few anywhere after it.
        first = shortest_prefix_rendering_over(text, limit + 200)
        ends = [*range(first, min(first + 40, len(text))), *rnd.sample(range(first, len(text) + 1), 8)]
        for end in ends:
            if len(markdown_to_mrkdwn(text[:end])) > limit + 200:
                assert take_head(text[:end], limit)[0] == expected[0], (seed, end)


def shortest_prefix_rendering_over(text: str, size: int) -> int:
    """Roughly the shortest prefix whose rendering is longer than `size` (rendering grows almost monotonically)."""
    low, high = 0, len(text)
    while low < high:
        middle = (low + high) // 2
        if len(markdown_to_mrkdwn(text[:middle])) > size:
            high = middle
        else:
            low = middle + 1
    return max(low - 20, 0)


def test_cuts_made_while_streaming_match_the_final_split():
    for seed, limit, text in random_cases(60):
        streamed = streamed_heads(text, limit, margin=200, chunk=random.Random(seed).randint(5, 60))
        final = split_markdown(text, limit)
        assert streamed == final[: len(streamed)], seed


def streamed_heads(text: str, limit: int, *, margin: int, chunk: int) -> list[str]:
    """What `EditStream` does: cut the current message once its rendering is `margin` past the limit."""
    heads, start, prefix = [], 0, ""
    for end in range(chunk, len(text) + chunk, chunk):
        seen = text[:end]
        while len(markdown_to_mrkdwn(markdown := prefix + seen[start:])) > limit + margin:
            head, rest = take_head(markdown, limit)
            heads.append(head)
            start += len(head) - len(prefix)
            prefix = rest[: len(rest) - (len(seen) - start)]
    return heads


def test_a_ten_thousand_character_answer_splits_into_at_least_three_pieces():
    answer = random_answer(random.Random(42), 10_000)
    assert len(answer) >= 10_000
    pieces = split_markdown(answer, 3500)
    assert len(pieces) >= 3
    assert all(len(markdown_to_mrkdwn(p)) <= 3500 for p in pieces)


def test_short_text_is_not_cut():
    assert take_head("Short and sweet.", 100) is None
    assert split_markdown("Short and sweet.", 100) == ["Short and sweet."]
    assert split_markdown("", 100) == []


def test_cut_prefers_a_paragraph_break():
    text = "First paragraph here. " * 20 + "\n\n" + "Second paragraph. " * 20
    head, rest = take_head(text, 600)
    assert head.endswith("\n\n") and rest == "Second paragraph. " * 20


def test_cut_falls_back_to_a_line_between_list_items():
    text = "\n".join(f"- item {i} is about the roof" for i in range(40))
    head, rest = take_head(text, 500)
    assert head.endswith("roof\n") and rest.startswith("- item ")
    assert len(markdown_to_mrkdwn(head)) > 400


def test_cut_falls_back_to_a_sentence_end_then_a_space():
    sentences = "We inspect the whole roof today. " * 40
    head, rest = take_head(sentences, 500)
    assert head.endswith("today. ") and rest.startswith("We ")
    words = "word " * 300
    head, rest = take_head(words, 500)
    assert head.endswith("word ") and rest.startswith("word") and len(markdown_to_mrkdwn(head)) > 480


def test_a_better_boundary_wins_only_if_the_head_stays_at_least_half_full():
    text = "Short intro.\n\n" + "This sentence keeps going, " * 40
    head, _ = take_head(text, 600)
    assert len(markdown_to_mrkdwn(head)) > 300 and head != "Short intro.\n\n"


def test_a_word_longer_than_a_message_is_hard_cut():
    text = "see " + "x" * 2000
    pieces = split_markdown(text, 500)
    assert "".join(pieces) == text
    assert all(len(markdown_to_mrkdwn(p)) <= 500 for p in pieces)
    assert len(markdown_to_mrkdwn(pieces[0])) > 450


def test_never_cut_inside_a_link_or_inline_code():
    link = "[our price sheet for the whole spring season](https://example.com/prices?season=spring&year=2025)"
    code = "`SELECT name FROM jobs WHERE stage = 'won' AND rep = 'dana'`"
    text = " ".join(["word"] * 40 + [link, code] * 8)
    for limit in range(220, 700, 7):
        for _, head in cuts(text, limit)[:-1]:
            assert head.count("[") == head.count("](https"), (limit, head[-80:])
            assert head.count("`") % 2 == 0, (limit, head[-80:])


def test_a_code_block_is_cut_at_a_line_end_and_reopened_with_its_fence():
    code = "\n".join(f"step {i}: knock, smile, listen" for i in range(60))
    text = "Intro\n\n```python\n" + code + "\n```\nOutro"
    head, rest = take_head(text, 800)
    assert head.endswith("listen\n") and rest.startswith("```python\nstep ")
    assert markdown_to_mrkdwn(head).endswith("listen\n```")
    pieces = split_markdown(text, 800)
    assert all(markdown_to_mrkdwn(p).count("```") == 2 for p in pieces[:-1])


def test_a_code_line_longer_than_a_message_is_hard_cut_inside_the_block():
    text = "```\n" + "a = 1\n" + "b" * 1500 + "\n```"
    pieces = split_markdown(text, 500)
    assert all(len(markdown_to_mrkdwn(p)) <= 500 for p in pieces)
    assert all(p.startswith("```\n") for p in pieces)
    assert "".join(p.removeprefix("```\n") for p in pieces) == text.removeprefix("```\n")


def test_split_is_exact_for_a_rendered_table():
    rows = "\n".join(f"| Roof {i} | ${i}k |" for i in range(100))
    text = "| Product | Price |\n|---|---:|\n" + rows
    pieces = split_markdown(text, 400)
    assert "".join(pieces) == text
    assert all(len(markdown_to_mrkdwn(p)) <= 400 for p in pieces)
    assert all(p.endswith("|\n") for p in pieces[:-1])


def test_a_line_cut_in_two_never_turns_its_second_half_into_markup():
    text = " ".join(["words", "-", "more", "#", "x", ">", "quoted", "```", "code", "|", "pipe", "***", "end."] * 60)
    for limit in range(100, 400, 3):
        for prefix, piece in cuts(text, limit)[1:]:
            assert prefix == "" and not re.match(r"\s*(-|#|>|```|\||\*\*\*)", piece), (limit, piece[:20])
