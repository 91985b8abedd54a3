"""The SQL stores: what SQLite and PostgreSQL share, and a module each.

`base` (the `Codec` and `Dialect` that make up the difference between the two databases),
`sqlfiles` (named queries and migrations read from `queries/<dialect>/*.sql`), `rows` (rows
to records), `historyrows` (history events numbered, hashed and encoded once), `session`
(statements over one connection; where the dialect defers writes, queued and sent in one
round trip), `transaction` (the unit of work over named queries), `store` (operations that
are one short transaction each), and `sqlite` / `postgres`.
"""
