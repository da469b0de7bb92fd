"""The settings page: every profile field, clear errors, nothing half-saved, the logo."""

import io
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from crm.forms import LOGO_MAX_BYTES
from crm.models import Profile

URL = "/settings/"


def image_file(name="logo.png", image_format="PNG", size=(40, 20)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=image_format)
    content_type = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif"}[image_format]
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=content_type)


def profile_data(**overrides):
    return {
        "display_name": "Alice Adler",
        "business_name": "Adler Design",
        "street": "Torstraße 5",
        "postal_code": "10119",
        "city": "Berlin",
        "country": "DE",
        "reply_to_email": "office@adler.example",
        "phone": "+49 (30) 123-4567",
        "website": "https://adler.example",
        "tax_number": "27/123/45678",
        "vat_id": "de 123 456 789",
        "bank_name": "GLS Bank",
        "iban": "de89 3704 0044 0532 0130 00",
        "bic": "cobadeffxxx",
        "is_small_business": "on",
        "default_currency": "CHF",
        "time_zone": "America/New_York",
        "language": "de",
        **overrides,
    }


def test_it_is_the_url_the_nav_links_to():
    assert reverse("crm:profile") == URL


def test_it_shows_the_form_with_current_values(alice_client):
    response = alice_client.get(URL)

    assert response.status_code == 200
    body = response.content.decode()
    assert "Alice Design" in body
    assert "DE89370400440532013000" in body
    assert 'enctype="multipart/form-data"' in body


def test_it_saves_every_field_normalised(alice_client, alice):
    response = alice_client.post(URL, profile_data())

    assert response.status_code == 302
    profile = Profile.objects.get(user=alice)
    assert profile.display_name == "Alice Adler"
    assert profile.business_name == "Adler Design"
    assert (profile.street, profile.postal_code, profile.city, profile.country) == (
        "Torstraße 5",
        "10119",
        "Berlin",
        "DE",
    )
    assert profile.reply_to_email == "office@adler.example"
    assert profile.phone == "+49 (30) 123-4567"
    assert profile.website == "https://adler.example"
    assert profile.tax_number == "27/123/45678"
    assert profile.vat_id == "DE123456789"
    assert profile.bank_name == "GLS Bank"
    assert profile.iban == "DE89370400440532013000"
    assert profile.bic == "COBADEFFXXX"
    assert profile.is_small_business is True
    assert profile.default_currency == "CHF"
    assert profile.time_zone == "America/New_York"
    assert profile.language == "de"
    # The language also goes into the cookie, so the log-in page speaks it after log-out.
    assert response.cookies["django_language"].value == "de"


def test_it_accepts_empty_optional_fields(alice_client, alice):
    data = profile_data(
        business_name="", phone="", website="", iban="", bic="", vat_id="", reply_to_email=""
    )
    del data["is_small_business"]

    response = alice_client.post(URL, data)

    assert response.status_code == 302
    profile = Profile.objects.get(user=alice)
    assert (profile.iban, profile.bic, profile.is_small_business) == ("", "", False)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("iban", "DE89370400440532013001", "not a valid IBAN"),
        ("iban", "XX00", "not a valid IBAN"),
        ("bic", "NOTABIC!", "not a valid BIC"),
        ("reply_to_email", "office@", "Enter a valid email address."),
        ("phone", "call me maybe", "Enter a phone number"),
        ("phone", "+49", "Enter a phone number"),
        ("website", "not a url", "Enter a valid URL."),
        ("time_zone", "Mars/Olympus", "Select a valid choice."),
        ("language", "fr", "Select a valid choice."),
        ("default_currency", "BTC", "Select a valid choice."),
        ("display_name", "x" * 121, "at most 120 characters"),
        ("vat_id", "123456789", "with its country code"),
    ],
)
def test_it_refuses_invalid_values_and_saves_nothing(alice_client, alice, field, value, message):
    before = Profile.objects.filter(user=alice).values().get()

    response = alice_client.post(URL, profile_data(**{field: value}))

    assert response.status_code == 200
    body = response.content.decode()
    assert message in body
    assert "nothing was saved" in body
    assert 'class="invalid-feedback' in body  # crispy puts the error at the field
    assert Profile.objects.filter(user=alice).values().get() == before


def test_it_uploads_a_png_logo(alice_client, alice, settings):
    response = alice_client.post(URL, {**profile_data(), "logo": image_file()})

    assert response.status_code == 302
    profile = Profile.objects.get(user=alice)
    assert profile.logo.name.startswith("logos/")
    assert (settings.MEDIA_ROOT / profile.logo.name).exists()


def test_it_uploads_a_jpeg_logo(alice_client, alice):
    response = alice_client.post(URL, {**profile_data(), "logo": image_file("logo.jpg", "JPEG")})

    assert response.status_code == 302
    assert Profile.objects.get(user=alice).logo.name.endswith(".jpg")


def test_it_replaces_a_logo_and_deletes_the_old_file(
    alice_client, alice, settings, django_capture_on_commit_callbacks
):
    alice_client.post(URL, {**profile_data(), "logo": image_file("one.png")})
    old = settings.MEDIA_ROOT / Profile.objects.get(user=alice).logo.name

    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(URL, {**profile_data(), "logo": image_file("two.png")})

    assert not old.exists()
    assert Profile.objects.get(user=alice).logo.name.startswith("logos/two")


