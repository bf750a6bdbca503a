"""Reading answers as HTML (selectolax), not with regexes: what a browser would find."""
from selectolax.lexbor import LexborHTMLParser as HTMLParser


def parse(response_or_text) -> HTMLParser:
    text = response_or_text if isinstance(response_or_text, str) \
        else response_or_text.get_data(as_text=True)
    return HTMLParser(text)


def find(response, selector: str) -> list:
    return parse(response).css(selector)


def one(response, selector: str):
    found = find(response, selector)
    assert len(found) == 1, f"{len(found)} elements match {selector!r}"
    return found[0]


def words(node) -> str:
    """A node's text as a reader sees it: whitespace collapsed."""
    return " ".join(node.text(separator=" ").split())


def texts(response, selector: str) -> list[str]:
    return [words(node) for node in find(response, selector)]


def text_of(response) -> str:
    tree = parse(response)
    root = tree.body or tree.root
    return words(root) if root is not None else ""


def attr(response, selector: str, name: str):
    return one(response, selector).attributes.get(name)
