"""A schema-driven, versioned RPC server: HOCON service schemas served over Falcon."""

__version__ = "0.1.0"
