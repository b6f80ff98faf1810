"""The registry's web view: read-only HTML pages for browsers under `/ui/` (routes in `routes`).

Pages are built with `markup` (every value escaped by construction) inside the shell of
`layout` (a Content-Security-Policy that allows no script); `queries` reads, `lists` and
`records` render, `graph` draws provenance with Graphviz, and `sessions` signs a browser in
with a one-time login code. The registry's privacy rule holds: anonymous visitors see no
private item.
"""
