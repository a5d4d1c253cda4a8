# Dutch pages: Django's Dutch formats (decimal comma, thousands dot, dd-mm-jjjj input),
# with one date format everywhere, as on the English pages (docs/formats.md): the
# zero-padded short date (27-11-2026, 03-05-2026: table columns line up, as in NAV)
# on lists, cards, traces, charts, messages and e-mails, the format a date is typed in.
# Anything not set here comes from django/conf/locale/nl/formats.py.
DATE_FORMAT = "d-m-Y"
DATETIME_FORMAT = "d-m-Y H:i"
SHORT_DATE_FORMAT = "d-m-Y"
SHORT_DATETIME_FORMAT = "d-m-Y H:i"
# The first is what a date field shows (core.forms.LocalDateInput: dd-mm-jjjj); the
# others are accepted too, as in English: 31/12/2026, 31.12.2026 and ISO 2026-12-31.
DATE_INPUT_FORMATS = ["%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y", "%Y-%m-%d"]
