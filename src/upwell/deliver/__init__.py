"""Delivery shells (CLI now; web, digest and chat later): decode input, call the library, render."""
