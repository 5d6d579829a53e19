"""macOS (Apple Silicon) sensors without root: the thin layer of OS calls.

- Power: IOReport "Energy Model" channel deltas over the sampling interval (libIOReport).
- Temperatures: SMC keys through IOKit's AppleSMC user client (die Tp*/Te*/Tf*/Tg*; PSTR).
- NSProcessInfo.thermalState as the safety override.
Decoding lives in `macos_parse.py` (tested on recorded values); what is here can only run
on a Mac, so every call is guarded and a failure becomes a "missing" entry, not a crash.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import struct

from thermal.clock import Clock, SystemClock
from thermal.sensors.macos_parse import (
    decode_smc,
    ioreport_power,
    smc_system_power,
    smc_temperatures,
    thermal_state_name,
)
from thermal.sensors.readings import Reading, Snapshot

_CF_UTF8 = 0x08000100
_SMC_READ_BYTES, _SMC_READ_KEYINFO, _SMC_READ_INDEX = 5, 9, 8


class _KeyInfo(ctypes.Structure):
    _fields_ = [
        ("data_size", ctypes.c_uint32),
        ("data_type", ctypes.c_uint32),
        ("data_attributes", ctypes.c_uint8),
    ]


class _SMCKeyData(ctypes.Structure):
    _fields_ = [
        ("key", ctypes.c_uint32),
        ("vers", ctypes.c_uint8 * 6),
        ("p_limit_data", ctypes.c_uint8 * 16),
        ("key_info", _KeyInfo),
        ("result", ctypes.c_uint8),
        ("status", ctypes.c_uint8),
        ("data8", ctypes.c_uint8),
        ("data32", ctypes.c_uint32),
        ("bytes", ctypes.c_uint8 * 32),
    ]


def _fourcc(text: str) -> int:
    return struct.unpack(">I", text.encode("ascii"))[0]


def _from_fourcc(value: int) -> str:
    return struct.pack(">I", value).decode("ascii", errors="replace")


class _CoreFoundation:
    def __init__(self) -> None:
        cf = ctypes.cdll.LoadLibrary(ctypes.util.find_library("CoreFoundation"))
        cf.CFStringCreateWithCString.restype = ctypes.c_void_p
        cf.CFStringCreateWithCString.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_uint32]
        cf.CFStringGetCString.argtypes = [
            ctypes.c_void_p,
            ctypes.c_char_p,
            ctypes.c_long,
            ctypes.c_uint32,
        ]
        cf.CFDictionaryGetValue.restype = ctypes.c_void_p
        cf.CFDictionaryGetValue.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
        cf.CFArrayGetCount.argtypes = [ctypes.c_void_p]
        cf.CFArrayGetValueAtIndex.restype = ctypes.c_void_p
        cf.CFArrayGetValueAtIndex.argtypes = [ctypes.c_void_p, ctypes.c_long]
        cf.CFRelease.argtypes = [ctypes.c_void_p]
        self.cf = cf

    def string(self, text: str) -> int:
        return self.cf.CFStringCreateWithCString(None, text.encode(), _CF_UTF8)

    def to_str(self, ref: int | None) -> str:
        if not ref:
            return ""
        buf = ctypes.create_string_buffer(256)
        self.cf.CFStringGetCString(ref, buf, 256, _CF_UTF8)
        return buf.value.decode(errors="replace")


class IOReportEnergy:
    """Subscribes once to the "Energy Model" group; each `sample` returns channel deltas."""

    def __init__(self, cf: _CoreFoundation) -> None:
        self._cf = cf
        lib = ctypes.cdll.LoadLibrary("/usr/lib/libIOReport.dylib")
        for fn, restype in [
            ("IOReportCopyChannelsInGroup", ctypes.c_void_p),
            ("IOReportCreateSubscription", ctypes.c_void_p),
            ("IOReportCreateSamples", ctypes.c_void_p),
            ("IOReportCreateSamplesDelta", ctypes.c_void_p),
            ("IOReportChannelGetChannelName", ctypes.c_void_p),
            ("IOReportChannelGetUnitLabel", ctypes.c_void_p),
            ("IOReportSimpleGetIntegerValue", ctypes.c_int64),
        ]:
            getattr(lib, fn).restype = restype
        lib.IOReportCopyChannelsInGroup.argtypes = [ctypes.c_void_p] * 2 + [ctypes.c_uint64] * 3
        lib.IOReportCreateSubscription.argtypes = [
            ctypes.c_void_p,
            ctypes.c_void_p,
            ctypes.POINTER(ctypes.c_void_p),
            ctypes.c_uint64,
            ctypes.c_void_p,
        ]
        lib.IOReportCreateSamples.argtypes = [ctypes.c_void_p] * 3
        lib.IOReportCreateSamplesDelta.argtypes = [ctypes.c_void_p] * 3
        lib.IOReportChannelGetChannelName.argtypes = [ctypes.c_void_p]
        lib.IOReportChannelGetUnitLabel.argtypes = [ctypes.c_void_p]
        lib.IOReportSimpleGetIntegerValue.argtypes = [ctypes.c_void_p, ctypes.c_int32]
        self._lib = lib
        self._channels = lib.IOReportCopyChannelsInGroup(cf.string("Energy Model"), None, 0, 0, 0)
        self._subscribed = ctypes.c_void_p()
        self._sub = lib.IOReportCreateSubscription(
            None, self._channels, ctypes.byref(self._subscribed), 0, None
        )
        if not self._sub:
            raise OSError("IOReport subscription failed")
        self._last = lib.IOReportCreateSamples(self._sub, self._subscribed, None)

    def sample(self) -> list[tuple[str, int, str]]:
        lib, cf = self._lib, self._cf
        now = lib.IOReportCreateSamples(self._sub, self._subscribed, None)
        delta = lib.IOReportCreateSamplesDelta(self._last, now, None)
        cf.cf.CFRelease(self._last)
        self._last = now
        items = cf.cf.CFDictionaryGetValue(delta, cf.string("IOReportChannels"))
        out = []
        for i in range(cf.cf.CFArrayGetCount(items) if items else 0):
            ch = cf.cf.CFArrayGetValueAtIndex(items, i)
            out.append(
                (
                    cf.to_str(lib.IOReportChannelGetChannelName(ch)),
                    int(lib.IOReportSimpleGetIntegerValue(ch, 0)),
                    cf.to_str(lib.IOReportChannelGetUnitLabel(ch)),
                )
            )
        cf.cf.CFRelease(delta)
        return out


class AppleSMC:
    """Reads SMC keys through IOKit's AppleSMC user client (no root needed)."""

    def __init__(self) -> None:
        iokit = ctypes.cdll.LoadLibrary(ctypes.util.find_library("IOKit"))
        libc = ctypes.cdll.LoadLibrary(ctypes.util.find_library("c"))
        iokit.IOServiceMatching.restype = ctypes.c_void_p
        iokit.IOServiceMatching.argtypes = [ctypes.c_char_p]
        iokit.IOServiceGetMatchingService.argtypes = [ctypes.c_uint32, ctypes.c_void_p]
        iokit.IOServiceGetMatchingService.restype = ctypes.c_uint32
        iokit.IOServiceOpen.argtypes = [
            ctypes.c_uint32,
            ctypes.c_uint32,
            ctypes.c_uint32,
            ctypes.POINTER(ctypes.c_uint32),
        ]
        iokit.IOConnectCallStructMethod.argtypes = [
            ctypes.c_uint32,
            ctypes.c_uint32,
            ctypes.c_void_p,
            ctypes.c_size_t,
            ctypes.c_void_p,
            ctypes.POINTER(ctypes.c_size_t),
        ]
        service = iokit.IOServiceGetMatchingService(0, iokit.IOServiceMatching(b"AppleSMC"))
        if not service:
            raise OSError("AppleSMC service not found")
        self._conn = ctypes.c_uint32()
        task = ctypes.c_uint32.in_dll(libc, "mach_task_self_")
        if iokit.IOServiceOpen(service, task, 0, ctypes.byref(self._conn)) != 0:
            raise OSError("cannot open AppleSMC")
        self._iokit = iokit
        self._info: dict[str, _KeyInfo] = {}
        self.keys = [k for k in self._all_keys() if k.startswith(("Tp", "Te", "Tf", "Tg"))]
        self.keys += ["PSTR"]

    def _call(self, data: _SMCKeyData) -> _SMCKeyData:
        out = _SMCKeyData()
        size = ctypes.c_size_t(ctypes.sizeof(out))
        rc = self._iokit.IOConnectCallStructMethod(
            self._conn.value,
            2,
            ctypes.byref(data),
            ctypes.sizeof(data),
            ctypes.byref(out),
            ctypes.byref(size),
        )
        if rc != 0 or out.result != 0:
            raise OSError(f"SMC call failed ({rc}/{out.result})")
        return out

    def _all_keys(self) -> list[str]:
        count = int(self.read("#KEY") or 0)
        keys = []
        for i in range(count):
            data = _SMCKeyData(data8=_SMC_READ_INDEX, data32=i)
            try:
                keys.append(_from_fourcc(self._call(data).key))
            except OSError:
                continue
        return keys

    def read(self, key: str) -> float | None:
        try:
            info = self._info.get(key)
            if info is None:
                info = self._call(_SMCKeyData(key=_fourcc(key), data8=_SMC_READ_KEYINFO)).key_info
                self._info[key] = info
            data = _SMCKeyData(key=_fourcc(key), data8=_SMC_READ_BYTES, key_info=info)
            out = self._call(data)
            raw = bytes(out.bytes)[: info.data_size]
            return decode_smc(_from_fourcc(info.data_type), raw)
        except (OSError, ValueError, struct.error):
            return None


