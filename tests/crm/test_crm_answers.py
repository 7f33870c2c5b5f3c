"""CRM questions over real HTTP: answered in the asker's DM, never in a channel, only for those allowed,
and a CRM that fails is one sentence. Each runs on the local CRM and on (the fake) Leap."""

from __future__ import annotations

import re

from tests import slack_events as se
from tests.crm.conftest import CrmBot, start_crm_bot

STATUS_QUESTION = "what's the status of the Okafor job?"
ANSWER = "The Okafor roof replacement is at Contract Signed since Oct 28."
# What must never show in a channel: the Okafors' stage, contact details, address, amounts, note text.
CRM_DETAILS = ("Contract Signed", "303-555-0181", "grace.okafor", "Golden", "$", "[Visit]", "[Call]", "estimate")


def tool_output(fake_openai, request_index: int = 1) -> str:
    return str(fake_openai.requests[request_index].body["input"])


async def test_a_dm_question_about_a_job_is_answered_from_the_crm(crm_bot: CrmBot, fake_slack, fake_openai):
    fake_openai.reply_tool_call("job_status", {"customer_or_job": "the Okafor job"})
    fake_openai.reply(ANSWER)
    await crm_bot.bot.send_event(se.message(STATUS_QUESTION, channel="D1", channel_type="im"))
    await crm_bot.bot.settle()

    seen = tool_output(fake_openai)
    assert "Grace Okafor" in seen and "Okafor roof replacement" in seen
    assert "stage Contract Signed since Tue Oct 28, 2025" in seen and "rep" in seen
    [reply] = fake_slack.messages(channel="D1")
    assert reply.text == ANSWER
    if crm_bot.leap is not None:
        # find the customer, their jobs (customer included), the latest note: three requests.
        assert crm_bot.leap.calls("/api/v3/") == 3


async def test_a_customer_search_lists_matches_without_contact_details(crm_bot: CrmBot, fake_slack, fake_openai):
    fake_openai.reply_tool_call("find_customers", {"query": "Dunn"})
    fake_openai.reply("One Dunn: Patrick Dunn in Colorado.")
    await crm_bot.bot.send_event(se.message("find the Dunn customer in Leap", channel="D1", channel_type="im"))
    await crm_bot.bot.settle()
    seen = tool_output(fake_openai)
    assert "Patrick Dunn (customer 1030)" in seen or re.search(r"Patrick Dunn \(customer \d+\)", seen)
    assert "720-555-0129" not in seen  # contact details only when asked for (customer_details)


async def test_a_channel_question_is_answered_in_the_askers_dm_and_nothing_of_it_in_the_channel(
    crm_bot: CrmBot, fake_slack, fake_openai
):
    fake_openai.reply_tool_call("job_status", {"customer_or_job": "Okafor"})
    fake_openai.reply(ANSWER)
    event = se.mention(STATUS_QUESTION)
    fake_slack.add_message("C1", event["ts"], text=event["text"], user="U1")  # the rep's post, as Slack holds it
    await crm_bot.bot.send_event(event)
    await crm_bot.bot.settle()

    channel = fake_slack.messages(channel="C1")
    [pointer] = [m for m in channel if m.user != "U1"]
    assert pointer.thread_ts == event["ts"]
    assert pointer.text.startswith(":lock: I've sent you the details in a DM: <https://")
    # Every version of every message Hard-E left in the channel: no CRM detail, ever.
    for message in channel:
        for version in message.edits:
            assert not any(detail in version for detail in CRM_DETAILS), version
    assert not [c for c in fake_slack.calls_to("chat.update") if c.params.get("channel") == "C1"]
    dm = fake_slack.messages(channel="D1")
    assert "You asked in <#C1>" in dm[0].text and "back to the thread" in dm[0].text and STATUS_QUESTION in dm[0].text
    assert dm[-1].text == ANSWER
    assert "stage Contract Signed" in tool_output(fake_openai)


async def test_a_guest_is_refused_crm_access_without_a_model_call(crm_bot: CrmBot, fake_slack, fake_openai):
    fake_slack.add_user("U7", restricted=True)
    await crm_bot.bot.send_event(se.message(STATUS_QUESTION, channel="D7", channel_type="im", user="U7"))
    await crm_bot.bot.settle()
    [reply] = fake_slack.messages(channel="D7")
    assert "Guest accounts can't use the CRM" in reply.text
    assert fake_openai.requests == []
    assert crm_bot.leap is None or crm_bot.leap.calls("/api/v3/") == 0


async def test_a_guest_asking_in_a_channel_gets_no_dm_and_no_details(crm_bot: CrmBot, fake_slack, fake_openai):
    fake_slack.add_user("U8", ultra_restricted=True)
    event = se.mention(STATUS_QUESTION, user="U8")
    await crm_bot.bot.send_event(event)
    await crm_bot.bot.settle()
    [reply] = [m for m in fake_slack.messages(channel="C1") if m.user != "U8"]
    assert "Guest accounts can't use the CRM" in reply.text
    assert fake_slack.calls_to("conversations.open") == [] and fake_openai.requests == []


