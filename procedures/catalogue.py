"""Import and export of the procedure catalogue in the `tthc-catalogue/1` format.

The format is described in docs/catalogue-format.md. An import is all or nothing: the
whole file is read and checked first, every problem is collected (with the procedure code
and the key it concerns), and only a file without problems is written, in one transaction.

Reading a record produces its *canonical* form: exactly the dict that `export_catalogue`
would give for it once stored. That makes two things simple: a procedure whose stored
export equals the incoming record is left alone (no history row, no revision bump), and
export -> import -> export gives the same file.

Procedures and fields are matched by code and updated in place, so a procedure keeps its
row (and the QR links printed for it). Procedures and fields that are not in the file are
left as they are: an import never deletes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.db.models import Model, Prefetch
from django.utils import timezone

from . import services
from .models import (
    Channel,
    DocumentType,
    Field,
    LegalDocument,
    Level,
    OnlineLevel,
    Procedure,
    ProcedureDocument,
    ProcedureFee,
    ProcedureStep,
    Status,
)

FORMAT = "tthc-catalogue/1"

PROCEDURE_KEYS = (
    "code",
    "name",
    "field",
    "level",
    "description",
    "steps",
    "channels",
    "online_level",
    "processing_time",
    "fees",
    "documents",
    "eligibility",
    "requirements",
    "result",
    "result_type",
    "legal_basis",
    "status",
    "replaced_by",
)
_TOP_KEYS = ("format", "exported_at", "fields", "document_types", "procedures")
_LANGUAGES = ("vi", "en")
# Codes end up in URLs (/p/<code>) and on printed posters: letters, digits, dots, dashes.
_CODE = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]*")
_TYPE_CODE = re.compile(r"[0-9A-Za-z][0-9A-Za-z_-]*")  # a slug
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_SMALL_INT_MAX = 32767  # PositiveSmallIntegerField on every database
_BIG_INT_MAX = 9223372036854775807  # PositiveBigIntegerField
_MISSING: Any = object()


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a catalogue file.

    `code` is the procedure code, or the position ("procedures[3]", "fields[2]") when the
    record has no usable code, or "" for the file as a whole. `key` is the path inside the
    record, e.g. "documents[1].required".
    """

    code: str
    key: str
    message: str

    def __str__(self) -> str:
        where = " ".join(part for part in (self.code, self.key) if part)
        return f"{where}: {self.message}" if where else self.message


