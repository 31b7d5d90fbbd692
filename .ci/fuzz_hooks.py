"""schemathesis hooks for .ci/fuzz.sh.

Passwords are limited to 72 bytes of UTF-8 (bcrypt's limit), which JSON Schema cannot say:
its maxLength counts characters. The document marks such fields `format: password`; this
teaches the generator what a valid one is, so "valid" inputs really are valid.
"""

from hypothesis import strategies as st

import schemathesis

schemathesis.openapi.format(
    "password",
    st.text(min_size=8, max_size=72).filter(lambda s: 8 <= len(s.encode("utf-8")) <= 72),
)


def _isbn13(digits12):
    total = sum(d * (1 if i % 2 == 0 else 3) for i, d in enumerate(digits12))
    return "".join(map(str, digits12)) + str((10 - total % 10) % 10)


def _isbn10(digits9):
    total = sum(d * (10 - i) for i, d in enumerate(digits9))
    check = (11 - total % 11) % 11
    return "".join(map(str, digits9)) + ("X" if check == 10 else str(check))


# ISBNs are valid only with the right check digit, which JSON Schema cannot state: the
# document marks them `format: isbn`, and valid ones are ISBN-13, ISBN-10, or blank.
# In a path (`isbn-code`) there is no blank one.
_digits = st.integers(min_value=0, max_value=9)
_isbn_code = st.one_of(
    st.lists(_digits, min_size=9, max_size=9).map(lambda d: _isbn13([9, 7, 8] + d)),
    st.lists(_digits, min_size=9, max_size=9).map(_isbn10),
)
schemathesis.openapi.format("isbn-code", _isbn_code)
schemathesis.openapi.format("isbn", st.one_of(_isbn_code, st.just("")))
