"""The page templates (Jinja2, autoescaped), the static files, and the headers every page is
sent with."""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any

from starlette.responses import Response

if TYPE_CHECKING:
    from jinja2 import Environment

PREFIX = "/ui"
# No script at all, inline or not: the pages are plain HTML, links and GET forms.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
_STATIC = files("fdpregistry.web") / "static"
STYLE = (_STATIC / "style.css").read_bytes()
ICON = (_STATIC / "favicon.svg").read_bytes()


@cache
def templates() -> Environment:
    """The page templates, loaded when a page is first asked for: a registry that only serves
    the REST API never imports Jinja2."""
    from jinja2 import Environment, PackageLoader, StrictUndefined

    # Every `{{ value }}` is escaped: a record's text can never become markup, whatever it
    # holds. Only the sanitised provenance SVG is passed in as `Markup`.
    env = Environment(
        loader=PackageLoader("fdpregistry.web", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    # render's values (`{% if v is link %}` in macros.html); render imports PREFIX from here
    from fdpregistry.web.render import Code, Link, Note, Parts, Strong

    env.globals["prefix"] = PREFIX
    kinds = {"link": Link, "note": Note, "code": Code, "strong": Strong, "parts": Parts}
    for name, kind in kinds.items():
        env.tests[name] = lambda value, kind=kind: isinstance(value, kind)
    return env


def page(
    template: str,
    title: str,
    viewer: str | None,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> Response:
    """A full page: `template` (which extends `base.html`) under a header that says whose view
    it is."""
    text = templates().get_template(template).render(title=title, viewer=viewer, **context)
    return Response(
        text.encode("utf-8"),
        status,
        {**SECURITY_HEADERS, **(headers or {})},
        media_type="text/html; charset=utf-8",
    )


def error_page(status: int, title: str, message: str, viewer: str | None) -> Response:
    return page("message.html", title, viewer, status=status, message=message)


def icon() -> Response:
    headers = {**SECURITY_HEADERS, "Cache-Control": "max-age=3600"}
    return Response(ICON, 200, headers, media_type="image/svg+xml")


def style_sheet() -> Response:
    headers = {**SECURITY_HEADERS, "Cache-Control": "max-age=3600"}
    return Response(STYLE, 200, headers, media_type="text/css; charset=utf-8")
