"""Upwell: a privacy-first, opt-in communication coach."""

__version__ = "0.1.0"
