"""Built-in plugins of eschool; each is loaded only when a region names it."""
