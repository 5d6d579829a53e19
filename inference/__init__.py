"""Fennec's inference worker: engines, scheduler, OpenAI-compatible server and client."""
