"""Find codes from the words a coder types ("diab ckd", "sprain jaw initial").

Every code and header is indexed by its title, its inclusion terms and, for
codes with a 7th character, the character's meaning.  A query is first
understood (abbreviations expanded, word prefixes completed, typos matched to
the vocabulary), then a token index narrows the candidates and rapidfuzz
scores only those.  `exhaustive_search` scores every entry the same way; it is
the yardstick the fast path is measured against.
"""

from __future__ import annotations

import bisect
import hashlib
import heapq
import re
import threading
import unicodedata
from array import array
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rapidfuzz import fuzz, process

from .model import CodeSet
from .store import read_blob, write_blob

# Abbreviations coders use that titles spell out.
ABBREVIATIONS = {
    "ckd": "chronic kidney disease",
    "copd": "chronic obstructive pulmonary disease",
    "chf": "congestive heart failure",
    "htn": "hypertension",
    "dm": "diabetes mellitus",
    "dm2": "type 2 diabetes mellitus",
    "t2dm": "type 2 diabetes mellitus",
    "t1dm": "type 1 diabetes mellitus",
    "mi": "myocardial infarction",
    "ami": "acute myocardial infarction",
    "afib": "atrial fibrillation",
    "gerd": "gastro esophageal reflux disease",
    "uti": "urinary tract infection",
    "cad": "coronary artery disease",
    "esrd": "end stage renal disease",
    "aki": "acute kidney failure",
    "dvt": "deep vein thrombosis",
    "pe": "pulmonary embolism",
    "cva": "cerebral infarction",
    "tia": "transient cerebral ischemic attack",
    "bph": "benign prostatic hyperplasia",
    "hiv": "human immunodeficiency virus",
    "ms": "multiple sclerosis",
    "ra": "rheumatoid arthritis",
    "oa": "osteoarthritis",
    "adhd": "attention deficit hyperactivity disorder",
    "ptsd": "post traumatic stress disorder",
    "osa": "obstructive sleep apnea",
    "sob": "shortness of breath",
    "lbp": "low back pain",
    "fx": "fracture",
    "init": "initial",
    "subseq": "subsequent",
    "lt": "left",
    "rt": "right",
}
# Everyday phrases coders type for a condition the titles name otherwise.
PHRASES = {
    "heart attack": "myocardial infarction",
    "high blood pressure": "hypertension",
    "stroke": "cerebral infarction",
}

# The code the Alphabetic Index gives a condition written without further detail (its
# main term with no subterm), for the conditions coders look up most: a search for the
# condition lists it first.  Keys are what a query reads once abbreviations are expanded.
DEFAULT_CODES = {
    "hypertension": "I10",
    "diabetes": "E11.9",
    "diabetes mellitus": "E11.9",
    "type 2 diabetes": "E11.9",
    "type 2 diabetes mellitus": "E11.9",
    "type 1 diabetes": "E10.9",
    "type 1 diabetes mellitus": "E10.9",
    "heart failure": "I50.9",
    "congestive heart failure": "I50.9",
    "urinary tract infection": "N39.0",
    "chronic obstructive pulmonary disease": "J44.9",
    "chronic kidney disease": "N18.9",
    "myocardial infarction": "I21.9",
    "acute myocardial infarction": "I21.9",
    "atrial fibrillation": "I48.91",
    "asthma": "J45.909",
    "pneumonia": "J18.9",
    "sepsis": "A41.9",
    "coronary artery disease": "I25.10",
    "gastro esophageal reflux disease": "K21.9",
    "acute kidney failure": "N17.9",
    "hyperlipidemia": "E78.5",
    "anemia": "D64.9",
    "obesity": "E66.9",
    "cerebral infarction": "I63.9",
}

_WORD = re.compile(r"[a-z0-9]+")
# When too few entries share the query's words, entries sharing only some are
# scored too, up to this many: beyond it a search would score most of the index
# to fill the last places of a long list.
_MAX_RELAXED = 5000
_SUFFIXES = ("ations", "ation", "ions", "ion", "ives", "ive", "ical", "ics", "ic", "ies", "es", "ed", "ing",
             "ity", "s", "y", "e")


