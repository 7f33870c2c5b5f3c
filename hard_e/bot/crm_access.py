"""Who may use the CRM: never a guest, and only those on the allow-lists when any are set.

Slack is asked (users.info for guests, usergroups.users.list for group members) and its answers are
kept for `ttl` seconds per process; concurrent checks share one request. When Slack cannot answer
(an error or a timeout), the check fails closed as "unverified" and nothing is cached, so the next
check asks again. Logs carry user and group ids and Slack's error code, never names or emails.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Hashable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Generic, TypeVar

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from hard_e.bot.slack_calls import error_code

log = logging.getLogger(__name__)

GUEST = "guest"
NOT_ALLOWED = "not_allowed"
UNVERIFIED = "unverified"

T = TypeVar("T")
_PRUNE_AT = 4096  # cached answers before expired ones are dropped


class _LookupFailed(Exception):
    """Slack could not answer; `code` is safe to log (Slack's error code, "timeout", or a type name)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class _TtlCache(Generic[T]):
    """Answers kept for `ttl` seconds; one lookup per key at a time; failures are not kept."""

    def __init__(self, ttl: float, clock: Callable[[], float]) -> None:
        self._ttl = ttl
        self._clock = clock
        self._answers: dict[Hashable, tuple[float, T]] = {}
        self._pending: dict[Hashable, asyncio.Task[T]] = {}

    async def get(self, key: Hashable, lookup: Callable[[], Awaitable[T]]) -> T:
        kept = self._answers.get(key)
        if kept is not None and self._clock() < kept[0]:
            return kept[1]
        task = self._pending.get(key)
        if task is None or task.get_loop() is not asyncio.get_running_loop():
            task = asyncio.ensure_future(self._fetch(key, lookup))
            task.add_done_callback(_consume_exception)  # even when every waiter has given up
            self._pending[key] = task
        # A caller that gives up (is cancelled) must not cancel the lookup the others are waiting on.
        return await asyncio.shield(task)

    async def _fetch(self, key: Hashable, lookup: Callable[[], Awaitable[T]]) -> T:
        try:
            answer = await lookup()
            now = self._clock()
            if len(self._answers) >= _PRUNE_AT:  # keep a long-running process's memory bounded
                self._answers = {k: kept for k, kept in self._answers.items() if now < kept[0]}
            self._answers[key] = (now + self._ttl, answer)
            return answer
        finally:
            if self._pending.get(key) is asyncio.current_task():
                del self._pending[key]


def _consume_exception(task: asyncio.Task[T]) -> None:
    if not task.cancelled():
        task.exception()


class CrmAccessPolicy:
    """One per process: the allow-lists and what Slack has said about users and groups lately."""

    def __init__(
        self,
        allowed_users: Iterable[str] = (),
        allowed_groups: Iterable[str] = (),
        *,
        ttl: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
        timeout: float = 10.0,
    ) -> None:
        self.allowed_users = frozenset(allowed_users)
        self.allowed_groups = tuple(dict.fromkeys(allowed_groups))
        self._timeout = timeout
        self._guests: _TtlCache[bool] = _TtlCache(ttl, clock)
        self._members: _TtlCache[frozenset[str]] = _TtlCache(ttl, clock)

    @property
    def has_allow_list(self) -> bool:
        """An allow-list is set, so members not on it are refused too."""
        return bool(self.allowed_users or self.allowed_groups)

    def bound(self, client: AsyncWebClient) -> BoundCrmAccess:
        """This policy asking Slack through `client` (what the brain's `CrmAccess` port receives)."""
        return BoundCrmAccess(self, client)

    async def refusal(self, client: AsyncWebClient, user_id: str | None) -> str | None:
        """None when `user_id` may use the CRM; else "guest", "not_allowed" or "unverified"."""
        if not user_id:
            return UNVERIFIED
        try:
            guest = await self._guests.get(user_id, partial(self._is_guest, client, user_id))
        except _LookupFailed as failed:
            log.warning("CRM access unverified for %s: users.info failed (%s)", user_id, failed.code)
            return UNVERIFIED
        if guest:
            return GUEST
        if not self.has_allow_list or user_id in self.allowed_users:
            return None
        unanswered = False
        for group_id in self.allowed_groups:
            try:
                members = await self._members.get(group_id, partial(self._group_members, client, group_id))
            except _LookupFailed as failed:
                log.warning("CRM access: usergroups.users.list failed for %s (%s)", group_id, failed.code)
                unanswered = True
                continue
            if user_id in members:
                return None
        return UNVERIFIED if unanswered else NOT_ALLOWED

    async def _is_guest(self, client: AsyncWebClient, user_id: str) -> bool:
        user = (await self._ask(client.users_info, user=user_id)).get("user")
        if not isinstance(user, dict):
            raise _LookupFailed("malformed_response")
        # Keep only the answer: names and emails in the rest of the profile are not held on to.
        return bool(user.get("is_restricted") or user.get("is_ultra_restricted"))

    async def _group_members(self, client: AsyncWebClient, group_id: str) -> frozenset[str]:
        try:
            users = (await self._ask(client.usergroups_users_list, usergroup=group_id)).get("users")
        except _LookupFailed as failed:
            if failed.code != "no_such_subteam":
                raise
            # Slack's definite answer for a mistyped id or (by one reading) a disabled group: nobody is in it.
            log.warning("CRM access: user group %s does not exist or is disabled; check HARDE_CRM_ALLOWED_GROUPS", group_id)
            return frozenset()
        if not isinstance(users, list):
            raise _LookupFailed("malformed_response")
        return frozenset(str(u) for u in users)

    async def _ask(self, method: Callable[..., Awaitable[object]], **params: str) -> dict[str, object]:
        try:
            async with asyncio.timeout(self._timeout):
                response = await method(**params)
        except SlackApiError as exc:
            raise _LookupFailed(error_code(exc)) from None
        except TimeoutError:
            raise _LookupFailed("timeout") from None
        except Exception as exc:  # any other failure (connection, bad JSON) fails closed too
            raise _LookupFailed(type(exc).__name__) from None
        data = getattr(response, "data", None)
        if not isinstance(data, dict):
            raise _LookupFailed("malformed_response")
        return data


@dataclass(frozen=True)
class BoundCrmAccess:
    """The policy with the Slack client of one app: satisfies `hard_e.agents.ports.CrmAccess`."""

    policy: CrmAccessPolicy
    client: AsyncWebClient

    async def refusal(self, user_id: str | None) -> str | None:
        """None when `user_id` may use the CRM; else "guest", "not_allowed" or "unverified"."""
        return await self.policy.refusal(self.client, user_id)
