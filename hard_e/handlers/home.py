"""The App Home tab: what Hard-E is and how to ask it things, the rep's own recent conversations, open
drafts and pending CRM confirmations (with links), and for admins (HARDE_ADMIN_USERS) the usage
analytics with chart images and a **Refresh** button.

Charts are drawn by `integrations/charts.py`, uploaded with Slack's external upload methods
(`files_upload_v2`: files.getUploadURLExternal, the bytes POSTed to the upload URL,
files.completeUploadExternal) and their file ids kept per workspace in the store; opening the tab
reuses them, Refresh and the daily job (`bot/charts.py`) replace them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import aiohttp
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web.async_client import AsyncWebClient

from hard_e.agents.turn import DM_THREAD
from hard_e.errors import StoreUnavailable
from hard_e.integrations.charts import Chart, render_usage_charts
from hard_e.store.analytics import Analytics, ChartFile, PendingConfirmation, RecentConversation, UsageSummary, UserActivity
from hard_e.store.errors import STORE_ERRORS
from hard_e.store.locks import exclusive

if TYPE_CHECKING:
    from hard_e.bot.services import Services

log = logging.getLogger(__name__)

WAYS_TO_ASK = [
    (
        "In a channel",
        "Mention *@Hard-E* with your question; it answers in the thread. Reply in that thread to keep going, no mention needed.",
    ),
    (
        "In private",
        "DM Hard-E for anything you'd rather not ask in front of the team, or type `/hard-e your question` "
        "in any channel: the answer comes in your DM, where only you see it.",
    ),
    ("From the terminal", "Admins can run `hard-e chat` to try it without Slack."),
]
NO_MODEL = ":warning: No language model is configured yet, so I can't answer. An admin needs to set `OPENAI_API_KEY` or `OPENAI_BASE_URL`."
REFRESH = "analytics_refresh"
CHART_ORDER = ("questions", "routes", "spend", "latency")
CHART_TITLES = {"questions": "Questions per day", "routes": "Route and agent mix", "spend": "Spend per day", "latency": "Latency p50/p95"}
WORKFLOWS = {"scripting": "Script draft", "new_clients": "New customer"}
CRM_ACTIONS = {"add_note": "Add a CRM note", "create_customer": "Create a customer", "move_stage": "Move a job's stage"}
SECTION_LIMIT = 3000
FILE_READY_WAIT = 4.0  # seconds: how long a refresh waits for Slack to finish processing new images

ACTIVITY_DOWN = (
    ":warning: I couldn't load your recent conversations just now: my database isn't answering. Open this tab again in a minute."
)
USAGE_DOWN = ":warning: I couldn't load the usage figures just now: my database isn't answering. Try again in a minute."
UPLOAD_FAILED = ":warning: Slack wouldn't take the new chart images just now. Try *Refresh* again in a minute."
DRAWING = ":hourglass_flowing_sand: The charts are being drawn right now; open this tab again in a moment to see them."
NOT_READY = ":hourglass_flowing_sand: Slack is still processing the chart images; open this tab again in a moment to see them."


# What a Slack call can fail with: an API error, a failed upload POST, the network, a timeout.
SLACK_TROUBLE: tuple[type[Exception], ...] = (SlackApiError, SlackRequestError, aiohttp.ClientError, TimeoutError)
UPLOAD_TROUBLE: tuple[type[Exception], ...] = (*SLACK_TROUBLE, KeyError, TypeError)  # and an odd answer


def _reason(exc: BaseException) -> str:
    """A failure's kind for the log: Slack's error code, else the exception's type (never its text)."""
    return str(exc.response.get("error")) if isinstance(exc, SlackApiError) else type(exc).__name__