async def test_with_an_allow_list_only_listed_users_and_group_members_get_the_crm(bot_factory, fake_slack, fake_openai, fake_leap):
    fake_slack.add_usergroup("S0CRM", ["U5"])
    crm = await start_crm_bot("local", bot_factory, fake_leap, HARDE_CRM_ALLOWED_USERS="U4", HARDE_CRM_ALLOWED_GROUPS="S0CRM")
    for user in ("U1", "U4", "U5"):
        fake_slack.add_user(user)
        fake_openai.reply_tool_call("job_status", {"customer_or_job": "Okafor"})
        fake_openai.reply(ANSWER)
    for user in ("U1", "U4", "U5"):
        await crm.bot.send_event(se.message(STATUS_QUESTION, channel=f"D{user[1:]}", channel_type="im", user=user))
        await crm.bot.settle()
    [refused] = fake_slack.messages(channel="D1")
    assert "open to a set list of people" in refused.text
    assert [m.text for m in fake_slack.messages(channel="D4")] == [ANSWER]
    assert [m.text for m in fake_slack.messages(channel="D5")] == [ANSWER]


async def test_a_rate_limited_leap_is_retried_and_the_answer_still_comes(bot_factory, fake_slack, fake_openai, fake_leap):
    crm = await start_crm_bot("leap", bot_factory, fake_leap)
    fake_leap.fail(429, times=1, retry_after="1")
    fake_openai.reply_tool_call("job_status", {"customer_or_job": "Okafor"})
    fake_openai.reply(ANSWER)
    await crm.bot.send_event(se.message(STATUS_QUESTION, channel="D1", channel_type="im"))
    await crm.bot.settle()
    assert [m.text for m in fake_slack.messages(channel="D1")] == [ANSWER]
    statuses = [c.status for c in fake_leap.history]
    assert statuses[0] == 429 and statuses[1:] == [200, 200, 200]


async def test_a_leap_outage_is_one_sentence_for_the_rep(bot_factory, fake_slack, fake_openai, fake_leap):
    crm = await start_crm_bot("leap", bot_factory, fake_leap)
    fake_leap.down("503")
    fake_openai.reply_tool_call("job_status", {"customer_or_job": "Okafor"})
    fake_openai.reply("this text must never be shown")
    await crm.bot.send_event(se.message(STATUS_QUESTION, channel="D1", channel_type="im"))
    await crm.bot.settle()
    [reply] = fake_slack.messages(channel="D1")
    assert reply.text == ":warning: Leap is having trouble on its end right now. Please try again in a few minutes."
    assert len(fake_openai.requests) == 1  # the failure ended the turn; the model was not asked to guess


async def test_hard_e_crm_lookup_answers_only_the_asker_without_a_model_call(crm_bot: CrmBot, fake_slack, fake_openai):
    from tests.test_commands import post_command

    status, reply = await post_command(crm_bot.bot, "/hard-e", "crm Dunn")
    await crm_bot.bot.settle()
    assert status == 200 and reply["response_type"] == "ephemeral"
    assert "Patrick Dunn — job" in reply["text"] and "Dunn roof replacement" in reply["text"] and "Dunn gutter replacement" in reply["text"]
    assert reply["text"].count("stage Estimate Sent since") == 2
    assert fake_openai.requests == [] and fake_slack.messages() == []


async def test_hard_e_crm_lookup_by_a_guest_is_refused(crm_bot: CrmBot, fake_slack):
    from tests.test_commands import post_command

    fake_slack.add_user("U1", restricted=True)
    status, reply = await post_command(crm_bot.bot, "/hard-e", "crm Dunn")
    assert status == 200 and "Guest accounts can't use the CRM" in reply["text"] and "Dunn roof" not in reply["text"]


async def test_triage_reaching_the_crm_in_a_channel_shares_nothing_there(crm_bot: CrmBot, fake_slack, fake_openai):
    """The router can't see every CRM question coming; when Triage hands one over in a channel, the CRM
    tools refuse there and say where to ask instead."""
    fake_openai.reply_tool_call("transfer_to_crm", {})
    fake_openai.reply_tool_call("job_status", {"customer_or_job": "Okafor"})
    fake_openai.reply("this text must never be shown")
    event = se.mention("I need help with a customer")
    await crm_bot.bot.send_event(event)
    await crm_bot.bot.settle()
    [reply] = [m for m in fake_slack.messages(channel="C1") if m.thread_ts == event["ts"]]
    assert reply.text.startswith(":warning: That needs customer details from the CRM, and I only share those privately.")
    for version in reply.edits:
        assert not any(detail in version for detail in CRM_DETAILS), version
    assert crm_bot.leap is None or crm_bot.leap.calls("/api/v3/") == 0
