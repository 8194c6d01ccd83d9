"""Citizen tracking: find a dossier by its code and a second factor, and tell its story in
plain words (status, due date, timeline, what the citizen must do next).

The lookup must not tell an unknown code from a wrong phone / ID number: both give None,
and both do the same work (one query by code, then constant-time comparisons against the
stored values or against a stand-in). Nothing is shown that the citizen did not enter
themselves: no name, ID number, phone, e-mail, address or staff names; notes are shown only
for the actions whose note is written for the citizen (what to supplement, a reason).

Attempts are rate-limited per client with django-ratelimit (shared cache); only failed
lookups count, so a citizen who finds their dossier is never blocked by refreshing it.
"""

from __future__ import annotations

import datetime as dt
import hmac
import ipaddress
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django_ratelimit.core import get_usage

from portal.models import Unit

from .models import Dossier, DossierChannel, DossierStatus, PaperKind, ResultDelivery
from .services import normalise_phone
from .workflow import Action

CODE_MAX_LENGTH = 64
FACTOR_MAX_LENGTH = 32
# Compared against when the code is unknown, so that case costs the same as a wrong factor.
_STAND_IN = "\x00" * 12

S = DossierStatus


# ---------------------------------------------------------------------------------------
# The lookup


def normalise_code(code: str) -> str:
    """Dossier codes are typed from paper: drop spaces around and inside."""
    return re.sub(r"\s+", "", code or "")[:CODE_MAX_LENGTH]


def normalise_id_number(id_number: str) -> str:
    return re.sub(r"[\s.\-]", "", id_number or "")


def _same(given: str, stored: str) -> bool:
    # compare_digest runs whatever the values; empty values never match (a dossier without
    # a phone number cannot be opened with an empty phone).
    equal = hmac.compare_digest(given.encode(), stored.encode())
    return equal and bool(given) and bool(stored)


def find_dossier(code: str, *, phone: str = "", id_number: str = "") -> Dossier | None:
    """The dossier with this code whose phone or ID number (given at reception) matches
    one of the factors given; None otherwise, the same way for every reason."""
    code = normalise_code(code)
    # Codes are printed in capitals; a citizen may type them in lower case. Both spellings
    # are looked up exactly, so the unique index serves the query.
    dossier = None
    if code:
        candidates = (
            Dossier.objects.select_related("procedure", "receiving_unit", "competent_unit")
            .filter(code__in={code, code.upper()})
            .order_by()
        )
        found = {d.code: d for d in candidates}
        dossier = found.get(code) or found.get(code.upper())
    stored_phone = dossier.applicant_phone if dossier else _STAND_IN
    stored_id = dossier.applicant_id_number if dossier else _STAND_IN
    phone_ok = _same(normalise_phone(phone or ""), stored_phone)
    id_ok = _same(normalise_id_number(id_number or ""), stored_id)
    if dossier is None or not (phone_ok or id_ok):
        return None
    return dossier


# ---------------------------------------------------------------------------------------
# What the citizen sees


@dataclass(frozen=True)
class Place:
    """Where to go: the desk that received the dossier (public contact data only)."""

    name: str
    address: str
    opening_hours: str
    phone: str


@dataclass(frozen=True)
class NextStep:
    # supplement | collect_result | wait | refused | denied | none
    kind: str
    text: str
    details: str = ""  # exactly what is missing, or the reason
    place: Place | None = None


@dataclass(frozen=True)
class Extension:
    old_due: dt.date | None
    new_due: dt.date | None
    reason: str


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    text: str


@dataclass(frozen=True)
class Tracking:
    code: str
    procedure_code: str
    procedure_name: str
    unit: Unit
    processing_unit: Unit
    status: str
    status_text: str
    received_at: dt.datetime | None
    due_date: dt.date | None
    paused: bool
    extension: Extension | None
    next_step: NextStep
    timeline: list[TimelineEntry] = field(default_factory=list)

    @property
    def unit_name(self) -> str:
        return self.unit.name

    @property
    def processing_unit_name(self) -> str:
        return self.processing_unit.name


