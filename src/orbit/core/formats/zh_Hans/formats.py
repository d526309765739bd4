"""Simplified Chinese: large numbers in reports grouped by thousands with a comma (75,000), as Chinese-language
United Nations documents print them; Django's own format groups nothing."""

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
