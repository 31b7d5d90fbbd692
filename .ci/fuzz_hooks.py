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