class CatalogueError(Exception):
    """The catalogue cannot be imported; `problems` lists every reason."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    fields_created: list[str] = field(default_factory=list)
    fields_updated: list[str] = field(default_factory=list)

    def summary(self) -> str:
        total = len(self.created) + len(self.updated) + len(self.unchanged)
        return (
            f"{total} procedures: {len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged; fields: {len(self.fields_created)} created, "
            f"{len(self.fields_updated)} updated."
        )


# --------------------------------------------------------------------------- export


def export_catalogue(*, exported_at: datetime | None = None) -> dict:
    """The whole catalogue (every field, every procedure whatever its status), by code."""
    stamp = exported_at or timezone.now()
    if timezone.is_naive(stamp):
        stamp = timezone.make_aware(stamp)
    fields = [
        {"code": item.code, "name": _text_out(item.name_vi, item.name_en)}
        for item in Field.objects.order_by("code")
    ]
    procedures = [_export_procedure(item) for item in _with_parts(Procedure.objects.all())]
    data = {
        "format": FORMAT,
        "exported_at": timezone.localtime(stamp).isoformat(timespec="seconds"),
        "fields": fields,
    }
    # Document types (paper once) are listed only when there are any, so a catalogue
    # without them keeps the shape it always had.
    types = [_export_type(item) for item in DocumentType.objects.order_by("code")]
    if types:
        data["document_types"] = types
    data["procedures"] = procedures
    return data


def _export_type(item: DocumentType) -> dict:
    return {
        "code": item.code,
        "name": _text_out(item.name_vi, item.name_en),
        "validity_months": item.validity_months,
    }


def dumps(data: dict) -> str:
    """The canonical text of a catalogue: UTF-8 friendly, indented, keys in format order."""
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _with_parts(queryset) -> Iterable[Procedure]:
    return (
        queryset.select_related("field", "replaced_by", "result_type")
        .prefetch_related(
            Prefetch("steps", queryset=ProcedureStep.objects.order_by("position", "id")),
            Prefetch("fees", queryset=ProcedureFee.objects.order_by("position", "id")),
            Prefetch(
                "documents",
                queryset=ProcedureDocument.objects.select_related("doc_type").order_by(
                    "position", "id"
                ),
            ),
            Prefetch("legal_basis", queryset=LegalDocument.objects.order_by("position", "id")),
        )
        .order_by("code")
    )


def _text_out(vi: str | None, en: str | None) -> dict | None:
    """A text object; None when there is no Vietnamese text (English alone means nothing
    here: Vietnamese is the reference language and English falls back to it)."""
    if not vi:
        return None
    return {"vi": vi, "en": en} if en else {"vi": vi}


def _export_procedure(procedure: Procedure) -> dict:
    p = procedure
    if p.same_day:
        processing_time: dict | None = {"same_day": True}
    elif p.processing_days:
        processing_time = {"working_days": p.processing_days}
    else:
        processing_time = None  # a note without a time limit cannot be expressed
    if processing_time is not None and p.processing_note_vi:
        processing_time["note"] = _text_out(p.processing_note_vi, p.processing_note_en)
    record = {
        "code": p.code,
        "name": _text_out(p.name_vi, p.name_en),
        "field": p.field.code,
        "level": p.level,
        "description": _text_out(p.description_vi, p.description_en),
        "steps": [_text_out(step.text_vi, step.text_en) for step in p.steps.all()],
        "channels": list(p.channels or []),
        "online_level": p.online_level,
        "processing_time": processing_time,
        "fees": [
            {
                "name": _text_out(fee.name_vi, fee.name_en),
                "amount_vnd": fee.amount_vnd,
                "note": _text_out(fee.note_vi, fee.note_en),
            }
            for fee in p.fees.all()
        ],
        "documents": [_export_document(doc) for doc in p.documents.all()],
        "eligibility": _text_out(p.eligibility_vi, p.eligibility_en),
        "requirements": _text_out(p.requirements_vi, p.requirements_en),
        "result": _text_out(p.result_vi, p.result_en),
        "legal_basis": [
            {
                "number": law.number,
                "title": _text_out(law.title_vi, law.title_en),
                "issued": law.issued.isoformat() if law.issued else None,
                "issuer": _text_out(law.issuer_vi, law.issuer_en),
            }
            for law in p.legal_basis.all()
        ],
        "status": p.status,
        "replaced_by": p.replaced_by.code if p.replaced_by_id else None,
    }
    return _with_result_type(record, p.result_type.code if p.result_type_id else None)


def _with_result_type(record: dict, code: str | None) -> dict:
    """ "result_type" follows "result", and only when the procedure has one."""
    if code is None:
        return record
    keys = list(record)
    at = keys.index("result") + 1
    return {**{k: record[k] for k in keys[:at]}, "result_type": code} | {
        k: record[k] for k in keys[at:]
    }


def _export_document(doc: ProcedureDocument) -> dict:
    item = {
        "name": _text_out(doc.name_vi, doc.name_en),
        "originals": doc.originals,
        "copies": doc.copies,
        "required": doc.required,
        "form": _text_out(doc.form_vi, doc.form_en),
    }
    if doc.doc_type_id:
        item["type"] = doc.doc_type.code
    return item


# --------------------------------------------------------------------------- reading

Report = Callable[[str, str], None]  # (key, message)


def _max_length(model: type[Model], name: str) -> int:
    return model._meta.get_field(name).max_length


def _quoted(choices: Iterable[str]) -> str:
    names = [f'"{choice}"' for choice in choices]
    return ", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else names[0]


def _describe(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)  # dicts may come from Python
    return text if len(text) <= 40 else text[:37] + "..."


def _read_string(
    report: Report,
    key: str,
    value: Any,
    *,
    max_length: int | None = None,
    pattern: re.Pattern | None = None,
    required: bool = True,
) -> str | None:
    if value is _MISSING or value is None:
        if required:
            report(key, "is required")
        return None
    if not isinstance(value, str):
        report(key, f"must be a string, not {_describe(value)}")
        return None
    value = value.strip()
    if not value:
        if required:
            report(key, "must not be empty")
        return None
    if max_length and len(value) > max_length:
        report(key, f"is too long ({len(value)} characters, at most {max_length})")
        return None
    if pattern and not pattern.fullmatch(value):
        report(key, f"{_describe(value)} is not a valid code (letters, digits, '.', '-', '_')")
        return None
    return value


def _read_text(
    report: Report, key: str, value: Any, *, required: bool, max_length: int | None = None
) -> dict | None:
    """A human text {"vi": ..., "en": ...}: vi required, en optional; null when optional."""
    if value is _MISSING or value is None:
        if required:
            report(key, 'is required (a text like {"vi": "...", "en": "..."})')
        return None
    if not isinstance(value, dict):
        report(key, f'must be a text like {{"vi": "...", "en": "..."}}, not {_describe(value)}')
        return None
    for language in value:
        if language not in _LANGUAGES:
            report(f"{key}.{language}", 'unknown language (only "vi" and "en")')
    vi = value.get("vi", _MISSING)
    en = value.get("en")
    good = True
    if vi is _MISSING or vi is None or (isinstance(vi, str) and not vi.strip()):
        report(f"{key}.vi", "the Vietnamese text is required")
        good = False
    elif not isinstance(vi, str):
        report(f"{key}.vi", f"must be a string, not {_describe(vi)}")
        good = False
    if en is not None and not isinstance(en, str):
        report(f"{key}.en", f"must be a string, not {_describe(en)}")
        good = False
    if not good:
        return None
    text = {"vi": vi.strip()}
    if en and en.strip():
        text["en"] = en.strip()
    if max_length:
        for language, words in text.items():
            if len(words) > max_length:
                report(
                    f"{key}.{language}",
                    f"is too long ({len(words)} characters, at most {max_length})",
                )
    return text


def _read_int(report: Report, key: str, value: Any, *, minimum: int, maximum: int) -> int | None:
    if value is _MISSING or value is None:
        report(key, "is required")
        return None
    # JSON true/false arrive as bool, which Python counts as int: refuse them explicitly.
    if isinstance(value, bool) or not isinstance(value, int):
        report(key, f"must be a whole number, not {_describe(value)}")
        return None
    if not minimum <= value <= maximum:
        if minimum == 1:
            report(key, f"must be greater than 0 (got {value})")
        elif value < minimum:
            report(key, f"must be {minimum} or more (got {value})")
        else:
            report(key, f"must be at most {maximum} (got {value})")
        return None
    return value


def _read_bool(report: Report, key: str, value: Any) -> bool | None:
    if not isinstance(value, bool):
        report(
            key,
            "must be true or false"
            if value is _MISSING
            else f"must be true or false, not {_describe(value)}",
        )
        return None
    return value


def _read_choice(
    report: Report, key: str, value: Any, choices: Iterable[str], *, default: Any = _MISSING
) -> str | None:
    choices = list(choices)
    if value is _MISSING and default is not _MISSING:
        return default
    if value not in choices or not isinstance(value, str):
        shown = "missing" if value is _MISSING else _describe(value)
        report(key, f"must be {_quoted(choices)} (got {shown})")
        return None
    return value


def _read_list(report: Report, key: str, value: Any) -> list:
    if value is _MISSING:
        return []
    if not isinstance(value, list):
        report(key, f"must be a list, not {_describe(value)}")
        return []
    return value


def _read_object(report: Report, key: str, value: Any, allowed: Iterable[str]) -> dict | None:
    if not isinstance(value, dict):
        report(key, f"must be an object, not {_describe(value)}")
        return None
    for name in value:
        if name not in allowed:
            report(f"{key}.{name}" if key else name, "unknown key")
    return value


def _read_processing_time(report: Report, value: Any) -> dict | None:
    key = "processing_time"
    if value is _MISSING or value is None:
        return None
    raw = _read_object(report, key, value, ("working_days", "same_day", "note"))
    if raw is None:
        return None
    note = _read_text(report, f"{key}.note", raw.get("note"), required=False)
    has_days, has_same_day = "working_days" in raw, "same_day" in raw
    if has_days and has_same_day:
        report(key, 'give either "working_days" or "same_day", not both')
        return None
    if has_same_day:
        if raw["same_day"] is not True:
            report(f"{key}.same_day", 'must be true (for a time limit in days use "working_days")')
            return None
        result: dict = {"same_day": True}
    elif has_days:
        days = _read_int(
            report, f"{key}.working_days", raw["working_days"], minimum=1, maximum=_SMALL_INT_MAX
        )
        if days is None:
            return None
        result = {"working_days": days}
    else:
        report(key, 'needs "working_days" (a number) or "same_day": true')
        return None
    if note is not None:
        result["note"] = note
    return result


def _read_fee(report: Report, key: str, value: Any) -> dict:
    raw = _read_object(report, key, value, ("name", "amount_vnd", "note")) or {}
    return {
        "name": _read_text(
            report,
            f"{key}.name",
            raw.get("name", _MISSING),
            required=True,
            max_length=_max_length(ProcedureFee, "name"),
        ),
        "amount_vnd": _read_int(
            report,
            f"{key}.amount_vnd",
            raw.get("amount_vnd", _MISSING),
            minimum=0,
            maximum=_BIG_INT_MAX,
        ),
        "note": _read_text(report, f"{key}.note", raw.get("note"), required=False),
    }


def _read_document(report: Report, key: str, value: Any) -> dict:
    allowed = ("name", "originals", "copies", "required", "form", "type")
    raw = _read_object(report, key, value, allowed) or {}
    count = {"minimum": 0, "maximum": _SMALL_INT_MAX}
    document = {
        "name": _read_text(
            report,
            f"{key}.name",
            raw.get("name", _MISSING),
            required=True,
            max_length=_max_length(ProcedureDocument, "name"),
        ),
        "originals": _read_int(report, f"{key}.originals", raw.get("originals", _MISSING), **count),
        "copies": _read_int(report, f"{key}.copies", raw.get("copies", _MISSING), **count),
        "required": _read_bool(report, f"{key}.required", raw.get("required", _MISSING)),
        "form": _read_text(
            report,
            f"{key}.form",
            raw.get("form"),
            required=False,
            max_length=_max_length(ProcedureDocument, "form"),
        ),
    }
    doc_type = _read_type_code(report, f"{key}.type", raw.get("type"))
    if doc_type is not None:
        document["type"] = doc_type
    return document


def _read_type_code(report: Report, key: str, value: Any, *, required: bool = False) -> str | None:
    """A document type code (checked against the known types later)."""
    return _read_string(
        report,
        key,
        value,
        required=required,
        max_length=_max_length(DocumentType, "code"),
        pattern=_TYPE_CODE,
    )


def _read_document_type(report: Report, raw: Any) -> dict | None:
    raw = _read_object(report, "", raw, ("code", "name", "validity_months"))
    if raw is None:
        return None
    months = raw.get("validity_months")
    return {
        "code": _read_type_code(report, "code", raw.get("code", _MISSING), required=True),
        "name": _read_text(
            report,
            "name",
            raw.get("name", _MISSING),
            required=True,
            max_length=_max_length(DocumentType, "name"),
        ),
        "validity_months": None
        if months is None
        else _read_int(report, "validity_months", months, minimum=1, maximum=_SMALL_INT_MAX),
    }


def _read_issued(report: Report, key: str, value: Any) -> str | None:
    if value is None or value is _MISSING:
        return None
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        report(key, f"must be a date like 2014-11-20, not {_describe(value)}")
        return None
    try:
        date.fromisoformat(value)
    except ValueError:
        report(key, f"{value} is not a real date")
        return None
    return value


def _read_law(report: Report, key: str, value: Any) -> dict:
    raw = _read_object(report, key, value, ("number", "title", "issued", "issuer")) or {}
    return {
        "number": _read_string(
            report,
            f"{key}.number",
            raw.get("number", _MISSING),
            max_length=_max_length(LegalDocument, "number"),
        ),
        "title": _read_text(
            report,
            f"{key}.title",
            raw.get("title", _MISSING),
            required=True,
            max_length=_max_length(LegalDocument, "title"),
        ),
        "issued": _read_issued(report, f"{key}.issued", raw.get("issued")),
        "issuer": _read_text(
            report,
            f"{key}.issuer",
            raw.get("issuer"),
            required=False,
            max_length=_max_length(LegalDocument, "issuer"),
        ),
    }


def _read_channels(report: Report, value: Any) -> list[str]:
    channels: list[str] = []
    for index, item in enumerate(_read_list(report, "channels", value)):
        key = f"channels[{index}]"
        channel = _read_choice(report, key, item, Channel.values)
        if channel is None:
            continue
        if channel in channels:
            report(key, f'"{channel}" is listed twice')
            continue
        channels.append(channel)
    return channels


def _read_procedure(report: Report, raw: dict) -> dict:
    """The canonical form of one procedure record (same key order as the export)."""
    get = raw.get

    def text(key: str, *, required: bool = False, model: type[Model] = Procedure) -> dict | None:
        limit = _max_length(model, key) if required else None
        return _read_text(report, key, get(key, _MISSING), required=required, max_length=limit)

    def listed(key: str, read: Callable[[Report, str, Any], Any]) -> list:
        return [
            read(report, f"{key}[{index}]", item)
            for index, item in enumerate(_read_list(report, key, get(key, _MISSING)))
        ]

    record = {
        "code": get("code"),  # checked by the caller
        "name": text("name", required=True),
        "field": _read_string(
            report, "field", get("field", _MISSING), max_length=_max_length(Field, "code")
        ),
        "level": _read_choice(report, "level", get("level", _MISSING), Level.values),
        "description": text("description"),
        "steps": listed("steps", lambda r, k, v: _read_text(r, k, v, required=True)),
        "channels": _read_channels(report, get("channels", _MISSING)),
        "online_level": _read_choice(
            report,
            "online_level",
            get("online_level", _MISSING),
            OnlineLevel.values,
            default=OnlineLevel.NONE.value,
        ),
        "processing_time": _read_processing_time(report, get("processing_time", _MISSING)),
        "fees": listed("fees", _read_fee),
        "documents": listed("documents", _read_document),
        "eligibility": text("eligibility"),
        "requirements": text("requirements"),
        "result": text("result"),
        "legal_basis": listed("legal_basis", _read_law),
        "status": _read_choice(report, "status", get("status", _MISSING), Status.values),
        "replaced_by": _read_string(
            report,
            "replaced_by",
            get("replaced_by", _MISSING),
            required=False,
            max_length=_max_length(Procedure, "code"),
            pattern=_CODE,
        ),
    }
    return _with_result_type(record, _read_type_code(report, "result_type", get("result_type")))


def parse(data: dict | bytes | str) -> dict:
    """The catalogue as a dict, or CatalogueError saying why the text is not JSON."""
    if isinstance(data, dict):
        return data
    if isinstance(data, bytes | bytearray):
        try:
            data = bytes(data).decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise CatalogueError(
                [Problem("", "", f"the file is not UTF-8 text (byte {error.start})")]
            ) from None
    try:
        return json.loads(data)
    except json.JSONDecodeError as error:
        message = f"invalid JSON at line {error.lineno} column {error.colno}: {error.msg}"
        raise CatalogueError([Problem("", "", message)]) from None
    except RecursionError:
        raise CatalogueError([Problem("", "", "invalid JSON: nested too deeply")]) from None


def validate(data: dict | bytes | str) -> tuple[list[dict], list[dict]]:
    """Check a whole catalogue; (fields, procedures) in canonical form, or CatalogueError
    with every problem found."""
    data = parse(data)
    problems: list[Problem] = []

    def reporter(code: str) -> Report:
        return lambda key, message: problems.append(Problem(code, key, message))

    file_report = reporter("")
    if not isinstance(data, dict):
        raise CatalogueError([Problem("", "", "the catalogue must be a JSON object")])
    for key in data:
        if key not in _TOP_KEYS:
            file_report(key, "unknown key")
    if data.get("format") != FORMAT:
        shown = "missing" if "format" not in data else _describe(data["format"])
        file_report("format", f'must be "{FORMAT}" (got {shown})')
    exported_at = data.get("exported_at")
    if exported_at is not None:
        try:
            datetime.fromisoformat(exported_at)
        except (TypeError, ValueError):
            file_report("exported_at", f"must be a date and time, not {_describe(exported_at)}")

    fields: list[dict] = []
    field_codes: set[str] = set()
    for index, raw in enumerate(_read_list(file_report, "fields", data.get("fields", _MISSING))):
        report = reporter(f"fields[{index}]")
        raw = _read_object(report, "", raw, ("code", "name"))
        if raw is None:
            continue
        code = _read_string(
            report,
            "code",
            raw.get("code", _MISSING),
            max_length=_max_length(Field, "code"),
            pattern=_CODE,
        )
        name = _read_text(
            report,
            "name",
            raw.get("name", _MISSING),
            required=True,
            max_length=_max_length(Field, "name"),
        )
        if code in field_codes:
            report("code", f"field {code} is listed twice")
        elif code:
            field_codes.add(code)
            fields.append({"code": code, "name": name})

    document_types: list[dict] = []
    type_codes: set[str] = set()
    for index, raw in enumerate(
        _read_list(file_report, "document_types", data.get("document_types", []))
    ):
        record = _read_document_type(reporter(f"document_types[{index}]"), raw)
        if record is None or not record["code"]:
            continue
        if record["code"] in type_codes:
            reporter(f"document_types[{index}]")("code", f"type {record['code']} is listed twice")
            continue
        type_codes.add(record["code"])
        document_types.append(record)

    if "procedures" not in data:
        file_report("procedures", "is required (a list of procedures)")
    procedures: list[dict] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(
        _read_list(file_report, "procedures", data.get("procedures", _MISSING))
    ):
        position = f"procedures[{index}]"
        if not isinstance(raw, dict):
            reporter(position)("", f"must be an object, not {_describe(raw)}")
            continue
        code = _read_string(
            reporter(position),
            "code",
            raw.get("code", _MISSING),
            max_length=_max_length(Procedure, "code"),
            pattern=_CODE,
        )
        report = reporter(code or position)
        _read_object(report, "", raw, PROCEDURE_KEYS)
        if code in seen:
            report("code", f"the code is used twice (procedures[{seen[code]}] and {position})")
        record = _read_procedure(report, raw)
        record["code"] = code
        if code and code not in seen:
            seen[code] = index
            procedures.append(record)

    _check_references(problems, procedures, field_codes)
    _check_types(problems, procedures, type_codes)
    if problems:
        raise CatalogueError(problems)
    return fields, document_types, procedures


def _check_types(problems: list[Problem], procedures: list[dict], type_codes: set) -> None:
    """Document types must exist, in the file or already in the database."""
    used = {p.get("result_type") for p in procedures} | {
        doc.get("type") for p in procedures for doc in p["documents"]
    }
    used.discard(None)
    known = type_codes | set(
        DocumentType.objects.filter(code__in=used - type_codes).values_list("code", flat=True)
    )
    message = "unknown document type {} (neither in the file's document_types nor in the database)"
    for p in procedures:
        if p.get("result_type") and p["result_type"] not in known:
            problems.append(Problem(p["code"], "result_type", message.format(p["result_type"])))
        for index, doc in enumerate(p["documents"]):
            if doc.get("type") and doc["type"] not in known:
                problems.append(
                    Problem(p["code"], f"documents[{index}].type", message.format(doc["type"]))
                )


def _check_references(problems: list[Problem], procedures: list[dict], field_codes: set) -> None:
    """Fields and successors must exist, in the file or already in the database."""
    wanted_fields = {p["field"] for p in procedures if p["field"]} - field_codes
    known_fields = field_codes | set(
        Field.objects.filter(code__in=wanted_fields).values_list("code", flat=True)
    )
    status = {p["code"]: p["status"] for p in procedures}
    wanted = {p["replaced_by"] for p in procedures if p["replaced_by"]} - set(status)
    status |= dict(Procedure.objects.filter(code__in=wanted).values_list("code", "status"))
    for p in procedures:
        code = p["code"]
        if p["field"] and p["field"] not in known_fields:
            problems.append(Problem(code, "field", f"unknown field {p['field']}"))
        successor = p["replaced_by"]
        if not successor:
            continue
        if p["status"] and p["status"] != Status.ARCHIVED:
            message = 'only an archived procedure can have a successor (status "archived")'
            problems.append(Problem(code, "replaced_by", message))
        elif successor == code:
            problems.append(Problem(code, "replaced_by", "a procedure cannot replace itself"))
        elif successor not in status:
            message = f"unknown procedure {successor} (neither in the file nor in the database)"
            problems.append(Problem(code, "replaced_by", message))
        elif status[successor] == Status.DRAFT:
            message = f"the successor {successor} is a draft: citizens could not open it"
            problems.append(Problem(code, "replaced_by", message))


# --------------------------------------------------------------------------- writing


def import_catalogue(data: dict | bytes | str, *, user=None) -> ImportResult:
    """Import a catalogue, all or nothing. Raises CatalogueError listing every problem;
    then nothing has changed. `user` is recorded as the author in the history."""
    with transaction.atomic():
        fields, document_types, procedures = validate(data)
        types = _write_types(document_types, procedures, user)
        return _write(fields, procedures, user, types)


def _saved(obj: Model, user) -> None:
    if user is not None:
        obj._history_user = user
    obj.save()


def _vi(text: dict | None) -> str:
    return text["vi"] if text else ""


def _en(text: dict | None) -> str:
    return text.get("en", "") if text else ""


def _write_types(document_types: list[dict], procedures: list[dict], user) -> dict:
    """Create or update the file's document types; every type the procedures use, by code."""
    stored = {
        item.code: item
        for item in DocumentType.objects.select_for_update().filter(
            code__in=[t["code"] for t in document_types]
        )
    }
    for record in document_types:
        item = stored.get(record["code"]) or DocumentType(code=record["code"])
        values = {
            "name_vi": _vi(record["name"]),
            "name_en": _en(record["name"]),
            "validity_months": record["validity_months"],
        }
        if item.pk is None or any(
            (getattr(item, name) or "") != (value or "") for name, value in values.items()
        ):
            for name, value in values.items():
                setattr(item, name, value)
            item.save()
            stored[item.code] = item
    used = {p.get("result_type") for p in procedures} | {
        doc.get("type") for p in procedures for doc in p["documents"]
    }
    missing = used - set(stored) - {None}
    return stored | {item.code: item for item in DocumentType.objects.filter(code__in=missing)}


