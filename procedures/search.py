"""Search that forgives how people type: diacritics or not, upper case, words in any order,
small misspellings ("dang ki ket hon"), codes, English names, field and document names.

Everything is matched against `Procedure.search_text`: the folded text (`portal.text.fold`:
lower case, no diacritics, đ→d) of a procedure's names, code, field and document names in
every language, in parts joined by " | ", the vi and en names first
(`services.build_search_text`). The query is folded the same way, so "Đăng ký KẾT HÔN",
"dang ky ket hon" and "DANG KY KET HON" are one query.

How a query is answered (the same rules on PostgreSQL and SQLite):

1. Words. Filler ("thu tuc", "thu tuc hanh chinh") is left out. Each other word is looked
   up in the catalogue's vocabulary: the distinct words (without digits) of every published
   search_text, cached until services.procedure_changed drops it. A word that is in it, or
   begins a word of it (typing in progress), is required. A word that is not a whole word
   of it also gets its corrections: the i/y twin ("ki" → "ky": both spellings are in use)
   and close spellings (difflib ratio ≥ 0.75, same first letter, words of four letters or
   more). A word with digits (a code) is required as typed. A word with neither a match
   nor a correction is optional: it does not have to match ("dang ky ket hon nhanh") but
   ranks higher when it does. When every word is optional, at least one must match.
2. Match. A procedure matches when every required word, in any order, starts a word of
   its search_text in one of its forms (`search_text LIKE '% word%'`: the text starts with
   " | ", so every word follows a space).
3. Rank, best first (then popularity, name, code), with the required words in their best
   forms as "the query":

       exact code                     10      code prefix                       6
       a name == query                 5      a name starts with the query      3
       a name contains the query       2      search_text contains the query    1
       each optional word found        1
       + how well the closer name fits, 0..1 (`name_fit`: share of the words found in
         the name, shorter names first; words in any order count)

PostgreSQL: step 2 is answered by the GIN `gin_trgm_ops` index of migration 0002 (pg_trgm
takes the trigrams of a LIKE pattern, the word start included); step 3 runs in SQL on the
found rows only, cutting the names out of search_text once per row (`NameRank`; no
unaccent needed: the column is already folded). Measured on 5,000 generated procedures
(bench/search_bench.py), two ideas were dropped for cost: pg_trgm word similarity
(`search_text %> query`) as the matcher, because a common query there finds over a
thousand candidates and `word_similarity` costs ~0.1 ms each on 400-character texts (over
a second per search); and pg_trgm `similarity()` of query and names in the rank (~10 µs a
row, both names, 50 ms on a broad query), replaced by `name_fit`. Correcting the words
against the vocabulary keeps the fuzziness and costs well under a millisecond.

SQLite (the embedded default, a catalogue of a few hundred procedures): the scoped rows are
read (three columns) and ranked in Python with the same rules and a port of pg_trgm's
similarity; the queryset returned is ordered by that rank. It reads the scoped catalogue on
every search: fine for a commune, not meant for tens of thousands of rows.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from django.core.cache import cache
from django.db import connection
from django.db.models import (
    Case,
    Exists,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)

from portal.models import Unit
from portal.text import fold

from .models import Procedure, Status, UnitProcedure
from .services import SEARCH_TEXT_SEPARATOR, SEARCH_VOCABULARY_KEY

# A longer query is cut: nobody types more, and it bounds the work per search.
MAX_QUERY_WORDS = 10
MAX_QUERY_CHARS = 200
MAX_CORRECTIONS = 3
CORRECTION_CUTOFF = 0.75
# services.procedure_changed drops the vocabulary; the time limit covers changes made
# around it (bulk updates).
VOCABULARY_TTL = 600

W_CODE_EXACT = 10.0
W_CODE_PREFIX = 6.0
W_NAME_EXACT = 5.0
W_NAME_PREFIX = 3.0
W_NAME_CONTAINS = 2.0
W_PHRASE = 1.0
W_OPTIONAL = 1.0

_CODE = re.compile(r"^\d+(\.\d+)*\.?$")
_DIGIT = re.compile(r"\d")


# --- The query -----------------------------------------------------------------------------


# Words people put before what they look for ("thủ tục đăng ký kết hôn"): every procedure
# is one, so they are left out of a query that has other words.
FILLER = (("thu", "tuc", "hanh", "chinh"), ("thu", "tuc"), ("tthc",))


def query_words(query: str | None) -> list[str]:
    """The folded words of a query, without filler; dots are kept only inside codes."""
    words = [w.strip(".") for w in fold((query or "")[:MAX_QUERY_CHARS]).split()]
    words = [w for w in words if w]
    for filler in FILLER:
        n = len(filler)
        for i in range(len(words) - n + 1):
            if tuple(words[i : i + n]) == filler and len(words) > n:
                words = words[:i] + words[i + n :]
                break
    return words[:MAX_QUERY_WORDS]


class Vocabulary:
    """The distinct folded words of the published catalogue, without codes and numbers."""

    def __init__(self, sorted_words: list[str]):
        self.sorted = sorted_words
        self.words = set(sorted_words)

    @classmethod
    def from_texts(cls, texts) -> Vocabulary:
        words: set[str] = set()
        for text in texts:
            words.update(text.split())
        return cls(sorted(w for w in words if w != "|" and not _DIGIT.search(w)))

    def begins_a_word(self, prefix: str) -> bool:
        i = bisect.bisect_left(self.sorted, prefix)
        return i < len(self.sorted) and self.sorted[i].startswith(prefix)

    def corrections(self, word: str) -> list[str]:
        """Whole words of the vocabulary that the user probably meant by `word`."""
        found = [
            twin
            for twin in sorted({word.replace("y", "i"), word.replace("i", "y")} - {word})
            if twin in self.words
        ]
        if len(word) >= 4:
            # Words that begin with the same letter: people rarely get the first one wrong,
            # and it keeps this to a slice of the vocabulary.
            lo = bisect.bisect_left(self.sorted, word[0])
            hi = bisect.bisect_left(self.sorted, chr(ord(word[0]) + 1))
            scored = []
            for candidate in self.sorted[lo:hi]:
                if abs(len(candidate) - len(word)) > 2:
                    continue
                matcher = SequenceMatcher(None, word, candidate)
                if (
                    matcher.real_quick_ratio() >= CORRECTION_CUTOFF
                    and matcher.quick_ratio() >= CORRECTION_CUTOFF
                    and (ratio := matcher.ratio()) >= CORRECTION_CUTOFF
                ):
                    scored.append((-ratio, candidate))
            found += [c for _, c in sorted(scored) if c not in found]
        return found[:MAX_CORRECTIONS]


@dataclass(frozen=True)
class SearchTerms:
    """A query resolved against the vocabulary."""

    # For each required word, the forms that may match, the best one first.
    required: tuple[tuple[str, ...], ...]
    # Words found nowhere in the vocabulary: they rank, they need not match.
    optional: tuple[str, ...]
    # The query as typed (folded) when it looks like a procedure code.
    code: str | None

    @property
    def phrase(self) -> str:
        """The required words in their best forms: "the query" for ranking."""
        return " ".join(forms[0] for forms in self.required)

    @property
    def is_empty(self) -> bool:
        return not (self.required or self.optional)


def resolve_terms(words: list[str], vocabulary: Vocabulary) -> SearchTerms:
    required: list[tuple[str, ...]] = []
    optional: list[str] = []
    for word in words:
        if word in vocabulary.words or _DIGIT.search(word):
            required.append((word,))
            continue
        corrections = vocabulary.corrections(word)
        if vocabulary.begins_a_word(word):
            # Typing in progress ("ket h"), or a misspelling that happens to begin a word
            # ("ki" begins "kinh"): keep both, the corrected whole word first.
            required.append((*corrections[:1], word, *corrections[1:]))
        elif corrections:
            # The word as typed last: it matches nothing now, but costs nothing either.
            required.append((*corrections, word))
        else:
            optional.append(word)
    phrase = " ".join(words)
    return SearchTerms(
        required=tuple(required),
        optional=tuple(optional),
        code=phrase if _CODE.match(phrase) else None,
    )


def catalogue_vocabulary() -> Vocabulary:
    words = cache.get(SEARCH_VOCABULARY_KEY)
    if words is None:
        texts = Procedure.objects.filter(status=Status.PUBLISHED).values_list(
            "search_text", flat=True
        )
        words = Vocabulary.from_texts(texts.iterator(chunk_size=2000)).sorted
        cache.set(SEARCH_VOCABULARY_KEY, words, VOCABULARY_TTL)
    return Vocabulary(words)


# --- The search ------------------------------------------------------------------------------


def search_procedures(
    query: str,
    *,
    field: str | None = None,
    level: str | None = None,
    unit: Unit | None = None,
    queryset: QuerySet[Procedure] | None = None,
) -> QuerySet[Procedure]:
    """Published procedures matching `query`, best match first.

    `field` is a field code, `level` a `Level` value (an unknown value simply matches
    nothing), `unit` keeps the procedures that unit actively offers at its desk. An empty
    query returns every (filtered) published procedure, most used first. Rows carry
    `search_rank` (0 for an empty query).
    """
    base = queryset if queryset is not None else Procedure.objects.all()
    base = base.filter(status=Status.PUBLISHED)
    if field:
        base = base.filter(field__code=field)
    if level:
        base = base.filter(level=level)
    if unit is not None:
        offered = UnitProcedure.objects.filter(unit=unit, procedure=OuterRef("pk"), is_active=True)
        base = base.filter(Exists(offered.values("pk")))
    words = query_words(query)
    if not words:
        return base.annotate(search_rank=Value(0.0, output_field=FloatField())).order_by(
            "-popularity", "name", "code"
        )
    terms = resolve_terms(words, catalogue_vocabulary())
    if terms.is_empty:
        return base.none().annotate(search_rank=Value(0.0, output_field=FloatField()))
    if connection.vendor == "postgresql":
        return _search_postgresql(base, terms)
    return _search_python(base, terms)


# --- PostgreSQL ----------------------------------------------------------------------------


class NameRank(Func):
    """The name part of the rank, in one scalar subquery per row so that the two names are
    cut out of search_text once (split_part), not once per test: the tier (name equals,
    starts with, contains the query) plus the name fit of `name_fit`."""

    output_field = FloatField()

    def __init__(self, terms: SearchTerms):
        super().__init__(F("search_text"))
        self.terms = terms

    def as_sql(self, compiler, connection, **extra_context):
        column, column_params = compiler.compile(self.source_expressions[0])
        phrase, required = self.terms.phrase, self.terms.required
        params: list = [phrase, phrase, W_NAME_EXACT]
        params += [f"{phrase}%", f"{phrase}%", W_NAME_PREFIX]
        params += [f"%{phrase}%", f"%{phrase}%", W_NAME_CONTAINS]
        tier = (
            "CASE WHEN n.vi = %s OR n.en = %s THEN %s"
            " WHEN n.vi LIKE %s OR n.en LIKE %s THEN %s"
            " WHEN n.vi LIKE %s OR n.en LIKE %s THEN %s ELSE 0 END"
        )
        fits = []
        for name in ("n.vi", "n.en"):
            found = []
            for forms in required:
                found.append(
                    "CASE WHEN "
                    + " OR ".join(f"{name} LIKE %s OR {name} LIKE %s" for _ in forms)
                    + " THEN 1 ELSE 0 END"
                )
                for form in forms:
                    params += [f"{form}%", f"% {form}%"]
            fits.append(
                f"({' + '.join(found)})::float8 / %s"
                f" * (1 + %s::float8 / GREATEST(length({name}), %s)) / 2"
            )
            params += [len(required), len(phrase), len(phrase)]
        names = f"SELECT split_part({column}, %s, 2) AS vi, split_part({column}, %s, 3) AS en"
        # Only fixed fragments and the compiled column are formatted in; values are params.
        sql = f"(SELECT {tier} + GREATEST({fits[0]}, {fits[1]}) FROM ({names}) AS n)"  # noqa: S608
        names_params = [*column_params, SEARCH_TEXT_SEPARATOR, *column_params]
        return sql, [*params, *names_params, SEARCH_TEXT_SEPARATOR]


def _search_postgresql(base: QuerySet[Procedure], terms: SearchTerms) -> QuerySet[Procedure]:
    qs = base
    for forms in terms.required:
        any_form = Q()
        for form in forms:
            any_form |= Q(search_text__contains=" " + form)
        qs = qs.filter(any_form)
    if not terms.required:
        any_word = Q()
        for word in terms.optional:
            any_word |= Q(search_text__contains=" " + word)
        qs = qs.filter(any_word)

    rank = Value(0.0)
    if terms.code:
        rank += Case(
            When(code=terms.code, then=Value(W_CODE_EXACT)),
            When(code__startswith=terms.code, then=Value(W_CODE_PREFIX)),
            default=Value(0.0),
        )
    if terms.phrase:
        rank += NameRank(terms)
        rank += Case(
            When(search_text__contains=terms.phrase, then=Value(W_PHRASE)), default=Value(0.0)
        )
    for word in terms.optional:
        rank += Case(
            When(search_text__contains=" " + word, then=Value(W_OPTIONAL)), default=Value(0.0)
        )
    return qs.annotate(search_rank=rank).order_by("-search_rank", "-popularity", "name", "code")


# --- SQLite and any other database: rank in Python -----------------------------------------


def name_fit(terms: SearchTerms, name: str) -> float:
    """How well a (folded) name fits the query, 0..1: the share of the required words that
    begin a word of the name, times (1 + how much of the name the query covers) / 2. The
    exact name scores 1; the same words in another order too, a longer name less."""
    if not name or not terms.required:
        return 0.0
    found = sum(
        1
        for forms in terms.required
        if any(name.startswith(form) or f" {form}" in name for form in forms)
    )
    phrase = terms.phrase
    return found / len(terms.required) * (1 + len(phrase) / max(len(name), len(phrase))) / 2


def rank_row(terms: SearchTerms, code: str, search_text: str) -> float | None:
    """The rank of one procedure for the query, or None when it does not match; the
    Python twin of the SQL in _search_postgresql."""
    for forms in terms.required:
        if not any(" " + form in search_text for form in forms):
            return None
    found_optional = sum(1 for word in terms.optional if " " + word in search_text)
    if not terms.required and not found_optional:
        return None
    score = W_OPTIONAL * found_optional
    if terms.code:
        if code == terms.code:
            score += W_CODE_EXACT
        elif code.startswith(terms.code):
            score += W_CODE_PREFIX
    phrase = terms.phrase
    if phrase:
        names = search_text.split(SEARCH_TEXT_SEPARATOR)[1:3]
        if phrase in names:
            score += W_NAME_EXACT
        elif any(name.startswith(phrase) for name in names):
            score += W_NAME_PREFIX
        elif any(phrase in name for name in names):
            score += W_NAME_CONTAINS
        if phrase in search_text:
            score += W_PHRASE
        score += max(name_fit(terms, name) for name in names)
    return score


def _search_python(base: QuerySet[Procedure], terms: SearchTerms) -> QuerySet[Procedure]:
    rank_of: dict[int, float] = {}
    for pk, code, search_text in base.values_list("pk", "code", "search_text"):
        rank = rank_row(terms, code, search_text)
        if rank is not None:
            # Rounded so that float noise does not beat the popularity / name tie-breakers.
            rank_of[pk] = round(rank, 6)
    if not rank_of:
        return base.none().annotate(search_rank=Value(0.0, output_field=FloatField()))
    whens = [When(pk=pk, then=Value(rank)) for pk, rank in rank_of.items()]
    return (
        base.filter(pk__in=list(rank_of))
        .annotate(search_rank=Case(*whens, default=Value(0.0), output_field=FloatField()))
        .order_by("-search_rank", "-popularity", "name", "code")
    )
