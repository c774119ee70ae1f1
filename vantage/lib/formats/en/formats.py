"""Django's date formats for this product (FORMAT_MODULE_PATH): the one date format of
``vantage.lib.formatting`` ("1 Dec 2026", "Dec 2026"), so the admin and ``{{ value|date }}`` agree
with the pages. Input formats stay Django's (ISO first)."""

DATE_FORMAT = "j M Y"
SHORT_DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i T"
SHORT_DATETIME_FORMAT = "j M Y, H:i T"
YEAR_MONTH_FORMAT = "M Y"
MONTH_DAY_FORMAT = "j M"
TIME_FORMAT = "H:i"
