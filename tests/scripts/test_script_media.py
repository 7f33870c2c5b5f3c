"""Listen and Render video under a saved script version, over real HTTP: the real bot, the fake Slack,
and the fake ElevenLabs, OpenAI speech and Shotstack servers behind the real clients."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from hard_e.agents.state import ScriptDraftState, WorkflowState
from hard_e.agents.turn import DM_THREAD
from hard_e.handlers import script_media
from hard_e.handlers.blocks import SCRIPT_LISTEN, SCRIPT_RENDER, build_script_actions, script_action_value
from hard_e.handlers.script_media import NO_RENDERER, NO_VOICE, NOT_PRIMER, NOT_YOURS, error_kind, read_click
from hard_e.media import looks_like_mp3
from tests import slack_events as se
from tests.fakes.elevenlabs_server import DEFAULT_VOICES, FakeElevenLabs, fake_mp3
from tests.fakes.openai_server import fake_speech
from tests.fakes.shotstack_server import FakeShotstack

VERSIONS = [
    "Hi, it's Dana from BWC. Your new roof starts soon.",
    "Hi, Dana from BWC here. Your roof crew arrives Tuesday at eight; here's what to expect.",
]
XI_KEY, VOICE, SS_KEY = "xi-test", DEFAULT_VOICES[0], "ss-test"
DM = "D1"  # the fake Slack's DM channel with U1


@pytest.fixture
def eleven() -> Iterator[FakeElevenLabs]:
    with FakeElevenLabs(api_key=XI_KEY) as fake:
        yield fake


@pytest.fixture
def shotstack() -> Iterator[FakeShotstack]:
    with FakeShotstack(api_key=SS_KEY, stage="stage", stage_seconds=0.05) as fake:
        yield fake


@pytest.fixture
def quick_polls(monkeypatch):
    monkeypatch.setattr(script_media, "POLL_EVERY", 0.05)


def elevenlabs_env(fake: FakeElevenLabs) -> dict[str, str]:
    return {"ELEVENLABS_API_KEY": XI_KEY, "ELEVENLABS_BASE_URL": fake.base_url, "ELEVENLABS_VOICE_ID": VOICE}


def shotstack_env(fake: FakeShotstack) -> dict[str, str]:
    return {"SHOTSTACK_API_KEY": SS_KEY, "SHOTSTACK_BASE_URL": fake.base_url, "SHOTSTACK_STAGE": "stage"}


@dataclass(frozen=True)
class ScriptThread:
    key: str
    channel: str
    thread_ts: str | None  # None: the top level of the DM
    button_ts: str

    def click(self, action_id: str, *, user: str = "U1", rev: int = 2) -> dict:
        return se.block_action(
            user=user, action_id=action_id, value=script_action_value(self.key, rev), channel=self.channel,
            message_ts=self.button_ts, thread_ts=self.thread_ts, block_id=f"script_v{rev}", button_text="Listen",
        )  # fmt: skip


async def script_thread(bot, *, kind: str = "primer_video", threaded: bool = True, owner: str = "U1") -> ScriptThread:
    """A rep's DM conversation holding a two-version script, and the buttons posted under version 2."""
    thread_ts = se.next_ts() if threaded else None
    key = f"T1:{DM}:{thread_ts or DM_THREAD}"
    store = bot.services.store
    await store.ensure(key=key, team_id="T1", channel_id=DM, thread_ts=thread_ts or DM_THREAD, channel_type="im", user_id=owner)
    script = ScriptDraftState(kind=kind, customer="the Okonkwos", draft=VERSIONS[1], revisions=2, versions=list(VERSIONS))
    await store.save_workflow(key, active_workflow="scripting", last_agent="scripting", state=WorkflowState(script=script).to_json())
    text, blocks = build_script_actions(key, 2, kind)
    posted = await bot.services.slack_client().chat_postMessage(channel=DM, thread_ts=thread_ts, text=text, blocks=blocks)
    return ScriptThread(key, DM, thread_ts, posted["ts"])


def said(fake_slack, thread: ScriptThread) -> list[str]:
    """What Hard-E posted after the buttons, as the thread shows it now."""
    messages = fake_slack.messages(channel=thread.channel, thread_ts=thread.thread_ts)
    return [m.text for m in messages if float(m.ts) > float(thread.button_ts)]


