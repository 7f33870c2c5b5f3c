"""Running the `hard-e` command as a user does: a child process with a clean environment."""

from __future__ import annotations

import os
import subprocess
import sys

# The test machine's own settings must not leak into the command under test.
BASE_ENV = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "OPENAI_", "HARDE_", "DATABASE_URL", "PORT", "AWS_"))}


def hard_e(*args: str, env: dict[str, str], cwd: object, stdin: str | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """`hard-e ARGS…` with `env` over BASE_ENV; output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "hard_e", *args],
        env={**BASE_ENV, **env},
        cwd=cwd,  # type: ignore[arg-type]  # a str or a Path
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
