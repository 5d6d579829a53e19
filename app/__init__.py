"""Fennec's desktop side: command line, history, settings, secrets, and (in ui/) the Qt app."""
