"""Service schemas: reading HOCON files into frozen objects, and compiling them for requests."""
