"""The Control Panel's HTTP API over httpx, with the CLI's retry rules.

Network errors, 429, 502, 503 and 504 are tried up to `attempts` times with exponential backoff and jitter
(Retry-After honoured); every other answer is final. Redirects are not followed: a key stays with the URL it was
saved for. Only httpx API present in both 0.23 and later is used (Client, Timeout, the exception classes).
"""

from __future__ import annotations

import errno
import json
import socket
import time
from typing import Any, Callable, Dict, Iterable, Mapping, NamedTuple, Optional, Union

import httpx

from iron_cli_py import __version__
from iron_cli_py.api_url import ResolvedApiUrl
from iron_cli_py.errors import PROG, CliError, Exit
from iron_cli_py.retry import DEFAULT_RETRY, RetryPolicy, is_retryable_status, parse_retry_after_ms, retry_wait_ms

ATTEMPT_TIMEOUT_S = 15.0


class RetryNotice(NamedTuple):
    url: str
    attempt: int
    attempts: int
    wait_ms: int
    reason: str


class _NetworkFailure(NamedTuple):
    cause: str


class _StatusFailure(NamedTuple):
    status: int
    reason_phrase: str
    retry_after: Optional[str]
    text: str


class _AttemptTimeout(Exception):
    """The whole attempt (connect, send, read the body) took longer than ATTEMPT_TIMEOUT_S."""


def _network_cause(err: BaseException) -> str:
    """The root cause as a short word, as the TypeScript CLI prints it: `ECONNREFUSED`, `ENOTFOUND`, a timeout."""
    if isinstance(err, (httpx.TimeoutException, _AttemptTimeout)):
        return "no answer within %d s" % ATTEMPT_TIMEOUT_S
    seen = err  # type: Optional[BaseException]
    while seen is not None:
        if isinstance(seen, socket.gaierror):
            return "ENOTFOUND"
        if isinstance(seen, OSError) and seen.errno in errno.errorcode:
            return errno.errorcode[seen.errno]
        seen = seen.__cause__ or seen.__context__
    return str(err) or type(err).__name__


def unreachable_hint(api: ResolvedApiUrl) -> str:
    where = "the default" if api.source == "default" else "set by %s" % api.source
    return (
        "start the Control Panel (npm run start -w services/control-panel), or point %s at the right one with "
        "--api-url or IRON_API_URL (%s is %s)" % (PROG, api.url, where)
    )


def _describe_issues(details: Any) -> str:
    if not isinstance(details, list):
        return ""
    lines = []
    for detail in details:
        if isinstance(detail, dict) and isinstance(detail.get("message"), str):
            path = detail.get("path")
            lines.append(("%s: " % path if isinstance(path, str) and path else "") + detail["message"])
    return " (%s)" % "; ".join(lines) if lines else ""


def _error_body(text: str) -> Optional[Dict[str, Any]]:
    """The panel's `{error:{code,message,details}}`, or None when the body is something else."""
    try:
        body = json.loads(text)
    except ValueError:
        return None
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict) and isinstance(error.get("code"), str) and isinstance(error.get("message"), str):
        return error
    return None


def _status_error(url: str, api: ResolvedApiUrl, failure: _StatusFailure, attempts: int) -> CliError:
    """A non-2xx answer as the error the user sees, with the exit code for its kind."""
    parsed = _error_body(failure.text)
    status = failure.status
    said = parsed["message"] + _describe_issues(parsed.get("details")) if parsed else ("HTTP %d %s" % (status, failure.reason_phrase)).strip()
    code = parsed["code"] if parsed else "http_%d" % status
    where = "the Control Panel at %s" % url
    if status == 401:
        return CliError(
            "%s did not accept the credential: %s" % (where, said),
            Exit.AUTH,
            "run `%s login` (the API key may be revoked, or belong to another panel), or set IRON_API_KEY" % PROG,
            code,
        )
    if status == 403:
        return CliError("%s refused: %s" % (where, said), Exit.AUTH, "ask an admin for a role that may do this (viewers can only read)", code)
    if status == 404:
        return CliError("%s found nothing: %s" % (where, said), Exit.ERROR, "check the id (`%s token list` shows them)" % PROG, code)
    if status in (400, 409, 413, 422):
        return CliError("%s rejected the request: %s" % (where, said), Exit.REJECTED, None, code)
    tries = " after %d attempts" % attempts if attempts > 1 else ""
    if status in (502, 503, 504):
        return CliError("%s is not serving%s: %s" % (where, tries, said), Exit.UNREACHABLE, unreachable_hint(api), code)
    if status == 429:
        return CliError("%s is rate limiting this client%s: %s" % (where, tries, said), Exit.ERROR, "wait a minute and try again", code)
    return CliError("%s failed: %s" % (where, said), Exit.ERROR, "see the panel's log for the cause", code)


