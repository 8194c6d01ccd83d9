"""Message templates: the placeholders each message may use, checking and rendering.

Templates use Django's template syntax, restricted to what a message needs: variables
declared for the template's key, `{% if %}` and `{% for %}`, and a short list of filters.
Anything else (an unknown placeholder, an attribute of a plain value, `{% load %}`,
`{% include %}` ...) is refused when a template is saved, so a province admin can never
publish a message that prints nothing where the citizen expects their due date, nor one
that reaches for data it was not given.

SMS are sent without diacritics (GSM 7-bit alphabet, 160 characters in one SMS instead of
70 with Unicode): admins write ordinary Vietnamese and `sms_text()` folds it when sending.
"""

from __future__ import annotations

import datetime
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.template import Context, Engine, Template, TemplateSyntaxError
from django.template.base import FilterExpression, Node, TextNode, Variable, VariableNode
from django.template.defaulttags import CommentNode, ForNode, IfNode, TemplateLiteral
from django.utils import translation
from django.utils.translation import gettext as _, gettext_lazy

from .models import Channel, TemplateKey

# --- The placeholders of each message ------------------------------------------------------

TEXT, DATE, STRINGS, ITEMS = "text", "date", "strings", "items"


@dataclass(frozen=True)
class Placeholder:
    kind: str  # TEXT, DATE, STRINGS (a list of texts) or ITEMS (a list of records)
    description: Any
    sample: Any
    fields: tuple[str, ...] = ()  # ITEMS: the fields of each record


def _text(description, sample) -> Placeholder:
    return Placeholder(TEXT, description, sample)


def _date(description, sample) -> Placeholder:
    return Placeholder(DATE, description, sample)


# Samples are realistic and on the long side: the SMS length check uses them.
_CODE = "000.00.23.H56-261123-0001"
_CITIZEN = {
    "code": _text(gettext_lazy("Mã hồ sơ"), _CODE),
    "procedure": _text(
        gettext_lazy("Tên thủ tục"),
        "Đăng ký khai sinh, đăng ký thường trú, cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi",
    ),
    "applicant_name": _text(gettext_lazy("Họ tên người nộp"), "Nguyễn Thị Minh Khai"),
    "unit": _text(gettext_lazy("Tên đơn vị tiếp nhận"), "Xã Đạ Huoai"),
    "tracking_url": _text(
        gettext_lazy("Đường dẫn tra cứu hồ sơ"),
        f"https://dichvucong.lamdong.gov.vn/track?code={_CODE}",
    ),
}
_DOSSIER_ITEM_FIELDS = ("code", "procedure", "applicant_name", "due_date", "url")
_DIGEST_SAMPLE = [
    {
        "code": _CODE,
        "procedure": "Đăng ký kết hôn",
        "applicant_name": "Trần Văn Bình",
        "due_date": datetime.date(2026, 11, 27),
        "url": f"https://dichvucong.lamdong.gov.vn/desk/dossiers/{_CODE}/",
    }
]
_STAFF_DOSSIER = {
    "code": _CITIZEN["code"],
    "procedure": _CITIZEN["procedure"],
    "applicant_name": _CITIZEN["applicant_name"],
    "unit": _CITIZEN["unit"],
    "due_date": _date(gettext_lazy("Ngày hẹn trả kết quả"), datetime.date(2026, 11, 27)),
    "dossier_url": _text(
        gettext_lazy("Đường dẫn hồ sơ (cho cán bộ)"),
        f"https://dichvucong.lamdong.gov.vn/desk/dossiers/{_CODE}/",
    ),
}

_FEEDBACK_REF = "PA-261123-0012"
_FEEDBACK = {
    "reference": _text(gettext_lazy("Số phản ánh"), _FEEDBACK_REF),
    "name": _text(gettext_lazy("Họ tên người phản ánh"), "Nguyễn Thị Minh Khai"),
    "subject": _text(
        gettext_lazy("Tiêu đề phản ánh"), "Cán bộ hẹn trả kết quả nhiều lần chưa được"
    ),
    "unit": _text(gettext_lazy("Đơn vị được phản ánh"), "Xã Đạ Huoai"),
    "due_date": _date(gettext_lazy("Hạn trả lời"), datetime.date(2026, 12, 7)),
    "feedback_url": _text(
        gettext_lazy("Đường dẫn xem phản ánh"),
        f"https://dichvucong.lamdong.gov.vn/feedback/{_FEEDBACK_REF}/",
    ),
}

