"""Search that forgives how people type: diacritics or not, upper case, words in any order,
small misspellings ("dang ki ket hon"), codes, English names, field and document names.

Everything is matched against `Procedure.search_text`: the folded text (`portal.text.fold`:
lower case, no diacritics, đ→d) of a procedure's names, code, field and document names in
every language, in parts joined by " | ", the vi and en names first, then a ";" part, and
a separator at both ends (`services.build_search_text`), so every word has a space on each
side. The query is folded the same way: "Đăng ký KẾT HÔN", "dang ky ket hon" and
"DANG KY KET HON" are one query.

How a query is answered (the same rules on PostgreSQL and SQLite):

1. Words. Filler ("thu tuc", "thu tuc hanh chinh") is left out. Each other word is looked
   up in the catalogue's vocabulary: the distinct words (without digits) of every published
   search_text, cached until services.procedure_changed drops it.
   - A word of the vocabulary must begin a word ("ho" finds "ho tich" and "hon"); found
     whole, it ranks higher. A letter left off the end ("tiep nha") still finds.
   - A word that only begins words of it is being typed ("ket h"): it must begin a word.
   - A word with digits (a code) must begin a word as typed ("1.0011").
   - A word that is not a whole word of it may also be one of its corrections, whole: the
     i/y twin ("ki" → "ky": both spellings are in use) and close spellings (difflib ratio
     ≥ 0.75, same first letter, words of four letters or more).
   - A word with neither is optional: it need not be found ("dang ky ket hon nhanh"), but
     ranks higher when it is. So is a one-letter word next to others ("dang ky k"): it
     begins words in almost every procedure. When every word is optional, one of them
     must be found.
2. Match. A procedure matches when every required word is found in its search_text, in
   any order, in one of its forms (`search_text LIKE '% word%'`, or `'% word %'` for a
   correction).
3. Rank, best first (then popularity, name, code), with the required words in their best
   forms as "the query":

       exact code                     10      code prefix                       6
       a name == query                 5      a name starts with the query      3
       a name has the query (words)    2      search_text has the query         1
       each optional word: in a name   1      elsewhere                       1/2
       + how well the closer name fits, 0..1 (`name_fit`: share of the words found in
         the name, and how close its length is to the query's; any word order)

PostgreSQL: step 2 is answered by the GIN `gin_trgm_ops` index of migration 0002 (pg_trgm
takes the trigrams of a LIKE pattern, word boundaries included); step 3 runs in SQL on the
found rows only (`SearchRank`: the names are cut out of search_text with split_part, only
for rows with a query word before the ";" part; no unaccent needed: the column is already
folded). Measured on 5,000 generated procedures (bench/search_bench.py), two ideas were
dropped for cost: pg_trgm word similarity (`search_text %> query`) as the matcher, because
a common query there finds over a thousand candidates and `word_similarity` costs ~0.1 ms
each on 400-character texts (over a second per search); and pg_trgm `similarity()` of
query and names in the rank (~10 µs a row, 50 ms on a broad query), replaced by
`name_fit`. Correcting the words against the vocabulary keeps the fuzziness for well under
a millisecond.

SQLite (the embedded default, a catalogue of a few hundred procedures): the scoped rows are
read (three columns) and ranked in Python by `rank_row`, the same rules; the queryset
returned is ordered by that rank. It reads the scoped catalogue on every search: fine for a
commune, not meant for tens of thousands of rows.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
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
from .services import SEARCH_TEXT_NAMES_END, SEARCH_TEXT_SEPARATOR, SEARCH_VOCABULARY_KEY

# A longer query is cut, to bound the work per search; procedure names run to thirty words
# and more, and a name pasted whole must still work.
MAX_QUERY_WORDS = 40
MAX_QUERY_CHARS = 500
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

# What ends the names in search_text, without the spaces around it: the space after the last
# word of a name belongs to that word's whole-word pattern.
_NAMES_END = SEARCH_TEXT_SEPARATOR.join(["", SEARCH_TEXT_NAMES_END, ""]).strip()
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
    """The distinct folded words of the published catalogue, without codes and numbers,
    with the number of procedures that have each."""

    def __init__(self, counts: dict[str, int]):
        self.counts = counts
        self.words = counts.keys()
        self.sorted = sorted(counts)

    @classmethod
    def from_texts(cls, texts) -> Vocabulary:
        counts: Counter[str] = Counter()
        for text in texts:
            counts.update(set(text.split()))
        for marker in (SEARCH_TEXT_SEPARATOR.strip(), SEARCH_TEXT_NAMES_END):
            counts.pop(marker, None)
        return cls({w: n for w, n in counts.items() if not _DIGIT.search(w)})

    def how_common(self, forms: tuple[str, ...]) -> int:
        """About how many procedures have one of these patterns."""
        total = 0
        for form in match_patterns(forms):
            word = form.strip()
            if form.endswith(" "):
                total += self.counts.get(word, 0)
            else:  # the beginning of words
                i = bisect.bisect_left(self.sorted, word)
                while i < len(self.sorted) and self.sorted[i].startswith(word):
                    total += self.counts[self.sorted[i]]
                    i += 1
        return total

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


def whole(word: str) -> str:
    """The LIKE-free pattern of a whole word in search_text (every word has a space on each
    side there)."""
    return f" {word} "


def beginning(word: str) -> str:
    """The pattern of a word that begins a word of search_text."""
    return f" {word}"


def match_patterns(forms: tuple[str, ...]) -> tuple[str, ...]:
    """The patterns that decide whether a word matches: a form found inside another's
    match (" ho " inside " ho") adds nothing."""
    return tuple(
        form
        for form in forms
        if not any(other != form and form.startswith(other) for other in forms)
    )


@dataclass(frozen=True)
class SearchTerms:
    """A query resolved against the vocabulary. Words are kept as patterns: whole(word) or
    beginning(word), found in search_text with `in` (Python) or `LIKE '%pattern%'`."""

    # For each required word, the patterns that may match, the best one first; the rarest
    # word first (the database tests them in this order, and most rows fail on the first).
    required: tuple[tuple[str, ...], ...]
    # Where each required word is in the query.
    positions: tuple[int, ...]
    # Words found nowhere in the vocabulary: they rank, they need not match.
    optional: tuple[str, ...]
    # The query as typed (folded) when it looks like a procedure code.
    code: str | None

    @property
    def phrase(self) -> str:
        """The required words in their best forms, in the order of the query: "the query"
        for ranking."""
        in_query_order = sorted(zip(self.positions, self.required, strict=True))
        return " ".join(forms[0].strip() for _, forms in in_query_order)

    @property
    def is_empty(self) -> bool:
        return not (self.required or self.optional)

    @property
    def phrase_is_matched(self) -> bool:
        """One word whose every form begins with its best one: every procedure found has
        "the query", no need to look again."""
        if len(self.required) != 1:
            return False
        best = beginning(self.required[0][0].strip())
        return all(pattern.startswith(best) for pattern in match_patterns(self.required[0]))


def resolve_terms(words: list[str], vocabulary: Vocabulary) -> SearchTerms:
    required: list[tuple[str, ...]] = []
    optional: list[str] = []
    for word in words:
        if len(word) == 1 and len(words) > 1 and not word.isdigit():
            # One letter ("dang ky k", a word being typed, or "o" for "ở") begins words in
            # almost every procedure: it ranks, it does not narrow.
            optional.append(beginning(word))
        elif word in vocabulary.words:
            # The whole word ranks first; its beginning also matches: a letter left off the
            # end ("tiep nha" for "tiep nhan") or a word still being typed ("ket ho").
            required.append((whole(word), beginning(word)))
        elif _DIGIT.search(word):
            required.append((beginning(word),))
        else:
            corrections = [whole(c) for c in vocabulary.corrections(word)]
            if vocabulary.begins_a_word(word):
                # Being typed ("ket h"), or a misspelling that happens to begin a word ("ki"
                # begins "kinh"): both, the corrected whole word first.
                required.append((*corrections[:1], beginning(word), *corrections[1:]))
            elif corrections:
                # The word as typed last: it matches nothing now, but costs nothing either.
                required.append((*corrections, beginning(word)))
            else:
                optional.append(beginning(word))
    phrase = " ".join(words)
    order = sorted(range(len(required)), key=lambda i: vocabulary.how_common(required[i]))
    return SearchTerms(
        required=tuple(required[i] for i in order),
        positions=tuple(order),
        optional=tuple(optional),
        code=phrase if _CODE.match(phrase) else None,
    )


def catalogue_vocabulary() -> Vocabulary:
    counts = cache.get(SEARCH_VOCABULARY_KEY)
    if counts is None:
        texts = Procedure.objects.filter(status=Status.PUBLISHED).values_list(
            "search_text", flat=True
        )
        counts = Vocabulary.from_texts(texts.iterator(chunk_size=2000)).counts
        cache.set(SEARCH_VOCABULARY_KEY, counts, VOCABULARY_TTL)
    return Vocabulary(counts)


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


class SearchRank(Func):
    """`rank_row` in SQL, as one expression (cheap for Django to compile and compare).

    The name part (the tier: a name equals, starts with, has the query; plus `name_fit`)
    runs in a scalar subquery over the two names cut out of search_text, and only for rows
    with a query word before the ";" part: most rows a broad query finds have none there,
    and score 0 for it.
    """

    output_field = FloatField()

    def __init__(self, terms: SearchTerms):
        super().__init__(F("search_text"), F("code"))
        self.terms = terms

    def as_sql(self, compiler, connection, **extra_context):
        text, text_params = compiler.compile(self.source_expressions[0])
        code, code_params = compiler.compile(self.source_expressions[1])
        terms = self.terms
        parts, params = ["0"], []
        if terms.code:
            parts.append(f"CASE WHEN {code} = %s THEN %s WHEN {code} LIKE %s THEN %s ELSE 0 END")
            params += [*code_params, terms.code, W_CODE_EXACT]
            params += [*code_params, f"{terms.code}%", W_CODE_PREFIX]
        if terms.phrase:
            name_sql, name_params = self._names_sql(text, text_params)
            parts.append(name_sql)
            params += name_params
            if terms.phrase_is_matched:
                parts.append("%s")
                params.append(W_PHRASE)
            else:
                parts.append(f"CASE WHEN {text} LIKE %s THEN %s ELSE 0 END")
                params += [*text_params, f"% {terms.phrase}%", W_PHRASE]
        for pattern in terms.optional:
            parts.append(
                f"CASE WHEN split_part({text}, %s, 1) LIKE %s THEN %s"
                f" WHEN {text} LIKE %s THEN %s ELSE 0 END"
            )
            params += [*text_params, _NAMES_END, f"%{pattern}%", W_OPTIONAL]
            params += [*text_params, f"%{pattern}%", W_OPTIONAL / 2]
        return f"({' + '.join(parts)})::float8", params

    def _names_sql(self, text: str, text_params: list) -> tuple[str, list]:
        phrase, required = self.terms.phrase, self.terms.required
        # n.vi and n.en keep their spaces: " dang ky ket hon ".
        params: list = [f" {phrase} ", f" {phrase} ", W_NAME_EXACT]
        params += [f" {phrase}%", f" {phrase}%", W_NAME_PREFIX]
        params += [f"% {phrase}%", f"% {phrase}%", W_NAME_CONTAINS]
        tier = (
            "CASE WHEN n.vi = %s OR n.en = %s THEN %s"
            " WHEN n.vi LIKE %s OR n.en LIKE %s THEN %s"
            " WHEN n.vi LIKE %s OR n.en LIKE %s THEN %s ELSE 0 END"
        )
        fits = []
        for name in ("n.vi", "n.en"):
            found = []
            for forms in required:
                best, others = forms[0], match_patterns(forms[1:])
                other_forms = " OR ".join(f"{name} LIKE %s" for _ in others)
                half = f" WHEN {other_forms} THEN 0.5" if others else ""
                found.append(f"CASE WHEN {name} LIKE %s THEN 1{half} ELSE 0 END")
                params += [f"%{best}%", *(f"%{other}%" for other in others)]
            fits.append(
                f"({' + '.join(found)})::float8 / %s"
                f" * (1 + LEAST(length({name}) - 2, %s)::float8"
                f" / GREATEST(length({name}) - 2, %s)) / 2"
            )
            params += [len(required), len(phrase), len(phrase)]
        names = f"SELECT split_part({text}, '|', 2) AS vi, split_part({text}, '|', 3) AS en"
        params += [*text_params, *text_params]
        # The text before the ";" part, the two names, has one of the words.
        guard = f"split_part({text}, %s, 1) LIKE ANY (%s)"
        patterns = sorted({f"%{p}%" for forms in required for p in match_patterns(forms)})
        # Only fixed fragments and compiled columns are formatted in; values are params.
        sql = (
            f"CASE WHEN {guard} THEN"  # noqa: S608
            f" (SELECT {tier} + GREATEST({fits[0]}, {fits[1]}) FROM ({names}) AS n)"
            " ELSE 0 END"
        )
        return sql, [*text_params, _NAMES_END, patterns, *params]


def _search_postgresql(base: QuerySet[Procedure], terms: SearchTerms) -> QuerySet[Procedure]:
    # One filter() call: each call copies the query, and a long name has many words.
    found = Q()
    for patterns in dict.fromkeys(match_patterns(forms) for forms in terms.required):
        found &= Q(*(Q(search_text__contains=pattern) for pattern in patterns), _connector=Q.OR)
    if not terms.required:
        found = Q(*(Q(search_text__contains=p) for p in terms.optional), _connector=Q.OR)
    return (
        base.filter(found)
        .annotate(search_rank=SearchRank(terms))
        .order_by("-search_rank", "-popularity", "name", "code")
    )


# --- SQLite and any other database: rank in Python -----------------------------------------


def name_fit(terms: SearchTerms, name: str) -> float:
    """How well a name (" dang ky ket hon ", spaces kept) fits the query, 0..1: the share of
    the required words found in it (a word in its best form counts 1, in another form 1/2),
    times (1 + how close the lengths of name and query are) / 2. The exact name scores 1,
    the same words in another order too."""
    if not terms.required:
        return 0.0
    found = 0.0
    for forms in terms.required:
        if forms[0] in name:
            found += 1
        elif any(form in name for form in forms[1:]):
            found += 0.5
    phrase, length = terms.phrase, len(name) - 2
    closeness = min(length, len(phrase)) / max(length, len(phrase))
    return found / len(terms.required) * (1 + closeness) / 2


def rank_row(terms: SearchTerms, code: str, search_text: str) -> float | None:
    """The rank of one procedure for the query, or None when it does not match: the rules
    of the module docstring; _search_postgresql says the same in SQL."""
    for forms in terms.required:
        if not any(form in search_text for form in forms):
            return None
    names_part = search_text.split(_NAMES_END, 1)[0]
    score = 0.0
    for pattern in terms.optional:
        if pattern in names_part:
            score += W_OPTIONAL
        elif pattern in search_text:
            score += W_OPTIONAL / 2
    if not terms.required and not score:
        return None
    if terms.code:
        if code == terms.code:
            score += W_CODE_EXACT
        elif code.startswith(terms.code):
            score += W_CODE_PREFIX
    phrase = terms.phrase
    if phrase:
        names = search_text.split("|")[1:3]  # with their spaces: " dang ky ket hon "
        if f" {phrase} " in names:
            score += W_NAME_EXACT
        elif any(name.startswith(f" {phrase}") for name in names):
            score += W_NAME_PREFIX
        elif any(f" {phrase}" in name for name in names):
            score += W_NAME_CONTAINS
        if f" {phrase}" in search_text:
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
    # One WHEN per rank value, not per row: many rows share a rank, and SQLite answers
    # `id IN (...)` from a temporary index, where a WHEN per row costs rows x rows.
    pks_by_rank: dict[float, list[int]] = {}
    for pk, rank in rank_of.items():
        pks_by_rank.setdefault(rank, []).append(pk)
    whens = [When(pk__in=pks, then=Value(rank)) for rank, pks in pks_by_rank.items()]
    return (
        base.filter(pk__in=list(rank_of))
        .annotate(search_rank=Case(*whens, default=Value(0.0), output_field=FloatField()))
        .order_by("-search_rank", "-popularity", "name", "code")
    )
