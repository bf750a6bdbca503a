"""A contact as a vCard 3.0 (RFC 2426/6350): what address books import."""
from ..text import fold


def _escape(value: str | None) -> str:
    """Text value escaping: backslash, comma, semicolon, newline (RFC 6350 3.4)."""
    value = (value or "").replace("\r\n", "\n").replace("\r", "\n")
    return (value.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
            .replace("\n", "\\n"))


def _fold_line(line: str) -> str:
    """Lines longer than 75 octets continue on the next, after a space (RFC 6350 3.2)."""
    out, current = [], ""
    for char in line:
        if len((current + char).encode("utf-8")) > 75:
            out.append(current)
            current = " " + char
        else:
            current += char
    out.append(current)
    return "\r\n".join(out)


def vcard(contact, organisation: str) -> str:
    lines = ["BEGIN:VCARD", "VERSION:3.0",
             f"N:{_escape(contact.last_name)};{_escape(contact.first_name)};;;",
             f"FN:{_escape(contact.name)}",
             f"ORG:{_escape(organisation)}"]
    if contact.job_title:
        lines.append(f"TITLE:{_escape(contact.job_title)}")
    if contact.email:
        lines.append(f"EMAIL;TYPE=INTERNET:{_escape(contact.email)}")
    if contact.phone:
        lines.append(f"TEL;TYPE=WORK,VOICE:{_escape(contact.phone)}")
    if contact.mobile:
        lines.append(f"TEL;TYPE=CELL:{_escape(contact.mobile)}")
    if contact.notes:
        lines.append(f"NOTE:{_escape(contact.notes)}")
    lines.append("END:VCARD")
    return "".join(_fold_line(line) + "\r\n" for line in lines)


def filename(contact) -> str:
    """An ASCII file name from the contact's name ("jean-dupont.vcf")."""
    stem = "-".join("".join(c if c.isalnum() else " " for c in fold(contact.name)).split())
    return (stem.encode("ascii", "ignore").decode() or "contact") + ".vcf"
