#!/usr/bin/env python3
"""A moving-average UDF agent for Kapacitor's UDF protocol (udf.proto),
written from the protocol with a small hand-written protobuf codec, so it
needs nothing but the Python standard library (no protoc, no generated code).

Options: .field(string) .size(int) .as(string). Wants and provides a stream.
Per group it keeps the last `size` values of `field` and, once it has `size`
of them, answers each point with one point carrying `as` = their mean.

Run on stdin/stdout (python3 -u moving_avg.py), or `--socket PATH` to listen
on a unix socket (one connection at a time). `--crash-after N` exits (or, on a
socket, drops the connection) on the Nth point; `--hang-after N` stops reading
and answering from the Nth point on.
"""
import os
import socket
import struct
import sys
import time

# ---- protobuf wire format ------------------------------------------------


def read_varint(buf, i):
    shift = 0
    result = 0
    while True:
        b = buf[i]
        i += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, i
        shift += 7


def parse(buf):
    """A message's fields: {number: [value, ...]} (ints, bytes or floats)."""
    out = {}
    i = 0
    while i < len(buf):
        key, i = read_varint(buf, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, i = read_varint(buf, i)
        elif wt == 1:
            v = struct.unpack("<d", buf[i:i + 8])[0]
            i += 8
        elif wt == 2:
            n, i = read_varint(buf, i)
            v = bytes(buf[i:i + n])
            i += n
        elif wt == 5:
            v = buf[i:i + 4]
            i += 4
        else:
            raise ValueError("unsupported wire type %d" % wt)
        out.setdefault(num, []).append(v)
    return out


def signed(v):
    return v - (1 << 64) if v >= 1 << 63 else v


def varint(v):
    if v < 0:
        v += 1 << 64
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def f_varint(num, v):
    return varint(num << 3) + varint(v)


def f_bytes(num, data):
    if isinstance(data, str):
        data = data.encode()
    return varint(num << 3 | 2) + varint(len(data)) + data


def f_double(num, v):
    return varint(num << 3 | 1) + struct.pack("<d", v)


def string_map(num, d):
    return b"".join(f_bytes(num, f_bytes(1, k) + f_bytes(2, v)) for k, v in sorted(d.items()))


def map_entries(fields, num, default):
    """Decodes map<string, X> entries into {key: raw value}; proto3 leaves a
    default value (0, 0.0, "") out of the entry."""
    out = {}
    for entry in fields.get(num, []):
        e = parse(entry)
        k = e.get(1, [b""])[0].decode()
        out[k] = e.get(2, [default])[0]
    return out


# ---- messages --------------------------------------------------------------

STREAM, BATCH = 0, 1
BOOL, INT, DOUBLE, STRING, DURATION = 0, 1, 2, 3, 4


def info_response():
    options = {"field": [STRING], "size": [INT], "as": [STRING]}
    body = f_varint(1, STREAM) + f_varint(2, STREAM)
    for name, types in sorted(options.items()):
        packed = b"".join(varint(t) for t in types)
        body += f_bytes(3, f_bytes(1, name) + f_bytes(2, f_bytes(1, packed)))
    return f_bytes(1, body)


def point_message(p, value, as_name):
    body = f_varint(1, p["time"]) + f_bytes(2, p["name"]) + f_bytes(3, p["database"])
    body += f_bytes(4, p["rp"]) + f_bytes(5, p["group"])
    for d in p["dimensions"]:
        body += f_bytes(6, d)
    body += string_map(7, p["tags"])
    body += f_bytes(8, f_bytes(1, as_name) + f_double(2, value))
    if p["by_name"]:
        body += f_varint(11, 1)
    return f_bytes(17, body)


def decode_point(b):
    f = parse(b)
    tags = {k: v.decode() for k, v in map_entries(f, 7, b"").items()}
    doubles = map_entries(f, 8, 0.0)
    ints = {k: signed(v) for k, v in map_entries(f, 9, 0).items()}
    return {
        "time": signed(f.get(1, [0])[0]),
        "name": f.get(2, [b""])[0].decode(),
        "database": f.get(3, [b""])[0].decode(),
        "rp": f.get(4, [b""])[0].decode(),
        "group": f.get(5, [b""])[0].decode(),
        "dimensions": [d.decode() for d in f.get(6, [])],
        "tags": tags,
        "fields": dict(list(ints.items()) + list(doubles.items())),
        "by_name": bool(f.get(11, [0])[0]),
    }


# ---- the agent ---------------------------------------------------------------


class Agent:
    def __init__(self, crash_after, hang_after):
        self.field, self.size, self.as_name = "value", 0, "avg"
        self.windows = {}
        self.points = 0
        self.crash_after = crash_after
        self.hang_after = hang_after

    def handle(self, req):
        """Answers one request; returns the encoded responses."""
        f = parse(req)
        if 1 in f:
            return [info_response()]
        if 2 in f:
            init = parse(f[2][0])
            for opt in init.get(1, []):
                o = parse(opt)
                name = o[1][0].decode()
                v = parse(o[2][0])
                if name == "field":
                    self.field = v.get(5, [b""])[0].decode()
                elif name == "as":
                    self.as_name = v.get(5, [b""])[0].decode()
                elif name == "size":
                    self.size = signed(v.get(3, [0])[0])
            if self.size <= 0:
                return [f_bytes(2, f_varint(1, 0) + f_bytes(2, "size must be > 0"))]
            return [f_bytes(2, f_varint(1, 1))]
        if 3 in f:
            t = parse(f[3][0]).get(1, [0])[0]
            return [f_bytes(3, f_varint(1, signed(t)))]
        if 4 in f:
            lines = []
            for g, w in sorted(self.windows.items()):
                lines.append(g + "\t" + ",".join(repr(x) for x in w))
            return [f_bytes(4, f_bytes(1, "\n".join(lines)))]
        if 5 in f:
            data = parse(f[5][0]).get(1, [b""])[0].decode()
            self.windows = {}
            for line in data.split("\n"):
                if line:
                    g, vals = line.split("\t")
                    self.windows[g] = [float(x) for x in vals.split(",") if x]
            return [f_bytes(5, f_varint(1, 1))]
        if 17 in f:
            self.points += 1
            if self.crash_after and self.points >= self.crash_after:
                raise SystemExit(3)
            if self.hang_after and self.points >= self.hang_after:
                while True:
                    time.sleep(3600)
            p = decode_point(f[17][0])
            if self.field not in p["fields"]:
                return [f_bytes(6, f_bytes(1, "missing field " + self.field))]
            w = self.windows.setdefault(p["group"], [])
            w.append(float(p["fields"][self.field]))
            if len(w) > self.size:
                del w[0]
            if len(w) == self.size:
                return [point_message(p, sum(w) / len(w), self.as_name)]
            return []
        return []


def frames(read):
    """Yields each length-prefixed message from a read(n) function."""
    while True:
        size, shift = 0, 0
        while True:
            b = read(1)
            if not b:
                return
            size |= (b[0] & 0x7F) << shift
            if b[0] < 0x80:
                break
            shift += 7
        data = b""
        while len(data) < size:
            chunk = read(size - len(data))
            if not chunk:
                return
            data += chunk
        yield data


def serve(read, write, agent):
    for req in frames(read):
        for resp in agent.handle(req):
            write(varint(len(resp)) + resp)


def main():
    args = sys.argv[1:]
    opts = {"--socket": None, "--crash-after": "0", "--hang-after": "0"}
    while args:
        k = args.pop(0)
        opts[k] = args.pop(0)
    crash, hang = int(opts["--crash-after"]), int(opts["--hang-after"])
    if opts["--socket"] is None:
        out = sys.stdout.buffer

        def write(b):
            out.write(b)
            out.flush()

        serve(sys.stdin.buffer.read, write, Agent(crash, hang))
        return
    path = opts["--socket"]
    if os.path.exists(path):
        os.remove(path)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(8)
    while True:
        conn, _ = srv.accept()
        f = conn.makefile("rb")
        try:
            # A crash on a socket drops this connection; the agent keeps listening.
            serve(f.read, conn.sendall, Agent(crash, hang))
        except SystemExit:
            pass
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            f.close()
            conn.close()


if __name__ == "__main__":
    main()
