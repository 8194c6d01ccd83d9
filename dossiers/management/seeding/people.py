"""Citizens, places and what officers write, made up but shaped like the real ones."""

from __future__ import annotations

import bisect
import itertools
import unicodedata
from dataclasses import dataclass

from portal.models import Unit, UnitKind

# everything about a citizen follows from a person number, so a citizen who comes
# back to the desk has the same name, ID number and phone, without keeping them in memory.

FAMILY = [
    ("Nguyễn", 380), ("Trần", 110), ("Lê", 95), ("Phạm", 70), ("Hoàng", 40), ("Phan", 45),
    ("Vũ", 30), ("Võ", 25), ("Huỳnh", 30), ("Đặng", 20), ("Bùi", 20), ("Đỗ", 15), ("Hồ", 13),
    ("Ngô", 13), ("Dương", 10), ("Lý", 5), ("Đinh", 10), ("Trương", 10), ("Lâm", 5), ("Mai", 5),
]  # fmt: skip
MIDDLE = (
    ["Văn", "Hữu", "Đức", "Minh", "Quốc", "Thanh", "Công", "Xuân", "Đình", "Ngọc", "Quang"],
    ["Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Kim", "Phương", "Mỹ", "Hồng", "Bích"],
)
GIVEN = (
    "An Bình Cường Dũng Duy Đạt Hải Hiếu Hoàng Hùng Huy Khang Khoa Kiên Lâm Long Lộc Minh Nam "
    "Nghĩa Nhân Phát Phong Phúc Quân Quang Sơn Tài Tâm Thắng Thành Thịnh Tiến Toàn Trí Trung "
    "Tuấn Tùng Việt Vinh".split(),
    "Anh Châu Chi Dung Duyên Giang Hà Hạnh Hằng Hiền Hoa Hồng Huệ Hương Lan Liên Linh Loan Mai "
    "My Nga Ngân Ngọc Nhung Oanh Phương Quyên Quỳnh Tâm Thảo Thu Thủy Trang Trinh Tuyết Uyên "
    "Vân Vy Xuân Yến".split(),
)
PHONE_PREFIXES = (
    "032 033 034 035 036 037 038 039 070 076 077 078 079 081 082 083 084 085 086 088 089 "
    "090 091 093 094 096 097 098 056 058".split()
)
# First three digits of a 12-digit ID number: the province of birth (Lâm Đồng 068 first).
BIRTH_PROVINCES = ["068"] * 14 + ["067", "060", "066", "056", "038", "040", "036", "001", "079"]
STREETS = "Trần Phú, Lê Lợi, Hùng Vương, Nguyễn Văn Cừ, Phan Bội Châu, Quang Trung, Nguyễn Trãi, "
STREETS += "Hai Bà Trưng, Lý Thường Kiệt, Ba Tháng Hai"
STREET_NAMES = STREETS.split(", ")
_FAMILY_NAMES = [name for name, _weight in FAMILY]
_FAMILY_CUMULATIVE = list(itertools.accumulate(weight for _name, weight in FAMILY))
MASK64 = (1 << 64) - 1


def plain(text: str) -> str:
    """Vietnamese without diacritics ("Đức Hòa" -> "Duc Hoa"), for e-mails and English names."""
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def mix(value: int) -> int:
    """splitmix64: a well-spread 64-bit number from any integer."""
    value = (value + 0x9E3779B97F4A7C15) & MASK64
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & MASK64
    return value ^ (value >> 31)


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    id_number: str
    phone: str
    email: str
    female: bool


def person(number: int) -> Person:
    """The citizen with this number: name, 12-digit ID number (province of birth, century
    and sex, year of birth, serial), 10-digit mobile number (4% have none), e-mail (12%)."""
    h, g = mix(number), mix(number ^ 0x5DEECE66D)
    female = bool(h & 1)
    family = _FAMILY_NAMES[
        bisect.bisect_right(_FAMILY_CUMULATIVE, (h >> 1) % _FAMILY_CUMULATIVE[-1])
    ]
    middle = MIDDLE[female][(h >> 12) % len(MIDDLE[female])]
    given = GIVEN[female][(h >> 20) % len(GIVEN[female])]
    born = 1950 + (h >> 28) % 57
    century_sex = (0 if born < 2000 else 2) + female
    province = BIRTH_PROVINCES[(g >> 4) % len(BIRTH_PROVINCES)]
    id_number = f"{province}{century_sex}{born % 100:02d}{(g >> 12) % 1_000_000:06d}"
    phone = ""
    if (g >> 40) % 100 >= 4:
        phone = PHONE_PREFIXES[(g >> 32) % len(PHONE_PREFIXES)] + f"{(h >> 36) % 10_000_000:07d}"
    email = ""
    if (g >> 48) % 100 < 12:
        email = plain(f"{given}.{family}{born % 100:02d}").lower() + "@gmail.com"
    return Person(f"{family} {middle} {given}", id_number, phone, email, female)


def address(number: int, unit: Unit) -> str:
    h = mix(number ^ 0xADD12E55)
    if unit.kind == UnitKind.WARD:
        place = f"Số {h % 200 + 1} đường {STREET_NAMES[(h >> 8) % len(STREET_NAMES)]}, "
        place += f"tổ dân phố {(h >> 16) % 30 + 1}"
    else:
        place = f"Thôn {(h >> 16) % 15 + 1}"
    return f"{place}, {unit.name_vi or unit.name}"


# Texts officers write, drawn at random.
REFUSALS = [
    "Thủ tục không thuộc thẩm quyền giải quyết của Ủy ban nhân dân cấp xã.",
    "Người nộp không thuộc đối tượng được giải quyết theo quy định.",
    "Giấy tờ nộp là bản chụp không có chứng thực, không đủ điều kiện tiếp nhận.",
]
SUPPLEMENTS = [
    "- Bản sao giấy tờ chứng minh nơi cư trú",
    "- Tờ khai còn thiếu thông tin, đề nghị khai lại đầy đủ",
    "- Văn bản ủy quyền có chứng thực\n- Bản sao giấy tờ tùy thân của người được ủy quyền",
]
DENIALS = [
    "Hồ sơ không đáp ứng điều kiện theo quy định.",
    "Kết quả xác minh tại địa phương không phù hợp với nội dung đề nghị.",
]
EXTENSIONS = [
    "Cần xác minh thêm thông tin tại nơi cư trú trước đây của người nộp.",
    "Chờ ý kiến của cơ quan chuyên môn cấp tỉnh.",
]
SEND_BACKS = ["Đề nghị bổ sung ý kiến thẩm định.", "Kiểm tra lại nội dung dự thảo kết quả."]
WITHDRAWALS = ["Công dân xin rút hồ sơ.", "Công dân không còn nhu cầu giải quyết."]
PLACE_WORDS = (
    "Tân Phúc Hòa An Bình Đức Lộc Gia Hiệp Quảng Liên Ninh Đại Đông Tây Xuân Thạnh Phú Mỹ Long"
).split()
PLACE_ENDS = "Hà Thọ Phát Thanh Lâm Nghĩa Trung Sơn Thành Hưng Lợi Hải Định Tiến Yên".split()
