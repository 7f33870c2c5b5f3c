"""In-process HTTP fakes of Slack and OpenAI for tests and benchmarks."""

from ._server import Req
from .openai_server import FakeOpenAI, StreamRecord
from .slack_server import Call, FakeSlack, Message

__all__ = ["Call", "FakeOpenAI", "FakeSlack", "Message", "Req", "StreamRecord"]
