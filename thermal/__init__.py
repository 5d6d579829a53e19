"""Fennec's thermal and power awareness: sensors, governor, simulation. Imports nothing of ours."""
