# English pages with European dates (the application's users are in Europe), one
# format for every date a page, message or e-mail shows: 27-11-2026 on lists, cards,
# traces and charts alike, the format a date is typed in (docs/formats.md).
# Dutch uses Django's own Dutch formats with the same dates (config/formats/nl).
DATE_FORMAT = "d-m-Y"
SHORT_DATE_FORMAT = "d-m-Y"
DATETIME_FORMAT = "d-m-Y H:i"
SHORT_DATETIME_FORMAT = "d-m-Y H:i"
TIME_FORMAT = "H:i"
# The first is what a date field shows (core.forms.LocalDateInput: dd-mm-yyyy); the
# others are accepted too: 31/12/2026, 31.12.2026 and ISO 2026-12-31 (links, old
# bookmarks, a pasted date).
DATE_INPUT_FORMATS = ["%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y", "%Y-%m-%d"]
DATETIME_INPUT_FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%d-%m-%Y %H:%M"]
FIRST_DAY_OF_WEEK = 1
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
