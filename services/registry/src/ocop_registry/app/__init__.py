"""Use cases of the registry: the one entry point of the API, the console, the CLI and the subscribers.

A use case takes a command (``commands.py``, carrying input validated by ``inputs.py``), the caller's
``Principal`` and a unit of work (``ports.py``), asks ``policy.py`` who may do it, and raises named errors
(``domain/errors.py``) when the rules say no.
"""
