"""Generate a large synthetic catalogue for benchmarks: `seed_bench_catalogue --count 5000`.

Names combine the verbs, objects and qualifiers of real commune procedures (the sample
catalogue's names come first, verbatim), documents are drawn from the sample catalogue's
documents, with English names alongside. Generated procedures have codes `99.NNNNNN` so
they never collide with national codes; running the command again replaces them. Rows are
bulk-inserted (no history rows): this is for a scratch benchmark database, not for real data.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from portal.models import Unit, UnitKind
from procedures.models import (
    Field,
    Level,
    OnlineLevel,
    Procedure,
    ProcedureDocument,
    Status,
    UnitProcedure,
)
from procedures.services import SEARCH_VOCABULARY_KEY, build_search_text

CODE_PREFIX = "99."
BENCH_UNIT_CODE = "99.BENCH"
SAMPLE = Path(settings.BASE_DIR) / "demo" / "sample-catalogue.json"

VERBS = [
    ("Đăng ký", "Registration of"),
    ("Đăng ký lại", "Re-registration of"),
    ("Cấp", "Issuing"),
    ("Cấp lại", "Re-issuing"),
    ("Cấp đổi", "Exchanging"),
    ("Thay đổi, cải chính", "Changing and correcting"),
    ("Điều chỉnh", "Adjusting"),
    ("Xác nhận", "Certifying"),
    ("Chứng thực", "Authenticating"),
    ("Gia hạn", "Extending"),
    ("Thu hồi", "Revoking"),
    ("Hỗ trợ", "Support for"),
    ("Thẩm định", "Appraisal of"),
    ("Công nhận", "Recognition of"),
    ("Tạm ngừng", "Suspending"),
    ("Chấm dứt", "Ending"),
    ("Giải quyết", "Settling"),
    ("Tiếp nhận", "Receiving"),
]
OBJECTS = [
    ("khai sinh", "birth", "HT"),
    ("kết hôn", "marriage", "HT"),
    ("khai tử", "death", "HT"),
    ("giám hộ", "guardianship", "HT"),
    ("nhận cha, mẹ, con", "recognition of parents and children", "HT"),
    ("Giấy xác nhận tình trạng hôn nhân", "certificate of marital status", "HT"),
    ("thông tin hộ tịch", "civil status information", "HT"),
    ("bản sao trích lục hộ tịch", "copies of civil status extracts", "HT"),
    ("bản sao từ bản chính giấy tờ", "copies from original papers", "CT"),
    ("chữ ký trong giấy tờ, văn bản", "signatures on papers", "CT"),
    ("hợp đồng, giao dịch về động sản", "contracts on movable property", "CT"),
    ("di chúc", "a will", "CT"),
    ("trợ cấp xã hội hàng tháng", "monthly social allowance", "BTXH"),
    ("chi phí mai táng", "funeral costs", "BTXH"),
    ("mức độ khuyết tật", "degree of disability", "BTXH"),
    ("hộ kinh doanh", "household business", "HKD"),
    ("nội dung đăng ký hộ kinh doanh", "household business details", "HKD"),
    ("giấy phép xây dựng nhà ở riêng lẻ", "construction permit for a detached house", "XD"),
    ("đất đai, tài sản gắn liền với đất", "land and attached assets", "DD"),
    ("quyền sử dụng đất", "land use right", "DD"),
    ("nhóm trẻ, lớp mẫu giáo độc lập", "independent kindergarten groups", "GD"),
    ("Giấy khen của Chủ tịch Ủy ban nhân dân", "certificate of merit of the chairman", "TDKT"),
    ("danh hiệu Gia đình văn hóa", "cultured family title", "TDKT"),
    ("hỗ trợ hộ nghèo", "support to poor households", "BTXH"),
    ("nuôi con nuôi", "adoption", "HT"),
]
QUALIFIERS = [
    ("", ""),
    ("có yếu tố nước ngoài", "involving a foreigner"),
    ("cho người khuyết tật", "for people with disabilities"),
    ("đối với hộ nghèo", "for poor households"),
    ("lần đầu", "for the first time"),
    ("trong trường hợp bị mất, hư hỏng", "when lost or damaged"),
    ("tại Ủy ban nhân dân cấp xã", "at the commune People's Committee"),
    ("đối với cá nhân", "for individuals"),
    ("cho tổ chức", "for organisations"),
    ("lưu động", "by the mobile team"),
    ("theo yêu cầu", "on request"),
    ("kết hợp", "combined"),
]


class Command(BaseCommand):
    help = "Generate N synthetic published procedures (codes 99.NNNNNN) for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=5000)
        parser.add_argument("--seed", type=int, default=20261101)
        parser.add_argument(
            "--offered", type=int, default=300, help="procedures offered by unit 99.BENCH"
        )

    def handle(self, *args, count: int, seed: int, offered: int, **options):
        if count < 1 or count > 999_999:
            raise CommandError("--count must be between 1 and 999999")
        sample = json.loads(SAMPLE.read_text(encoding="utf-8"))
        rng = random.Random(seed)
        with transaction.atomic():
            fields = self._fields(sample)
            Procedure.objects.filter(code__startswith=CODE_PREFIX).delete()
            names = self._names(sample, count, rng)
            procedures = Procedure.objects.bulk_create(
                [self._procedure(i, name, fields, rng) for i, name in enumerate(names, start=1)],
                batch_size=1000,
            )
            documents = self._documents(sample, procedures, rng)
            ProcedureDocument.objects.bulk_create(documents, batch_size=2000)
            to_update = list(
                Procedure.objects.filter(code__startswith=CODE_PREFIX)
                .select_related("field")
                .prefetch_related("documents")
            )
            for procedure in to_update:
                procedure.search_text = build_search_text(procedure)
            Procedure.objects.bulk_update(to_update, ["search_text"], batch_size=1000)
            self._offer(to_update, offered, rng)
        cache.delete(SEARCH_VOCABULARY_KEY)  # bulk writes bypass services.procedure_changed
        self.stdout.write(f"{len(procedures)} procedures, {len(documents)} documents generated.")

    def _fields(self, sample: dict) -> dict[str, Field]:
        # bulk_create throughout: fast, and a scratch benchmark database needs no history rows.
        existing = set(Field.objects.values_list("code", flat=True))
        Field.objects.bulk_create(
            [
                Field(
                    code=item["code"],
                    name=item["name"]["vi"],
                    name_vi=item["name"]["vi"],
                    name_en=item["name"].get("en", ""),
                )
                for item in sample["fields"]
                if item["code"] not in existing
            ]
        )
        return {field.code: field for field in Field.objects.all()}

    def _names(self, sample: dict, count: int, rng: random.Random) -> list[tuple]:
        names = [
            (p["name"]["vi"], p["name"].get("en", ""), p["field"])
            for p in sample["procedures"]
            if p["status"] == "published"
        ][:count]
        while len(names) < count:
            verb_vi, verb_en = rng.choice(VERBS)
            object_vi, object_en, field = rng.choice(OBJECTS)
            qualifier_vi, qualifier_en = rng.choice(QUALIFIERS)
            names.append(
                (
                    " ".join(filter(None, [verb_vi, object_vi, qualifier_vi])),
                    " ".join(filter(None, [verb_en, object_en, qualifier_en])),
                    field,
                )
            )
        return names

    def _procedure(self, i: int, name: tuple, fields: dict, rng: random.Random) -> Procedure:
        name_vi, name_en, field_code = name
        status = rng.choices([Status.PUBLISHED, Status.DRAFT, Status.ARCHIVED], weights=[90, 5, 5])[
            0
        ]
        same_day = rng.random() < 0.2
        return Procedure(
            code=f"{CODE_PREFIX}{i:06d}",
            name=name_vi,
            name_vi=name_vi,
            name_en=name_en,
            field=fields[field_code],
            level=rng.choices([Level.COMMUNE, Level.PROVINCE], weights=[80, 20])[0],
            online_level=rng.choice(list(OnlineLevel)),
            channels=["counter", "online"],
            same_day=same_day,
            processing_days=None if same_day else rng.choice([1, 3, 5, 7, 10, 15, 20]),
            status=status,
            popularity=int(rng.paretovariate(1.2) * 10),
        )

    def _documents(self, sample: dict, procedures: list, rng: random.Random) -> list:
        pool = [
            (d["name"]["vi"], d["name"].get("en", ""))
            for p in sample["procedures"]
            for d in p["documents"]
        ]
        documents = []
        for procedure in procedures:
            chosen = [(f"Tờ khai {procedure.name_vi.lower()}", f"Declaration: {procedure.name_en}")]
            chosen += rng.sample(pool, rng.randint(1, 4))
            for position, (name_vi, name_en) in enumerate(chosen):
                documents.append(
                    ProcedureDocument(
                        procedure=procedure,
                        position=position,
                        name=name_vi,
                        name_vi=name_vi,
                        name_en=name_en,
                        required=rng.random() < 0.8,
                    )
                )
        return documents

    def _offer(self, procedures: list, offered: int, rng: random.Random) -> None:
        unit = Unit.objects.filter(code=BENCH_UNIT_CODE).first()
        if unit is None:
            (unit,) = Unit.objects.bulk_create(
                [
                    Unit(
                        code=BENCH_UNIT_CODE,
                        name="Xã Thử Nghiệm",
                        name_vi="Xã Thử Nghiệm",
                        name_en="Bench Commune",
                        kind=UnitKind.COMMUNE,
                    )
                ]
            )
        published = [p for p in procedures if p.status == Status.PUBLISHED]
        UnitProcedure.objects.bulk_create(
            [
                UnitProcedure(unit=unit, procedure=p, counter="Quầy 1")
                for p in rng.sample(published, min(offered, len(published)))
            ]
        )
