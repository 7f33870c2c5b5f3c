"""In-process HTTP fakes of Slack and OpenAI for tests and benchmarks."""

from .openai_server import FakeOpenAI, Req, StreamRecord
from .slack_server import Call, FakeSlack, Message

__all__ = ["Call", "FakeOpenAI", "FakeSlack", "Message", "Req", "StreamRecord"]
