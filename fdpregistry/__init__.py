"""The FAIR data registry REST server (`fdpd registry serve`), wire-compatible with the
reference registry (see docs/registry-api.md).

Layout and extension points:

* `models` — the record types' tables and their association tables, built from `schema.SPECS`
  (`models.table_named(name)`), and SQLModel classes for users, tokens, groups, namespace
  grants and reruns (`models.table_of(Model)` gives their Core table). Records are read and
  written through Core; `lineage.record(session, table, id)` reads one as a row.
* `database` — `make_engine(url)` (SQLite: WAL, foreign keys, busy timeout; or PostgreSQL),
  `get_engine(request)`, `inserted_id(result)`.
* `auth` — `Caller(id, username)`; `request_caller(request)` (None = anonymous, `AuthError` for
  a bad key); provisioning `create_user(session, name) -> key`,
  `ensure_user_with_token(session, name, key)`. Keys are stored as SHA-256 digests.
* `migrations` — the schema's revisions (Alembic); `upgrade(engine)` brings a database to the
  newest (every start, `fdpd registry migrate`).
* `links` — `base_url(request)` (scheme + Host), `record_url(base, type, id)`,
  `parse_link(value, type) -> id` for request bodies, `API_TYPES` (root listing order).
* `http` — `ApiError(status, body)` (raise it anywhere; the app renders it), `json_response`,
  `check_accept` (406 rules), `read_json_body` (413/400 rules), `query_items` (raw query parsing).
* `settings.RegistrySettings` — host, port, database_url, data_store, shared, admin_token_file;
  available to routes as `request.app.state.settings` (engine: `request.app.state.engine`).
* `app.create_app(settings)` — mounts every router listed in `routers.ROUTERS`, in order.
  **To add routes, append one line to `routers.ROUTERS`.** The model routes are explicit per type
  (`/api/<type>/`), so special routes such as `/api/prov-report/...` never collide with them.
* `cli.main(argv)` — `fdpd registry serve ...`; `fdpd registry add-user` is wired automatically
  when `users_admin.main_add_user(args) -> int` exists.
* `management` — fdp's own `/fdp/identity` and `/fdp/active-author` routes.

The model API itself: `schema` (one declarative `TypeSpec` per type: JSON key order, validation
kinds, filters, the columns and indexes of its table), `resources` (routes), `serialize` (rows →
JSON, relations loaded in bulk), `filters`, `pagination`, `writes` (validation order, 409 rules,
side effects), `values`, `metadata` (OPTIONS), `users` (users, groups, username), `statements`
(prebuilt hot-path SQL).
"""
