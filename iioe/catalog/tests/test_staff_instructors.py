"""Instructors in the staff area, and their photos checked by content."""

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from iioe.accounts.models import User
from iioe.accounts.tests.factories import UserFactory
from iioe.catalog.models import Course, Instructor
from iioe.catalog.photos import PHOTO_MAX_BYTES, PHOTO_MAX_SIDE
from iioe.catalog.tests.factories import CourseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client: Client) -> Client:
    client.force_login(UserFactory(is_staff=True))
    return client


@pytest.fixture
def course() -> Course:
    return CourseFactory()


def jpeg_with_location(size: tuple[int, int] = (1600, 1200)) -> bytes:
    """A camera-like JPEG: EXIF with a GPS position and a comment."""
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"  # Make
    exif[0x0112] = 6  # Orientation: turned a quarter
    exif.get_ifd(0x8825)[2] = (48.0, 51.0, 24.0)  # GPSLatitude
    output = io.BytesIO()
    image.save(output, format="JPEG", exif=exif, comment=b"secret place")
    return output.getvalue()


def png_with_transparency() -> bytes:
    image = Image.new("RGBA", (300, 200), (0, 0, 255, 0))
    output = io.BytesIO()
    image.save(output, format="PNG")
    return output.getvalue()


def upload(name: str, content: bytes, content_type: str = "image/jpeg") -> object:
    return SimpleUploadedFile(name, content, content_type=content_type)


def add_new(client: Client, course: Course, **fields: object) -> object:
    data = {"new-name": "Mei Ling", "new-bio": "Teaches cloud computing."}
    data.update({f"new-{key}": value for key, value in fields.items()})
    return client.post(
        reverse("catalog:staff_course_instructor_add", args=[course.pk]), data
    )


def stored(instructor: Instructor) -> Image.Image:
    with instructor.photo.open("rb") as handle:
        image = Image.open(io.BytesIO(handle.read()))
        image.load()
    return image


def test_a_new_instructor_with_a_photo_is_listed_and_the_photo_stripped(
    staff_client: Client, course: Course
) -> None:
    response = add_new(
        staff_client, course, photo=upload("portrait.jpg", jpeg_with_location())
    )

    instructor = Instructor.objects.get()
    image = stored(instructor)
    assert response.status_code == 302
    assert list(course.instructors.all()) == [instructor]
    assert image.format == "JPEG"
    assert max(image.size) == PHOTO_MAX_SIDE
    # The EXIF orientation was applied: the landscape photo now stands upright.
    assert image.size[1] > image.size[0]
    assert not image.getexif()
    assert "comment" not in image.info
    assert b"secret place" not in Path(instructor.photo.path).read_bytes()


def test_a_transparent_png_is_stored_as_a_jpeg_on_white(
    staff_client: Client, course: Course
) -> None:
    add_new(
        staff_client,
        course,
        photo=upload("face.png", png_with_transparency(), "image/png"),
    )

    image = stored(Instructor.objects.get())
    assert image.format == "JPEG"
    assert image.getpixel((10, 10)) >= (250, 250, 250)


