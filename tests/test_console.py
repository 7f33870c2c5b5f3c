"""`hard-e chat` in a pseudo-terminal, as an admin types at it: Ctrl-C, Ctrl-D, and a quiet log."""

from __future__ import annotations

import io
import sys

import pexpect
import pytest

from tests.processes import BASE_ENV

PROMPT = "you> "
LONG = "Knock, wait, smile and introduce yourself before you ask about the roof. " * 12  # ~12 s streamed


@pytest.fixture
def console(tmp_path, fake_openai):
    """Start `python -m hard_e chat` in a pty; yield the pexpect child; make sure it is gone afterwards."""
    children: list[pexpect.spawn] = []

    def start() -> pexpect.spawn:
        env = {**BASE_ENV, "OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": fake_openai.url, "HARDE_DATA_DIR": str(tmp_path)}
        child = pexpect.spawn(sys.executable, ["-m", "hard_e", "chat"], env=env, cwd=str(tmp_path), encoding="utf-8", timeout=20)
        child.logfile_read = io.StringIO()  # the whole screen, for assertions at the end
        children.append(child)
        child.expect_exact(PROMPT)
        return child

    yield start
    for child in children:
        if child.isalive():
            child.terminate(force=True)


def finished(child: pexpect.spawn) -> int:
    child.expect(pexpect.EOF)
    child.close()
    return child.exitstatus


def test_a_question_is_answered_and_no_log_line_reaches_the_terminal(console, fake_openai):
    fake_openai.reply("Knock, smile, listen.")
    child = console()
    child.sendline("how do I door knock?")
    child.expect_exact("hard-e> Knock, smile, listen.")
    child.expect_exact(PROMPT)
    child.sendline("exit")
    assert finished(child) == 0
    seen = child.logfile_read.getvalue()
    assert "hard-e> Knock, smile, listen." in seen
    assert " INFO " not in seen and "routed" not in seen and "database upgraded" not in seen


def test_ctrl_c_during_an_answer_stops_it_and_the_next_question_is_answered(console, fake_openai):
    fake_openai.reply(LONG, chunk_size=4, delay=0.02)
    fake_openai.reply("Then ask for the inspection.")
    child = console()
    child.sendline("how do I door knock?")
    child.expect_exact("hard-e> Knock, wait")
    child.sendintr()
    child.expect_exact("(stopped)")
    stopped = child.before
    child.expect_exact(PROMPT)
    child.sendline("and after that?")
    child.expect_exact("hard-e> Then ask for the inspection.")
    child.expect_exact(PROMPT)
    assert "restarted" not in stopped and "Traceback" not in stopped
    child.sendeof()
    assert finished(child) == 0
    assert "Traceback" not in child.logfile_read.getvalue()


def test_ctrl_c_at_the_prompt_leaves_at_once(console):
    child = console()
    child.sendintr()
    assert finished(child) == 0
    assert "Traceback" not in child.logfile_read.getvalue()


def test_ctrl_d_at_the_prompt_leaves(console):
    child = console()
    child.sendeof()
    assert finished(child) == 0
    assert "Traceback" not in child.logfile_read.getvalue()


def test_a_crm_change_proposed_in_the_terminal_is_made_when_the_admin_types_confirm(console, fake_openai, tmp_path):
    from tests.processes import hard_e

    imported = hard_e("crm", "import", "--sample", env={"HARDE_DATA_DIR": str(tmp_path)}, cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
    fake_openai.reply_tool_call("add_note", {"job": "4709", "note": "[Call] Confirmed the start date."})
    fake_openai.reply("I've drafted the note for the Okafor job.")
    child = console()
    child.sendline("add a note to job 4709: confirmed the start date")
    child.expect_exact("Type 'confirm' to make it, or 'cancel'.")
    child.expect_exact(PROMPT)
    child.sendline("confirm")
    child.expect_exact("Done — note added to job 4709 (Okafor roof replacement).")
    child.expect_exact(PROMPT)
    child.sendline("confirm")  # nothing pending any more: an ordinary message now
    child.sendline("exit")
    assert finished(child) == 0
    screen = child.logfile_read.getvalue()
    assert "[Call] Confirmed the start date." in screen and screen.count("Done — note added") == 1
