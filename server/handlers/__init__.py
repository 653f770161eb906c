"""Request handlers, one module per resource; the method table names them as `module.function`."""