PLACEHOLDERS: dict[str, dict[str, Placeholder]] = {
    TemplateKey.DOSSIER_RECEIVED: {
        **_CITIZEN,
        "received_at": _date(gettext_lazy("Ngày tiếp nhận"), datetime.date(2026, 11, 23)),
        "due_date": _date(gettext_lazy("Ngày hẹn trả kết quả"), datetime.date(2026, 11, 27)),
    },
    TemplateKey.SUPPLEMENT_REQUESTED: {
        **_CITIZEN,
        "missing": Placeholder(
            STRINGS,
            gettext_lazy("Danh sách giấy tờ cần bổ sung"),
            [
                "Giấy xác nhận tình trạng hôn nhân (bản chính)",
                "Bản sao giấy chứng sinh",
            ],
        ),
        "note": _text(gettext_lazy("Ghi chú của cán bộ"), "Giấy xác nhận đã quá 6 tháng."),
    },
    TemplateKey.REFUSED: {
        **_CITIZEN,
        "reason": _text(
            gettext_lazy("Lý do từ chối"),
            "Thủ tục không thuộc thẩm quyền giải quyết của UBND cấp xã.",
        ),
    },
    TemplateKey.EXTENDED: {
        **_CITIZEN,
        "old_due_date": _date(gettext_lazy("Ngày hẹn cũ"), datetime.date(2026, 11, 27)),
        "new_due_date": _date(gettext_lazy("Ngày hẹn mới"), datetime.date(2026, 12, 4)),
        "reason": _text(gettext_lazy("Lý do chậm"), "Cần xác minh thêm thông tin tại nơi cư trú."),
    },
    TemplateKey.RESULT_READY: {
        **_CITIZEN,
        "collect_at": _text(
            gettext_lazy("Nơi nhận kết quả"),
            "Bộ phận một cửa xã Đạ Huoai, thôn 1, xã Đạ Huoai",
        ),
        "collect_how": _text(
            gettext_lazy("Cách nhận kết quả"),
            "Mang theo giấy tiếp nhận và căn cước công dân; giờ hành chính từ thứ Hai đến thứ Sáu.",
        ),
    },
    TemplateKey.RETURNED: {
        **_CITIZEN,
        "returned_at": _date(gettext_lazy("Ngày trả kết quả"), datetime.date(2026, 11, 26)),
    },
    TemplateKey.RATE_INVITATION: {
        **_CITIZEN,
        "rating_url": _text(
            gettext_lazy("Đường dẫn đánh giá"),
            # A signed dossier id with its timestamp (dossiers.notify.rating_url).
            "https://dichvucong.lamdong.gov.vn/rate/MTIzNDU2Nw:1vQ0oU:"
            "x3Vh6Zs1eQm0n2bq8y4kP9aTfJcRwLd7uHgEiO5NvYA",
        ),
    },
    TemplateKey.FEEDBACK_RECEIVED: _FEEDBACK,
    TemplateKey.FEEDBACK_ANSWERED: {
        **_FEEDBACK,
        "reply": _text(
            gettext_lazy("Nội dung trả lời"),
            "Xã đã kiểm tra và hướng dẫn lại cán bộ tiếp nhận; hồ sơ của ông/bà được giải "
            "quyết trong ngày 27/11/2026.",
        ),
        "answered_at": _date(gettext_lazy("Ngày trả lời"), datetime.date(2026, 11, 26)),
    },
    TemplateKey.STAFF_DIGEST: {
        "officer_name": _text(gettext_lazy("Họ tên cán bộ"), "Lê Văn Tám"),
        "unit": _CITIZEN["unit"],
        "date": _date(gettext_lazy("Ngày tổng hợp"), datetime.date(2026, 11, 25)),
        "due_today": Placeholder(
            ITEMS, gettext_lazy("Hồ sơ đến hạn hôm nay"), _DIGEST_SAMPLE, _DOSSIER_ITEM_FIELDS
        ),
        "due_soon": Placeholder(
            ITEMS,
            gettext_lazy("Hồ sơ đến hạn trong 2 ngày làm việc"),
            _DIGEST_SAMPLE,
            _DOSSIER_ITEM_FIELDS,
        ),
        "overdue": Placeholder(
            ITEMS, gettext_lazy("Hồ sơ quá hạn"), _DIGEST_SAMPLE, _DOSSIER_ITEM_FIELDS
        ),
        "worklist_url": _text(
            gettext_lazy("Đường dẫn danh sách việc"),
            "https://dichvucong.lamdong.gov.vn/desk/",
        ),
    },
    TemplateKey.OVERDUE_ESCALATION: {
        **_STAFF_DOSSIER,
        "leader_name": _text(gettext_lazy("Họ tên lãnh đạo"), "Phạm Thị Hoa"),
        "handler_name": _text(gettext_lazy("Họ tên người đang xử lý"), "Lê Văn Tám"),
        "days_overdue": _text(gettext_lazy("Số ngày làm việc quá hạn"), 2),
    },
    TemplateKey.LATE_REMINDER: {
        **_STAFF_DOSSIER,
        "handler_name": _text(gettext_lazy("Họ tên người đang xử lý"), "Lê Văn Tám"),
        "apology_url": _text(
            gettext_lazy("Đường dẫn dự thảo phiếu xin lỗi (mẫu 04)"),
            f"https://dichvucong.lamdong.gov.vn/desk/dossiers/{_CODE}/apology/",
        ),
    },
}


