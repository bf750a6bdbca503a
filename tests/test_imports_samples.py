"""Sample import files, made here as the programs people use make them, and proof that each
one really has the trait it is named for (so the tests that use them test something)."""
import io

FRENCH_ROWS = [
    ["Nom", "Code", "Adresse", "Courriel", "Téléphone"],
    ["Café Crème SARL", "CAF-1", "12 rue de l'Église, Montréal", "allo@cafe.example", "+1 514 555 0101"],
    ["Œuvres d’Étienne", "OEU-2", "5 place Noël — Québec", "etienne@oeuvres.example", "418 555 0102"],
    ["Boulangerie à côté", "BOU-3", "Prix : 5 €", "", ""],
]


def french_excel_csv() -> bytes:
    """What Excel in French saves as "CSV (séparateur : point-virgule)": Windows-1252,
    semicolons, CRLF."""
    return "".join(";".join(row) + "\r\n" for row in FRENCH_ROWS).encode("cp1252")


def utf8_bom_csv() -> bytes:
    return ("\ufeffName,Code,Address\r\n"
            "Zoë Müller,ZM-1,Straße 5\r\n"
            "Ångström AB,ANG-2,\"Stockholm, Sweden\"\r\n").encode("utf-8")


def libreoffice_csv() -> bytes:
    """LibreOffice Calc: LF line ends, a cell with line breaks and quotes, quoted."""
    return ('Name,Code,Address,Email\n'
            '"Acme ""The Best"" Ltd",AC-1,"1 Main Street\nSpringfield\nUSA",a@acme.example\n'
            'Globex,GX-2,"Line one\r\nLine two, with a comma",\n'
            'Initech,IN-3,,info@initech.example\n').encode("utf-8")


def french_headers_csv() -> bytes:
    return ("NOM,Adresse,E-mail,Téléphone,Type\n"
            "Dupont et Fils,3 rue Haute,contact@dupont.example,01 23 45 67 89,Entreprise\n"
            "Jeanne Martin,,jeanne@martin.example,,Particulier\n").encode("utf-8")


def errors_csv(taken_code: str = "TAKEN") -> bytes:
    """One error of every kind a row can have, each on its own line."""
    lines = [
        "Name,Code,Address,Email,Phone,Type",
        "Good One,G-1,,good@example.com,,",           # 2 fine
        ",NONAME,,,,",                                  # 3 no name
        "Bad Mail,BM-1,,not-an-email,,",                # 4 email
        "Bad Phone,BP-1,,,call me maybe,",              # 5 phone
        "Long Code," + "X" * 51 + ",,,,",               # 6 code too long
        "Twice A,DUP,,,,",                              # 7 fine (first DUP)
        "Twice B,dup,,,,",                              # 8 code twice (case ignored)
        f"Used,{taken_code},,,,",                       # 9 code already used
        "N" * 201 + ",,,,,",                            # 10 name too long
        "Odd Type,OT-1,,,,robot",                       # 11 type
        "Long Address,LA-1," + "A" * 2001 + ",,,",      # 12 address too long
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def formulas_csv() -> bytes:
    return ('Name,Code,Address,Phone\n'
            '"=HYPERLINK(""http://evil.example"",""Click"")",F-1,@SUM(A1),+33 1 23 45 67 89\n'
            '-Minus Company,F-2,+plus street,\n').encode("utf-8")


def markup_csv() -> bytes:
    return ('Name,Code,Address,Email\n'
            '<script>alert("x")</script>,MK-1,<b>bold</b> street,<img src=x onerror=alert(1)>\n'
            '<i>Italic</i> Inc,MK-2,,\n').encode("utf-8")


def xlsx(rows) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_french_excel_file_is_windows_1252_with_semicolons_and_crlf():
    data = french_excel_csv()
    try:
        data.decode("utf-8")
        raise AssertionError("the sample must not be valid UTF-8")
    except UnicodeDecodeError:
        pass
    assert b"\r\n" in data and b";" in data and "é".encode("cp1252") in data


def test_the_libreoffice_file_has_line_breaks_inside_quotes():
    data = libreoffice_csv()
    assert b'"1 Main Street\nSpringfield' in data and b'""The Best""' in data


def test_the_bom_file_starts_with_a_bom():
    assert utf8_bom_csv().startswith(b"\xef\xbb\xbf")
