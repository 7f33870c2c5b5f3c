# Hard-E's container image: the locked dependencies, then the package itself, run by a non-root user.
#   docker build -t hard-e .
#   docker run --env-file hard-e.env -p 3000:3000 hard-e                    # web: Socket Mode with SLACK_APP_TOKEN, else HTTP
#   docker run --env-file hard-e.env --no-healthcheck hard-e hard-e clock    # the scheduler process (it serves no /healthz)
# Give `docker stop` (or the orchestrator) 35 s: a stopping process lets answers under way finish for up to 25 s.

FROM python:3.11-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/hard-e
WORKDIR /src
# The dependencies first, on their own layer: exactly the locked versions, each checked against its hash
# (wheels only; the lock includes setuptools and wheel, which build the package below without the network).
COPY requirements.lock ./
RUN /opt/hard-e/bin/pip install --require-hashes --only-binary=:all: -r requirements.lock
COPY pyproject.toml README.md ./
COPY hard_e ./hard_e
RUN /opt/hard-e/bin/pip install --no-deps --no-build-isolation . \
    && /opt/hard-e/bin/python -m compileall -q /opt/hard-e/lib

FROM python:3.11-slim-bookworm
RUN groupadd --system --gid 10001 hard-e \
    && useradd --system --uid 10001 --gid hard-e --home-dir /var/lib/hard-e --create-home --shell /usr/sbin/nologin hard-e
COPY --from=build /opt/hard-e /opt/hard-e
ENV PATH=/opt/hard-e/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HOST=0.0.0.0 \
    PORT=3000 \
    HARDE_DATA_DIR=/var/lib/hard-e/data
USER 10001:10001
WORKDIR /var/lib/hard-e
EXPOSE 3000
# /healthz answers 200 while the database answers (503 otherwise, and in Socket Mode while the connection to
# Slack is down); urllib raises on anything but 2xx, so the check fails then. No curl in a slim image.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '3000'), timeout=4)"]
CMD ["hard-e", "run"]