# One-time codes of citizen accounts (citizens/services.py).
_ACCOUNT_CODE = {
    "code": _text(gettext_lazy("Mã xác nhận (6 chữ số)"), "042917"),
    "minutes": _text(gettext_lazy("Số phút mã còn hiệu lực"), 10),
}
PLACEHOLDERS[TemplateKey.ACCOUNT_CODE] = _ACCOUNT_CODE
PLACEHOLDERS[TemplateKey.PASSWORD_RESET_CODE] = _ACCOUNT_CODE

# Online dossiers (dossiers/online.py): the citizen's account page of the dossier, where
# the receipt is; the papers whose originals must still be brought to the desk.
_ACCOUNT_URL = _text(
    gettext_lazy("Đường dẫn hồ sơ trong tài khoản công dân"),
    f"https://dichvucong.lamdong.gov.vn/account/dossiers/{_CODE}/",
)
PLACEHOLDERS[TemplateKey.ONLINE_SUBMITTED] = {**_CITIZEN, "account_url": _ACCOUNT_URL}
PLACEHOLDERS[TemplateKey.ONLINE_RECEIVED] = {
    **PLACEHOLDERS[TemplateKey.DOSSIER_RECEIVED],
    "account_url": _ACCOUNT_URL,
    "receipt_url": _text(
        gettext_lazy("Đường dẫn giấy tiếp nhận (PDF)"),
        f"https://dichvucong.lamdong.gov.vn/account/dossiers/{_CODE}/papers/48213.pdf",
    ),
    "bring": Placeholder(
        STRINGS,
        gettext_lazy("Bản chính cần mang khi nhận kết quả (thủ tục trực tuyến một phần)"),
        ["Giấy xác nhận tình trạng hôn nhân (1 bản chính)"],
    ),
}


def placeholders(key: str) -> dict[str, Placeholder]:
    try:
        return PLACEHOLDERS[key]
    except KeyError:
        raise ValueError(f"unknown notification template key {key!r}") from None


def sample_context(key: str) -> dict[str, Any]:
    return {name: spec.sample for name, spec in placeholders(key).items()}


# --- Checking a template -------------------------------------------------------------------

ENGINE = Engine(debug=False, autoescape=False, libraries={})
ALLOWED_FILTERS = frozenset(
    {
        "capfirst",
        "date",
        "default",
        "first",
        "floatformat",
        "join",
        "last",
        "length",
        "lower",
        "pluralize",
        "title",
        "truncatechars",
        "truncatewords",
        "upper",
        "yesno",
    }
)
FORLOOP_FIELDS = frozenset({"counter", "counter0", "revcounter", "first", "last"})
SMS_MAX_LENGTH = 160  # one SMS in the GSM 7-bit alphabet


@dataclass
class _Scope:
    names: dict[str, Placeholder]
    loop_items: dict[str, tuple[str, ...] | None] = field(default_factory=dict)
    in_loop: bool = False


