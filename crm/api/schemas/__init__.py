"""What the API reads and writes, as pydantic models: they validate requests and are the
schemas of the OpenAPI description. One module per group of operations, beside ``common``."""