class ChartsUnavailable(Exception):
    """Slack did not take the chart images (`reason`: the API error or the failure's type)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# -- the view (pure: no I/O) -----------------------------------------------------------------------


@dataclass(frozen=True)
class Links:
    """Links into Slack, built without a call per link (chat.getPermalink is one call per message):
    the form chat.getPermalink answers, `https://<workspace>.slack.com/archives/<channel>/p<ts without
    the dot>`, with `?thread_ts=…&cid=…` for a reply, from the workspace URL (auth.test, once per
    process). Without that URL, the documented `https://slack.com/app_redirect?channel=…&team=…` deep
    link, which opens the conversation (not the message)."""

    team_id: str
    workspace_url: str | None = None  # "https://acme.slack.com/"

    def message(self, channel: str, ts: str | None = None, thread_ts: str | None = None) -> str:
        if not self.workspace_url:
            return f"https://slack.com/app_redirect?channel={channel}&team={self.team_id}"
        link = f"{self.workspace_url.rstrip('/')}/archives/{channel}"
        if ts:
            link += f"/p{ts.replace('.', '')}"
            if thread_ts and thread_ts != ts:
                link += f"?thread_ts={thread_ts}&cid={channel}"
        return link

    def conversation(self, conversation: RecentConversation) -> str:
        thread = conversation.thread_ts
        return self.message(conversation.channel_id, None if thread == DM_THREAD else thread)

    def confirmation(self, pending: PendingConfirmation) -> str:
        parts = pending.conversation_key.split(":")
        thread = parts[2] if len(parts) == 3 and parts[2] != DM_THREAD else None
        return self.message(pending.channel, pending.message_ts or thread, thread)


@dataclass(frozen=True)
class HomeAnalytics:
    """The admins' part of the Home: the figures (None when the store failed) and the uploaded charts."""

    summary: UsageSummary | None
    charts: Mapping[str, ChartFile] = field(default_factory=dict)
    images: bool = True  # False: leave the images out (Slack refused them)


def build_home_view(
    *,
    model_ready: bool,
    activity: UserActivity | None = None,
    links: Links | None = None,
    analytics: HomeAnalytics | None = None,
    notices: Sequence[str] = (),
) -> dict[str, Any]:
    """The Home tab as a Block Kit view (pure: no I/O). `activity` is the viewer's own; `analytics`
    only for admins; `notices` are friendly lines about what could not be shown."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": "Hard-E, your sales colleague"}},
        _section(
            "Ask me about pricing, objections, financing, warranties, or how to run the next "
            "appointment. I answer like a sales director who has seen it all — fast and straight."
        ),
        {"type": "divider"},
    ]
    for title, how in WAYS_TO_ASK:
        blocks.append(_section(f"*{title}*\n{how}"))
    if not model_ready:
        blocks.append(_context(NO_MODEL))
    if activity is not None:
        blocks += build_activity_blocks(activity, links or Links(""))
    if analytics is not None:
        blocks += build_analytics_blocks(analytics)
    blocks += [_context(notice) for notice in notices]
    return {"type": "home", "blocks": blocks}


def build_activity_blocks(activity: UserActivity, links: Links) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = [{"type": "divider"}, _header("Your recent conversations")]
    lines = [f"• {_place(c)} · {_when(c.updated_at)} · <{links.conversation(c)}|Open>" for c in activity.conversations]
    blocks.append(_section("\n".join(lines) or "Nothing yet. DM me a question, or mention *@Hard-E* in a channel."))
    if activity.drafts or activity.pending:
        blocks.append(_header("Open drafts and confirmations"))
        lines = [
            f"• :memo: {WORKFLOWS.get(c.active_workflow or '', str(c.active_workflow).replace('_', ' ').capitalize())} "
            f"in {_place(c, lower=True)} · {_when(c.updated_at)} · <{links.conversation(c)}|Continue>"
            for c in activity.drafts
        ]
        lines += [
            f"• :pencil: {CRM_ACTIONS.get(p.kind, 'A CRM change')} waiting for your *Confirm* · expires {_when(p.expires_at)} · "
            f"<{links.confirmation(p)}|Review>"
            for p in activity.pending
        ]
        blocks.append(_section("\n".join(lines)))
    return blocks


def build_analytics_blocks(analytics: HomeAnalytics) -> list[dict[str, Any]]:
    summary = analytics.summary
    title = f"Usage, last {summary.days} days" if summary is not None else "Usage"
    blocks: list[dict[str, Any]] = [{"type": "divider"}, _header(title)]
    if summary is not None:
        blocks.append(_section(usage_summary_text(summary)))
    charts = [analytics.charts[name] for name in CHART_ORDER if name in analytics.charts]
    drawn = f"Charts drawn {_when(min(c.rendered_at for c in charts))}; redrawn daily." if charts else "No charts drawn yet."
    blocks.append(_context(f"{drawn} Only admins see this part."))
    button = {"type": "button", "action_id": REFRESH, "text": {"type": "plain_text", "text": "Refresh"}, "value": "charts"}
    blocks.append({"type": "actions", "block_id": "analytics_actions", "elements": [button]})
    if analytics.images:
        # `slack_file` by id, not `image_url`: the charts are files Hard-E uploaded (private to the bot:
        # completed without a channel), and Slack's Slack-file object asks only that "the user posting
        # these blocks must have access to this file" — the bot, which publishes this view. `image_url`
        # would need a publicly hosted image, i.e. the workspace's usage made public.
        for chart in charts:
            title_text = CHART_TITLES.get(chart.name, chart.name)
            blocks.append(
                {
                    "type": "image",
                    "block_id": f"chart_{chart.name}",
                    "slack_file": {"id": chart.file_id},
                    "alt_text": f"{title_text}, last {summary.days if summary else 14} days (chart)",
                    "title": {"type": "plain_text", "text": title_text},
                }
            )
    return blocks


def usage_summary_text(summary: UsageSummary) -> str:
    """The figures as mrkdwn: the App Home's summary and `/hard-e stats`."""
    if not summary.questions:
        return f"No questions in the last {summary.days} days."
    mix = " · ".join(f"{name.replace('_', ' ')} {count / summary.questions:.0%}" for name, count in summary.mix[:6])
    busiest = max(d.questions for d in summary.per_day)
    lines = [
        f"*Questions:* {summary.questions:,} (today {summary.today.questions:,}; busiest day {busiest:,})",
        f"*Route mix:* {mix}",
        f"*Latency (answered):* total p50 {_seconds(summary.total_ms.p50)} · p95 {_seconds(summary.total_ms.p95)}; "
        f"first visible p50 {_seconds(summary.first_visible_ms.p50)} · p95 {_seconds(summary.first_visible_ms.p95)}",
        f"*Errors:* {summary.error_rate or 0:.1%} ({summary.errors:,} of {summary.questions:,})"
        + (f" · refused {summary.refused:,}" if summary.refused else "")
        + (f" · over a limit {summary.limited:,}" if summary.limited else ""),
    ]
    if (ratio := summary.thumbs_up_ratio) is not None:
        lines.append(f"*Feedback:* :+1: {ratio:.0%} ({summary.votes_up:,} of {summary.votes_up + summary.votes_down:,} votes)")
    else:
        lines.append("*Feedback:* no votes yet")
    if summary.top_tools:
        lines.append("*Top tools:* " + " · ".join(f"{tool.replace('_', ' ')} {count:,}" for tool, count in summary.top_tools))
    lines.append(
        f"*Spend:* ${summary.cost_usd:,.2f} (today ${summary.today.cost_usd:,.2f}) · "
        f"tokens {_tokens(summary.input_tokens)} in / {_tokens(summary.output_tokens)} out"
    )
    return "\n".join(lines)


