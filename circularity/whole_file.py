"""Writing a file whole or not at all.

A reader of the report page or of the data docs' manifest (another build, a browser) must
find the old file or the new one, never a part of one; and a write that stops half way (a
full disk, a stop) must leave nothing behind beside the file. (The dbt schema cache writes
its own way: a private file, through mkstemp.)"""

from __future__ import annotations

import os
from pathlib import Path


def write_whole(path: Path, text: str) -> None:
    """Write `text` (UTF-8) to `path`: into a hidden file beside it, then renamed over it in
    one step. When anything stops the write, the hidden file is removed and the error goes
    on. The hidden name holds the process id, so concurrent builds never share one."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
