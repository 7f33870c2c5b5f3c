"""Block Kit builders are pure: asserted against Slack's published limits."""

from __future__ import annotations

from hard_e.handlers.blocks import CANCEL, CONFIRM, SECTION_LIMIT, build_confirmation, build_outcome


def test_a_confirmation_carries_the_change_two_buttons_and_who_may_confirm():
    text, blocks = build_confirmation("Add a note to job 4709:\n> [Call] Left a voicemail.", "a1b2", "U1")
    assert "Add a note to job 4709" in text
    assert "[Call] Left a voicemail." in blocks[0]["text"]["text"]
    [actions] = [b for b in blocks if b["type"] == "actions"]
    buttons = [(e["action_id"], e["value"], e["text"]["text"]) for e in actions["elements"]]
    assert buttons == [(CONFIRM, "a1b2", "Confirm"), (CANCEL, "a1b2", "Cancel")]
    assert all(len(e["action_id"]) <= 255 and len(e["value"]) <= 2000 for e in actions["elements"])
    assert "<@U1>" in blocks[-1]["elements"][0]["text"]


def test_a_long_change_is_cut_to_fit_a_section():
    _, blocks = build_confirmation("x" * 10_000, "id", "U1")
    assert all(len(b["text"]["text"]) <= SECTION_LIMIT for b in blocks if b["type"] == "section")


def test_an_outcome_has_no_buttons_and_links_the_job_when_it_can():
    link = "https://crm.example/job/4709"
    text, blocks = build_outcome("done", "Done — note added to job 4709.", "Add a note…", link=link, decided_by="U1")
    assert text == "Done — note added to job 4709."
    assert not [b for b in blocks if b["type"] == "actions"]
    assert "<https://crm.example/job/4709|Open it in the CRM>" in blocks[0]["text"]["text"]
    assert blocks[-1]["elements"][0]["text"] == "Done by <@U1>"