def status_text(status: str) -> str:
    """The status as a citizen would say it (the staff labels are desk jargon)."""
    texts = {
        S.SUBMITTED_ONLINE: _("Đã nộp trực tuyến, đang chờ Bộ phận một cửa kiểm tra"),
        S.INCOMPLETE: _("Chưa đủ giấy tờ: cần bổ sung trước khi được tiếp nhận"),
        S.RECEIVED: _("Đã tiếp nhận, đang chờ giải quyết"),
        S.REFUSED: _("Không được tiếp nhận"),
        S.TRANSFERRED: _("Đã chuyển đến cơ quan có thẩm quyền giải quyết"),
        S.IN_PROCESSING: _("Đang giải quyết"),
        S.SUPPLEMENT_REQUESTED: _("Tạm dừng: chờ ông/bà bổ sung giấy tờ"),
        S.AWAITING_APPROVAL: _("Đang chờ lãnh đạo ký duyệt"),
        S.APPROVED: _("Đã được duyệt, đang chuẩn bị kết quả"),
        S.DENIED: _("Không được giải quyết"),
        S.RESULT_READY: _("Đã có kết quả, mời ông/bà đến nhận"),
        S.RETURNED: _("Đã trả kết quả"),
        S.WITHDRAWN: _("Đã rút hồ sơ"),
    }
    return texts.get(status, _("Đang giải quyết"))


def _day(value: dt.date | str | None) -> str:
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            return ""
    return value.strftime("%d/%m/%Y") if value else ""


def _place(unit: Unit) -> Place:
    return Place(
        name=unit.name,
        address=unit.address,
        opening_hours=unit.opening_hours,
        phone=unit.phone,
    )


def _event_text(event, dossier: Dossier, supplement_papers: dict) -> str | None:
    """One history row in plain words, or None for internal steps the citizen need not
    see (re-assignment, a leader sending the file back to the specialist)."""
    unit = dossier.receiving_unit.name
    action = event.action
    note = (event.note or "").strip()
    data = event.data or {}
    if action in (Action.RECEIVE,):
        return _("Hồ sơ đã được tiếp nhận tại %(unit)s") % {"unit": unit}
    if action == Action.COMPLETE:
        return _("Đã nhận đủ giấy tờ bổ sung; hồ sơ được tiếp nhận tại %(unit)s") % {"unit": unit}
    if action == Action.RECEIVE_INCOMPLETE:
        missing = _one_line(supplement_papers.get(event.at, "") or note)
        if missing:
            return _(
                "Hồ sơ chưa đủ giấy tờ nên chưa được tiếp nhận tại %(unit)s; cần bổ sung: "
                "%(missing)s"
            ) % {"unit": unit, "missing": missing}
        return _("Hồ sơ chưa đủ giấy tờ nên chưa được tiếp nhận tại %(unit)s") % {"unit": unit}
    if action == Action.REFUSE:
        if note:
            return _("Hồ sơ không được tiếp nhận. Lý do: %(reason)s") % {"reason": note}
        return _("Hồ sơ không được tiếp nhận")
    if action == Action.RECEIVE_AND_RETURN:
        return _("Hồ sơ đã được tiếp nhận và trả kết quả ngay tại %(unit)s") % {"unit": unit}
    if action == Action.TRANSFER:
        return _("Hồ sơ đã được chuyển đến %(unit)s để giải quyết") % {
            "unit": dossier.competent_unit.name
        }
    if action == Action.ASSIGN:
        if event.from_status == S.IN_PROCESSING:
            return None
        return _("Cán bộ chuyên môn đã nhận hồ sơ và đang xem xét, giải quyết")
    if action == Action.REQUEST_SUPPLEMENT:
        return _(
            "Cơ quan giải quyết yêu cầu bổ sung: %(missing)s. Thời hạn giải quyết tạm dừng "
            "cho đến khi ông/bà nộp bổ sung"
        ) % {"missing": _one_line(note)}
    if action == Action.RECEIVE_SUPPLEMENT:
        if data.get("new_due") and data.get("new_due") != data.get("old_due"):
            return _(
                "Đã nhận giấy tờ bổ sung; hồ sơ tiếp tục được giải quyết. Hạn trả kết quả "
                "mới: %(due)s"
            ) % {"due": _day(data["new_due"])}
        return _("Đã nhận giấy tờ bổ sung; hồ sơ tiếp tục được giải quyết")
    if action == Action.SUBMIT_FOR_APPROVAL:
        return _("Hồ sơ đã được trình lãnh đạo xem xét, ký duyệt")
    if action == Action.APPROVE:
        return _("Hồ sơ đã được duyệt; đang chuẩn bị kết quả")
    if action == Action.DENY:
        if note:
            return _("Cơ quan có thẩm quyền không giải quyết hồ sơ. Lý do: %(reason)s") % {
                "reason": note
            }
        return _("Cơ quan có thẩm quyền không giải quyết hồ sơ")
    if action == Action.EXTEND:
        return _(
            "Cơ quan giải quyết xin lỗi vì chưa thể trả kết quả đúng hẹn. Ngày hẹn mới: "
            "%(due)s. Lý do: %(reason)s"
        ) % {"due": _day(data.get("new_due")), "reason": note}
    if action == Action.MARK_RESULT_READY:
        if dossier.result_delivery == ResultDelivery.POST:
            return _("Đã có kết quả; kết quả sẽ được gửi qua bưu chính")
        if dossier.result_delivery == ResultDelivery.ONLINE:
            return _("Đã có kết quả; kết quả được trả trực tuyến")
        return _("Đã có kết quả, mời ông/bà đến nhận tại %(unit)s") % {"unit": unit}
    if action == Action.RETURN_RESULT:
        method = data.get("method") or dossier.return_method
        if method == ResultDelivery.POST:
            return _("Đã gửi kết quả qua bưu chính")
        if method == ResultDelivery.ONLINE:
            return _("Đã trả kết quả trực tuyến")
        return _("Đã trả kết quả tại %(unit)s") % {"unit": unit}
    if action == Action.WITHDRAW:
        return _("Hồ sơ đã được rút theo đề nghị của người nộp")
    if action == Action.SUBMIT_ONLINE:
        return _("Ông/bà đã nộp hồ sơ trực tuyến tới %(unit)s") % {"unit": unit}
    if action == Action.SUPPLEMENT_ONLINE:
        return _("Ông/bà đã tải lên giấy tờ bổ sung")
    return None