def _write(fields: list[dict], procedures: list[dict], user, types: dict) -> ImportResult:
    result = ImportResult()
    stored_fields = {
        item.code: item
        for item in Field.objects.select_for_update().filter(code__in=[f["code"] for f in fields])
    }
    renamed_fields: list[int] = []
    for record in fields:
        item = stored_fields.get(record["code"])
        name_vi, name_en = _vi(record["name"]), _en(record["name"])
        if item is None:
            item = Field(code=record["code"], name_vi=name_vi, name_en=name_en)
            _saved(item, user)
            stored_fields[item.code] = item
            result.fields_created.append(item.code)
        elif (item.name_vi or "", item.name_en or "") != (name_vi, name_en):
            item.name_vi, item.name_en = name_vi, name_en
            _saved(item, user)
            renamed_fields.append(item.pk)
            result.fields_updated.append(item.code)
    missing = {p["field"] for p in procedures} - set(stored_fields)
    stored_fields |= {item.code: item for item in Field.objects.filter(code__in=missing)}

    codes = [p["code"] for p in procedures]
    locked = {p.code: p for p in Procedure.objects.select_for_update().filter(code__in=codes)}
    before = {
        p.code: _export_procedure(p) for p in _with_parts(Procedure.objects.filter(code__in=codes))
    }
    changed = [p for p in procedures if before.get(p["code"]) != p]
    result.unchanged = [p["code"] for p in procedures if before.get(p["code"]) == p]

    # Successors already stored or written earlier in this import are set on the first save;
    # writing procedures without a successor first makes that the usual case.
    changed.sort(key=lambda p: p["replaced_by"] is not None)
    successors = {
        p.code: p
        for p in Procedure.objects.filter(
            code__in={p["replaced_by"] for p in changed if p["replaced_by"]}
        )
    }
    written: list[Procedure] = []
    deferred: list[tuple[Procedure, str]] = []
    for record in changed:
        procedure = locked.get(record["code"])
        if procedure is None:
            procedure = Procedure(code=record["code"])
            result.created.append(record["code"])
        else:
            result.updated.append(record["code"])
        successor_code = record["replaced_by"]
        successor = successors.get(successor_code) if successor_code else None
        if successor_code and successor is None:
            deferred.append((procedure, successor_code))
        _fill(procedure, record, stored_fields[record["field"]], successor)
        procedure.result_type = types.get(record.get("result_type"))
        _saved(procedure, user)
        _replace_parts(procedure, record, user, types)
        successors[procedure.code] = procedure
        written.append(procedure)
    for procedure, successor_code in deferred:
        procedure.replaced_by = successors[successor_code]
        _saved(procedure, user)

    for procedure in written:
        services.procedure_changed(procedure)
    order = {p["code"]: index for index, p in enumerate(procedures)}
    result.created.sort(key=order.__getitem__)
    result.updated.sort(key=order.__getitem__)
    # A renamed field changes the page and the search text of every procedure in it.
    written_ids = {p.pk for p in written}
    for procedure in Procedure.objects.select_related("field").filter(field__in=renamed_fields):
        if procedure.pk not in written_ids:
            services.procedure_changed(procedure)
    return result


