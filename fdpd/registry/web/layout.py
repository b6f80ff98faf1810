"""The page shell (header, navigation, style sheet) and the headers every page is sent with."""

from __future__ import annotations

from starlette.responses import Response

from fdpd.registry.web.markup import Markup, html

PREFIX = "/ui"
_NOTHING = Markup("")
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

STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 0; color: #1d2330; background: #fafbfc; }
header { background: #1f3b57; color: #fff; padding: .6em 1.5em; display: flex; gap: 1.5em;
  align-items: baseline; flex-wrap: wrap; }
header a { color: #fff; text-decoration: none; } header .brand { font-weight: 700; }
header .who { margin-left: auto; opacity: .85; font-size: .9em; }
main { padding: 1em 1.5em 3em; max-width: 80em; }
h1 { font-size: 1.45em; margin: .4em 0 .6em; word-break: break-word; }
h2 { font-size: 1.1em; margin: 1.6em 0 .5em; border-bottom: 1px solid #dde2e8; }
a { color: #1f5fa8; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { text-align: left; padding: .3em .6em; border-bottom: 1px solid #e6e9ee;
  vertical-align: top; word-break: break-word; }
th { background: #eef1f5; font-weight: 600; }
dl.fields { display: grid; grid-template-columns: max-content 1fr; gap: .25em 1.2em; }
dl.fields dt { font-weight: 600; color: #4a5568; }
dl.fields dd { margin: 0; word-break: break-word; }
.counts { display: flex; flex-wrap: wrap; gap: .8em; padding: 0; list-style: none; }
.counts li { background: #fff; border: 1px solid #dde2e8; border-radius: 6px; padding: .5em 1em; }
.counts b { display: block; font-size: 1.4em; }
form.search { display: flex; flex-wrap: wrap; gap: .6em; align-items: end; margin-bottom: 1em; }
form.search label { display: flex; flex-direction: column; font-size: .85em; }
.pager { margin: 1em 0; display: flex; gap: 1.5em; }
.note { color: #5a6472; font-size: .92em; }
.warning { background: #fff6e0; border: 1px solid #f0d48a; padding: .5em .8em; border-radius: 4px; }
.graph { background: #fff; border: 1px solid #dde2e8; padding: .5em; overflow: auto; }
.graph svg { max-width: 100%; height: auto; }
pre { background: #f3f5f8; padding: .7em; overflow: auto; white-space: pre-wrap; }
code { background: #f3f5f8; padding: 0 .2em; }
"""

_SHELL = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · fdp registry</title>
<link rel="stylesheet" href="{prefix}/style.css">
<link rel="icon" href="{prefix}/favicon.svg" type="image/svg+xml">
{head}
</head>
<body>
<header>
<a class="brand" href="{prefix}/">fdp registry</a>
<a href="{prefix}/data_product/">Data products</a>
<a href="{prefix}/code_run/">Code runs</a>
<a href="{prefix}/namespace/">Namespaces</a>
<a href="{prefix}/author/">Authors</a>
<span class="who">{who}</span>
</header>
<main>
<h1>{title}</h1>
{body}
</main>
</body>
</html>
"""


def page(
    title: str,
    body: Markup,
    viewer: str | None,
    *,
    status: int = 200,
    head: Markup = _NOTHING,
    headers: dict[str, str] | None = None,
) -> Response:
    """A full page: `body` under a header that says whose view it is."""
    who = (
        html("signed in as {name} (private items shown)", name=viewer)
        if viewer
        else "public items only"
    )
    text = html(_SHELL, title=title, prefix=PREFIX, head=head, who=who, body=body)
    return Response(
        text.encode("utf-8"),
        status,
        {**SECURITY_HEADERS, **(headers or {})},
        media_type="text/html; charset=utf-8",
    )


def error_page(status: int, title: str, message: str, viewer: str | None) -> Response:
    return page(title, html("<p>{message}</p>", message=message), viewer, status=status)


ICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16">'
    '<rect width="16" height="16" rx="3" fill="#1f3b57"/>'
    '<circle cx="5" cy="8" r="2.5" fill="#ffe8a3"/><circle cx="11" cy="8" r="2.5" fill="#e3effc"/>'
    "</svg>"
)


def icon() -> Response:
    headers = {**SECURITY_HEADERS, "Cache-Control": "max-age=3600"}
    return Response(ICON.encode(), 200, headers, media_type="image/svg+xml")


def style_sheet() -> Response:
    headers = {**SECURITY_HEADERS, "Cache-Control": "max-age=3600"}
    return Response(STYLE.encode("utf-8"), 200, headers, media_type="text/css; charset=utf-8")
