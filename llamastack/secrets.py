"""Which strings are secret, and hiding them in whatever the client shows.

The client passes its ``Secrets.redact`` with every error it raises and to the transport for
the URLs it logs, so no message built from what a server echoed (an error body, a 200 body,
a redirect, a stream event) and no URL carries a credential. The secrets: the API key, the
provider-data header and every string in it at any depth (``{"vllm": {"api_token": ...}}``),
and the credentials of a ``http://user:password@host`` base URL, with the Basic header value
requests derives from them.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import unquote, urlsplit

from llamastack.encoding import jsonable
from llamastack.log import REDACTED

__all__ = ["Secrets", "url_credentials"]

# Messages quote server bodies cut to a length, and the cut may fall inside an echoed secret:
# its first _SECRET_HEAD characters followed by any more of it are hidden as well.
_SECRET_HEAD = 8

# Strings shorter than this inside provider data or a URL's credentials are not hidden on
# their own ("us" as a region would blank out every "us" in every message).
_MIN_SECRET_CHARS = 4


class Secrets:
    """The secret strings of one client, longest first (so a secret that contains another is
    hidden whole)."""

    def __init__(self, api_key: str | None, provider_data: Mapping[str, Any] | None,
                 base_url: str) -> None:
        secrets = [api_key or ""]
        if provider_data:
            data = jsonable(provider_data)
            secrets.append(json.dumps(data))
            secrets.extend(text for text in _strings_in(data) if len(text) >= _MIN_SECRET_CHARS)
        secrets.extend(url_credentials(base_url))
        self.strings = tuple(sorted({secret for secret in secrets if secret}, key=len,
                                    reverse=True))

    def redact(self, text: str) -> str:
        """``text`` with every secret, and every cut-off start of one, replaced."""
        for secret in self.strings:
            if secret in text:
                text = text.replace(secret, REDACTED)
            if len(secret) > _SECRET_HEAD and secret[:_SECRET_HEAD] in text:
                text = _redact_cut(text, secret)
        return text


def _redact_cut(text: str, secret: str) -> str:
    head = secret[:_SECRET_HEAD]
    start = text.find(head)
    while start >= 0:
        end = start + _SECRET_HEAD
        while end < len(text) and end - start < len(secret) and text[end] == secret[end - start]:
            end += 1
        text = text[:start] + REDACTED + text[end:]
        start = text.find(head, start + len(REDACTED))
    return text


def _strings_in(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings_in(item)


def url_credentials(url: str) -> list[str]:
    """``user:password`` of ``http://user:password@host`` as written and as decoded, the
    password (or a lone user name, which is then the token), and the Basic credentials
    requests derives from them for the Authorization header; nothing for a URL without."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return []
    userinfo = parts.netloc.rpartition("@")[0]
    user, password = unquote(parts.username or ""), unquote(parts.password or "")
    pieces = [parts.password or "", password] if parts.password else [parts.username or "", user]
    found = [userinfo, unquote(userinfo)]
    found += [piece for piece in pieces if len(piece) >= _MIN_SECRET_CHARS]
    try:  # as requests.auth._basic_auth_str encodes them
        basic = f"{user}:{password}".encode("latin-1")
    except UnicodeEncodeError:
        basic = f"{user}:{password}".encode()
    found.append(base64.b64encode(basic).decode())
    return found
