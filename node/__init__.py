"""Solidarity Node: a federated ActivityPub node for solidarity networks."""

__version__ = "0.1.0"
SOFTWARE_NAME = "solidarity-node"
