"""Bad input from the server: decoding gives a value or a DecodeError, never another exception.

The property tests over every model follow; these are the regressions they found.
"""

from __future__ import annotations

import llamastack.models
from llamastack.decoding import decoder_for
from tests.reliability.specs import Empty


def test_a_model_with_no_declared_fields_decodes_into_model_extra() -> None:
    assert decoder_for(Empty)({"anything": [1, 2]}).model_extra == {"anything": [1, 2]}
    assert decoder_for(llamastack.models.base.UnknownVariant)({"type": "new"}).model_extra == {
        "type": "new"}
