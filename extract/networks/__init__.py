"""One package per network; `load_network` is the only place that knows their names."""

from __future__ import annotations

import importlib

from extract.errors import UserError
from extract.network import Network

NETWORKS = ("x",)


def load_network(name: str) -> Network:
    if name not in NETWORKS:
        raise UserError(f"unknown network {name!r}; supported: {', '.join(NETWORKS)}")
    module = importlib.import_module(f"extract.networks.{name}")
    return module.NETWORK
