"""Full-text search terms for the help centre (no Django, no database: pure text helpers).

PostgreSQL has no Chinese parser, so runs of CJK characters are split into single characters and overlapping pairs
of characters ("打印机" -> 打 印 机 打印 印机) before ``to_tsvector('simple', ...)``; a query is split the same way, so
a complaint's "终端无法打印小票" meets an article titled "打印机不出纸怎么办" through the pair 打印."""

import re

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN = re.compile(rf"[{_CJK}]+")
_WORD = re.compile(rf"[^\W{_CJK}_]+|[{_CJK}]+", re.UNICODE)
MAX_QUERY_TERMS = 40


def cjk_terms(run: str) -> list[str]:
    """The characters and overlapping pairs of one run of CJK characters."""
    singles = list(run)
    pairs = [run[i:i + 2] for i in range(len(run) - 1)]
    return singles + pairs


def segment(text: str) -> str:
    """``text`` with every CJK run replaced by its characters and pairs, separated by spaces (other words kept)."""
    return _RUN.sub(lambda match: " " + " ".join(cjk_terms(match.group())) + " ", text or "")


def query_terms(text: str) -> list[str]:
    """The distinct search terms of a query: lower-cased words, and for CJK runs their pairs (or the single
    character of a one-character run); at most ``MAX_QUERY_TERMS``, in order."""
    terms: list[str] = []
    for word in _WORD.findall(text or ""):
        if _RUN.fullmatch(word):
            parts = [word] if len(word) == 1 else [word[i:i + 2] for i in range(len(word) - 1)]
        else:
            parts = [word.lower()]
        for part in parts:
            if part not in terms:
                terms.append(part)
    return terms[:MAX_QUERY_TERMS]


def is_cjk(term: str) -> bool:
    return bool(_RUN.fullmatch(term))
