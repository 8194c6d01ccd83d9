"""factory-boy factories shared by the whole suite."""

import factory
from django.utils import timezone

from portal.models import Role, Unit, UnitKind, User
from procedures import services
from procedures.models import Field, Procedure, ProcedureDocument, Status


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"000.00.{n:02d}.H56")
    name_vi = factory.Sequence(lambda n: f"Xã Số {n}")
    name_en = factory.Sequence(lambda n: f"Commune No. {n}")
    kind = UnitKind.COMMUNE


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    unit = factory.SubFactory(UnitFactory)
    role = Role.DESK_OFFICER
    password = factory.django.Password("correct horse battery staple")


class CitizenFactory(factory.django.DjangoModelFactory):
    """A citizen account with a verified phone number (no unit, no role, never staff)."""

    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"citizen{n}")
    first_name = "Nguyễn Văn"
    last_name = "An"
    is_citizen = True
    unit = None
    role = ""
    phone = factory.Sequence(lambda n: f"09{n:08d}")
    phone_verified_at = factory.LazyFunction(timezone.now)
    id_number = factory.Sequence(lambda n: f"0012{n:08d}")
    password = factory.django.Password("correct horse battery staple")


class FieldFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Field
        django_get_or_create = ("code",)

    code = "HT"
    name_vi = "Hộ tịch"
    name_en = "Civil status"


class ProcedureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Procedure
        django_get_or_create = ("code",)
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"9.{n:06d}")
    name_vi = "Đăng ký kết hôn"
    name_en = "Marriage registration"
    field = factory.SubFactory(FieldFactory)
    level = "commune"
    processing_days = 3
    status = Status.PUBLISHED
    channels = ["counter", "online"]

    @factory.post_generation
    def documents(self, create, extracted, **kwargs):
        if not create:
            return
        for position, name in enumerate(extracted or []):
            ProcedureDocument.objects.create(procedure=self, position=position, name_vi=name)
        services.procedure_changed(self)
        self.refresh_from_db()