def privately(fake_slack) -> list[str]:
    return [e["text"] for e in fake_slack.ephemerals()]


# -- Listen ------------------------------------------------------------------------------------


async def test_listen_posts_the_version_read_by_elevenlabs_in_its_thread(bot_factory, fake_slack, fake_openai, eleven):
    bot = await bot_factory(**elevenlabs_env(eleven))
    thread = await script_thread(bot)

    await bot.click(thread.click(SCRIPT_LISTEN))
    await bot.settle()

    assert [(c.voice_id, c.text) for c in eleven.calls] == [(VOICE, VERSIONS[1])]
    [upload] = fake_slack.uploads
    assert (upload.channel, upload.thread_ts, upload.filename) == (DM, thread.thread_ts, "script-v2.mp3")
    assert upload.content == fake_mp3(VERSIONS[1]) and looks_like_mp3(upload.content)
    assert "v2" in upload.title
    assert said(fake_slack, thread) == ["Version 2, read by ElevenLabs:"]  # the "Recording version 2…" line, updated
    assert fake_slack.message(DM, fake_slack.calls_to("chat.update")[0].params["ts"]).edits[0] == "Recording version 2…"
    assert not [r for r in fake_openai.requests if r.path.endswith("/audio/speech")]


async def test_listen_uses_openai_speech_when_elevenlabs_has_no_key(bot_factory, fake_slack, fake_openai):
    bot = await bot_factory()
    thread = await script_thread(bot)

    await bot.click(thread.click(SCRIPT_LISTEN))
    await bot.settle()

    [speech] = [r for r in fake_openai.requests if r.path.endswith("/audio/speech")]
    assert (speech.body["input"], speech.body["response_format"]) == (VERSIONS[1], "mp3")
    [upload] = fake_slack.uploads
    assert (upload.channel, upload.thread_ts) == (DM, thread.thread_ts)
    assert upload.content == fake_speech(VERSIONS[1], "mp3")[0]
    assert said(fake_slack, thread) == ["Version 2, read by OpenAI:"]


async def test_listen_reads_the_clicked_version_not_the_latest(bot_factory, fake_slack, eleven):
    bot = await bot_factory(**elevenlabs_env(eleven))
    thread = await script_thread(bot)

    await bot.click(thread.click(SCRIPT_LISTEN, rev=1))
    await bot.settle()

    assert [c.text for c in eleven.calls] == [VERSIONS[0]]
    assert [u.filename for u in fake_slack.uploads] == ["script-v1.mp3"]


async def test_listen_at_the_top_of_a_dm_uploads_there(bot_factory, fake_slack, eleven):
    bot = await bot_factory(**elevenlabs_env(eleven))
    thread = await script_thread(bot, threaded=False)

    await bot.click(thread.click(SCRIPT_LISTEN))
    await bot.settle()

    [upload] = fake_slack.uploads
    assert (upload.channel, upload.thread_ts) == (DM, None)


async def test_listen_without_any_voice_says_how_to_set_one_up(bot_factory, fake_slack, fake_openai):
    bot = await bot_factory(OPENAI_API_KEY="", OPENAI_BASE_URL="")
    thread = await script_thread(bot)

    await bot.click(thread.click(SCRIPT_LISTEN))
    await bot.settle()

    assert privately(fake_slack) == [NO_VOICE]
    assert fake_slack.ephemerals()[0]["user"] == "U1"
    assert said(fake_slack, thread) == [] and fake_slack.uploads == []


@pytest.mark.parametrize(
    ("status", "times", "sentence"),
    [
        (401, 1, "I couldn't record version 2: ElevenLabs turned down my key, so an admin needs to check it."),
        (500, 3, "I couldn't record version 2: ElevenLabs had a problem on its side; please try again in a minute."),
    ],
)
async def test_elevenlabs_failing_leaves_one_friendly_sentence(bot_factory, fake_slack, eleven, status, times, sentence):
    bot = await bot_factory(**elevenlabs_env(eleven))
    thread = await script_thread(bot)
    eleven.fail(status, times=times)

    await bot.click(thread.click(SCRIPT_LISTEN))
    await bot.settle()

    assert said(fake_slack, thread) == [sentence]
    assert fake_slack.uploads == []


