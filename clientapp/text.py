"""Text keys for matching: what search and duplicate checks compare."""
import re
import sys
import unicodedata

LEGAL_SUFFIXES = {
    "inc", "incorporated", "ltd", "limited", "llc", "llp", "lp", "plc", "corp", "corporation",
    "co", "company", "sarl", "sas", "sasu", "sa", "eurl", "sci", "snc", "gmbh", "ag", "kg",
    "bv", "nv", "srl", "spa", "oy", "ab", "as", "pty", "enr", "ltee", "inc.", "cie",
}


_WORDS = re.compile(r"[0-9a-z]+")
# The accents of Latin letters (U+034F, a joiner, is not a combining mark).
_LATIN_ACCENTS = re.compile("[\u0300-\u034e\u0350-\u036f]+")
_COMBINING = None  # every combining mark, built the first time a non-Latin text needs it
# Letters that Unicode does not decompose but people type as two: "oeuvre" for "Œuvre".
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss", "ẞ": "SS",
                            "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ł": "l", "Ł": "L",
                            "ħ": "h", "Ħ": "H", "ı": "i", "þ": "th", "Þ": "TH", "ð": "d",
                            "Ð": "D"})


def fold(text: str | None) -> str:
    """Lower case without accents, ligatures spelt out: "Émile" -> "emile", "Œuvre" ->
    "oeuvre". What sorting, duplicate checks and search compare.

    The NFKD form without its combining marks, case-folded; done without a loop per
    character because an import folds every cell of 100,000 rows: ASCII is only lowered,
    accented Latin text loses its accents in one regex, anything else uses a table."""
    global _COMBINING
    if not text:
        return ""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = _LATIN_ACCENTS.sub("", decomposed).translate(_LIGATURES)
    if stripped.isascii():
        return stripped.lower()
    if _COMBINING is None:
        _COMBINING = {cp: None for cp in range(sys.maxunicode + 1)
                      if unicodedata.combining(chr(cp))}
    return decomposed.translate(_LIGATURES).translate(_COMBINING).casefold()


def folded_match_key(folded: str) -> str:
    """name_match_key() of a name already folded."""
    words = _WORDS.findall(folded.replace("&", " and "))
    while len(words) > 1 and words[-1] in LEGAL_SUFFIXES:
        words.pop()
    return " ".join(words)


def name_match_key(name: str | None) -> str:
    """A company name reduced to what makes it the same company: no case, accents,
    punctuation or legal suffix. "Acme, Inc." and "ACME" give the same key."""
    return folded_match_key(fold(name))
