"""Request and response models of the HTTP API, one module per resource.

Requests forbid unknown fields (a typo is an error, not a silently ignored field) and are
turned into domain values by the routers; responses are built from domain objects by the
``of`` class methods here, so routers stay thin.
"""
