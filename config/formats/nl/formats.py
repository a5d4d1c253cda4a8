# Dutch pages: Django's Dutch formats (decimal comma, thousands dot, dd-mm-jjjj input),
# with two changes so that dates look like the English pages' European dates:
# zero-padded short dates (27-11-2026, 03-05-2026: table columns line up, as in NAV)
# and the short month name on cards (27 nov 2026, like 27 Nov 2026 in English).
# Anything not set here comes from django/conf/locale/nl/formats.py.
DATE_FORMAT = "j b Y"
DATETIME_FORMAT = "j b Y H:i"
SHORT_DATE_FORMAT = "d-m-Y"
SHORT_DATETIME_FORMAT = "d-m-Y H:i"