class _Checker:
    def __init__(self, key: str):
        self.scope = _Scope(dict(placeholders(key)))
        self.errors: list[str] = []

    def error(self, message: str) -> None:
        if message not in self.errors:
            self.errors.append(message)

    def nodes(self, nodelist: Iterable[Node], scope: _Scope) -> None:
        for node in nodelist:
            self.node(node, scope)

    def node(self, node: Node, scope: _Scope) -> None:
        if isinstance(node, TextNode | CommentNode):
            return
        if isinstance(node, VariableNode):
            self.expression(node.filter_expression, scope)
        elif isinstance(node, IfNode):
            for condition, nodelist in node.conditions_nodelists:
                if condition is not None:
                    self.condition(condition, scope)
                self.nodes(nodelist, scope)
        elif isinstance(node, ForNode):
            self.loop(node, scope)
        else:
            token = getattr(node, "token", None)
            name = token.contents.split()[0] if token else type(node).__name__
            self.error(_("Thẻ “%(tag)s” không được dùng trong mẫu thông báo.") % {"tag": name})

    def condition(self, condition, scope: _Scope) -> None:
        if isinstance(condition, TemplateLiteral):
            self.expression(condition.value, scope)
            return
        for part in (getattr(condition, "first", None), getattr(condition, "second", None)):
            if part is not None:
                self.condition(part, scope)

    def loop(self, node: ForNode, scope: _Scope) -> None:
        if len(node.loopvars) != 1:
            self.error(_("Vòng lặp {% for %} chỉ dùng một biến."))
            return
        self.expression(node.sequence, scope)
        sequence = node.sequence.var
        spec = None
        if isinstance(sequence, Variable) and sequence.lookups and len(sequence.lookups) == 1:
            spec = scope.names.get(sequence.lookups[0])
        if spec is None or spec.kind not in (STRINGS, ITEMS):
            self.error(_("{% for %} chỉ lặp trên một danh sách đã khai báo."))
            return
        inner = _Scope(
            names=scope.names,
            loop_items={**scope.loop_items, node.loopvars[0]: spec.fields or None},
            in_loop=True,
        )
        self.nodes(node.nodelist_loop, inner)
        self.nodes(node.nodelist_empty, scope)

    def expression(self, expression: FilterExpression, scope: _Scope) -> None:
        if isinstance(expression.var, Variable):
            self.variable(expression.var, scope)
        for func, args in expression.filters:
            name = getattr(func, "_filter_name", func.__name__)
            if name not in ALLOWED_FILTERS:
                self.error(_("Bộ lọc “%(filter)s” không được dùng.") % {"filter": name})
            for is_lookup, arg in args:
                if is_lookup:
                    self.variable(arg, scope)

    def variable(self, variable: Variable, scope: _Scope) -> None:
        lookups = variable.lookups
        if lookups is None:  # a literal: "text", 5
            return
        name, attributes = lookups[0], lookups[1:]
        shown = ".".join(lookups)
        if name in scope.loop_items:
            fields = scope.loop_items[name]
            if fields is None and not attributes:
                return
            if fields is not None and len(attributes) == 1 and attributes[0] in fields:
                return
            allowed = ", ".join(f"{name}.{f}" for f in fields or ())
            self.error(
                _("“%(var)s” không dùng được; trong vòng lặp dùng: %(allowed)s.")
                % {"var": shown, "allowed": allowed or name}
            )
            return
        if name == "forloop" and scope.in_loop:
            if len(attributes) == 1 and attributes[0] in FORLOOP_FIELDS:
                return
            self.error(_("“%(var)s” không dùng được.") % {"var": shown})
            return
        if name not in scope.names:
            self.error(
                _("Biến “%(var)s” không có trong mẫu này. Các biến dùng được: %(names)s.")
                % {"var": name, "names": ", ".join(sorted(scope.names))}
            )
            return
        if attributes:
            self.error(
                _("“%(var)s”: không dùng thuộc tính của biến “%(name)s”.")
                % {"var": shown, "name": name}
            )


def check_source(key: str, source: str) -> list[str]:
    """Problems of one template text (empty list: it is fine)."""
    try:
        template = Template(source, engine=ENGINE)
    except TemplateSyntaxError as exc:
        return [_("Lỗi cú pháp mẫu: %(error)s") % {"error": exc}]
    checker = _Checker(key)
    checker.nodes(template.nodelist, checker.scope)
    return checker.errors


def validate_template(
    key: str, channel: str, *, subject: str, body: str, language: str = "vi"
) -> None:
    """Raise ValidationError (per field) if the template would not make a good message."""
    if key not in PLACEHOLDERS:
        raise ValidationError({"key": _("Mẫu không xác định.")})
    errors: dict[str, list[str]] = {}
    if channel == Channel.EMAIL and not subject.strip():
        errors.setdefault("subject", []).append(_("Thư điện tử cần có tiêu đề."))
    for name, source in (("subject", subject), ("body", body)):
        problems = check_source(key, source)
        if problems:
            errors.setdefault(name, []).extend(problems)
    if not body.strip():
        errors.setdefault("body", []).append(_("Nội dung không được để trống."))
    if errors:
        raise ValidationError(errors)
    try:
        rendered = render_source(key, channel, language, subject, body, sample_context(key))
    except Exception as exc:  # noqa: BLE001 - whatever breaks must break here, not at sending
        raise ValidationError(
            {"body": _("Mẫu lỗi khi hiển thị với dữ liệu mẫu: %(error)s") % {"error": exc}}
        ) from exc
    if not rendered.body:
        raise ValidationError({"body": _("Với dữ liệu mẫu, nội dung thông báo trống.")})
    if channel == Channel.SMS:
        length = gsm_length(rendered.body)
        if length > SMS_MAX_LENGTH:
            raise ValidationError(
                {
                    "body": _(
                        "Tin nhắn dài %(length)s ký tự với dữ liệu mẫu, quá %(max)s ký tự "
                        "của một SMS. Hãy rút gọn."
                    )
                    % {"length": length, "max": SMS_MAX_LENGTH}
                }
            )


