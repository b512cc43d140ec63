"""The addresses of a merchant page and of its QR codes."""

from __future__ import annotations

from typing import Any

PAGE_PATH = "/m/{token}"
DOWNLOADS = {"png": "qr.png", "svg": "qr.svg", "pdf": "qr.pdf"}


def base_url(public_url: str | None, request: Any) -> str:
    """``CREDIT_GATEWAY_PUBLIC_URL`` when set, else the address the request came to (right without a proxy in
    front; behind one, set the setting)."""
    if public_url:
        return public_url.rstrip("/")
    if request is None:
        return ""
    return str(request.base_url).rstrip("/")


def page_url(base: str, token: str) -> str:
    return base + PAGE_PATH.format(token=token)


def download_url(base: str, token: str, kind: str) -> str:
    return f"{page_url(base, token)}/{DOWNLOADS[kind]}"