def _place(conversation: RecentConversation, *, lower: bool = False) -> str:
    if conversation.channel_type == "im":
        place = "Our DM"
    elif conversation.channel_type == "mpim":
        place = "A group DM"
    else:
        place = f"A thread in <#{conversation.channel_id}>"
    return place[0].lower() + place[1:] if lower else place


def _when(at: datetime) -> str:
    """A time each viewer reads in their own time zone (Slack's date formatting), UTC as the fallback."""
    return f"<!date^{int(at.timestamp())}^{{date_short_pretty}} at {{time}}|{at:%Y-%m-%d %H:%M} UTC>"


def _seconds(ms: int | None) -> str:
    return "–" if ms is None else f"{ms / 1000:.1f}s"


def _tokens(count: int) -> str:
    return f"{count / 1_000_000:.1f}M" if count >= 1_000_000 else f"{count / 1000:.1f}k" if count >= 1000 else str(count)


def _header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": {"type": "plain_text", "text": text[:150]}}


def _section(mrkdwn: str) -> dict[str, Any]:
    if len(mrkdwn) > SECTION_LIMIT:
        mrkdwn = mrkdwn[: SECTION_LIMIT - 1] + "…"
    return {"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn}}


def _context(mrkdwn: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": mrkdwn}]}


# -- listeners ---------------------------------------------------------------------------------------


def register(app: AsyncApp, services: Services) -> None:
    # Each workspace's URL, for links: asked of auth.test once per process (Bolt's own single-workspace
    # auth.test result does not keep it); a failed call is asked again next time.
    workspace_urls: dict[str, str] = {}

    async def links_for(context: AsyncBoltContext, client: AsyncWebClient) -> Links:
        team = str(context.team_id or "")
        authorized = context.authorize_result
        if authorized is not None and authorized.url:
            return Links(team, authorized.url)
        if team not in workspace_urls:
            try:
                url = (await client.auth_test()).get("url")
            except SlackApiError as exc:
                log.info("links without the workspace URL: %s", exc.response.get("error"))
                return Links(team)
            if isinstance(url, str) and url.startswith("https://"):
                workspace_urls[team] = url
        return Links(team, workspace_urls.get(team))

    async def handle_app_home_opened(event: dict[str, Any], context: AsyncBoltContext) -> None:
        if event.get("tab") != "home":
            return
        user = event.get("user")
        if not isinstance(user, str) or not user:
            log.warning("skipped an app_home_opened event: its 'user' field is missing or malformed")
            return
        if (client := context.client) is not None:
            await publish_home(client, services, user=user, links=await links_for(context, client))

    async def handle_refresh(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
        """Refresh (admins only): draw and upload the charts now, then show them. A click by anyone
        else (a stale view of a former admin, a forged payload) is acknowledged and goes no further."""
        await ack()
        user = (body.get("user") or {}).get("id")
        client = context.client
        if not isinstance(user, str) or user not in services.settings.admin_users or client is None:
            log.info("ignored a chart refresh by someone who is not an admin")
            return
        links = await links_for(context, client)
        notices: list[str] = []
        try:
            if await refresh_team_charts(client, services, links.team_id) == "busy":
                notices.append(DRAWING)
        except StoreUnavailable:
            notices.append(USAGE_DOWN)
        except ChartsUnavailable:
            notices.append(UPLOAD_FAILED)
        await publish_home(client, services, user=user, links=links, notices=notices, draw_missing=False)

    app.event("app_home_opened")(handle_app_home_opened)
    app.action(REFRESH)(handle_refresh)


async def publish_home(
    client: AsyncWebClient,
    services: Services,
    *,
    user: str,
    links: Links,
    notices: Iterable[str] = (),
    draw_missing: bool = True,
) -> None:
    """Gather what `user` may see and publish their Home. An admin's charts are drawn first if the
    workspace has none yet (`draw_missing`); whatever fails becomes a friendly line in the view."""
    analytics = Analytics(services.engine)
    shown = list(notices)
    admin = user in services.settings.admin_users
    recent, usage = await asyncio.gather(
        analytics.recent_for_user(links.team_id, user),
        _usage(client, services, links.team_id, draw_missing) if admin else _nothing(),
        return_exceptions=True,
    )
    activity = recent if isinstance(recent, UserActivity) else None
    if isinstance(recent, BaseException):
        log.warning("home tab without recent conversations: %s", type(recent).__name__)
        shown.append(ACTIVITY_DOWN)
    admin_part: HomeAnalytics | None = None
    if isinstance(usage, BaseException):
        log.warning("home tab without usage figures: %s", type(usage).__name__)
        admin_part, shown = HomeAnalytics(None), [*shown, USAGE_DOWN]
    elif usage is not None:
        admin_part, more = usage
        shown += [notice for notice in more if notice not in shown]
    shown = list(dict.fromkeys(shown))
    view = build_home_view(
        model_ready=services.settings.llm_configured, activity=activity, links=links, analytics=admin_part, notices=shown
    )
    try:
        await client.views_publish(user_id=user, view=view)
        return
    except SlackApiError as exc:
        error = exc.response.get("error")
        if admin_part is None or not admin_part.charts or error not in ("invalid_arguments", "invalid_blocks"):
            log.warning("could not publish the home tab: %s", error)
            return
    # Slack refused the images (a file still processing, or deleted by a newer refresh): the rest still shows.
    log.info("home tab published without chart images: Slack refused them")
    admin_part = HomeAnalytics(admin_part.summary, admin_part.charts, images=False)
    view = build_home_view(
        model_ready=services.settings.llm_configured, activity=activity, links=links, analytics=admin_part, notices=[*shown, NOT_READY]
    )
    try:
        await client.views_publish(user_id=user, view=view)
    except SlackApiError as exc:
        log.warning("could not publish the home tab: %s", exc.response.get("error"))


async def _nothing() -> None:
    return None


async def _usage(client: AsyncWebClient, services: Services, team_id: str, draw_missing: bool) -> tuple[HomeAnalytics, list[str]]:
    """The admins' figures and charts (drawing them when the workspace has none yet)."""
    analytics = Analytics(services.engine)
    summary = await analytics.usage_summary(team_id)
    charts = await analytics.chart_files(team_id)
    notices: list[str] = []
    if not charts and summary.questions and draw_missing:
        try:
            if await refresh_team_charts(client, services, team_id, summary=summary) == "busy":
                notices.append(DRAWING)
            charts = await analytics.chart_files(team_id)
        except ChartsUnavailable:
            notices.append(UPLOAD_FAILED)
    return HomeAnalytics(summary, charts), notices


# -- drawing, uploading and replacing the charts -----------------------------------------------------


async def refresh_team_charts(client: AsyncWebClient, services: Services, team_id: str, *, summary: UsageSummary | None = None) -> str:
    """Draw the workspace's charts from its usage, upload them and make them the ones the Home shows;
    the files they replace are deleted from Slack. One refresh per workspace at a time across
    processes: "refreshed", "busy" (another is under way) or "no_turns" (nothing to draw; the old
    charts stay). Raises `StoreUnavailable` or `ChartsUnavailable`."""
    analytics = Analytics(services.engine)
    try:
        async with exclusive(services.engine, f"analytics-charts:{team_id}", wait=False) as ours:
            if not ours:
                return "busy"
            summary = summary or await analytics.usage_summary(team_id)
            if not summary.questions:
                return "no_turns"
            charts = await asyncio.to_thread(
                render_usage_charts,
                days=[d.day for d in summary.per_day],
                questions=[d.questions for d in summary.per_day],
                mix=summary.mix,
                spend_usd=[d.cost_usd for d in summary.per_day],
                p50_ms=[d.total_ms.p50 for d in summary.per_day],
                p95_ms=[d.total_ms.p95 for d in summary.per_day],
            )
            file_ids = await upload_charts(client, charts)
            await wait_until_processed(client, file_ids.values())
            try:
                replaced = await analytics.replace_chart_files(team_id, file_ids)
            except StoreUnavailable:
                await delete_files(client, file_ids.values())  # nobody will show them
                raise
    except STORE_ERRORS as exc:  # the lock's own connection (PostgreSQL) failed
        raise StoreUnavailable(type(exc).__name__) from exc
    await delete_files(client, replaced)
    return "refreshed"


async def upload_charts(client: AsyncWebClient, charts: Sequence[Chart]) -> dict[str, str]:
    """Upload the PNGs in one files_upload_v2 (a getUploadURLExternal and a POST per file, one
    completeUploadExternal for all), shared to no channel: the files stay private to the bot and
    appear in no conversation. Chart name -> file id."""
    uploads = [{"content": c.png, "filename": f"hard-e-{c.name}.png", "title": c.title, "alt_txt": c.alt_text[:1000]} for c in charts]
    try:
        done = await client.files_upload_v2(file_uploads=uploads)
        ids = [str(f["id"]) for f in done.get("files") or []]
    except UPLOAD_TROUBLE as exc:
        log.warning("could not upload the usage charts: %s", _reason(exc))
        raise ChartsUnavailable(_reason(exc)) from exc
    if len(ids) != len(charts):
        raise ChartsUnavailable("unexpected response")
    return {chart.name: file_id for chart, file_id in zip(charts, ids, strict=True)}


async def wait_until_processed(client: AsyncWebClient, file_ids: Iterable[str], timeout: float | None = None) -> bool:  # noqa: ASYNC109  a bounded wait
    """Uploads finish asynchronously: a file's `mimetype` stays empty until Slack has processed it, and
    a block naming it before then is refused. Poll files.info (Tier 4) until each has one, for up to
    `timeout` seconds (FILE_READY_WAIT); False when some still had none (the view then shows without them)."""
    waiting = list(file_ids)
    loop = asyncio.get_running_loop()
    deadline, pause = loop.time() + (FILE_READY_WAIT if timeout is None else timeout), 0.25
    while waiting:
        still = []
        for file_id in waiting:
            try:
                info = await client.files_info(file=file_id)
            except SLACK_TROUBLE as exc:
                log.info("could not check a chart file: %s", _reason(exc))
                return False
            if not (info.get("file") or {}).get("mimetype"):
                still.append(file_id)
        waiting = still
        if waiting:
            if loop.time() + pause > deadline:
                return False
            await asyncio.sleep(pause)
            pause *= 2
    return True


async def delete_files(client: AsyncWebClient, file_ids: Iterable[str]) -> None:
    """Delete replaced chart files (Tier 3; a handful a day). One that can't be deleted stays, private
    to the bot."""
    for file_id in file_ids:
        try:
            await client.files_delete(file=file_id)
        except SLACK_TROUBLE as exc:
            log.info("left a chart file in place: %s", _reason(exc))