def test_it_keeps_the_logo_when_saving_without_a_new_one(alice_client, alice):
    alice_client.post(URL, {**profile_data(), "logo": image_file()})
    name = Profile.objects.get(user=alice).logo.name

    alice_client.post(URL, profile_data(city="Hamburg"))

    profile = Profile.objects.get(user=alice)
    assert (profile.city, profile.logo.name) == ("Hamburg", name)


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (lambda: image_file("logo.gif", "GIF"), "PNG or JPEG"),
        (lambda: image_file("logo.png", "GIF"), "PNG or JPEG"),
        (
            lambda: SimpleUploadedFile("logo.png", b"not an image", content_type="image/png"),
            "Upload a valid image",
        ),
    ],
)
def test_it_refuses_a_logo_that_is_not_png_or_jpeg(alice_client, alice, upload, message):
    response = alice_client.post(URL, {**profile_data(city="Köln"), "logo": upload()})

    assert response.status_code == 200
    assert message in response.content.decode()
    profile = Profile.objects.get(user=alice)
    assert (profile.logo.name, profile.city) == ("", "Berlin")


def test_it_refuses_a_logo_over_the_size_limit(alice_client, alice):
    # Random pixels do not compress: about 3 MB of PNG.
    buffer = io.BytesIO()
    Image.frombytes("RGB", (1000, 1000), os.urandom(3_000_000)).save(buffer, format="PNG")
    assert buffer.tell() > LOGO_MAX_BYTES
    big = SimpleUploadedFile("big.png", buffer.getvalue(), content_type="image/png")

    response = alice_client.post(URL, {**profile_data(), "logo": big})

    assert response.status_code == 200
    assert "at most 2 MB" in response.content.decode()
    assert not Profile.objects.get(user=alice).logo


def test_it_creates_a_missing_profile(client, django_user_model):
    user = django_user_model.objects.create_user("carol", "carol@example.com", "x")
    client.force_login(user)

    assert client.get(URL).status_code == 200
    assert Profile.objects.filter(user=user).exists()


def test_it_needs_a_login(anon_client):
    response = anon_client.post(URL, profile_data())

    assert response.status_code == 302
    assert not Profile.objects.filter(display_name="Alice Adler").exists()


def bomb_png(width=12_000, height=12_000):
    """A PNG of a few KB that claims ``width`` x ``height`` black pixels (as in the issue)."""
    import struct
    import zlib

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    packer = zlib.compressobj(9)
    data = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1 bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(("width", "height"), [(12_000, 12_000), (4_001, 100), (5_000, 4_001)])
def test_it_refuses_a_logo_with_too_many_pixels_before_decoding_it(
    alice_client, alice, width, height
):
    content = bomb_png(width, height)
    assert len(content) < 2 * 1024 * 1024
    upload = SimpleUploadedFile("bomb.png", content, content_type="image/png")

    response = alice_client.post(URL, {**profile_data(), "logo": upload})

    assert response.status_code == 200
    assert "at most 4,000 × 4,000 pixels" in response.content.decode()
    assert not Profile.objects.get(user=alice).logo


def test_pillow_refuses_images_over_20_megapixels_everywhere():
    assert Image.MAX_IMAGE_PIXELS == 20_000_000
    # Twice the limit is an error in any case; between 20 and 40 megapixels the warning is
    # made an error by crm.logos.strict_pixel_limit (tests reset warning filters per test).
    with pytest.raises(Image.DecompressionBombError):
        Image.open(io.BytesIO(bomb_png(7_000, 6_000)))


def test_it_stores_the_logo_downscaled_and_without_metadata(alice_client, alice, settings):
    from PIL import PngImagePlugin

    buffer = io.BytesIO()
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Alice Lindner, Hauptstraße 1")
    Image.new("RGBA", (2400, 1200), (200, 0, 0, 128)).save(buffer, format="PNG", pnginfo=info)
    upload = SimpleUploadedFile("big.png", buffer.getvalue(), content_type="image/png")
    jpeg = io.BytesIO()
    exif = Image.Exif()
    exif[0x013B] = "Alice Lindner"  # Artist
    Image.new("RGB", (3000, 900)).save(jpeg, format="JPEG", exif=exif)

    alice_client.post(URL, {**profile_data(), "logo": upload})
    with Image.open(settings.MEDIA_ROOT / Profile.objects.get(user=alice).logo.name) as stored:
        assert stored.size == (600, 300)
        assert stored.mode == "RGBA"
        assert "Author" not in stored.info
    alice_client.post(
        URL,
        {**profile_data(), "logo": SimpleUploadedFile("p.jpg", jpeg.getvalue(), "image/jpeg")},
    )
    with Image.open(settings.MEDIA_ROOT / Profile.objects.get(user=alice).logo.name) as stored:
        assert stored.size == (600, 180)
        assert not stored.getexif()


def test_it_downscales_logos_stored_before(alice, settings):
    import importlib

    from django.apps import apps
    from django.core.files.base import ContentFile

    buffer = io.BytesIO()
    Image.new("RGB", (1800, 600)).save(buffer, format="PNG")
    profile = Profile.objects.get(user=alice)
    profile.logo.save("old.png", ContentFile(buffer.getvalue()))
    bob_profile = Profile.objects.create(
        user=type(alice).objects.create_user("dora", "dora@example.com", "x")
    )
    bob_profile.logo.save("bomb.png", ContentFile(bomb_png()))
    migration = importlib.import_module("crm.migrations.0005_downscale_logos")

    migration.downscale_logos(apps, None)

    profile.refresh_from_db()
    with Image.open(settings.MEDIA_ROOT / profile.logo.name) as stored:
        assert stored.size == (600, 200)
    bob_profile.refresh_from_db()
    assert not bob_profile.logo
