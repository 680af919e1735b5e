"""Great Expectations Data Docs that render with no network, in a folder the build owns.

GX writes its own styles, fonts and images beside the pages (they ship in the package) but
loads Bootstrap, jQuery, bootstrap-table, Font Awesome and Vega from CDNs, so offline the
pages are unstyled and the index table, drawn by bootstrap-table from inline data, is
empty. `make_offline` drops every remote `<link>`/`<script src>` and puts in their place a
small local stylesheet (the few Bootstrap classes the pages use) and a small script that
provides what the inline scripts call (`$(...).bootstrapTable` draws the table, show/hide,
row links). Nothing is downloaded, nothing new is installed.

`publish_site` copies the built site into `<warehouse stem>.data_docs/` and removes only
files that an earlier build wrote there (listed in its manifest), never anything else.

GX draws the site in a scratch folder (`scratch_site`) in the system's temporary folder, not
beside the warehouse: GX expands `$NAME` in its paths, so a warehouse folder holding a `$`
would send its pages somewhere else.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from circularity import locking
from circularity.whole_file import write_whole
from circularity.workspace import user_temp_folder

MANIFEST = ".circularity-data-docs.json"
ASSETS = Path("static") / "circularity"
_REMOTE_LINK = re.compile(r"<link\b[^>]*\bhref=[\"']?(?:https?:)?//[^>]*>", re.IGNORECASE)
_REMOTE_SCRIPT = re.compile(
    r"<script\b[^>]*\bsrc=[\"']?(?:https?:)?//[^>]*>\s*</script>", re.IGNORECASE
)
# GX's navbar logo and a stylesheet background come from its S3 bucket; most ship locally.
_GX_WEB_ASSET = re.compile(
    r"https://great-expectations-web-assets\.s3[\w.-]*\.amazonaws\.com/([\w.-]+)(\?[^\"')\s]*)?"
)

OFFLINE_CSS = """
/* Circularity: the part of Bootstrap 4 that GX Data Docs use, so they render offline. */
*,::after,::before{box-sizing:border-box}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;font-size:14px;
line-height:1.5;color:#212529;background:#fff}
a{color:#0056b3;text-decoration:none}a:hover{text-decoration:underline}
.container,.container-fluid{width:100%;padding:0 15px;margin:0 auto}
.row{display:flex;flex-wrap:wrap;margin:0 -15px}
[class*="col-"]{position:relative;width:100%;padding:0 15px}
@media (min-width:768px){.col-md-2{flex:0 0 16.66%;max-width:16.66%}
.col-md-10{flex:0 0 83.33%;max-width:83.33%}.d-md-block{display:block!important}}
.col-12{flex:0 0 100%;max-width:100%}
.d-none{display:none!important}.d-flex{display:flex!important}.d-block{display:block!important}
@media (min-width:576px){.d-sm-block{display:block!important}}
.float-left{float:left}.h-100{height:100%}.align-items-center{align-items:center}
.mr-auto{margin-right:auto}.sticky-top{position:sticky;top:0;z-index:10}
.m-0{margin:0}.mt-0{margin-top:0}.mb-0{margin-bottom:0}.mb-1{margin-bottom:.25rem}
.mt-1{margin-top:.25rem}.ml-1{margin-left:.25rem}.ml-2{margin-left:.5rem}
.mr-2{margin-right:.5rem}.mb-4{margin-bottom:1.5rem}.p-0{padding:0}.p-1{padding:.25rem}
.p-2{padding:.5rem}.pt-4{padding-top:1.5rem}.pb-4{padding-bottom:1.5rem}
.pb-1{padding-bottom:.25rem}.pl-5{padding-left:3rem}.pr-5{padding-right:3rem}
.navbar{display:flex;flex-wrap:wrap;align-items:center;padding:.5rem 1rem;
background:#f8f9fa;border-bottom:1px solid #dee2e6}
.navbar-brand{margin-right:1rem;font-size:1.1rem}.nav{display:flex;flex-wrap:wrap;
padding-left:0;margin:0;list-style:none}.nav-pills{flex-direction:column}
.nav-link{display:block;padding:.25rem .5rem}.nav-link.active{background:#e9ecef}
.breadcrumb-item{display:inline}.breadcrumb-item+.breadcrumb-item::before{content:" / "}
.card{border:1px solid #dee2e6;border-radius:.25rem;margin-bottom:1rem;background:#fff}
.card-header{padding:.5rem 1rem;background:#f7f7f9;border-bottom:1px solid #dee2e6}
.card-body{padding:1rem}
.table{width:100%;border-collapse:collapse;margin-bottom:1rem}
.table td,.table th{padding:.3rem .5rem;border-top:1px solid #dee2e6;vertical-align:top;
text-align:left}.table thead th{border-bottom:2px solid #dee2e6;background:#f7f7f9}
.table-responsive{overflow-x:auto}.clickable-row:hover{background:#f1f5ff;cursor:pointer}
.badge{display:inline-block;padding:.2em .45em;font-size:80%;border-radius:.25rem;
background:#6c757d;color:#fff}.badge-info{background:#17a2b8}
.alert{padding:.5rem 1rem;margin-bottom:.5rem;border:1px solid transparent;border-radius:.25rem}
.alert-secondary{background:#e2e3e5}.alert-danger{background:#f8d7da}
.btn{display:inline-block;padding:.25rem .6rem;border:1px solid #6c757d;border-radius:.25rem;
background:#fff;cursor:pointer}.btn-primary{background:#007bff;color:#fff;border-color:#007bff}
.bg-light{background:#f8f9fa}.border-bottom{border-bottom:1px solid #dee2e6}
.rounded{border-radius:.25rem}.lead{font-size:1.1rem}
.text-success{color:#28a745}.text-danger{color:#dc3545}.text-warning{color:#b58100}
.modal,.fade:not(.show){display:none}
.fas{font-style:normal}.fa-check-circle::before{content:"\\2714"}
.fa-times::before,.fa-times-circle::before{content:"\\2716"}
.fa-exclamation-triangle::before{content:"\\26A0"}
"""

OFFLINE_JS = """
/* Circularity: what the inline scripts of GX Data Docs call, without jQuery or a CDN. */
(function () {
  function ready(fn) {
    if (document.readyState !== "loading") { fn(); }
    else { document.addEventListener("DOMContentLoaded", fn); }
  }
  function drawTable(table, options) {
    var columns = options.columns || [], data = options.data || [];
    var head = "<thead><tr>" + columns.map(function (c) {
      return "<th>" + (c.title || c.field) + "</th>"; }).join("") + "</tr></thead>";
    table.innerHTML = head + "<tbody></tbody>";
    var body = table.tBodies[0];
    data.forEach(function (row) {
      var tr = document.createElement("tr");
      tr.innerHTML = columns.map(function (c) {
        var v = row[c.field]; return "<td>" + (v === undefined ? "" : v) + "</td>"; }).join("");
      if (row._table_row_link_path) {
        tr.className = "clickable-row";
        tr.addEventListener("click", function (event) {
          if (!event.target.closest("a")) { window.location = row._table_row_link_path; }
        });
      }
      body.appendChild(tr);
    });
    table.classList.add("table");
  }
  function Query(nodes) { this.nodes = nodes; }
  Query.prototype.each = function (fn) { this.nodes.forEach(fn); return this; };
  Query.prototype.bootstrapTable = function (options) {
    if (options && typeof options === "object") {
      this.each(function (table) { drawTable(table, options); });
    }
    return this;
  };
  Query.prototype.on = function () { return this; };
  Query.prototype.modal = function () { return this; };
  Query.prototype.tooltip = function () { return this; };
  Query.prototype.popover = function () { return this; };
  Query.prototype.show = Query.prototype.fadeIn = function () {
    return this.each(function (n) { n.style.display = ""; });
  };
  Query.prototype.hide = Query.prototype.fadeOut = function () {
    return this.each(function (n) { n.style.display = "none"; });
  };
  Query.prototype.parent = function () {
    return new Query(this.nodes.map(function (n) { return n.parentNode; }).filter(Boolean));
  };
  Query.prototype.addClass = function (c) {
    return this.each(function (n) { n.classList.add(c); });
  };
  Query.prototype.removeClass = function (c) {
    return this.each(function (n) { n.classList.remove(c); });
  };
  Query.prototype.data = function (key) {
    return this.nodes.length ? this.nodes[0].getAttribute("data-" + key) : undefined;
  };
  function $(selector) {
    if (typeof selector === "function") { ready(selector); return new Query([]); }
    if (typeof selector === "string") {
      try { return new Query(Array.prototype.slice.call(document.querySelectorAll(selector))); }
      catch (error) { return new Query([]); }
    }
    return new Query(selector ? [selector] : []);
  }
  Query.prototype.ready = function (fn) { ready(fn); return this; };
  window.$ = window.jQuery = $;
  window.vegaEmbed = function (target) {
    var node = typeof target === "string" ? document.querySelector(target) : target;
    if (node) { node.textContent = "(this chart needs the Vega library, which is not bundled)"; }
    return Promise.resolve();
  };
})();
"""


def make_offline(site: Path) -> None:
    """Rewrite every page of a built site to load only local files."""
    assets = site / ASSETS
    assets.mkdir(parents=True, exist_ok=True)
    (assets / "offline.css").write_text(OFFLINE_CSS, encoding="utf-8")
    (assets / "offline.js").write_text(OFFLINE_JS, encoding="utf-8")
    for sheet in site.glob("static/styles/*.css"):
        sheet.write_text(
            _local_images(sheet.read_text(encoding="utf-8"), site, "../images/"), encoding="utf-8"
        )
    for page in site.rglob("*.html"):
        prefix = "../" * (len(page.relative_to(site).parts) - 1)
        html = page.read_text(encoding="utf-8")
        html = _REMOTE_SCRIPT.sub("", _REMOTE_LINK.sub("", html))
        html = _local_images(html, site, f"{prefix}static/images/")
        local = (
            f'<link rel="stylesheet" href="{prefix}{ASSETS.as_posix()}/offline.css">'
            f'<script src="{prefix}{ASSETS.as_posix()}/offline.js"></script>'
        )
        # Before GX's own styles, so its rules keep the last word.
        html = html.replace("<head>", "<head>" + local, 1)
        page.write_text(html, encoding="utf-8")


def _local_images(text: str, site: Path, images: str) -> str:
    """Point GX's web images at the copies in static/images; an empty image otherwise."""

    def local(match: re.Match[str]) -> str:
        name = match.group(1)
        return images + name if (site / "static" / "images" / name).is_file() else "data:,"

    return _GX_WEB_ASSET.sub(local, text)


_SCRATCH_PREFIX = "data-docs-"
_SCRATCH_MARK = "in-use.lock"  # flock'ed while a build draws its site there
_SITE = "site"


def _scratch_parent() -> Path:
    """This user's private folder in the system's temporary folder (made 0700), or the
    temporary folder itself when another user owns that name."""
    parent = user_temp_folder()
    try:
        parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if parent.is_dir() and not parent.is_symlink() and parent.stat().st_uid == os.getuid():
            return parent
    except OSError:
        pass
    return Path(tempfile.gettempdir())


def remove_abandoned_scratch(parent: Path) -> list[Path]:
    """Remove the scratch folders of builds that were killed while GX drew their site: the
    ones whose mark no live process holds. A folder without the mark is only removed when
    it is empty (a build killed between making it and marking it). Returns what went."""
    removed = []
    for folder in parent.glob(f"{_SCRATCH_PREFIX}*"):
        if folder.is_symlink() or not folder.is_dir():
            continue
        descriptor = locking.try_existing(folder / _SCRATCH_MARK)
        if descriptor is None:
            if not (folder / _SCRATCH_MARK).exists():
                with suppress(OSError):
                    folder.rmdir()  # only succeeds when empty
                    removed.append(folder)
            continue
        try:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
        finally:
            locking.release(descriptor)
    return removed


@contextmanager
def scratch_site() -> Iterator[Path]:
    """A new, empty folder for GX to draw a site in, removed after the block. A build killed
    in the block leaves it behind; the next build's scratch_site removes it."""
    parent = _scratch_parent()
    remove_abandoned_scratch(parent)
    scratch = Path(tempfile.mkdtemp(prefix=_SCRATCH_PREFIX, dir=parent))
    try:
        descriptor = locking.acquire(scratch / _SCRATCH_MARK)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    try:
        yield scratch / _SITE
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        locking.release(descriptor)


def _read_manifest(target: Path) -> dict:
    """The manifest of the site in `target`: the warehouse it documents (None when unknown)
    and the files the build wrote. Earlier builds wrote a list of the files alone."""
    try:
        manifest = json.loads((target / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        manifest = {}
    if isinstance(manifest, list):
        manifest = {"files": manifest}
    if not isinstance(manifest, dict):
        manifest = {}
    owner, files = manifest.get("warehouse"), manifest.get("files")
    return {
        "warehouse": owner if isinstance(owner, str) else None,
        "files": [name for name in files if isinstance(name, str)]
        if isinstance(files, list)
        else [],
    }


def site_owner(target: Path) -> str | None:
    """The file name of the warehouse whose build wrote the site in `target`, if known."""
    return _read_manifest(target)["warehouse"]


def publish_site(built: Path, target: Path, owner: str | None = None) -> None:
    """Replace the site in `target` with `built`: remove the files the previous build
    listed in the manifest, copy the new ones, list them with the file name of the
    warehouse they document (`owner`). A file in `target` that no build wrote (a user's) is
    left alone, even where the new site has a file of that name."""
    target.mkdir(parents=True, exist_ok=True)
    manifest = target / MANIFEST
    previous = _read_manifest(target)["files"]
    for name in previous:
        path = target / name
        if ".." not in Path(name).parts and path.is_file():
            path.unlink()
    _remove_empty_dirs(target, {Path(name).parent for name in previous})
    pages = []
    for source in sorted(p for p in built.rglob("*") if p.is_file()):
        relative = source.relative_to(built)
        destination = target / relative
        if destination.exists() or destination.is_symlink():
            continue  # a user's file: what the earlier build wrote is gone by now
        pages.append((source, destination, relative.as_posix()))
    # The pages are listed before they are copied: a copy cut short (a full disk, a stop)
    # leaves only pages that the next build knows as its own and removes.
    write_whole(
        manifest,
        json.dumps({"warehouse": owner, "files": [name for _, _, name in pages]}, indent=0),
    )
    for source, destination, _ in pages:
        try:
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, destination)
        except OSError as error:
            # shutil names the page it read, in a scratch folder: name the one being written.
            raise OSError(error.errno, error.strerror, str(destination)) from error


def _remove_empty_dirs(root: Path, folders: set[Path]) -> None:
    """Remove folders the previous site used once they are empty, deepest first."""
    candidates = set()
    for folder in folders:
        while folder.parts:
            candidates.add(folder)
            folder = folder.parent
    for folder in sorted(candidates, key=lambda f: len(f.parts), reverse=True):
        path = root / folder
        if path.is_dir() and not any(path.iterdir()):
            path.rmdir()
