"""The host's log (and the MCP client's, when it asked for log messages).
Each record carries the tenant, plugin and tool without the plugin saying
so."""

from .host import LEVELS, current


def log(level: str, message: str) -> None:
    """Writes one record at `level` (`trace`, `debug`, `info`, `warn`,
    `error`)."""
    if level not in LEVELS:
        raise ValueError(f"`{level}` is not a log level; one of {', '.join(LEVELS)}")
    current().log(level, message)


def debug(message: str) -> None:
    """A record for whoever debugs the plugin."""
    log("debug", message)


def info(message: str) -> None:
    """A record of something that happened."""
    log("info", message)


def warn(message: str) -> None:
    """A record of something the operator should look at."""
    log("warn", message)


def error(message: str) -> None:
    """A record of a failure."""
    log("error", message)
