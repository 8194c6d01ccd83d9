"""Units (province, communes, wards) and the staff who work in them."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitKind(models.TextChoices):
    PROVINCE = "province", _("Tỉnh / thành phố")
    COMMUNE = "commune", _("Xã")
    WARD = "ward", _("Phường")
    SPECIAL_ZONE = "special_zone", _("Đặc khu")


class Unit(models.Model):
    """An administrative unit with a one-stop desk: the province or one of its communes."""

    code = models.CharField(_("mã đơn vị"), max_length=32, unique=True)
    name = models.CharField(_("tên đơn vị"), max_length=255)
    kind = models.CharField(_("loại"), max_length=16, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("đơn vị cấp trên"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    address = models.CharField(_("địa chỉ"), max_length=255, blank=True)
    phone = models.CharField(_("điện thoại"), max_length=32, blank=True)
    email = models.EmailField(_("thư điện tử"), blank=True)
    opening_hours = models.TextField(_("giờ làm việc"), blank=True)
    saturday_service = models.BooleanField(
        _("làm việc sáng thứ Bảy"),
        default=False,
        help_text=_("Bộ phận một cửa tiếp nhận hồ sơ vào sáng thứ Bảy."),
    )
    is_active = models.BooleanField(_("đang hoạt động"), default=True)

    class Meta:
        verbose_name = _("đơn vị")
        verbose_name_plural = _("đơn vị")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def province(self) -> Unit:
        return self if self.parent_id is None else self.parent  # two-level government


class Role(models.TextChoices):
    COMMUNE_ADMIN = "commune_admin", _("Quản trị cấp xã")
    DESK_OFFICER = "desk_officer", _("Cán bộ một cửa")
    SPECIALIST = "specialist", _("Chuyên viên xử lý")
    LEADER = "leader", _("Lãnh đạo")
    PROVINCE_ADMIN = "province_admin", _("Quản trị cấp tỉnh")


class User(AbstractUser):
    """A staff member (one unit, one role there) or a citizen's account (`is_citizen`).

    Both live in one table so Django's auth, sessions and password validators serve both,
    but they never mix: a citizen account has no unit, no role and is never `is_staff`;
    the staff login refuses citizens and the citizen login refuses staff (ADR 0007).
    """

    unit = models.ForeignKey(
        Unit,
        verbose_name=_("đơn vị"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    role = models.CharField(_("vai trò"), max_length=32, choices=Role.choices, blank=True)
    phone = models.CharField(_("điện thoại"), max_length=32, blank=True)

    # Citizen accounts (issue 6). A contact counts only once a one-time code proved it.
    is_citizen = models.BooleanField(_("tài khoản công dân"), default=False)
    id_number = models.CharField(_("số định danh cá nhân / CCCD"), max_length=32, blank=True)
    address = models.CharField(_("địa chỉ"), max_length=500, blank=True)
    phone_verified_at = models.DateTimeField(_("xác thực số điện thoại lúc"), null=True, blank=True)
    email_verified_at = models.DateTimeField(_("xác thực thư điện tử lúc"), null=True, blank=True)
    # Set when a desk officer accepted a dossier of this account, having seen the ID card.
    id_verified_at = models.DateTimeField(_("xác thực số định danh lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("người dùng")
        verbose_name_plural = _("người dùng")
        constraints = [
            # One citizen account per verified phone number and per verified e-mail address.
            models.UniqueConstraint(
                fields=["phone"],
                condition=models.Q(is_citizen=True, phone_verified_at__isnull=False),
                name="unique_citizen_verified_phone",
            ),
            models.UniqueConstraint(
                fields=["email"],
                condition=models.Q(is_citizen=True, email_verified_at__isnull=False),
                name="unique_citizen_verified_email",
            ),
        ]

    def has_role(self, *roles: str) -> bool:
        return self.is_active and self.role in roles
