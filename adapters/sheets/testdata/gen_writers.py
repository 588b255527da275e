#!/usr/bin/python3
"""Writes the xlsx fixtures of other writers than excelize for the equality
test of the streaming reader (xlsxstream_test.go):

  openpyxl_features.xlsx    openpyxl (Debian python3-openpyxl 3.0.9)
  xlsxwriter_features.xlsx  XlsxWriter (Debian python3-xlsxwriter 3.0.2)
  xlsxwriter_1904.xlsx      XlsxWriter, 1904 date system, constant_memory

Run from this directory: /usr/bin/python3 gen_writers.py
"""
import datetime

TEXTS = ["Müller-Lüdenscheidt", "  führende und folgende Leerzeichen  ", "Zeile 1\nZeile 2",
         "Tab\tgetrennt", "A & B <c> \"d\" 'e'", "_x0041_ wörtlich", "0815", "=A1", "Ω 👍 ć",
         "Straße des 17. Juni"]
NUMBERS = [6108, -12.5, 0.1 + 0.2, 1e21, 1.5e-12, 123456789012345678, 3.0, 0, -0.25]
DATES = [datetime.date(2020, 3, 31), datetime.datetime(2020, 3, 31, 8, 15), datetime.date(2019, 12, 31),
         datetime.datetime(2021, 2, 28, 23, 59, 59)]


def openpyxl_file(path):
    import openpyxl
    from openpyxl.styles import numbers
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Liste"
    ws["A1"] = "Melderegister – Stand 15.01.2026"
    ws.append([])
    ws.append(["Text", "Zahl", "Datum", "Wahr", "Formel", "Lücke", "Ende"])
    for i in range(40):
        d = DATES[i % len(DATES)]
        row = [TEXTS[i % len(TEXTS)], NUMBERS[i % len(NUMBERS)], d, i % 2 == 0, "=B%d*2" % (i + 4), None, "x%d" % i]
        ws.append(row)
        c = ws.cell(row=i + 4, column=3)
        c.number_format = ["dd.mm.yyyy", numbers.FORMAT_DATE_DATETIME, "yyyy-mm-dd", "hh:mm", "[$-407]dddd, d. mmmm yyyy;@"][i % 5]
    ws.column_dimensions["B"].hidden = True
    ws.row_dimensions[10].hidden = True
    ws["J50"] = 42
    hidden = wb.create_sheet("Versteckt")
    hidden.sheet_state = "hidden"
    hidden["B2"] = "verborgen"
    wb.create_sheet("Leer")
    wb.save(path)


def xlsxwriter_file(path, date1904=False, constant_memory=False):
    import xlsxwriter
    wb = xlsxwriter.Workbook(path, {"date_1904": date1904, "constant_memory": constant_memory,
                                    "strings_to_numbers": False, "strings_to_formulas": False})
    ws = wb.add_worksheet("Liste")
    fmts = [wb.add_format({"num_format": f}) for f in ["dd.mm.yyyy", "yyyy-mm-dd hh:mm:ss", "d mmm yyyy", "hh:mm", 14, 22]]
    bold = wb.add_format({"bold": True})
    ws.write_row(0, 0, ["Text", "Zahl", "Datum", "Wahr", "Formel", "Lücke", "Reich"])
    for i in range(40):
        r = i + 1
        ws.write_string(r, 0, TEXTS[i % len(TEXTS)])
        ws.write_number(r, 1, NUMBERS[i % len(NUMBERS)])
        ws.write_datetime(r, 2, datetime.datetime.combine(DATES[i % len(DATES)], datetime.time()) if isinstance(DATES[i % len(DATES)], datetime.date) and not isinstance(DATES[i % len(DATES)], datetime.datetime) else DATES[i % len(DATES)], fmts[i % len(fmts)])
        ws.write_boolean(r, 3, i % 3 == 0)
        if i % 2:
            ws.write_formula(r, 4, "=B%d*2" % (r + 1), None, NUMBERS[i % len(NUMBERS)] * 2)
        else:
            ws.write_formula(r, 4, '=A%d&"!"' % (r + 1), None, TEXTS[i % len(TEXTS)] + "!")
        if not constant_memory:
            ws.write_rich_string(r, 6, "fett ", bold, "und", " normal %d" % i)
        else:
            ws.write_string(r, 6, "konstant %d" % i)
    ws.write(45, 2, "#N/A")
    ws.write_formula(46, 0, "=1/0", None, "#DIV/0!")
    ws.set_column("F:F", None, None, {"hidden": True})
    ws.set_row(5, None, None, {"hidden": True})
    other = wb.add_worksheet("Versteckt")
    other.write(3, 3, "verborgen")
    other.hide()
    wb.close()


openpyxl_file("openpyxl_features.xlsx")
xlsxwriter_file("xlsxwriter_features.xlsx")
xlsxwriter_file("xlsxwriter_1904.xlsx", date1904=True, constant_memory=True)
