"""`HARDE_LOG_FORMAT=json`: one JSON object per line, with time, level, logger, message and any extra
fields, a traceback as one field; the default stays the text line."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest

from hard_e.bot.cli import JsonFormatter
from hard_e.bot.config import ConfigError, Settings
from tests.processes import hard_e


@pytest.fixture
def json_log():
    """A logger writing through the JSON formatter into a buffer; returns (logger, buffer)."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("hard_e.test_json")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    yield logger, buffer
    logger.removeHandler(handler)
    logger.propagate = True


def test_a_log_line_is_one_json_object_with_the_expected_fields(json_log):
    logger, buffer = json_log

    logger.info("turn answered conversation=%s", "T1:C1:1.5", extra={"route": "direct", "attempt": 2})

    [line] = buffer.getvalue().splitlines()
    entry = json.loads(line)
    assert entry == {
        "time": entry["time"],
        "level": "INFO",
        "logger": "hard_e.test_json",
        "message": "turn answered conversation=T1:C1:1.5",
        "route": "direct",
        "attempt": 2,
    }
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", entry["time"])


def test_an_exception_is_one_field_and_the_line_stays_one_line(json_log):
    logger, buffer = json_log

    try:
        raise ValueError("the store went away")
    except ValueError:
        logger.exception("could not save the turn")

    [line] = buffer.getvalue().splitlines()  # the traceback's newlines are escaped inside the field
    entry = json.loads(line)
    assert entry["message"] == "could not save the turn" and entry["level"] == "ERROR"
    assert entry["exception"].startswith("Traceback (most recent call last):")
    assert entry["exception"].rstrip().endswith("ValueError: the store went away")
    assert set(entry) == {"time", "level", "logger", "message", "exception"}


def test_values_json_cannot_hold_are_written_as_text(json_log):
    logger, buffer = json_log

    logger.warning("odd extra", extra={"where": object, "ids": {1, 2}})

    entry = json.loads(buffer.getvalue())
    assert entry["where"] == str(object) and entry["ids"] == str({1, 2})


def test_the_setting_takes_text_or_json_and_names_itself_otherwise():
    assert Settings.from_env({}, dotenv=None).log_format == "text"
    assert Settings.from_env({"HARDE_LOG_FORMAT": "JSON"}, dotenv=None).log_format == "json"
    with pytest.raises(ConfigError, match="HARDE_LOG_FORMAT"):
        Settings.from_env({"HARDE_LOG_FORMAT": "xml"}, dotenv=None)


def test_the_command_logs_json_lines_when_asked_and_text_by_default(tmp_path):
    as_json = hard_e("db", "upgrade", env={"HARDE_DATA_DIR": str(tmp_path / "a"), "HARDE_LOG_FORMAT": "json"}, cwd=tmp_path)
    as_text = hard_e("db", "upgrade", env={"HARDE_DATA_DIR": str(tmp_path / "b")}, cwd=tmp_path)

    assert as_json.returncode == as_text.returncode == 0, as_json.stderr + as_text.stderr
    entries = [json.loads(line) for line in as_json.stderr.splitlines()]  # every line is a JSON object
    [upgraded] = [e for e in entries if e["message"].startswith("database upgraded to ")]
    assert upgraded["level"] == "INFO" and upgraded["logger"] == "hard_e.store.migrate"
    [line] = [line for line in as_text.stderr.splitlines() if "database upgraded to " in line]
    assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO hard_e\.store\.migrate: database upgraded to ", line)
