import datetime

import factory

from iioe.catalog.models import Category, Course, Family, Lesson
from iioe.catalog.services import course_search_text
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


class CourseFactory(factory.django.DjangoModelFactory[Course]):
    class Meta:
        model = Course

    external_id = factory.Sequence(lambda n: f"test:{n}")
    slug = factory.Sequence(lambda n: f"course-{n}")
    title = factory.Sequence(lambda n: f"Course number {n}")
    category = factory.SubFactory(CategoryFactory)
    language = "en"
    provider = factory.SubFactory(InstitutionFactory)
    published_on = datetime.date(2021, 3, 10)
    search_text = factory.LazyAttribute(
        lambda o: course_search_text(title=o.title, provider_name=o.provider.name)
    )


class LessonFactory(factory.django.DjangoModelFactory[Lesson]):
    class Meta:
        model = Lesson

    course = factory.SubFactory(CourseFactory)
    position = 1
    title = "Lesson one"
