"""Which Control Panel to talk to, and whether credentials may be sent there."""

from __future__ import annotations

import re
from typing import NamedTuple, Optional
from urllib.parse import urlsplit

from iron_cli_py.errors import usage_error

DEFAULT_API_URL = "http://localhost:3000"
_DEFAULT_PORTS = {"http": 80, "https": 443}
_ADDRESS_HINT = "give the panel's address, e.g. http://localhost:3000 or https://panel.example.com"


class ResolvedApiUrl(NamedTuple):
    url: str
    source: str
    """`--api-url`, `IRON_API_URL`, `config file` or `default`, for messages ("set by IRON_API_URL")."""


def normalize_api_url(text: str, what: str) -> str:
    """An http(s) URL as WHATWG `URL.origin + pathname` without trailing slashes, as the TypeScript CLI keys its
    credentials: lower-case scheme and host, no default port. Raises a usage error naming `what` otherwise."""
    raw = text.strip()
    try:
        parts = urlsplit(raw)
        port = parts.port
        host = parts.hostname
    except ValueError:
        raise usage_error('%s "%s" is not a URL' % (what, text), _ADDRESS_HINT) from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        if not scheme or not host:
            raise usage_error('%s "%s" is not a URL' % (what, text), _ADDRESS_HINT)
        raise usage_error('%s "%s" is not an http or https URL' % (what, text), _ADDRESS_HINT)
    if not host:
        raise usage_error('%s "%s" is not a URL' % (what, text), _ADDRESS_HINT)
    if parts.username is not None or parts.password is not None or parts.query or parts.fragment:
        raise usage_error(
            '%s "%s" must not carry credentials, a query or a fragment' % (what, text),
            "give only scheme, host, port and (optionally) a base path",
        )
    netloc = "[%s]" % host if ":" in host else host
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        netloc += ":%d" % port
    return "%s://%s%s" % (scheme, netloc, parts.path.rstrip("/"))


def resolve_api_url(flag: Optional[str], env: Optional[str], configured: Optional[str]) -> ResolvedApiUrl:
    """`--api-url` > `IRON_API_URL` > `api_url` in the config file > http://localhost:3000."""
    if flag:
        return ResolvedApiUrl(normalize_api_url(flag, "--api-url"), "--api-url")
    if env:
        return ResolvedApiUrl(normalize_api_url(env, "IRON_API_URL"), "IRON_API_URL")
    if configured:
        return ResolvedApiUrl(normalize_api_url(configured, "api_url in ~/.iron/config.json"), "config file")
    return ResolvedApiUrl(DEFAULT_API_URL, "default")


def _is_loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    return host == "localhost" or host.endswith(".localhost") or host == "::1" or re.fullmatch(r"127(\.[0-9]{1,3}){3}", host) is not None


def assert_safe_for_credentials(api_url: str, insecure: bool) -> None:
    """Credentials may go over plain http only to this machine, unless the user said `--insecure`."""
    parts = urlsplit(api_url)
    if parts.scheme == "http" and not _is_loopback(parts.hostname or "") and not insecure:
        raise usage_error(
            "refusing to send credentials over plain http to %s: anyone on the network could read them" % api_url,
            "use the panel's https:// URL, or pass --insecure if this network is trusted",
        )
