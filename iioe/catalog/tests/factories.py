import datetime
from typing import Any

import factory

from iioe.catalog.models import Category, Course, Family, Lesson
from iioe.catalog.search import course_search_index_update
from iioe.catalog.services import course_rating_combine
from iioe.institutions.models import Institution


class InstitutionFactory(factory.django.DjangoModelFactory[Institution]):
    class Meta:
        model = Institution
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"University {n}")
    country = "KE"


class CategoryFactory(factory.django.DjangoModelFactory[Category]):
    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    family = Family.DISCIPLINE
    slug = "data-science"
    name_en = "Data Science"
    name_zh_hans = "数据科学"
    name_fr = "Science des données"


def _course_index(course: Course, create: bool, extracted: Any, **kwargs: Any) -> None:
    if create:
        course_search_index_update(course_ids=[course.pk])


class CourseFactory(factory.django.DjangoModelFactory[Course]):
    class Meta:
        model = Course
        skip_postgeneration_save = True

    external_id = factory.Sequence(lambda n: f"test:{n}")
    slug = factory.Sequence(lambda n: f"course-{n}")
    title = factory.Sequence(lambda n: f"Course number {n}")
    category = factory.SubFactory(CategoryFactory)
    language = "en"
    provider = factory.SubFactory(InstitutionFactory)
    published_on = datetime.date(2021, 3, 10)
    # A rating given here is the source catalog's, as the demo data has it.
    rating_average = None
    rating_count = 0
    source_rating_average = factory.SelfAttribute("rating_average")
    source_rating_count = factory.SelfAttribute("rating_count")
    rating_score = factory.LazyAttribute(
        lambda o: (
            course_rating_combine(
                source_average=o.rating_average,
                source_count=o.rating_count,
                review_count=0,
                review_sum=0,
            ).score
        )
    )
    # Indexed as the services index a course, so that searches find it; a
    # test that adds instructors afterwards updates the index itself.
    search_index = factory.PostGeneration(_course_index)


class LessonFactory(factory.django.DjangoModelFactory[Lesson]):
    class Meta:
        model = Lesson

    course = factory.SubFactory(CourseFactory)
    position = 1
    title = "Lesson one"
