"""Settings: validated at start, secrets kept out of reprs and logs."""

from __future__ import annotations

import pytest

from hard_e.bot.config import ConfigError, Settings


def settings(**env: str) -> Settings:
    return Settings.from_env(env, dotenv=None)


def test_defaults_need_nothing():
    s = settings()
    assert s.slack_api_url == "https://slack.com/api/"
    assert (s.host, s.port, s.openai_api, s.model, s.fast_model) == ("0.0.0.0", 3000, "responses", "gpt-4.1", "gpt-4.1-mini")
    assert s.database_url.startswith("sqlite+aiosqlite:///") and s.database_url.endswith("data/hard_e.db")
    assert not s.socket_mode and not s.llm_configured and not s.tracing and s.streaming == "edit"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SLACK_API_URL", "slack.com/api"),
        ("OPENAI_BASE_URL", "ftp://models.local"),
        ("HARDE_OPENAI_API", "completions"),
        ("PORT", "eighty"),
        ("PORT", "70000"),
        ("HARDE_STREAMING", "fast"),
        ("HARDE_TRACING", "maybe"),
        ("DATABASE_URL", "mysql://db/hard_e"),
        ("HARDE_KB_S3_URIS", "bucket/prefix"),
        ("HARDE_TURN_TIMEOUT", "soon"),
    ],
)
def test_malformed_value_stops_start_up_naming_the_variable(name, value):
    with pytest.raises(ConfigError) as err:
        settings(**{name: value})
    assert name in str(err.value)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("sqlite:///tmp/x.db", "sqlite+aiosqlite:///tmp/x.db"),
        ("postgresql://u:p@db:5432/hard_e", "postgresql+asyncpg://u:p@db:5432/hard_e"),
        ("postgres://u@db/hard_e", "postgresql+asyncpg://u@db/hard_e"),
        ("postgresql+asyncpg://u@db/hard_e", "postgresql+asyncpg://u@db/hard_e"),
    ],
)
def test_plain_database_urls_map_to_async_drivers(given, expected):
    assert settings(DATABASE_URL=given).database_url == expected


def test_secrets_never_show_in_repr_or_description():
    s = settings(SLACK_BOT_TOKEN="xoxb-very-secret", OPENAI_API_KEY="sk-very-secret", SLACK_SIGNING_SECRET="shh-secret",
                 DATABASE_URL="postgresql://u:dbpass-secret@db/x")
    shown = repr(s) + str(s.describe())
    for secret in ("xoxb-very-secret", "sk-very-secret", "shh-secret", "dbpass-secret"):
        assert secret not in shown
    assert s.slack_bot_token.get() == "xoxb-very-secret"
    assert s.describe()["openai_api_key"] == "set" and s.describe()["leap_api_token"] == "unset"


def test_dotenv_file_is_read_and_the_environment_wins(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text("PORT=4000\nHARDE_MODEL=from-dotenv\nSLACK_APP_TOKEN=xapp-1\n")
    s = Settings.from_env({"HARDE_MODEL": "from-env"}, dotenv=dotenv)
    assert (s.port, s.model, s.socket_mode) == (4000, "from-env", True)


def test_missing_slack_settings_depend_on_the_mode():
    assert settings().missing_slack_settings(http=True) == ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"]
    assert settings(SLACK_APP_TOKEN="xapp-1").missing_slack_settings(http=False) == ["SLACK_BOT_TOKEN"]
    assert settings(SLACK_BOT_TOKEN="xoxb-1", SLACK_APP_TOKEN="xapp-1").missing_slack_settings(http=False) == []


def test_a_local_model_server_needs_no_key():
    assert settings(OPENAI_BASE_URL="http://127.0.0.1:8080/v1").llm_configured


def test_crm_allow_lists_and_admins_are_slack_ids_separated_by_commas_or_spaces():
    assert (settings().crm_allowed_users, settings().crm_allowed_groups, settings().admin_users) == ((), (), ())
    s = settings(HARDE_CRM_ALLOWED_USERS="U01AB, W02CD  U01AB", HARDE_CRM_ALLOWED_GROUPS="S0614TZR7,S0615", HARDE_ADMIN_USERS=" U9 ")
    assert (s.crm_allowed_users, s.crm_allowed_groups, s.admin_users) == (("U01AB", "W02CD"), ("S0614TZR7", "S0615"), ("U9",))
    described = s.describe()
    assert (described["crm_allowed_users"], described["crm_allowed_groups"], described["admin_users"]) == (
        "U01AB,W02CD", "S0614TZR7,S0615", "U9")
    assert settings().describe()["crm_allowed_groups"] == "none"
    for name, value in (("HARDE_CRM_ALLOWED_USERS", "@dana"), ("HARDE_CRM_ALLOWED_USERS", "dana@example.com"),
                        ("HARDE_CRM_ALLOWED_GROUPS", "U01AB"), ("HARDE_ADMIN_USERS", "u01ab")):
        with pytest.raises(ConfigError) as err:
            settings(**{name: value})
        assert name in str(err.value) and value not in str(err.value)  # a pasted email is not echoed
