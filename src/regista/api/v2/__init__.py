"""The native API: Camunda 8's Orchestration Cluster REST API (v2) shape, under `/v2`.

Same paths, field names and semantics as Camunda 8.8 where Regista has the concept; keys
are strings of digits, variables plain JSON, unknown request fields ignored.
"""