def _one_line(text: str) -> str:
    """A list written one item per line ("- Tờ khai") reads as one sentence; the officer's
    free note after the papers (lines without a dash) follows them in parentheses."""
    papers, notes = [], []
    for line in (text or "").splitlines():
        line = line.strip()
        if line.startswith(("-", "•")):
            papers.append(line.lstrip("-•").strip())
        elif line:
            notes.append(line)
    papers = [item for item in papers if item]
    if papers and notes:
        return "; ".join(papers) + " (" + " ".join(notes) + ")"
    return "; ".join(papers or notes)


def _next_step(dossier: Dossier) -> NextStep:
    status = dossier.status
    desk = _place(dossier.receiving_unit)
    due = _day(dossier.due_date)
    if status in (S.INCOMPLETE, S.SUPPLEMENT_REQUESTED):
        if dossier.channel == DossierChannel.ONLINE and dossier.citizen_id:
            # Submitted from an account: the papers are uploaded there (or brought).
            text = _(
                "Đăng nhập tài khoản, mở hồ sơ này và tải lên giấy tờ còn thiếu (mục “Bổ sung "
                "giấy tờ”), hoặc mang đến %(unit)s."
            ) % {"unit": desk.name}
        else:
            text = _("Mang giấy tờ còn thiếu đến %(unit)s để bổ sung hồ sơ.") % {"unit": desk.name}
        if status == S.SUPPLEMENT_REQUESTED:
            text += " " + _(
                "Thời hạn giải quyết đang tạm dừng và được tính tiếp từ ngày ông/bà nộp đủ."
            )
        else:
            text += " " + _("Hồ sơ chỉ được tiếp nhận và tính thời hạn khi đã đủ giấy tờ.")
        return NextStep("supplement", text, dossier.supplement_note.strip(), desk)
    if status == S.RESULT_READY:
        if dossier.result_delivery == ResultDelivery.POST:
            return NextStep(
                "collect_result",
                _("Kết quả sẽ được gửi qua bưu chính đến địa chỉ ông/bà đã đăng ký."),
            )
        if dossier.result_delivery == ResultDelivery.ONLINE:
            return NextStep("collect_result", _("Kết quả được trả trực tuyến."))
        if dossier.reason:
            text = _(
                "Mời ông/bà đến %(unit)s nhận văn bản trả lời. Mang theo giấy tiếp nhận hồ sơ "
                "và giấy tờ tùy thân."
            ) % {"unit": desk.name}
            return NextStep("collect_result", text, dossier.reason, desk)
        text = _(
            "Mời ông/bà đến %(unit)s nhận kết quả. Mang theo giấy tiếp nhận hồ sơ và giấy tờ "
            "tùy thân."
        ) % {"unit": desk.name}
        return NextStep("collect_result", text, "", desk)
    if status == S.REFUSED:
        text = _("Hồ sơ không được tiếp nhận. Nếu cần hỏi thêm, ông/bà liên hệ %(unit)s.") % {
            "unit": desk.name
        }
        return NextStep("refused", text, dossier.reason, desk)
    if status == S.DENIED:
        text = _(
            "Hồ sơ không được giải quyết. Văn bản trả lời nêu rõ lý do sẽ được trả tại %(unit)s."
        ) % {"unit": desk.name}
        return NextStep("denied", text, dossier.reason, desk)
    if status == S.SUBMITTED_ONLINE:
        return NextStep("wait", _("Bộ phận một cửa đang kiểm tra hồ sơ; ông/bà chờ thông báo."))
    if status in (S.RETURNED, S.WITHDRAWN):
        return NextStep("none", _("Hồ sơ đã kết thúc; ông/bà không cần làm gì thêm."))
    # Received, transferred, in processing, awaiting approval, approved.
    if due:
        text = _("Ông/bà chưa cần làm gì. Hẹn trả kết quả ngày %(due)s tại %(unit)s.") % {
            "due": due,
            "unit": desk.name,
        }
    else:
        text = _("Ông/bà chưa cần làm gì; hồ sơ đang được giải quyết.")
    return NextStep("wait", text, "", desk)


