"""`prepare_image`: photos decoded, turned upright, shrunk and stripped of every bit of metadata."""

from __future__ import annotations

import io

import pytest
from PIL import ExifTags, Image, ImageCms

from hard_e.integrations.images import HEIC_SUPPORTED, ImageUnreadable, PreparedImage, prepare_image


def photo_with_gps(width: int = 400, height: int = 300, *, orientation: int = 1) -> bytes:
    """A JPEG as a phone writes it: camera make, a GPS position, an orientation tag, XMP and an ICC profile."""
    image = Image.new("RGB", (width, height), (200, 40, 40))
    image.paste((30, 30, 200), (0, 0, width // 2, height // 4))  # a blue block top-left, to see rotation
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneCo"
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.DateTimeOriginal] = "2026:05:01 10:30:00"
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (39.0, 44.0, 30.0),
        ExifTags.GPS.GPSLongitudeRef: "W",
        ExifTags.GPS.GPSLongitude: (104.0, 59.0, 2.0),
    }
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><exif:GPSLatitude>39,44.5N</exif:GPSLatitude></rdf:RDF></x:xmpmeta>'
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, icc_profile=srgb, xmp=xmp, comment=b"123 Main St")
    return out.getvalue()


def opened(prepared: PreparedImage) -> Image.Image:
    return Image.open(io.BytesIO(prepared.data))


def test_the_test_photo_really_carries_gps():
    with Image.open(io.BytesIO(photo_with_gps())) as original:
        assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        assert "icc_profile" in original.info and "xmp" in original.info


def test_a_phone_photo_loses_its_exif_gps_xmp_icc_and_comment():
    prepared = prepare_image(photo_with_gps())

    assert prepared.mime == "image/jpeg"
    assert (prepared.width, prepared.height) == (400, 300)
    with opened(prepared) as image:
        assert image.format == "JPEG"
        assert len(image.getexif()) == 0
        assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        assert not {"exif", "icc_profile", "xmp", "comment"} & set(image.info)
    assert b"Exif" not in prepared.data and b"PhoneCo" not in prepared.data
    assert b"xmpmeta" not in prepared.data and b"Main St" not in prepared.data


def test_a_sideways_photo_is_turned_upright_from_its_exif_orientation():
    prepared = prepare_image(photo_with_gps(400, 300, orientation=6))  # 6: rotate 90° clockwise to view

    assert (prepared.width, prepared.height) == (300, 400)
    with opened(prepared) as image:
        red, green, blue = image.convert("RGB").getpixel((image.width - 10, 10))  # the blue block is now top-right
        assert blue > 150 and red < 100


def test_a_large_png_is_downscaled_to_the_longest_side():
    out = io.BytesIO()
    Image.new("RGBA", (4000, 2000), (10, 120, 10, 255)).save(out, format="PNG")

    prepared = prepare_image(out.getvalue())

    assert (prepared.width, prepared.height) == (1600, 800)
    with opened(prepared) as image:
        assert image.format == "JPEG" and image.mode == "RGB" and image.size == (1600, 800)


def test_max_side_and_a_small_photo_is_not_enlarged():
    small = prepare_image(photo_with_gps(), max_side=200)
    assert (small.width, small.height) == (200, 150)
    assert prepare_image(photo_with_gps(), max_side=5000).width == 400


def test_webp_is_read():
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 90, 90)).save(out, format="WEBP")

    prepared = prepare_image(out.getvalue())
    assert (prepared.width, prepared.height) == (64, 48)


@pytest.mark.skipif(not HEIC_SUPPORTED, reason="pillow-heif is not installed")
def test_heic_from_an_iphone_is_read():
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 90, 90)).save(out, format="HEIF")

    prepared = prepare_image(out.getvalue())

    assert (prepared.width, prepared.height) == (64, 48) and prepared.mime == "image/jpeg"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"this is not an image at all", "unsupported"),
        (photo_with_gps()[:600], "corrupt"),  # a JPEG cut off mid-download
        (photo_with_gps()[:2000], "corrupt"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "unsupported"),  # a PNG signature and garbage
    ],
)
def test_empty_corrupt_or_unreadable_bytes_raise_image_unreadable(data, reason):
    with pytest.raises(ImageUnreadable) as caught:
        prepare_image(data)
    assert caught.value.reason == reason


def test_a_format_we_do_not_read_is_unsupported():
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, format="BMP")

    with pytest.raises(ImageUnreadable) as caught:
        prepare_image(out.getvalue())
    assert caught.value.reason == "unsupported"
