"""`ShotstackRenderer` over real HTTP against the fake Shotstack Edit API (tests/fakes/shotstack_server.py)."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest

from hard_e.errors import MediaUnavailable
from hard_e.integrations.shotstack import ShotstackRenderer, build_edit, edit_root
from hard_e.media import RenderStatus
from tests.fakes.shotstack_server import FakeShotstack

KEY = "ss-sandbox-key-0123456789"
TITLE = "Storm follow-up call"
SCRIPT = (
    "Hi, this is Dana from Summit Roofing. I saw the hail hit your street on Tuesday. "
    "We are doing free inspections this week, and I have a slot open on Thursday morning. "
    "Would that work for you?"
)


@pytest.fixture
def fake() -> Iterator[FakeShotstack]:
    with FakeShotstack(api_key=KEY, stage="stage", stage_seconds=10) as server:
        yield server


def renderer_for(fake: FakeShotstack, *, api_key: str = KEY, **options: Any) -> ShotstackRenderer:
    options.setdefault("backoff", 0.01)
    options.setdefault("stage", "stage")
    return ShotstackRenderer(api_key, fake.base_url, **options)


# -- submitting -------------------------------------------------------------------------------------


async def test_submit_posts_a_valid_edit_with_the_key_and_returns_the_render_id(fake):
    render_id = await renderer_for(fake).submit(SCRIPT, title=TITLE)

    [render] = fake.renders
    assert render_id == render.id
    [request] = fake.requests
    assert request.path == "/edit/stage/render"
    assert request.headers["x-api-key"] == KEY
    assert request.body == build_edit(SCRIPT, title=TITLE)
    assert request.body["output"] == {"format": "mp4", "resolution": "sd"}


def test_the_edit_is_a_title_card_then_the_script_as_timed_captions():
    edit = build_edit(SCRIPT, title=TITLE)

    [track] = edit["timeline"]["tracks"]
    title, *captions = track["clips"]
    assert title["asset"]["type"] == "text" and title["asset"]["text"] == TITLE
    assert (title["start"], title["length"]) == (0.0, 3.0)
    assert " ".join(c["asset"]["text"] for c in captions) == SCRIPT
    assert all(len(c["asset"]["text"]) <= 140 for c in captions)
    for before, after in zip([title, *captions], captions, strict=False):
        assert after["start"] == pytest.approx(before["start"] + before["length"])
    assert edit["timeline"]["background"].startswith("#")


def test_the_base_url_gets_the_edit_api_and_stage_unless_it_names_them():
    assert edit_root(None, "v1") == "https://api.shotstack.io/edit/v1"
    assert edit_root("https://api.shotstack.io/", "stage") == "https://api.shotstack.io/edit/stage"
    assert edit_root("https://proxy.example.com/edit/v1", "stage") == "https://proxy.example.com/edit/v1"
    with pytest.raises(ValueError):
        ShotstackRenderer(KEY, stage="prod")


# -- polling ----------------------------------------------------------------------------------------


async def test_a_render_reports_each_stage_then_the_url_when_done(fake):
    renderer = renderer_for(fake)
    render_id = await renderer.submit(SCRIPT, title=TITLE)

    seen = []
    for _ in range(5):
        seen.append(await renderer.status(render_id))
        fake.advance(10)

    assert [s.status for s in seen] == ["queued", "fetching", "rendering", "saving", "done"]
    assert all(s.url is None for s in seen[:-1])
    assert seen[-1] == RenderStatus("done", url=fake.output_url(render_id))
    assert seen[-1].finished and not seen[0].finished
    assert fake.requests[-1].path == f"/edit/stage/render/{render_id}"


async def test_a_failed_render_reports_shotstacks_error(fake):
    fake.fail_next_render(error="Download Error: the asset could not be fetched.")
    renderer = renderer_for(fake)
    render_id = await renderer.submit(SCRIPT, title=TITLE)

    fake.advance(100)
    status = await renderer.status(render_id)

    assert status == RenderStatus("failed", error="Download Error: the asset could not be fetched.")
    assert status.finished


async def test_an_unknown_render_id_is_rejected(fake):
    with pytest.raises(MediaUnavailable) as caught:
        await renderer_for(fake).status("2abd5c11-0f3d-4c6d-ba20-235fc9b8e8b7")

    assert caught.value.reason == "rejected"


# -- failures ---------------------------------------------------------------------------------------


async def test_a_wrong_key_is_unauthorized(fake):
    with pytest.raises(MediaUnavailable) as caught:
        await renderer_for(fake, api_key="ss-wrong").submit(SCRIPT, title=TITLE)

    assert caught.value.reason == "unauthorized"
    assert fake.renders == []


async def test_a_sandbox_key_on_the_production_stage_is_unauthorized(fake):
    with pytest.raises(MediaUnavailable) as caught:
        await renderer_for(fake, stage="v1").submit(SCRIPT, title=TITLE)

    assert caught.value.reason == "unauthorized"


async def test_an_edit_shotstack_refuses_is_rejected(fake):
    with pytest.raises(MediaUnavailable) as caught:
        await renderer_for(fake, resolution="4k").submit(SCRIPT, title=TITLE)

    assert caught.value.reason == "rejected"


async def test_a_429_with_retry_after_is_waited_out_and_the_render_submitted(fake):
    fake.fail(429, retry_after="0.3")

    started = time.monotonic()
    render_id = await renderer_for(fake).submit(SCRIPT, title=TITLE)

    assert [r.id for r in fake.renders] == [render_id]
    first, second = fake.requests
    assert second.at - first.at >= 0.3
    assert time.monotonic() - started < 2


async def test_the_plans_rate_limit_is_retried():
    with FakeShotstack(api_key=KEY, stage="stage", stage_seconds=10, requests_per_second=1) as limited:
        renderer = renderer_for(limited, backoff=1.05)  # the free plan's one request a second
        render_id = await renderer.submit(SCRIPT, title=TITLE)
        status = await renderer.status(render_id)  # within the same second: 429, then retried

    assert status.status == "queued"
    assert len(limited.requests) == 3


async def test_a_server_error_on_submit_is_not_retried(fake):
    fake.fail(502)

    with pytest.raises(MediaUnavailable) as caught:
        await renderer_for(fake).submit(SCRIPT, title=TITLE)

    assert caught.value.reason == "server_error"
    assert len(fake.requests) == 1  # a retry could queue a second, billable render


async def test_server_errors_while_polling_are_retried(fake):
    renderer = renderer_for(fake)
    render_id = await renderer.submit(SCRIPT, title=TITLE)
    fake.fail(503, times=2)

    assert (await renderer.status(render_id)).status == "queued"

    fake.fail(500, times=3)
    with pytest.raises(MediaUnavailable) as caught:
        await renderer.status(render_id)
    assert caught.value.reason == "server_error"


async def test_an_outage_fails_fast_as_unreachable():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    renderer = ShotstackRenderer(KEY, f"http://127.0.0.1:{port}", stage="stage", backoff=0.01)

    started = time.monotonic()
    with pytest.raises(MediaUnavailable) as caught:
        await renderer.submit(SCRIPT, title=TITLE)

    assert caught.value.reason == "unreachable"
    assert time.monotonic() - started < 1


async def test_a_stalled_answer_times_out(fake):
    fake.stall(5)

    started = time.monotonic()
    with pytest.raises(MediaUnavailable) as caught:
        await renderer_for(fake, timeout=0.3).submit(SCRIPT, title=TITLE)

    assert caught.value.reason == "timeout"
    assert time.monotonic() - started < 2


async def test_logs_never_carry_the_script_or_the_key(fake, caplog):
    caplog.set_level(logging.DEBUG, logger="hard_e.integrations.shotstack")
    fake.fail(502)

    with pytest.raises(MediaUnavailable):
        await renderer_for(fake).submit(SCRIPT, title=TITLE)

    assert "status=502" in caplog.text
    assert "Dana" not in caplog.text and TITLE not in caplog.text and KEY not in caplog.text
