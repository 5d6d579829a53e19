"""A local stand-in for huggingface.co: the two routes Fennec's downloader uses (the tree
listing and resolve, with Range and a CDN-style redirect for LFS files), and a log of every
request so a test can say exactly which bytes were asked for."""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlparse

LFS_SUFFIXES = (".gguf", ".safetensors")


@dataclass
class FakeHub:
    repos: dict[str, dict[str, bytes]]
    requests: list[tuple[str, str, str | None]] = field(default_factory=list)  # method, path, Range
    ignore_range: bool = False
    drop_after: int | None = None  # cut the next file download after this many bytes
    corrupt: set[str] = field(default_factory=set)  # files served with one byte flipped
    published_sha: dict[str, str] = field(default_factory=dict)  # override the listed sha256
    page_size: int | None = None  # page the tree listing, as the Hub does past 1,000 entries

    def start(self) -> str:
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep pytest output clean
                pass

            def do_HEAD(self) -> None:
                hub._serve(self, body=False)

            def do_GET(self) -> None:
                hub._serve(self, body=True)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def file_gets(self) -> list[str]:
        """The files whose bytes were requested (GET on the CDN route)."""
        return [
            p.split("/", 3)[3] for m, p, _ in self.requests if m == "GET" and p.startswith("/cdn/")
        ]

    # -- routes ----------------------------------------------------------------------------------
    def _serve(self, h: BaseHTTPRequestHandler, body: bool) -> None:
        path = unquote(urlparse(h.path).path)
        self.requests.append((h.command, path, h.headers.get("Range")))
        if path.startswith("/api/models/"):
            return self._tree(h, path, parse_qs(urlparse(h.path).query))
        if path.startswith("/cdn/"):
            _, _, repo_key, name = path.split("/", 3)
            return self._file(h, repo_key.replace("--", "/"), name, body)
        if "/resolve/" in path:  # /{org}/{repo}/resolve/{rev}/{file}: LFS files go to the CDN
            repo, rest = path[1:].split("/resolve/", 1)
            name = rest.split("/", 1)[1]
            if repo not in self.repos or name not in self.repos[repo]:
                return self._send(h, 404, b"Entry not found", body)
            if name.endswith(LFS_SUFFIXES):
                h.send_response(302)
                h.send_header("Location", f"/cdn/{repo.replace('/', '--')}/{name}")
                h.send_header("Content-Length", "0")
                h.end_headers()
                return None
            return self._file(h, repo, name, body)
        return self._send(h, 404, b"not found", body)

    def _tree(self, h: BaseHTTPRequestHandler, path: str, query: dict) -> None:
        repo = path[len("/api/models/") :].split("/tree/", 1)[0]
        if repo not in self.repos:
            return self._send(h, 404, b'{"error": "Repository not found"}', True)
        entries = []
        for name, data in sorted(self.repos[repo].items()):
            entry = {"type": "file", "path": name, "size": len(data), "oid": "0" * 40}
            if name.endswith(LFS_SUFFIXES):
                sha = self.published_sha.get(name, hashlib.sha256(data).hexdigest())
                entry["lfs"] = {"oid": sha, "size": len(data), "pointerSize": 134}
            entries.append(entry)
        link = None
        if self.page_size:
            start = int(query.get("cursor", ["0"])[0])
            if start + self.page_size < len(entries):
                link = f'<{path}?cursor={start + self.page_size}>; rel="next"'
            entries = entries[start : start + self.page_size]
        payload = json.dumps(entries).encode()
        h.send_response(200)
        h.send_header("Content-Length", str(len(payload)))
        if link:
            h.send_header("Link", link)
        h.end_headers()
        h.wfile.write(payload)
        return None

    def _file(self, h: BaseHTTPRequestHandler, repo: str, name: str, body: bool) -> None:
        data = self.repos[repo][name]
        if name in self.corrupt:
            data = bytes([data[0] ^ 0xFF]) + data[1:]
        start = 0
        rng = h.headers.get("Range")
        if rng and not self.ignore_range:
            start = int(rng.split("=", 1)[1].split("-", 1)[0])
            if start >= len(data):
                return self._send(h, 416, b"", body)
            h.send_response(206)
            h.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            h.send_response(200)
        h.send_header("Content-Length", str(len(data) - start))
        h.send_header("ETag", f'"{hashlib.sha256(data).hexdigest()}"')
        h.send_header("X-Repo-Commit", "f" * 40)
        h.end_headers()
        if not body:
            return None
        payload = data[start:]
        if self.drop_after is not None:
            cut, self.drop_after = self.drop_after, None
            h.wfile.write(payload[:cut])
            h.wfile.flush()
            h.close_connection = True
            return None
        h.wfile.write(payload)
        return None

    @staticmethod
    def _send(h: BaseHTTPRequestHandler, status: int, data: bytes, body: bool) -> None:
        h.send_response(status)
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        if body:
            h.wfile.write(data)
