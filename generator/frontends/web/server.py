"""Running the web application: which addresses it answers on, and what they require."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from generator.errors import UsageError

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
MIN_TOKEN = 12


def check_exposure(host: str, token: str | None) -> None:
    """Only this machine may reach the page, unless a password is set (UsageError otherwise)."""
    if host in LOCAL_HOSTS:
        return
    if not token:
        raise UsageError(f"--host {host} ouvre la page au réseau : donnez aussi un mot de passe avec --token "
                         "(ou la variable DOSSIER_TOKEN)")
    if len(token) < MIN_TOKEN:
        raise UsageError(f"--token : au moins {MIN_TOKEN} caractères pour une page ouverte au réseau")


def allowed_hosts(host: str, extra: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The names the browser may use in the address (a page on 0.0.0.0 is reached by the machine's names)."""
    import socket

    names = {"127.0.0.1", "localhost", "::1", *extra}
    if host not in LOCAL_HOSTS:
        names.add(host)
        if host in ("0.0.0.0", "::"):
            names |= {socket.gethostname(), socket.getfqdn()}
            try:
                names |= set(socket.gethostbyname_ex(socket.gethostname())[2])
            except OSError:
                pass
    return tuple(sorted(n.lower() for n in names if n))


def serve(root: Path, templates_dir: Path | None, host: str, port: int, token: str | None, git: bool,
          announce: Callable[[str], None], extra_hosts: tuple[str, ...] = ()) -> None:
    import uvicorn

    from generator.frontends.web.app import create_app

    check_exposure(host, token)
    if not root.is_dir():
        raise UsageError(f"{root} : dossier de références introuvable (dossier init pour en créer un)")
    app = create_app(root, templates_dir, token or None,
                     allowed_hosts(host, extra_hosts), git)
    shown = f"[{host}]" if ":" in host else host
    announce(f"Page ouverte sur http://{shown}:{port}/ (bibliothèque {root}) ; Ctrl+C pour arrêter")
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False, server_header=False)
