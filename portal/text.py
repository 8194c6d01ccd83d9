"""Text helpers shared by the apps."""

import re
import unicodedata

_NON_WORD = re.compile(r"[^0-9a-z.]+")


def fold(text: str) -> str:
    """Fold Vietnamese text for matching: lower case, no diacritics, đ→d, single spaces.

    "Đăng ký KẾT HÔN" -> "dang ky ket hon". Dots are kept so codes like 1.001193 stay whole.
    """
    text = (text or "").lower().replace("đ", "d")
    text = unicodedata.normalize("NFD", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    return " ".join(_NON_WORD.sub(" ", text).split())