Query = Mapping[str, Union[str, int, None]]


class PanelClient:
    def __init__(
        self,
        api: ResolvedApiUrl,
        retry: RetryPolicy = DEFAULT_RETRY,
        on_retry: Optional[Callable[[RetryNotice], None]] = None,
    ) -> None:
        self.api = api
        self.retry = retry
        self.on_retry = on_retry

    def url_for(self, path: str, query: Optional[Query] = None) -> str:
        params = [(k, str(v)) for k, v in (query or {}).items() if v is not None]
        return str(httpx.URL(self.api.url + path, params=params or None))

    def request(
        self,
        method: str,
        path: str,
        parse: Callable[[Any], Any],
        body: Any = None,
        query: Optional[Query] = None,
        bearer: Optional[str] = None,
        ok_statuses: Iterable[int] = (),
        headers: Optional[Mapping[str, str]] = None,
    ) -> Any:
        """Sends the request (retrying as the policy says) and returns `parse(json)` of a successful answer.

        `ok_statuses` are statuses besides 2xx whose body is a normal answer (e.g. 503 from /readyz); `headers`
        go with every attempt (e.g. the same Idempotency-Key).
        """
        url = self.url_for(path, query)
        sent = {"accept": "application/json", "user-agent": "%s/%s" % (PROG, __version__)}
        sent.update(headers or {})
        if bearer:
            sent["authorization"] = "Bearer " + bearer
        content = None
        if body is not None:
            sent["content-type"] = "application/json"
            content = json.dumps(body).encode()
        failure: Union[_NetworkFailure, _StatusFailure] = _NetworkFailure("not tried")
        with httpx.Client(timeout=httpx.Timeout(ATTEMPT_TIMEOUT_S), follow_redirects=False) as client:
            for attempt in range(1, self.retry.attempts + 1):
                try:
                    status, reason, response_headers, text = self._attempt(client, method, url, sent, content)
                except (httpx.TransportError, _AttemptTimeout) as err:
                    failure = _NetworkFailure(_network_cause(err))
                else:
                    if 300 <= status < 400:
                        raise CliError(
                            "the Control Panel at %s redirects to %s" % (url, response_headers.get("location", "another address")),
                            Exit.USAGE,
                            "set --api-url (or IRON_API_URL) to the address it redirects to",
                            "redirect",
                        )
                    if 200 <= status < 300 or status in ok_statuses:
                        return self._parse(url, status, text, parse)
                    failure = _StatusFailure(status, reason, response_headers.get("retry-after"), text)
                    if not is_retryable_status(status):
                        break
                if attempt == self.retry.attempts:
                    break
                retry_after = parse_retry_after_ms(failure.retry_after) if isinstance(failure, _StatusFailure) else None
                wait_ms = retry_wait_ms(attempt, retry_after, self.retry)
                why = failure.cause if isinstance(failure, _NetworkFailure) else "HTTP %d" % failure.status
                if self.on_retry:
                    self.on_retry(RetryNotice(url, attempt, self.retry.attempts, wait_ms, why))
                time.sleep(wait_ms / 1000)
        if isinstance(failure, _StatusFailure):
            raise _status_error(url, self.api, failure, self.retry.attempts)
        raise CliError(
            "cannot reach the Control Panel at %s: %s (%d attempts)" % (url, failure.cause, self.retry.attempts),
            Exit.UNREACHABLE,
            unreachable_hint(self.api),
            "unreachable",
        )

    @staticmethod
    def _attempt(client: httpx.Client, method: str, url: str, headers: Dict[str, str], content: Optional[bytes]):
        """One try. httpx's timeout bounds each phase (connect, write, each read); the body loop also bounds the
        attempt as a whole, as the TypeScript CLI's AbortSignal.timeout does."""
        deadline = time.monotonic() + ATTEMPT_TIMEOUT_S
        request = client.build_request(method, url, headers=headers, content=content)
        response = client.send(request, stream=True)
        try:
            chunks = []
            for chunk in response.iter_bytes():
                chunks.append(chunk)
                if time.monotonic() > deadline:
                    raise _AttemptTimeout()
            text = b"".join(chunks).decode("utf-8", errors="replace")
        finally:
            response.close()
        return response.status_code, response.reason_phrase, response.headers, text

    @staticmethod
    def _parse(url: str, status: int, text: str, parse: Callable[[Any], Any]) -> Any:
        try:
            return parse(None if text == "" else json.loads(text))
        except ValueError:
            raise CliError(
                "unexpected answer from %s (HTTP %d): not what a Control Panel sends" % (url, status),
                Exit.ERROR,
                "check that --api-url / IRON_API_URL points at an Iron Control Panel of a compatible version",
                "bad_response",
            ) from None