def test_the_photo_is_served_to_anyone_as_a_jpeg(
    staff_client: Client, course: Course
) -> None:
    add_new(staff_client, course, photo=upload("portrait.jpg", jpeg_with_location()))
    instructor = Instructor.objects.get()

    response = Client().get(reverse("catalog:instructor_photo", args=[instructor.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content).startswith(b"\xff\xd8")


def test_a_text_file_renamed_as_a_photo_is_refused_and_typed_values_stay(
    staff_client: Client, course: Course
) -> None:
    fake = upload("portrait.jpg", b"Dear committee,\nthis is a letter.\n")

    response = add_new(staff_client, course, photo=fake)

    html = response.content.decode()
    assert response.status_code == 200
    assert "This file is not a photo" in html
    assert 'value="Mei Ling"' in html
    assert "Teaches cloud computing." in html
    assert not Instructor.objects.exists()


def test_a_truncated_photo_is_refused_as_damaged(
    staff_client: Client, course: Course
) -> None:
    content = jpeg_with_location()
    broken = upload("portrait.jpg", content[: len(content) // 2])

    response = add_new(staff_client, course, photo=broken)

    assert response.status_code == 200
    assert "damaged or incomplete" in response.content.decode()
    assert not Instructor.objects.exists()


def test_an_oversized_photo_is_refused_before_it_is_read(
    staff_client: Client, course: Course
) -> None:
    big = upload("huge.jpg", b"\xff\xd8" + b"0" * PHOTO_MAX_BYTES)

    response = add_new(staff_client, course, photo=big)

    assert response.status_code == 200
    assert "larger than" in response.content.decode()
    assert not Instructor.objects.exists()


def test_a_photo_with_too_many_pixels_is_refused(
    staff_client: Client, course: Course
) -> None:
    output = io.BytesIO()
    Image.new("1", (9000, 5000)).save(output, format="PNG")

    response = add_new(
        staff_client, course, photo=upload("bomb.png", output.getvalue(), "image/png")
    )

    assert response.status_code == 200
    assert "too many pixels" in response.content.decode()


def test_a_photo_refusal_is_in_the_visitor_s_language(
    staff_client: Client, course: Course
) -> None:
    response = staff_client.post(
        reverse("catalog:staff_course_instructor_add", args=[course.pk]),
        {"new-name": "Mei Ling", "new-photo": upload("a.jpg", b"plain text")},
        headers={"accept-language": "zh-hans"},
    )

    assert "这个文件不是照片" in response.content.decode()


def test_a_second_instructor_of_the_same_name_is_refused(
    staff_client: Client, course: Course
) -> None:
    Instructor.objects.create(name="Mei Ling")

    response = add_new(staff_client, course, name="mei ling")

    assert response.status_code == 200
    assert "name" in response.context["form"].errors
    assert Instructor.objects.count() == 1


def test_a_known_instructor_is_found_by_name_and_added(
    staff_client: Client, course: Course
) -> None:
    known = Instructor.objects.create(name="Anne-Laure Bartier")
    url = reverse("catalog:staff_course_instructor_add", args=[course.pk])

    found = staff_client.get(url, {"q": "bartier"})
    staff_client.post(url, {"instructor": str(known.pk)})
    again = staff_client.get(url, {"q": "bartier"})

    assert found.context["matches"] == [known]
    assert list(course.instructors.all()) == [known]
    assert again.context["matches"] == []


def test_an_unknown_instructor_id_is_not_found(
    staff_client: Client, course: Course
) -> None:
    url = reverse("catalog:staff_course_instructor_add", args=[course.pk])

    assert staff_client.post(url, {"instructor": "999"}).status_code == 404
    assert staff_client.post(url, {"instructor": "x"}).status_code == 404


def test_an_instructor_is_removed_from_the_course_but_kept(
    staff_client: Client, course: Course
) -> None:
    instructor = Instructor.objects.create(name="Mei Ling")
    course.instructors.add(instructor)

    staff_client.post(
        reverse(
            "catalog:staff_course_instructor_remove", args=[course.pk, instructor.pk]
        )
    )

    assert not course.instructors.exists()
    assert Instructor.objects.filter(pk=instructor.pk).exists()


def test_editing_an_instructor_replaces_the_photo_and_deletes_the_old_file(
    staff_client: Client, course: Course, django_capture_on_commit_callbacks: object
) -> None:
    add_new(staff_client, course, photo=upload("one.jpg", jpeg_with_location()))
    instructor = Instructor.objects.get()
    old_path = Path(instructor.photo.path)
    url = reverse("catalog:staff_instructor_edit", args=[course.pk, instructor.pk])

    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        staff_client.post(
            url,
            {
                "name": "Mei Ling",
                "bio": "New bio",
                "photo": upload("two.png", png_with_transparency(), "image/png"),
            },
        )

    instructor.refresh_from_db()
    assert instructor.bio == "New bio"
    assert Path(instructor.photo.path) != old_path
    assert not old_path.exists()


def test_removing_an_instructor_s_photo(staff_client: Client, course: Course) -> None:
    add_new(staff_client, course, photo=upload("one.jpg", jpeg_with_location()))
    instructor = Instructor.objects.get()
    url = reverse("catalog:staff_instructor_edit", args=[course.pk, instructor.pk])

    staff_client.post(url, {"name": "Mei Ling", "bio": "", "remove_photo": "on"})

    instructor.refresh_from_db()
    assert not instructor.photo


def test_a_learner_cannot_edit_an_instructor(client: Client, course: Course) -> None:
    instructor = Instructor.objects.create(name="Mei Ling")
    client.force_login(UserFactory())

    response = client.post(
        reverse("catalog:staff_instructor_edit", args=[course.pk, instructor.pk]),
        {"name": "Changed"},
    )

    instructor.refresh_from_db()
    assert response.status_code == 403
    assert instructor.name == "Mei Ling"


def test_the_admin_checks_and_re_encodes_photos_too(client: Client) -> None:
    client.force_login(
        User.objects.create_superuser(email="admin@example.org", password="x1y2z3w4v5")
    )
    url = reverse("admin:catalog_instructor_add")

    refused = client.post(
        url, {"name": "Fake", "bio": "", "photo": upload("a.jpg", b"text")}
    )
    client.post(
        url,
        {"name": "Real", "bio": "", "photo": upload("p.jpg", jpeg_with_location())},
    )

    assert refused.status_code == 200
    assert not Instructor.objects.filter(name="Fake").exists()
    image = stored(Instructor.objects.get(name="Real"))
    assert max(image.size) == PHOTO_MAX_SIDE
    assert not image.getexif()