async def test_a_double_click_on_listen_records_once(bot_factory, fake_slack):
    with FakeElevenLabs(api_key=XI_KEY, latency=0.5) as eleven:
        bot = await bot_factory(**elevenlabs_env(eleven))
        thread = await script_thread(bot)

        await bot.click(thread.click(SCRIPT_LISTEN))
        await bot.click(thread.click(SCRIPT_LISTEN))
        await bot.settle()

        assert len(eleven.calls) == 1 and len(fake_slack.uploads) == 1
        assert privately(fake_slack) == ["I'm already recording version 2; it will show up in the thread shortly."]


async def test_only_the_rep_whose_script_it_is_can_listen(bot_factory, fake_slack, eleven):
    bot = await bot_factory(**elevenlabs_env(eleven))
    thread = await script_thread(bot)

    await bot.click(thread.click(SCRIPT_LISTEN, user="U2"))
    await bot.settle()

    assert privately(fake_slack) == [NOT_YOURS]
    assert eleven.calls == [] and said(fake_slack, thread) == []


async def test_without_a_stored_owner_the_dm_peer_may_click(bot_factory, fake_slack, eleven):
    bot = await bot_factory(**elevenlabs_env(eleven))
    thread = await script_thread(bot, owner=None)  # the fake Slack says D1 is a DM with U_DM_PEER

    await bot.click(thread.click(SCRIPT_LISTEN, user="U1"))
    await bot.click(thread.click(SCRIPT_LISTEN, user="U_DM_PEER"))
    await bot.settle()

    assert privately(fake_slack) == [NOT_YOURS]
    assert [u.filename for u in fake_slack.uploads] == ["script-v2.mp3"]


# -- Render video --------------------------------------------------------------------------------


async def test_render_posts_the_link_when_the_video_is_done(bot_factory, fake_slack, shotstack, quick_polls):
    bot = await bot_factory(**shotstack_env(shotstack))
    thread = await script_thread(bot)

    await bot.click(thread.click(SCRIPT_RENDER))
    await bot.settle()

    [render] = shotstack.renders
    captions = [clip["asset"]["text"] for track in render.edit["timeline"]["tracks"] for clip in track["clips"]]
    assert captions == ["For the Okonkwos", VERSIONS[1]]
    link = shotstack.output_url(render.id)
    assert said(fake_slack, thread) == [
        "Rendering the video for version 2…",
        f":clapper: The video for version 2 is ready: <{link}|watch it> (the link is temporary, so save a copy).",
    ]


async def test_a_failed_render_gets_a_friendly_line(bot_factory, fake_slack, shotstack, quick_polls):
    bot = await bot_factory(**shotstack_env(shotstack))
    thread = await script_thread(bot)
    shotstack.fail_next_render("Render failed: the asset at https://example.com/x.png could not be fetched.")

    await bot.click(thread.click(SCRIPT_RENDER))
    await bot.settle()

    assert said(fake_slack, thread) == [
        "Rendering the video for version 2…",
        "The video for version 2 didn't render (render failed); please click Render video to try again.",
    ]


async def test_a_refused_render_request_gets_a_friendly_line(bot_factory, fake_slack, shotstack, quick_polls):
    bot = await bot_factory(**{**shotstack_env(shotstack), "SHOTSTACK_API_KEY": "ss-wrong"})
    thread = await script_thread(bot)

    await bot.click(thread.click(SCRIPT_RENDER))
    await bot.settle()

    assert said(fake_slack, thread) == [
        "I couldn't start the video for version 2: the video service turned down my key, so an admin needs to check it."
    ]
    assert shotstack.renders == []


async def test_render_without_shotstack_is_explained_privately(bot_factory, fake_slack):
    bot = await bot_factory()
    thread = await script_thread(bot)

    await bot.click(thread.click(SCRIPT_RENDER))
    await bot.settle()

    assert privately(fake_slack) == [NO_RENDERER]
    assert said(fake_slack, thread) == []