def _fill(procedure: Procedure, record: dict, field_obj: Field, successor) -> None:
    time = record["processing_time"] or {}
    procedure.name_vi, procedure.name_en = _vi(record["name"]), _en(record["name"])
    procedure.field = field_obj
    procedure.level = record["level"]
    procedure.channels = record["channels"]
    procedure.online_level = record["online_level"]
    procedure.processing_days = time.get("working_days")
    procedure.same_day = bool(time.get("same_day"))
    procedure.processing_note_vi = _vi(time.get("note"))
    procedure.processing_note_en = _en(time.get("note"))
    for name in ("description", "eligibility", "requirements", "result"):
        setattr(procedure, f"{name}_vi", _vi(record[name]))
        setattr(procedure, f"{name}_en", _en(record[name]))
    procedure.status = record["status"]
    procedure.replaced_by = successor


def _replace_parts(procedure: Procedure, record: dict, user, types: dict) -> None:
    """Make the ordered lists equal to the record's.

    A stored row whose key (document name, step text, fee name, law number) is still in the
    list is kept and updated, so its id survives: dossiers point at catalogue documents.
    Rows no longer listed are deleted, new ones created; each write leaves a history row.
    """
    steps = [{"text_vi": _vi(step), "text_en": _en(step)} for step in record["steps"]]
    fees = [
        {
            "name_vi": _vi(fee["name"]),
            "name_en": _en(fee["name"]),
            "amount_vnd": fee["amount_vnd"],
            "note_vi": _vi(fee["note"]),
            "note_en": _en(fee["note"]),
        }
        for fee in record["fees"]
    ]
    documents = [
        {
            "name_vi": _vi(doc["name"]),
            "name_en": _en(doc["name"]),
            "originals": doc["originals"],
            "copies": doc["copies"],
            "required": doc["required"],
            "form_vi": _vi(doc["form"]),
            "form_en": _en(doc["form"]),
            "doc_type": types.get(doc.get("type")),
        }
        for doc in record["documents"]
    ]
    laws = [
        {
            "number": law["number"],
            "title_vi": _vi(law["title"]),
            "title_en": _en(law["title"]),
            "issued": date.fromisoformat(law["issued"]) if law["issued"] else None,
            "issuer_vi": _vi(law["issuer"]),
            "issuer_en": _en(law["issuer"]),
        }
        for law in record["legal_basis"]
    ]
    _sync(procedure, ProcedureStep, "text_vi", steps, user)
    _sync(procedure, ProcedureFee, "name_vi", fees, user)
    _sync(procedure, ProcedureDocument, "name_vi", documents, user)
    _sync(procedure, LegalDocument, "number", laws, user)


def _sync(procedure: Procedure, model: type[Model], key: str, rows: list[dict], user) -> None:
    stored: dict[Any, list[Model]] = {}
    for part in model.objects.filter(procedure=procedure).order_by("position", "id"):
        stored.setdefault(getattr(part, key) or "", []).append(part)
    for position, values in enumerate(rows):
        values["position"] = position
        same_key = stored.get(values[key])
        if not same_key:
            _saved(model(procedure=procedure, **values), user)
            continue
        part = same_key.pop(0)
        # Translation columns may hold NULL where the import writes "".
        if any((getattr(part, name) or "") != (value or "") for name, value in values.items()):
            for name, value in values.items():
                setattr(part, name, value)
            _saved(part, user)
    for leftovers in stored.values():
        for part in leftovers:
            if user is not None:
                part._history_user = user
            part.delete()
