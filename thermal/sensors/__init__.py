"""Temperature and power sensors: Linux sysfs, macOS (IOReport, SMC), psutil, simulated."""