# --- Rendering -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str
    payload: dict[str, Any]


class MissingContext(ValueError):
    """The caller did not give every placeholder of the message: a programming error."""


_BLANK_LINES = re.compile(r"\n{3,}")


def check_context(key: str, context: Mapping[str, Any]) -> None:
    missing = sorted(set(placeholders(key)) - set(context))
    if missing:
        raise MissingContext(f"{key}: missing placeholders {', '.join(missing)}")


def render_source(
    key: str, channel: str, language: str, subject: str, body: str, context: Mapping[str, Any]
) -> Rendered:
    with translation.override(language):
        ctx = Context(dict(context), autoescape=False)
        subject_text = " ".join(Template(subject, engine=ENGINE).render(ctx).split())
        body_text = Template(body, engine=ENGINE).render(ctx)
    body_text = "\n".join(line.rstrip() for line in body_text.strip().splitlines())
    body_text = _BLANK_LINES.sub("\n\n", body_text)
    payload: dict[str, Any] = {}
    if channel == Channel.SMS:
        body_text = sms_text(body_text)
        subject_text = ""
    elif channel == Channel.ZALO:
        payload = {"template_data": template_data(key, context)}
        subject_text = ""
    return Rendered(subject=subject_text[:255], body=body_text, payload=payload)


class NoTemplate(ValueError):
    """No template for this key and channel in any language: a programming error."""


def template_source(key: str, channel: str, language: str) -> tuple[str, str]:
    """(subject, body) of the template to use: the province's row for the language, else
    the built-in default for the language, else the same two in Vietnamese."""
    from .defaults import default_template
    from .models import MessageTemplate

    rows = {
        row.language: row
        for row in MessageTemplate.objects.filter(
            key=key, channel=channel, language__in={language, "vi"}
        )
    }
    for lang in dict.fromkeys((language, "vi")):
        if lang in rows:
            return rows[lang].subject, rows[lang].body
        default = default_template(key, channel, lang)
        if default is not None:
            return default
    raise NoTemplate(f"no {channel} template for {key!r}")


def render(key: str, channel: str, language: str, context: Mapping[str, Any]) -> Rendered:
    """The message for a recipient, in their language, from the current template."""
    check_context(key, context)
    subject, body = template_source(key, channel, language)
    return render_source(key, channel, language, subject, body, context)


def template_data(key: str, context: Mapping[str, Any]) -> dict[str, str]:
    """Parameters of a provider-side template (Zalo ZNS): every plain placeholder as text."""
    data: dict[str, str] = {}
    for name, spec in placeholders(key).items():
        value = context.get(name)
        if spec.kind == ITEMS:
            continue
        if spec.kind == STRINGS:
            data[name] = "; ".join(str(v) for v in value or ())
        elif isinstance(value, datetime.date):
            data[name] = value.strftime("%d/%m/%Y")
        else:
            data[name] = "" if value is None else str(value)
    return data


# --- SMS text ------------------------------------------------------------------------------

_TYPOGRAPHY = str.maketrans(
    {
        "“": '"',
        "”": '"',
        "„": '"',
        "‘": "'",
        "’": "'",
        "–": "-",
        "—": "-",
        "…": "...",
        "\u00a0": " ",
        "đ": "d",
        "Đ": "D",
    }
)
# GSM 03.38: the basic set, and the extension characters that take two places.
_GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENDED = frozenset("^{}\\[~]|€\f")


def sms_text(text: str) -> str:
    """Vietnamese folded to the GSM 7-bit alphabet: no diacritics, đ→d, plain quotes."""
    text = unicodedata.normalize("NFD", text.translate(_TYPOGRAPHY))
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    text = unicodedata.normalize("NFC", text)
    return "".join(ch if ch in _GSM_BASIC or ch in _GSM_EXTENDED else "?" for ch in text)


def gsm_length(text: str) -> int:
    """Places the text takes in a GSM 7-bit SMS (extension characters count twice)."""
    return sum(2 if ch in _GSM_EXTENDED else 1 for ch in text)


def sms_segments(text: str) -> int:
    length = gsm_length(text)
    return 1 if length <= SMS_MAX_LENGTH else math.ceil(length / 153)
