"""Job-site photos: a vision model's notes for a rep in the field, and the CRM note they become.

The photo is prepared first (upright, at most 1600 px, re-encoded with no EXIF or GPS: a customer's
location never leaves Hard-E), in a worker thread since decoding blocks. `ImageUnreadable` (a
corrupt or unsupported file) and `MediaUnavailable` (the vision model failed) reach the caller,
which chooses what the rep reads.
"""

from __future__ import annotations

import asyncio

from hard_e.agents import prompts
from hard_e.agents.ports import PhotoDescriber
from hard_e.integrations.images import prepare_image

NOTE_PREFIX = "[Visit] Photo notes: "


async def describe_photo(data: bytes, *, describer: PhotoDescriber) -> str:
    """The vision model's notes on a job-site photo: damage, materials, visible measurements,
    safety concerns and what to check on site. Raises `ImageUnreadable` or `MediaUnavailable`."""
    prepared = await asyncio.to_thread(prepare_image, data)
    return await describer.describe(prepared.data, mime=prepared.mime, instructions=prompts.load("photo"))


def photo_note(description: str) -> str:
    """The CRM note text for a photo's notes."""
    return NOTE_PREFIX + description.strip()