@lru_cache(maxsize=None)
def _stem(word: str) -> str:
    """A light suffix strip so that hypertension/hypertensive and diabetes/diabetic meet."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def _fold(text: str) -> str:
    """Lower case without accents: titles write Sjögren and Behçet, coders type sjogren, behcet."""
    if text.isascii():
        return text.lower()
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()


def _words(text: str) -> list[str]:
    return [_stem(word) for word in _WORD.findall(_fold(text))]


# Words that do not make a title more specific when ranking equal matches (stemmed like titles):
# "without complications" and "site not specified" are how default codes say "nothing more".
_UNINFORMATIVE = frozenset(_words("unspecified NOS of the and or in to without complications site not specified"))
_DEFAULTS = {" ".join(_words(term)): code for term, code in DEFAULT_CODES.items()}
_ENCOUNTER_RANK = {"A": 0, "B": 0, "C": 0, "S": 2}


@dataclass(frozen=True, slots=True)
class SearchHit:
    code: str
    title: str
    billable: bool
    score: float


class SearchIndex:
    """Word index over one code set; built once, and kept in the cache directory (`index_for`)."""

    def __init__(self, codeset: CodeSet, plain: dict | None = None) -> None:
        # Per entry: its code, its searchable text (title words first, then inclusion
        # terms) and where the title words end.  Titles themselves are not kept:
        # the code set gives them back for the few entries a search returns.
        self.codeset = codeset
        if plain is not None:
            self._adopt(plain)
            return
        codes: list[str] = []
        texts: list[str] = []
        title_ends = array("I")
        title_lengths = array("I")
        billable = bytearray()
        extra_by_node: dict[int, str] = {}
        postings: dict[str, array] = {}

        def add(code: str, title: str, node: int, is_billable: int) -> None:
            doc = len(codes)
            codes.append(code)
            words = " ".join(_words(title))
            extra = extra_by_node.get(node)
            if extra is None:
                terms = [t for kind, notes in codeset.own_notes(node) if kind == "inclusionTerm" for t in notes]
                extra = extra_by_node[node] = " ".join(_words(" ".join(terms)))
            text = f"{words} {extra}" if extra else words
            texts.append(text)
            title_ends.append(len(words))
            title_lengths.append(len(title))
            billable.append(is_billable)
            for word in set(text.split()):
                docs = postings.get(word)
                if docs is None:
                    docs = postings[word] = array("i")
                docs.append(doc)

        for code, node in zip(codeset.billable_codes(), codeset.compiled.billable_nodes):
            info = codeset.get(code)
            add(code, info.title if info else codeset.title_of(node), node, 1)
        for node_code in codeset.all_codes():
            if codeset.is_billable(node_code):
                continue
            node = codeset.node_index(node_code)
            if node is None or not codeset.children_of(node):
                continue  # a leaf that needs a 7th character is reached through its codes
            add(node_code, codeset.title_of(node), node, 0)
        vocabulary = sorted(postings)
        # Kept packed, as read back from the cache (`_adopt`): one string and one integer
        # array each, instead of a hundred thousand small objects to build and hold.
        self._adopt({"codes": "\n".join(codes), "texts": "\n".join(texts), "billable": bytes(billable),
                     "title_ends": title_ends.tobytes(), "title_lengths": title_lengths.tobytes(),
                     "words": "\n".join(vocabulary), **_packed_postings(postings[w] for w in vocabulary)})

    # -- the cached form ------------------------------------------------------
    def to_plain(self) -> dict:
        """Strings joined and integer lists packed, so that reading it back is a few C calls."""
        return {"codes": self.codes.joined, "code_starts": self.codes.starts, "texts": self.texts.joined,
                "text_starts": self.texts.starts, "billable": bytes(self.billable),
                "title_ends": self.title_ends.tobytes(), "title_lengths": self.title_lengths.tobytes(),
                "words": "\n".join(self.vocabulary), "offsets": self.postings.offsets.tobytes(),
                "docs": self.postings.docs.tobytes()}

    def _adopt(self, plain: dict) -> None:
        self.codes = Lines(plain["codes"], plain.get("code_starts", b""))
        self.texts = Lines(plain["texts"], plain.get("text_starts", b""))
        self.billable = bytearray(plain["billable"])
        self.title_ends, self.title_lengths = array("I"), array("I")
        self.title_ends.frombytes(plain["title_ends"])
        self.title_lengths.frombytes(plain["title_lengths"])
        self.vocabulary = plain["words"].split("\n")
        offsets, docs = array("I"), array("i")
        offsets.frombytes(plain["offsets"])
        docs.frombytes(plain["docs"])
        self.postings = Postings(self.vocabulary, offsets, docs)
        if not (len(self.codes) == len(self.texts) == len(self.billable) == len(self.title_ends)
                == len(self.title_lengths)) or len(offsets) != len(self.vocabulary) + 1 or (
                offsets and offsets[-1] != len(docs)):
            raise ValueError("inconsistent search index")
        self._docs_by_code: dict[str, int] | None = None

    def title(self, doc: int) -> str:
        info = self.codeset.get(self.codes[doc])
        return info.title if info is not None else ""

    def title_words(self, doc: int) -> str:
        return self.texts[doc][: self.title_ends[doc]]

    # -- query understanding -------------------------------------------------
    def completions(self, token: str) -> list[str]:
        """Vocabulary words that start with a token, most frequent first."""
        if token in self.postings and len(token) < 3:
            return [token]
        lo = bisect.bisect_left(self.vocabulary, token)
        found = []
        for word in self.vocabulary[lo:]:
            if not word.startswith(token):
                break
            found.append(word)
        found.sort(key=lambda w: (-len(self.postings[w]), w))
        return found

    def understand(self, query: str) -> list[tuple[str, list[str]]]:
        """Each query word with the vocabulary words it stands for (first = the one scored)."""
        tokens: list[str] = []
        folded = _fold(query)
        for phrase, meaning in PHRASES.items():
            if phrase in folded:
                folded = re.sub(rf"\b{phrase}\b", meaning, folded)
        for word in _WORD.findall(folded)[:16]:
            # No title word has more than 30 letters, so 40 are enough to match a
            # token; the rest of a pasted 10,000-letter "word" would only be slow.
            word = word[:40]
            expansion = ABBREVIATIONS.get(word)
            tokens.extend(_words(expansion) if expansion else [word])
        understood = []
        for token in tokens:
            stem = _stem(token)
            matches = self.completions(stem)
            if stem in self.postings:
                matches = [stem] + [m for m in matches if m != stem]
            prefix = token
            while not matches and len(prefix) > 4:
                # A word typed past its stem ("exacerbatio"): complete a shorter prefix.
                prefix = prefix[:-1]
                matches = self.completions(prefix)
            if not matches and len(token) >= 4:
                close = process.extractOne(token, self.vocabulary, scorer=fuzz.ratio, score_cutoff=80)
                if close:
                    matches = [close[0]]
            if matches:
                understood.append((token, matches))
        return understood

    # -- searching -----------------------------------------------------------
    def _rank(self, query: str, scored: list[tuple[int, float]], limit: int) -> list[SearchHit]:
        """Best score first.  Among equals: a match in the title itself beats one in an
        inclusion term; billable codes beat headers; a title that starts with the query's
        words (the condition as the head term, as in the Alphabetic Index) beats one that
        mentions them later; and the title that adds the fewest other words comes first, so
        that "sepsis" puts A41.9 "Sepsis, unspecified organism" above "Sepsis due to Serratia"."""
        if not scored:
            return []
        cutoff = heapq.nlargest(limit, (score for _doc, score in scored))[-1]
        top = {doc: score for doc, score in scored if score >= cutoff}
        title_scores = {doc: score for _t, score, doc in process.extract(
            query, {doc: self.title_words(doc) for doc in top}, scorer=fuzz.token_set_ratio,
            processor=None, limit=None)}
        query_words = query.split()
        asked = set(query_words)
        # Without a word for the encounter, the initial encounter comes before the
        # subsequent ones and the sequela (a coder looking up "fx femur neck" means the fracture).
        encounter_asked = any(word.startswith(("initial", "subsequ", "sequel")) for word in query_words)

        def order(doc: int) -> tuple:
            words = self.title_words(doc).split()
            head = words[: len(query_words)] == query_words
            added = sum(1 for word in words if word not in asked and word not in _UNINFORMATIVE)
            return (-top[doc], -title_scores.get(doc, 0), not self.billable[doc], not head,
                    0 if encounter_asked else self._encounter_rank(doc), added, self.title_lengths[doc], doc)

        best = heapq.nsmallest(limit, top, key=order)
        default = self._default_doc(query)
        if default is not None:
            # The Alphabetic Index's default code for the condition leads, found or not.
            top.setdefault(default, 100.0)
            best = [default] + [d for d in best if d != default][: limit - 1]
        return [SearchHit(self.codes[d], self.title(d), bool(self.billable[d]), top[d]) for d in best]

    def _encounter_rank(self, doc: int) -> int:
        """0 for codes without a 7th character and initial encounters, 1 subsequent, 2 sequela.

        Read from the letter alone: wherever ICD-10-CM's 7th character is a letter (injuries,
        poisonings, pathological and stress fractures), A, B and C are initial encounters, S
        is the sequela and the other letters are subsequent encounters; digits (the eye,
        the fetus, the stage) are not an encounter at all.
        """
        code = self.codes[doc]
        if len(code) < 8 or code[-1].isdigit():
            return 0
        return _ENCOUNTER_RANK.get(code[-1], 1)

    def _default_doc(self, query: str) -> int | None:
        code = _DEFAULTS.get(query)
        if code is None:
            return None
        if self._docs_by_code is None:
            codes = self.codes
            self._docs_by_code = {codes[i]: i for i in range(len(codes))}
        return self._docs_by_code.get(code)

    def _scored(self, query: str, docs: list[int] | None) -> list[tuple[int, float]]:
        """Entries `docs` (every entry when None) scored against the query; weak matches dropped."""
        texts = self.texts if docs is None else [self.texts[d] for d in docs]
        results = process.extract(query, texts, scorer=fuzz.token_set_ratio, processor=None, limit=None,
                                  score_cutoff=40)
        return [(i if docs is None else docs[i], score) for _text, score, i in results]

    def search(self, query: str, limit: int = 20) -> list[SearchHit]:
        understood = self.understand(query)
        if not understood or limit <= 0:
            return []
        scored_query = " ".join(matches[0] for _, matches in understood)
        candidate_sets = []
        for _token, matches in understood:
            docs: set[int] = set()
            for word in matches[:64]:
                docs.update(self.postings[word])
            candidate_sets.append(docs)
        candidates = set.intersection(*candidate_sets)
        if len(candidates) < limit and len(candidate_sets) > 1:
            # Too few entries have every word: also take those missing one word.
            counts = Counter(doc for docs in candidate_sets for doc in docs)
            candidates = {doc for doc, count in counts.items() if count >= len(candidate_sets) - 1}
            if len(candidates) < limit and len(counts) <= _MAX_RELAXED:
                candidates = set(counts)
        return self._rank(scored_query, self._scored(scored_query, list(candidates)), limit)

    def exhaustive_search(self, query: str, limit: int = 20) -> list[SearchHit]:
        """Score every entry with the same scorer and ranking: the reference for `search`."""
        understood = self.understand(query)
        if not understood or limit <= 0:
            return []
        scored_query = " ".join(matches[0] for _, matches in understood)
        return self._rank(scored_query, self._scored(scored_query, None), limit)


class Lines(Sequence[str]):
    """Strings without line breaks, kept as one string: item i is the text of line i."""

    __slots__ = ("joined", "_starts")

    def __init__(self, joined: str, starts: bytes = b"") -> None:
        self.joined = joined
        self._starts = array("I")
        if starts:
            self._starts.frombytes(starts)
        else:
            self._starts.append(0)
            self._starts.extend(m.end() for m in _LINE_BREAK.finditer(joined))
            self._starts.append(len(joined) + 1)
        if self._starts[-1] != len(joined) + 1:
            raise ValueError("lines that do not match their text")

    @property
    def starts(self) -> bytes:
        return self._starts.tobytes()

    def __len__(self) -> int:
        return len(self._starts) - 1

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        starts = self._starts
        return self.joined[starts[i]:starts[i + 1] - 1]

    def __eq__(self, other: object) -> bool:
        return list(self) == list(other) if isinstance(other, Sequence) else NotImplemented


_LINE_BREAK = re.compile("\n")


class Postings(Mapping[str, array]):
    """Word -> the entries that have it, as slices of one packed array of entry numbers."""

    __slots__ = ("offsets", "docs", "_index")

    def __init__(self, words: list[str], offsets: array, docs: array) -> None:
        self.offsets, self.docs = offsets, docs
        self._index = dict(zip(words, range(len(words))))

    def __getitem__(self, word: str) -> array:
        i = self._index[word]
        return self.docs[self.offsets[i]:self.offsets[i + 1]]

    def __contains__(self, word: object) -> bool:
        return word in self._index

    def __iter__(self):
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)


def _packed_postings(lists) -> dict[str, bytes]:
    offsets, docs = array("I", [0]), array("i")
    for entries in lists:
        docs.extend(entries)
        offsets.append(len(docs))
    return {"offsets": offsets.tobytes(), "docs": docs.tobytes()}


_indexes: dict[int, SearchIndex] = {}
_lock = threading.Lock()


def index_for(codeset: CodeSet) -> SearchIndex:
    """The search index of a code set: read from the cache directory, or built and written there."""
    key = id(codeset)
    index = _indexes.get(key)
    if index is None:
        with _lock:
            index = _indexes.get(key)
            if index is None:
                index = _indexes[key] = _cached_index(codeset)
    return index


_MAGIC = b"ICD10LS-SEARCH\n"
SEARCH_FORMAT = 2


def _cache_path(codeset: CodeSet) -> Path | None:
    """Keyed by the code set's hash and by this module's source, which decides what is indexed."""
    if not codeset.digest or codeset.cache_dir is None:
        return None
    try:
        source = Path(__file__).read_bytes()
    except OSError:
        return None
    key = hashlib.sha256(f"{SEARCH_FORMAT}\n{codeset.digest}\n".encode() + source).hexdigest()
    return codeset.cache_dir / f"search-FY{codeset.fiscal_year}-{key[:20]}.bin"


def _cached_index(codeset: CodeSet) -> SearchIndex:
    path = _cache_path(codeset)
    if path is not None:
        plain = read_blob(path, _MAGIC)
        if isinstance(plain, dict):
            try:
                return SearchIndex(codeset, plain)
            except (KeyError, TypeError, ValueError, AttributeError):
                pass  # damaged: built again below
    index = SearchIndex(codeset)
    if path is not None:
        write_blob(path, _MAGIC, index.to_plain())
    return index