def tracking_for(dossier: Dossier) -> Tracking:
    """Everything the citizen may see of a dossier found by find_dossier. Two queries (the
    history; the supplement requests issued at reception, only when there was one)."""
    events = list(dossier.events.all())
    supplement_papers: dict = {}
    if any(e.action == Action.RECEIVE_INCOMPLETE for e in events):
        papers = dossier.papers.filter(kind=PaperKind.SUPPLEMENT)
        # The foreign key in only(), or Django loads it again for each paper.
        for paper in papers.only("issued_at", "content", "dossier"):
            supplement_papers[paper.issued_at] = (paper.content or {}).get("missing", "")
    timeline = []
    for event in events:
        text = _event_text(event, dossier, supplement_papers)
        if text:
            timeline.append(TimelineEntry(at=event.at, text=text))
    extension = None
    extends = [e for e in events if e.action == Action.EXTEND]
    if extends:
        last = extends[-1]
        data = last.data or {}
        extension = Extension(
            old_due=_date(data.get("old_due")),
            new_due=_date(data.get("new_due")) or dossier.due_date,
            reason=(last.note or "").strip(),
        )
    return Tracking(
        code=dossier.code,
        procedure_code=dossier.procedure.code,
        procedure_name=dossier.procedure.name,
        unit=dossier.receiving_unit,
        processing_unit=dossier.competent_unit,
        status=dossier.status,
        status_text=status_text(dossier.status),
        received_at=dossier.received_at,
        due_date=dossier.due_date,
        paused=dossier.status == S.SUPPLEMENT_REQUESTED,
        extension=extension,
        next_step=_next_step(dossier),
        timeline=timeline,
    )


def _date(value) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def track(code: str, *, phone: str = "", id_number: str = "") -> Tracking | None:
    dossier = find_dossier(code, phone=phone, id_number=id_number)
    return tracking_for(dossier) if dossier else None


# ---------------------------------------------------------------------------------------
# Rate limit: failed attempts per client, shared by the page and the API.

RATE_GROUP = "dossiers.track"


def client_address(request: HttpRequest) -> str:
    """The client's address. REMOTE_ADDR unless settings.TRUSTED_PROXY_COUNT says how many
    proxies of ours stand in front: then the address the outermost of them saw, i.e. the
    N-th entry from the right of X-Forwarded-For. Entries further left are written by the
    client and cannot be trusted. IPv6 clients are grouped by /64, as one host has them."""
    address = request.META.get("REMOTE_ADDR", "") or ""
    proxies = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    if proxies > 0:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [h for h in hops if h]
        if len(hops) >= proxies:
            address = hops[-proxies]
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64] or "unknown"
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False).network_address)
    return str(ip)


def _rate_key(group: str, request: HttpRequest) -> str:
    return client_address(request)


def _rate() -> str:
    return getattr(settings, "TRACK_RATE_LIMIT", "10/10m")


@dataclass(frozen=True)
class Limit:
    limited: bool
    retry_after: int  # seconds


def check_limit(request: HttpRequest) -> Limit:
    """Whether this client may try again now (does not count the attempt)."""
    usage = get_usage(request, group=RATE_GROUP, key=_rate_key, rate=_rate(), increment=False)
    if usage is None:  # RATELIMIT_ENABLE = False
        return Limit(False, 0)
    limited = usage["should_limit"] or usage["count"] >= usage["limit"]
    return Limit(limited, max(int(usage["time_left"]), 1))


def record_failure(request: HttpRequest) -> None:
    get_usage(request, group=RATE_GROUP, key=_rate_key, rate=_rate(), increment=True)
