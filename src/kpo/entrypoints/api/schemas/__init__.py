"""Request and response bodies of the API. They are never domain objects: each module
converts between its schemas and the domain."""
