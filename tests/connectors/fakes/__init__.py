"""Loopback stand-ins for the providers (see server.py), and synthetic people."""
