"""Static files with fingerprinted names, compressed once and cached for a year.

At start-up every file under ``static/`` gets a name with a hash of its content
(``css/app.css`` -> ``css/app.3f2a9c1b7d4e.css``). ``url_for('static', ...)`` hands out that
name, so a browser may keep a file forever and a new release changes the name. Text files are
gzip-compressed once, in memory, and sent compressed to browsers that accept it. No build
step: the names follow the files the release ships.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, Response, abort, request

#: long enough that browsers keep a fingerprinted file until the name changes
IMMUTABLE = "public, max-age=31536000, immutable"
#: a file asked for by its plain name is checked again on every use
REVALIDATE = "no-cache"
_COMPRESSIBLE = {".css", ".js", ".map", ".svg", ".json", ".txt", ".md"}
#: below this, compressing saves less than the header costs
_MIN_COMPRESS_BYTES = 1024
#: compressed bodies by content hash: a process that builds several apps (the CLI, the tests)
#: compresses each file once, not once per app
_GZIPPED: dict[str, bytes] = {}


@dataclass(frozen=True)
class Asset:
    data: bytes
    gzipped: bytes | None
    mimetype: str
    etag: str


@dataclass(frozen=True)
class AssetTable:
    #: plain name -> fingerprinted name
    names: dict[str, str]
    #: plain or fingerprinted name -> (the file, whether the name was fingerprinted)
    files: dict[str, tuple[Asset, bool]]


def fingerprinted_name(relative: str, digest: str) -> str:
    """``css/app.css`` with digest ``3f2a…`` -> ``css/app.3f2a….css``."""
    path = Path(relative)
    return str(path.with_name(f"{path.stem}.{digest}{path.suffix}"))


def build_asset_table(folder: Path) -> AssetTable:
    """Read, hash and compress every file under ``folder``."""
    names: dict[str, str] = {}
    files: dict[str, tuple[Asset, bool]] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        relative = path.relative_to(folder).as_posix()
        data = path.read_bytes()
        content_hash = hashlib.sha256(data).hexdigest()
        digest = content_hash[:12]
        compressible = path.suffix in _COMPRESSIBLE and len(data) >= _MIN_COMPRESS_BYTES
        if compressible and content_hash not in _GZIPPED:
            _GZIPPED[content_hash] = gzip.compress(data, compresslevel=9, mtime=0)
        asset = Asset(
            data=data,
            gzipped=_GZIPPED[content_hash] if compressible else None,
            mimetype=mimetypes.guess_type(path.name)[0] or "application/octet-stream",
            etag=digest,
        )
        fingerprinted = fingerprinted_name(relative, digest)
        names[relative] = fingerprinted
        files[relative] = (asset, False)
        files[fingerprinted] = (asset, True)
    return AssetTable(names, files)


def register_assets(app: Flask) -> None:
    """Serve ``/static/`` from the table and make ``url_for`` hand out fingerprinted names."""
    table = build_asset_table(Path(app.static_folder or "static"))

    @app.url_defaults
    def fingerprint(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and values.get("filename") in table.names:
            values["filename"] = table.names[values["filename"]]

    def serve(filename: str) -> Response:
        found = table.files.get(filename)
        if found is None:
            abort(404)
        asset, immutable = found
        gzip_ok = asset.gzipped is not None and request.accept_encodings.quality("gzip") > 0
        response = Response(asset.gzipped if gzip_ok else asset.data, mimetype=asset.mimetype)
        if gzip_ok:
            response.headers["Content-Encoding"] = "gzip"
        if asset.gzipped is not None:
            response.headers["Vary"] = "Accept-Encoding"
        response.headers["Cache-Control"] = IMMUTABLE if immutable else REVALIDATE
        response.set_etag(asset.etag + ("-gzip" if gzip_ok else ""))
        return response.make_conditional(request)

    app.view_functions["static"] = serve
