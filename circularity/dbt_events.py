"""dbt's events that no log of the run shows, not built at all: in the CLI's dbt child only.

dbt makes an event for every step of every node (a connection opened, a statement sent, its
status read): about 2,700 in a build of the seeds, nine in ten of them at debug level. Each
is turned into a protobuf message field by field in Python when it is made, into a second
message (time, thread, invocation) when it is fired, then formatted as a log line, only for
Python's logging to drop the line: the CLI's dbt logs at info, both its standard output
(which the CLI reads) and `dbt.log`. On the seeds, dropping them unbuilt took dbt's
nodes from 3.99 to 3.08 s and its process from 7.43 to 6.56 s of CPU (medians of five
interleaved runs each): most of that work held the interpreter lock that dbt's four
threads share.

`skip_unlogged_events` changes two things in dbt's event system, for this process only:

- The event manager drops an event below the level of every log before any of that work.
  It never drops a warning or an error (dbt may turn those into failures), nor any event
  when a callback could read it: dbt's only callback in this process is its tracking of
  behaviour-change warnings (off here), which reads warnings only.
- An event builds its message when something first reads it, not when it is made, so a
  dropped event costs nothing more than its making.

What is logged does not change: with `DBT_LOG_LEVEL_FILE=debug`, `dbt.log` gets every debug
line, since the level of the logs decides. Dagster and `dbt build` by hand run dbt's own
command line, untouched."""

from __future__ import annotations

import threading
from typing import Any

from dbt.tracking import track_behavior_change_warn
from dbt_common.events.base_types import BaseEvent, EventLevel
from dbt_common.events.event_manager import EventManager

# dbt's levels ranked as dbt's own loggers rank them when they set Python's logging level,
# so that an event is dropped exactly when every logger would drop its line.
from dbt_common.events.logger import _log_level_map as _RANK

# Callbacks known to read warnings and errors only.
_WARNING_READERS = (track_behavior_change_warn,)

_building = threading.RLock()


def _unlogged(manager: EventManager, event: BaseEvent, level: EventLevel | None) -> bool:
    rank = _RANK[level or event.level_tag()]
    return (
        rank < _RANK[EventLevel.WARN]
        and bool(manager.loggers)
        and all(rank < _RANK[logger.level] for logger in manager.loggers)
        and all(callback in _WARNING_READERS for callback in manager.callbacks)
    )


def skip_unlogged_events() -> None:
    """Have dbt's event manager drop the events no log of this run shows, and every event
    build its message on first use (see the module's docstring)."""
    if getattr(EventManager.fire_event, "skips_unlogged", False):
        return
    fire_event = EventManager.fire_event
    make_message = BaseEvent.__init__
    read_message = BaseEvent.__getattr__
    write_message = BaseEvent.__setattr__

    def fire_logged_event(
        self: EventManager,
        e: BaseEvent,
        level: EventLevel | None = None,
        node: Any = None,
        force_warn_or_error_handling: bool = False,
    ) -> None:
        if force_warn_or_error_handling or not _unlogged(self, e, level):
            fire_event(self, e, level, node, force_warn_or_error_handling)

    def make_later(self: BaseEvent, *args: Any, **kwargs: Any) -> None:
        self.__dict__["_message_fields"] = (args, kwargs)

    def made(self: BaseEvent) -> None:
        if "pb_msg" not in self.__dict__:
            with _building:  # an event read by two threads at once is made once
                if "pb_msg" not in self.__dict__:
                    args, kwargs = self.__dict__["_message_fields"]
                    make_message(self, *args, **kwargs)

    def read(self: BaseEvent, key: str) -> Any:
        made(self)
        return read_message(self, key)

    def write(self: BaseEvent, key: str, value: Any) -> None:
        if key != "pb_msg":  # the message itself is written by its making
            made(self)
        write_message(self, key, value)

    fire_logged_event.skips_unlogged = True  # type: ignore[attr-defined]
    EventManager.fire_event = fire_logged_event  # type: ignore[method-assign]
    BaseEvent.__init__ = make_later  # type: ignore[method-assign]
    BaseEvent.__getattr__ = read  # type: ignore[method-assign]
    BaseEvent.__setattr__ = write  # type: ignore[method-assign]
