"""The Slack app manifest declares what the running app uses: scopes, events, commands, interactivity."""

from __future__ import annotations

from pathlib import Path

import yaml

MANIFEST = yaml.safe_load((Path(__file__).parents[1] / "manifest.yml").read_text())


def test_the_crm_features_have_their_scopes_and_interactivity():
    scopes = set(MANIFEST["oauth_config"]["scopes"]["bot"])
    # users.info (guests), usergroups.users.list (allow-listed groups), conversations.open + chat.postMessage
    # (answers in the asker's DM), chat.postEphemeral (someone else's click); chat.getPermalink needs none.
    assert {"users:read", "usergroups:read", "im:write", "chat:write"} <= scopes
    assert MANIFEST["settings"]["interactivity"]["is_enabled"] is True


def test_every_slash_command_the_app_answers_is_declared():
    commands = {c["command"] for c in MANIFEST["features"]["slash_commands"]}
    assert {"/hard-e", "/new-customer", "/script"} <= commands
    [hard_e] = [c for c in MANIFEST["features"]["slash_commands"] if c["command"] == "/hard-e"]
    assert "crm" in hard_e["usage_hint"]
