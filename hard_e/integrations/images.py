"""Job-site photos made ready for a vision model: decoded, turned upright, shrunk, stripped.

Phones write GPS coordinates, the device and the time into a photo's EXIF (and sometimes XMP);
a customer's location is never forwarded, so the photo is re-encoded from its pixels alone as a
plain JPEG with no metadata at all. JPEG, PNG, WebP and (when the `pillow-heif` wheel is installed,
as the lock file has it) HEIC/HEIF from iPhones are read; anything else raises `ImageUnreadable`.

Decoding is CPU work and blocks: async callers use `asyncio.to_thread(prepare_image, data)`.
"""

from __future__ import annotations

import io
import logging
import warnings
from dataclasses import dataclass

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

log = logging.getLogger(__name__)

try:  # iPhone photos; without the plugin they are "not decodable", like any unknown format
    from pillow_heif import register_heif_opener

    register_heif_opener()
    HEIC_SUPPORTED = True
except ImportError:  # pragma: no cover - the lock installs it
    HEIC_SUPPORTED = False

READABLE_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "MPO"} | ({"HEIF"} if HEIC_SUPPORTED else set()))
# A decompression bomb is refused before its pixels are allocated (Pillow's own guard, made an error).
MAX_PIXELS = 80_000_000


class ImageUnreadable(Exception):
    """The bytes are empty, corrupt, or an image format we do not read. `reason` is a short kind for
    logs and for the brain's wording: "empty", "corrupt", "unsupported" or "too_large"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class PreparedImage:
    """A photo re-encoded as a metadata-free JPEG."""

    data: bytes
    width: int
    height: int
    mime: str = "image/jpeg"


def prepare_image(data: bytes, *, max_side: int = 1600, quality: int = 85) -> PreparedImage:
    """`data` decoded, turned upright (EXIF orientation), downscaled so its longest side is at most
    `max_side`, and re-encoded as JPEG without EXIF, GPS, XMP or ICC data. Raises `ImageUnreadable`."""
    if not data:
        raise ImageUnreadable("empty")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as opened:
                if opened.format not in READABLE_FORMATS:
                    log.info("photo in an unsupported format: %s", opened.format)
                    raise ImageUnreadable("unsupported")
                if opened.width * opened.height > MAX_PIXELS:
                    raise ImageUnreadable("too_large")
                opened.load()
                icc = opened.info.get("icc_profile")
                upright = ImageOps.exif_transpose(opened)
    except ImageUnreadable:
        raise
    except UnidentifiedImageError:
        raise ImageUnreadable("unsupported") from None
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise ImageUnreadable("too_large") from None
    except (OSError, ValueError, SyntaxError, EOFError) as exc:  # what Pillow raises on truncated or broken data
        log.info("photo could not be decoded: %s", type(exc).__name__)
        raise ImageUnreadable("corrupt") from None

    pixels = _to_srgb(_flatten(upright), icc)
    if max(pixels.size) > max_side:
        pixels.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    # A fresh image carries no info dict, so nothing (EXIF, XMP, ICC, comments) can ride along.
    clean = Image.new("RGB", pixels.size)
    clean.paste(pixels)
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=quality, optimize=True)
    return PreparedImage(data=out.getvalue(), width=clean.width, height=clean.height)


def _to_srgb(image: Image.Image, icc: bytes | None) -> Image.Image:
    """Pixels in a wide-gamut profile (an iPhone's Display P3) converted to sRGB, so colours stay true
    once the profile is dropped. A profile that cannot be read leaves the pixels as they are."""
    if not icc:
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        converted = ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"), outputMode="RGB")
    except (OSError, ValueError, ImageCms.PyCMSError):
        log.info("photo colour profile ignored: unreadable")
        return image
    return converted if converted is not None else image


def _flatten(image: Image.Image) -> Image.Image:
    """RGB pixels; transparency is laid on white (a screenshot's clear areas read as blank, not black)."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")