async def test_render_is_for_primer_scripts_only(bot_factory, fake_slack, shotstack):
    bot = await bot_factory(**shotstack_env(shotstack))
    thread = await script_thread(bot, kind="call")

    await bot.click(thread.click(SCRIPT_RENDER))
    await bot.settle()

    assert privately(fake_slack) == [NOT_PRIMER]
    assert shotstack.renders == []


async def test_a_second_click_while_rendering_says_so_instead_of_rendering_again(bot_factory, fake_slack, quick_polls):
    with FakeShotstack(api_key=SS_KEY, stage="stage", stage_seconds=60) as shotstack:
        bot = await bot_factory(**shotstack_env(shotstack))
        thread = await script_thread(bot)

        await bot.click(thread.click(SCRIPT_RENDER))
        await fake_slack.wait_for_async(lambda: said(fake_slack, thread))
        await bot.click(thread.click(SCRIPT_RENDER))
        await fake_slack.wait_for_async(lambda: fake_slack.ephemerals())
        shotstack.advance(600)  # the render finishes
        await bot.settle()

        [render] = shotstack.renders
        assert privately(fake_slack) == ["Version 2 is already rendering; I'll post the link in the thread when it's ready."]
        assert said(fake_slack, thread)[-1].startswith(":clapper: The video for version 2 is ready:")
        assert render.polls >= 1


async def test_a_render_that_takes_too_long_is_given_up_on(bot_factory, fake_slack, quick_polls, monkeypatch):
    monkeypatch.setattr(script_media, "RENDER_LIMIT", 0.3)
    with FakeShotstack(api_key=SS_KEY, stage="stage", stage_seconds=60) as shotstack:
        bot = await bot_factory(**shotstack_env(shotstack))
        thread = await script_thread(bot)

        await bot.click(thread.click(SCRIPT_RENDER))
        await bot.settle()

        assert said(fake_slack, thread) == [
            "Rendering the video for version 2…",
            "The video for version 2 still wasn't ready after 0.3 seconds, so I stopped waiting; please click Render video to try again.",
        ]
        assert 1 <= shotstack.renders[0].polls <= 7


async def test_a_render_cut_short_by_shutdown_tells_the_rep(bot_factory, fake_slack, quick_polls):
    with FakeShotstack(api_key=SS_KEY, stage="stage", stage_seconds=60) as shotstack:
        bot = await bot_factory(**shotstack_env(shotstack))
        thread = await script_thread(bot)

        await bot.click(thread.click(SCRIPT_RENDER))
        await fake_slack.wait_for_async(lambda: said(fake_slack, thread))
        await bot.services.drain(grace=0.1)  # what shutdown does, with a short grace

        assert bot.services.idle
        assert said(fake_slack, thread) == [
            "Rendering the video for version 2…",
            "I had to stop waiting for the video for version 2; please click Render video again.",
        ]


# -- reading the click ---------------------------------------------------------------------------


def test_a_click_is_read_from_the_payload_with_its_thread():
    key = "T1:D1:1800000001.000100"
    payload = se.block_action(user="U1", action_id=SCRIPT_LISTEN, value=script_action_value(key, 3), channel="D1",
                              message_ts="1800000002.000100", thread_ts="1800000001.000100")  # fmt: skip
    click = read_click(payload, payload["actions"][0])
    assert (click.user, click.channel, click.thread_ts, click.key, click.revision) == ("U1", "D1", "1800000001.000100", key, 3)

    top = se.block_action(user="U1", action_id=SCRIPT_LISTEN, value=script_action_value("T1:D1:dm", 1), channel="D1",
                          message_ts="1800000002.000100")  # fmt: skip
    assert read_click(top, top["actions"][0]).thread_ts is None
    assert read_click(top, {**top["actions"][0], "value": "not json"}) is None


def test_a_failed_render_is_named_by_its_kind_only():
    assert error_kind("Render failed: the asset at https://example.com/secret.png could not be fetched.") == "render failed"
    assert error_kind("Timeout. Something long") == "timeout"
    assert error_kind("Asset could not be downloaded: https://example.com/x.mp4") == "asset could not be downloaded"
    assert error_kind(None) == error_kind("") == error_kind(": ...") == "render failed"
