"""structlog JSON logging: every line carries the service name and, when known, event id and trace id."""

from __future__ import annotations

import logging
import sys

import structlog
from structlog.contextvars import bind_contextvars, bound_contextvars, merge_contextvars, reset_contextvars

__all__ = ["bind_contextvars", "bound_contextvars", "configure_logging", "get_logger", "reset_contextvars"]


def configure_logging(service: str, level: str = "INFO", json: bool = True) -> None:
    processors: list = [
        merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _add_service(service),
        _default_ids,
        structlog.processors.format_exc_info,
    ]
    renderer = structlog.processors.JSONRenderer(ensure_ascii=False) if json else structlog.dev.ConsoleRenderer()
    structlog.configure(
        processors=[*processors, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )
    # Route stdlib logging (uvicorn, aiokafka, faststream) through the same JSON renderer.
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=processors,
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "faststream"):
        logger = logging.getLogger(name)  # uvicorn installs its own plain-text handlers: use ours
        logger.handlers[:] = []
        logger.propagate = True
    for noisy in ("aiokafka", "pymongo"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _add_service(service: str):
    def processor(_logger, _name, event_dict):
        event_dict.setdefault("service", service)
        return event_dict

    return processor


def _default_ids(_logger, _name, event_dict):
    event_dict.setdefault("event_id", None)
    event_dict.setdefault("trace_id", None)
    return event_dict


def get_logger(name: str | None = None):
    return structlog.get_logger(name)
