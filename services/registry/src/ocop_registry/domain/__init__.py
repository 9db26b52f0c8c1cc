"""Pure registry rules: no I/O, no framework imports."""
