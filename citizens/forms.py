"""Forms of the citizen's account. They parse and normalise; the services decide."""

from __future__ import annotations

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from portal.models import User

from . import services
from .models import ContactKind
from .services import AccountError


def _account_error(exc: AccountError) -> ValidationError:
    return ValidationError(exc.message)


class _Form(forms.Form):
    def add_account_error(self, exc: AccountError) -> None:
        field = exc.field if exc.field in self.fields else None
        self.add_error(field, exc.message)


class _NormalisedField(forms.CharField):
    """A contact or ID number field: empty stays empty, anything else is normalised by the
    account services, whose refusal is the field's error."""

    default_max_length = 20
    attrs: dict[str, str] = {}

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", self.default_max_length)
        kwargs.setdefault("widget", self.widget_class(attrs=dict(self.attrs)))
        super().__init__(**kwargs)

    @staticmethod
    def normalise(value: str) -> str:
        raise NotImplementedError

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return ""
        try:
            return self.normalise(value)
        except AccountError as exc:
            raise _account_error(exc) from None


class PhoneField(_NormalisedField):
    widget_class = forms.TextInput
    attrs = {"inputmode": "tel", "autocomplete": "tel"}
    normalise = staticmethod(services.normalise_phone)


class EmailField(_NormalisedField):
    default_max_length = 254
    widget_class = forms.EmailInput
    attrs = {"autocomplete": "email"}
    normalise = staticmethod(services.normalise_email)


class IdNumberField(_NormalisedField):
    widget_class = forms.TextInput
    attrs = {"inputmode": "numeric"}
    normalise = staticmethod(services.normalise_id_number)


def _password(label, autocomplete="new-password") -> forms.CharField:
    return forms.CharField(
        label=label,
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
        error_messages={"required": _("Nhập mật khẩu.")},
    )


class NewPasswordMixin:
    """Two password boxes that must agree; the validators run in the service, where the
    account (for the similarity check) is known."""

    def clean(self):
        data = super().clean()
        one, two = data.get("password1"), data.get("password2")
        if one and two and one != two:
            self.add_error("password2", _("Hai mật khẩu không giống nhau."))
        return data


class SignUpForm(NewPasswordMixin, _Form):
    full_name = forms.CharField(
        label=_("Họ và tên"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"required": _("Nhập họ và tên.")},
    )
    phone = PhoneField(
        label=_("Số điện thoại di động"),
        required=False,
        help_text=_("Mã xác nhận được gửi qua tin nhắn đến số này."),
    )
    email = EmailField(
        label=_("Thư điện tử"),
        required=False,
        help_text=_("Không bắt buộc nếu đã có số điện thoại."),
    )
    id_number = IdNumberField(
        label=_("Số định danh cá nhân (CCCD)"),
        required=False,
        help_text=_("12 chữ số. Có thể bổ sung sau, nhưng cần có để nộp hồ sơ trực tuyến."),
    )
    password1 = _password(_("Mật khẩu"))
    password2 = _password(_("Nhập lại mật khẩu"))

    def clean(self):
        data = super().clean()
        if not self.errors and not (data.get("phone") or data.get("email")):
            raise ValidationError(_("Nhập số điện thoại hoặc địa chỉ thư điện tử (ít nhất một)."))
        return data


class LoginForm(_Form):
    login = forms.CharField(
        label=_("Số điện thoại hoặc thư điện tử"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
        error_messages={"required": _("Nhập số điện thoại hoặc địa chỉ thư điện tử.")},
    )
    password = _password(_("Mật khẩu"), "current-password")

    INVALID = _(
        "Số điện thoại / thư điện tử hoặc mật khẩu không đúng. Lưu ý: sau nhiều lần nhập sai, "
        "tài khoản bị tạm khoá."
    )
    STAFF = _(
        "Đây là tài khoản cán bộ. Cán bộ đăng nhập tại trang bàn làm việc (/desk/login/), "
        "không dùng trang của công dân."
    )

    def __init__(self, request, *args, **kwargs):
        self.request = request
        self.user: User | None = None
        self.staff_account = False
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        login, password = data.get("login"), data.get("password")
        if not (login and password):
            return data
        try:
            kind, value = services.parse_login(login)
        except AccountError:
            # Not a phone number or an e-mail address: perhaps a staff username. Checked
            # through authenticate(), so the lockout counts it against that account.
            user = authenticate(self.request, username=login.strip(), password=password)
            if user is not None and not user.is_citizen:
                self.staff_account = True
                raise ValidationError(self.STAFF, code="staff_account") from None
            raise ValidationError(self.INVALID, code="invalid_login") from None
        user = authenticate(self.request, citizen_login=login, password=password)
        if user is None:
            if self._is_staff_contact(kind, value, password):
                self.staff_account = True
                raise ValidationError(self.STAFF, code="staff_account")
            raise ValidationError(self.INVALID, code="invalid_login")
        self.user = user
        return data

    @staticmethod
    def _is_staff_contact(kind: str, value: str, password: str) -> bool:
        field = "phone" if kind == ContactKind.PHONE else "email__iexact"
        staff = User.objects.filter(is_citizen=False, is_active=True, **{field: value})[:3]
        return any(user.check_password(password) for user in staff)


class CodeForm(_Form):
    code = forms.CharField(
        label=_("Mã xác nhận (6 chữ số)"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}
        ),
        error_messages={"required": _("Nhập mã xác nhận.")},
    )


class ForgotForm(_Form):
    login = forms.CharField(
        label=_("Số điện thoại hoặc thư điện tử đã xác nhận"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
        error_messages={"required": _("Nhập số điện thoại hoặc địa chỉ thư điện tử.")},
    )

    def clean_login(self):
        try:
            return services.parse_login(self.cleaned_data["login"])
        except AccountError as exc:
            raise ValidationError(
                _("Nhập số điện thoại di động hoặc địa chỉ thư điện tử.")
            ) from exc


class ResetForm(NewPasswordMixin, _Form):
    code = CodeForm.base_fields["code"]
    password1 = _password(_("Mật khẩu mới"))
    password2 = _password(_("Nhập lại mật khẩu mới"))

    def clean_password1(self):
        password = self.cleaned_data["password1"]
        try:  # the rest (similarity) once the account is known
            validate_password(password)
        except ValidationError as exc:
            raise ValidationError(services.password_problems(exc)) from None
        return password


class ProfileForm(_Form):
    full_name = SignUpForm.base_fields["full_name"]
    address = forms.CharField(
        label=_("Địa chỉ"),
        max_length=500,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    id_number = IdNumberField(
        label=_("Số định danh cá nhân (CCCD)"),
        required=False,
        help_text=_("12 chữ số. Khi đổi số, cán bộ một cửa cần xác thực lại khi tiếp nhận hồ sơ."),
    )


class ContactForm(_Form):
    """A new phone number or e-mail address (one at a time): a code goes there."""

    kind = forms.ChoiceField(choices=ContactKind.choices, widget=forms.HiddenInput)
    phone = PhoneField(label=_("Số điện thoại di động mới"), required=False)
    email = EmailField(label=_("Thư điện tử mới"), required=False)

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind and not data.get("phone" if kind == ContactKind.PHONE else "email"):
            field = "phone" if kind == ContactKind.PHONE else "email"
            if field not in self.errors:
                self.add_error(field, _("Nhập thông tin liên hệ mới."))
        return data

    def contact(self) -> tuple[str, str]:
        kind = self.cleaned_data["kind"]
        return kind, self.cleaned_data["phone" if kind == ContactKind.PHONE else "email"]