def thermal_state() -> str | None:
    """NSProcessInfo.processInfo.thermalState through the Objective-C runtime."""
    objc = ctypes.cdll.LoadLibrary(ctypes.util.find_library("objc"))
    ctypes.cdll.LoadLibrary(ctypes.util.find_library("Foundation"))
    objc.objc_getClass.restype = ctypes.c_void_p
    objc.objc_getClass.argtypes = [ctypes.c_char_p]
    objc.sel_registerName.restype = ctypes.c_void_p
    objc.sel_registerName.argtypes = [ctypes.c_char_p]
    send = objc.objc_msgSend
    send.restype = ctypes.c_void_p
    send.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
    info = send(objc.objc_getClass(b"NSProcessInfo"), objc.sel_registerName(b"processInfo"))
    send.restype = ctypes.c_long
    return thermal_state_name(int(send(info, objc.sel_registerName(b"thermalState"))))


class MacSensors:
    def __init__(self, clock: Clock | None = None) -> None:
        self.clock = clock or SystemClock()
        self._missing: list[str] = []
        self._cf = _CoreFoundation()
        self._energy = self._smc = None
        try:
            self._energy = IOReportEnergy(self._cf)
        except OSError as e:
            self._missing.append(f"power: IOReport unavailable ({e})")
        try:
            self._smc = AppleSMC()
        except OSError as e:
            self._missing.append(f"temperature: SMC unavailable ({e})")
        self._last_t = self.clock.monotonic()

    def read(self) -> Snapshot:
        t = self.clock.monotonic()
        interval, self._last_t = t - self._last_t, t
        power: list[Reading] = []
        temps: list[Reading] = []
        if self._energy is not None:
            power += ioreport_power(self._energy.sample(), interval)
        if self._smc is not None:
            values = {k: v for k in self._smc.keys if (v := self._smc.read(k)) is not None}
            temps += smc_temperatures(values)
            system = smc_system_power(values)
            if system is not None:
                power.append(system)
        try:
            pressure = thermal_state()
        except (OSError, AttributeError):
            pressure = None
        return Snapshot(t, tuple(temps), tuple(power), pressure, tuple(self._missing))
