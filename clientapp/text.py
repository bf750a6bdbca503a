"""Text keys for matching: what search and duplicate checks compare."""
import re
import unicodedata

_LEGAL_SUFFIXES = {
    "inc", "incorporated", "ltd", "limited", "llc", "llp", "lp", "plc", "corp", "corporation",
    "co", "company", "sarl", "sas", "sasu", "sa", "eurl", "sci", "snc", "gmbh", "ag", "kg",
    "bv", "nv", "srl", "spa", "oy", "ab", "as", "pty", "enr", "ltee", "inc.", "cie",
}


def fold(text: str | None) -> str:
    """Lower case without accents: "Émile" -> "emile". What search compares."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.casefold()


def name_match_key(name: str | None) -> str:
    """A company name reduced to what makes it the same company: no case, accents,
    punctuation or legal suffix. "Acme, Inc." and "ACME" give the same key."""
    words = re.findall(r"[0-9a-z]+", fold(name).replace("&", " and "))
    while len(words) > 1 and words[-1] in _LEGAL_SUFFIXES:
        words.pop()
    return " ".join(words)
