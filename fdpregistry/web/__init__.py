"""The registry's web view: read-only HTML pages for browsers under `/ui/` (routes in `routes`).

Pages are Jinja2 templates (`templates/`, autoescaped: every value escaped) extending
`base.html`, sent by `layout` with a Content-Security-Policy that allows no script, and one
static style sheet (`static/`); `queries` reads, `lists` and `records` say what each page shows
(values of `render`), `graph` draws provenance with Graphviz, and `sessions` signs a browser in
with a one-time login code. The registry's privacy rule holds: anonymous visitors see no
private item.
"""
